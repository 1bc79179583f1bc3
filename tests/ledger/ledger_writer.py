"""A separate process that appends one statement to a ledger (for the crash and concurrency tests).

As a script: ledger_writer.py LEDGER YEAR ACTIVITY N_LINES [--correct REASON] [--wait]
prints ``ready`` once imported (just before it opens the ledger), with ``--wait`` waits
for a line on stdin, appends, and prints ``written <version>`` or ``unchanged <version>``
(exit 0), ``busy`` (exit 4) or ``refused`` (exit 3).

``append_one`` is the same, as a ``multiprocessing`` target: the crash test forks many
writers from a forkserver that has imported wholepop once, so each trial costs
milliseconds rather than a fresh interpreter's imports.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerBusy, LedgerError
from wholepop.ledger import is_url


def location(text: str):
    """A ledger location as given on the command line: a URL stays text, a file is a Path."""
    return text if is_url(text) else Path(text)


def amounts(year: int, activity: str, n_lines: int) -> tuple[int, ...]:
    """Payable amounts that depend on the inputs, so each writer's statement is its own."""
    return tuple(1_000 * year + 7 * i + sum(map(ord, activity)) for i in range(n_lines))


def expected_statement(year: int, activity: str, n_lines: int):
    """The statement a writer with these arguments appends."""
    return statement(year, amounts(year, activity, n_lines))


def append_one(
    ledger_path: str, year: int, activity: str, n_lines: int, correct: str | None, ready, go=None, results=None
) -> None:
    """Append one statement after setting ``ready`` (and waiting for ``go``, if given).

    ``ready`` and ``go`` are multiprocessing Events; ``results`` (a Queue) receives
    ``(year, activity, outcome)`` with outcome ``written <v>``, ``unchanged <v>``, ``busy``
    or ``refused``.
    """
    s = expected_statement(year, activity, n_lines)
    prov = provenance(activity)
    ready.set()
    if go is not None:
        go.wait(30)
    try:
        result = ledger.append(location(ledger_path), s, prov, correct=correct)
        outcome = f"{result.status} {result.version}"
    except LedgerBusy:
        outcome = "busy"
    except LedgerError:
        outcome = "refused"
    if results is not None:
        results.put((year, activity, outcome))


def hold(ledger_path: str, ready, release, seconds: float) -> None:
    """Hold the ledger for writing until ``release`` is set or ``seconds`` pass, as a slow
    settle would: a DuckDB file open for writing, or PostgreSQL's writer lock taken."""
    if is_url(ledger_path):
        import psycopg

        with psycopg.connect(ledger_path) as con:
            con.execute("LOCK TABLE settlements IN EXCLUSIVE MODE")
            ready.set()
            release.wait(seconds)
        return
    import duckdb

    con = duckdb.connect(ledger_path)
    ready.set()
    release.wait(seconds)
    con.close()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("ledger")
    parser.add_argument("year", type=int)
    parser.add_argument("activity")
    parser.add_argument("n_lines", type=int)
    parser.add_argument("--correct")
    parser.add_argument("--wait", action="store_true")
    args = parser.parse_args()
    s = statement(args.year, amounts(args.year, args.activity, args.n_lines))
    prov = provenance(args.activity)
    print("ready", flush=True)
    if args.wait:
        sys.stdin.readline()
    try:
        result = ledger.append(location(args.ledger), s, prov, correct=args.correct)
    except LedgerBusy:
        print("busy", flush=True)
        return 4
    except LedgerError:
        print("refused", flush=True)
        return 3
    print(f"{result.status} {result.version}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

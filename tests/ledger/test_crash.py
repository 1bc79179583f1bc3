"""A writer killed with SIGKILL at any moment leaves the whole settlement or no trace of it
(DuckDB: the trials below; PostgreSQL: the last test).

Each trial forks a writer process, waits until it is about to open the ledger, sleeps a
random time spread over the length of a write (opening, the transaction, commit and the
checkpoint on close) and kills it. After every kill the ledger must open, ``verify``
must find nothing wrong, and the year the writer was settling must hold either its full
settlement (the exact JSON, every line) or none of it. Trials mix new years on a shared
ledger, corrections of a settled year, and brand-new ledger files (a kill while the file
is being created).
"""

from __future__ import annotations

import multiprocessing
import random
import time
from pathlib import Path

import duckdb

import ledger_writer
from wholepop import ledger
from wholepop.errors import LedgerError

TRIALS = 60
N_LINES = 40


def _context():
    ctx = multiprocessing.get_context("forkserver")
    # Preload what the writer needs (Python 3.11's forkserver ignores our sys.path, so
    # name installed modules, not ledger_writer itself, which each child imports cheaply).
    ctx.set_forkserver_preload(
        ["duckdb", "psycopg", "wholepop.ledger", "wholepop.ledger.duckdb_store", "wholepop.ledger.postgres_store", "wholepop.money.statement"]
    )
    return ctx


def _run(ctx, path: Path, year: int, activity: str, correct: str | None, delay: float | None) -> tuple[int | None, float]:
    """Run one writer; kill it ``delay`` s after it is ready (None: let it finish). Returns (exit code, run time)."""
    ready = ctx.Event()
    proc = ctx.Process(target=ledger_writer.append_one, args=(str(path), year, activity, N_LINES, correct, ready))
    proc.start()
    deadline = time.monotonic() + 30
    while not ready.wait(0.01):
        assert proc.is_alive() and time.monotonic() < deadline, f"writer never became ready (exit code {proc.exitcode})"
    start = time.monotonic()
    if delay is None:
        proc.join(30)
    else:
        proc.join(delay)
        if proc.exitcode is None:
            proc.kill()
            proc.join(30)
    return proc.exitcode, time.monotonic() - start


def _versions(path: Path, year: int) -> list[tuple[int, str]]:
    """(version, statement JSON) of each stored version of ``year``, read in one connection."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(
            "SELECT version, statement_json FROM settlements WHERE year = ? ORDER BY version", (year,)
        ).fetchall()
    finally:
        con.close()


def test_sigkill_at_random_points_leaves_all_or_nothing(tmp_path):
    ctx = _context()
    rng = random.Random(20270401)
    shared = tmp_path / "shared.duckdb"
    # Calibrate: how long an unkilled write takes on this machine (a new file, then the
    # median of three on an existing one), so the kills spread over a whole write.
    code, t_new = _run(ctx, shared, 2027, "a", None, None)
    assert code == 0
    runs = []
    for year in (2028, 2029, 2030):
        code, t = _run(ctx, shared, year, "a", None, None)
        assert code == 0
        runs.append(t)
    window = min(1.5, max(0.1, sorted(runs)[1], t_new / 2))
    assert _versions(shared, 2027) == [(1, ledger_writer.expected_statement(2027, "a", N_LINES).to_json())]

    outcomes = {"killed": 0, "finished": 0, "none": 0, "complete": 0}
    for trial in range(TRIALS):
        delay = rng.uniform(0, window)
        activity = chr(ord("b") + trial % 20) + str(trial)  # a new input hash every trial
        if trial % 10 == 0:  # a brand-new ledger file
            path, year, correct = tmp_path / f"fresh{trial}" / "wholepop.duckdb", 2027, None
            path.parent.mkdir()
        elif trial % 3 == 1:  # a correction of 2027 on the shared ledger
            path, year, correct = shared, 2027, f"trial {trial}"
        else:  # a new year on the shared ledger
            path, year, correct = shared, 2100 + trial, None
        before = _versions(path, year) if path.exists() else []

        code, _ = _run(ctx, path, year, activity, correct, delay)
        outcomes["finished" if code == 0 else "killed"] += 1
        assert code in (0, -9), f"trial {trial}: writer failed with exit code {code}"

        expected = ledger_writer.expected_statement(year, activity, N_LINES).to_json()
        if not path.exists():
            # Killed while creating the ledger: the file only appears once it is complete.
            assert code == -9, f"trial {trial}: writer finished but no ledger was made"
            outcomes["none"] += 1
            continue
        assert ledger.verify(path) == [], f"trial {trial} (killed after {delay * 1000:.0f} ms)"
        after = _versions(path, year)
        if after == before:
            assert code == -9, f"trial {trial}: writer finished but its settlement is missing"
            outcomes["none"] += 1
        else:
            assert after == [*before, (len(before) + 1, expected)], f"trial {trial}: partial or wrong settlement"
            outcomes["complete"] += 1

    # The kills really did land on both sides of the commit.
    assert outcomes["none"] >= 3 and outcomes["complete"] >= 3, outcomes
    assert outcomes["killed"] >= 3, outcomes
    # The year settled before the trials is untouched, and the ledger is still writable.
    assert _versions(shared, 2028) == [(1, ledger_writer.expected_statement(2028, "a", N_LINES).to_json())]
    assert ledger.append(shared, ledger_writer.expected_statement(2999, "z", 2), ledger_writer.provenance("z")).status == "written"
    assert ledger.verify(shared) == []


def test_killed_creations_leave_no_ledger_that_fails_to_open(tmp_path):
    """A kill during creation leaves either no file or a complete, empty-or-settled ledger."""
    ctx = _context()
    rng = random.Random(7)
    for trial in range(10):
        path = tmp_path / f"l{trial}" / "wholepop.duckdb"
        path.parent.mkdir()
        _run(ctx, path, 2027, "a", None, rng.uniform(0, 0.05))
        if path.exists():
            assert ledger.verify(path) == []
        else:
            try:
                ledger.list_settlements(path)
            except LedgerError as e:
                assert "no ledger here" in str(e)


def test_sigkill_of_a_postgresql_writer_leaves_all_or_nothing(pg):
    """The same on PostgreSQL: a writer killed at a random point of its transaction leaves
    the whole settlement or none of it (the server rolls back what was not committed)."""
    from ledger_db import rows

    ctx = _context()
    rng = random.Random(20270402)
    url = pg.create_db()
    code, _ = _run(ctx, url, 2027, "a", None, None)
    assert code == 0
    runs = []
    for year in (2028, 2029):
        code, t = _run(ctx, url, year, "a", None, None)
        assert code == 0
        runs.append(t)
    window = min(1.5, max(0.05, max(runs)))
    outcomes = {"none": 0, "complete": 0}
    for trial in range(16):
        year, activity = 2100 + trial, f"k{trial}"
        code, _ = _run(ctx, url, year, activity, None, rng.uniform(0, window))
        assert code in (0, -9), f"trial {trial}: writer failed with exit code {code}"
        after = rows(url, "SELECT version, statement_json FROM settlements WHERE year = ? ORDER BY version", (year,))
        lines = rows(url, "SELECT COUNT(*) FROM statement_lines l JOIN settlements s ON s.seq = l.seq WHERE s.year = ?", (year,))
        if after:
            assert after == [(1, ledger_writer.expected_statement(year, activity, N_LINES).to_json())]
            assert lines == [(len(ledger_writer.expected_statement(year, activity, N_LINES).lines),)]
            outcomes["complete"] += 1
        else:
            assert code == -9 and lines == [(0,)]
            outcomes["none"] += 1
        assert ledger.verify(url) == [], f"trial {trial}"
    assert outcomes["complete"] >= 1 and outcomes["none"] >= 1, outcomes  # kills landed on both sides of the commit

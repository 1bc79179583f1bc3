"""Two writers on one ledger: both succeed in order, or one is told "ledger busy, retry".

Never a half-written or a duplicated version. Writers are separate processes (forked
from a forkserver that has wholepop imported) released together by one Event. Every
test runs on both stores: a DuckDB file (one writer holds the file) and a PostgreSQL
database (a writer holds the settlements table's writer lock).
"""

from __future__ import annotations

import multiprocessing
import subprocess
import sys
import time
from pathlib import Path

import pytest

import ledger_writer
from ledger_db import rows
from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerBusy

N_LINES = 30


@pytest.fixture(scope="module")
def ctx():
    c = multiprocessing.get_context("forkserver")
    c.set_forkserver_preload(
        ["duckdb", "psycopg", "wholepop.ledger", "wholepop.ledger.duckdb_store", "wholepop.ledger.postgres_store", "wholepop.money.statement"]
    )
    return c


def _race(ctx, path: Path, writers: list[tuple[int, str, str | None]]) -> list[tuple[int, str, str]]:
    """Start every writer, release them at once, and return their (year, activity, outcome)."""
    go, results = ctx.Event(), ctx.Queue()
    procs = []
    for year, activity, correct in writers:
        ready = ctx.Event()
        p = ctx.Process(
            target=ledger_writer.append_one, args=(str(path), year, activity, N_LINES, correct, ready, go, results)
        )
        p.start()
        assert ready.wait(30)
        procs.append(p)
    go.set()
    out = [results.get(timeout=60) for _ in procs]
    for p in procs:
        p.join(30)
        assert p.exitcode == 0
    return sorted(out)


def _versions(path, year: int) -> list[tuple[int, int | None, str]]:
    return rows(path, "SELECT version, supersedes, statement_json FROM settlements WHERE year = ? ORDER BY version", (year,))


def test_two_writers_on_different_years_both_land_once(ctx, ledger_at):
    path = ledger_at()
    ledger.append(path, statement(2026), provenance("a"))  # the ledger exists; the race is on writing
    written = 0
    for round_ in range(4):
        years = (2030 + 2 * round_, 2031 + 2 * round_)
        outcomes = _race(ctx, path, [(years[0], "a", None), (years[1], "b", None)])
        for year, activity, outcome in outcomes:
            assert outcome in ("written 1", "busy"), outcome
            stored = _versions(path, year)
            if outcome == "busy":
                assert stored == []
            else:
                written += 1
                assert stored == [(1, None, ledger_writer.expected_statement(year, activity, N_LINES).to_json())]
    assert ledger.verify(path) == []
    # With a 5 s busy timeout and writes of a fraction of a second, both writers normally succeed.
    assert written >= 6


def test_two_writers_on_the_same_year_settle_it_once(ctx, ledger_at, store):
    """Different inputs, no --correct: one writes version 1, the other is refused as
    already settled (or, on DuckDB only, busy)."""
    path = ledger_at()
    ledger.append(path, statement(2026), provenance("a"))
    outcomes = _race(ctx, path, [(2027, "a", None), (2027, "b", None)])
    kinds = sorted(o for _, _, o in outcomes)
    assert kinds in (["refused", "written 1"], ["busy", "written 1"] if store == "duckdb" else None), kinds
    (winner,) = [a for _, a, o in outcomes if o == "written 1"]
    assert _versions(path, 2027) == [(1, None, ledger_writer.expected_statement(2027, winner, N_LINES).to_json())]
    assert ledger.verify(path) == []


def test_two_corrections_at_once_take_consecutive_versions(ctx, ledger_at):
    path = ledger_at()
    ledger.append(path, ledger_writer.expected_statement(2027, "a", N_LINES), provenance("a"))
    outcomes = _race(ctx, path, [(2027, "b", "fix b"), (2027, "c", "fix c")])
    written = [o for _, _, o in outcomes if o != "busy"]
    assert sorted(written) == ["written 2", "written 3"][: len(written)]
    stored = _versions(path, 2027)
    assert [(v, s) for v, s, _ in stored] == [(1, None), (2, 1), (3, 2)][: 1 + len(written)]
    assert ledger.verify(path) == []


def test_a_held_ledger_makes_a_writer_give_up_with_ledger_busy(ctx, ledger_at, store):
    path = ledger_at()
    ledger.append(path, statement(2027), provenance("a"))
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=ledger_writer.hold, args=(str(path), ready, release, 30.0))
    holder.start()
    try:
        assert ready.wait(30)
        start = time.monotonic()
        with pytest.raises(LedgerBusy, match=r"ledger busy, retry"):
            ledger.append(path, statement(2028), provenance("b"), busy_timeout=0.3)
        assert time.monotonic() - start >= 0.3  # it retried for the whole timeout first
        if store == "duckdb":  # a held DuckDB file cannot even be read; PostgreSQL readers read on
            with pytest.raises(LedgerBusy, match=r"ledger busy, retry"):
                ledger.list_settlements(path, busy_timeout=0.1)
        else:
            assert [r.year for r in ledger.list_settlements(path, busy_timeout=0.1)] == [2027]
    finally:
        release.set()
        holder.join(30)
    assert [r.year for r in ledger.list_settlements(path)] == [2027]


def test_a_writer_waits_for_a_short_hold_and_then_writes(ctx, ledger_at):
    path = ledger_at()
    ledger.append(path, statement(2027), provenance("a"))
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=ledger_writer.hold, args=(str(path), ready, release, 0.5))
    holder.start()
    assert ready.wait(30)
    start = time.monotonic()
    result = ledger.append(path, statement(2028), provenance("b"), busy_timeout=10)
    waited = time.monotonic() - start
    holder.join(30)
    assert (result.status, result.version) == ("written", 1)
    assert waited >= 0.3  # it really waited for the holder
    assert [r.year for r in ledger.list_settlements(path)] == [2027, 2028]


def test_two_independent_interpreters_both_settle_their_years(ledger_at):
    """The same race with two fresh Python processes (no fork), through the writer script."""
    path = ledger_at()
    ledger.append(path, statement(2026), provenance("a"))
    script = Path(ledger_writer.__file__)
    procs = [
        subprocess.Popen(
            [sys.executable, str(script), str(path), str(year), activity, str(N_LINES), "--wait"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        for year, activity in ((2040, "a"), (2041, "b"))
    ]
    for p in procs:
        assert p.stdout.readline() == "ready\n"
    for p in procs:  # release both at once
        p.stdin.write("go\n")
        p.stdin.flush()
    outs = [(p.communicate(timeout=60)[0].strip(), p.returncode) for p in procs]
    for (year, activity), (out, code) in zip(((2040, "a"), (2041, "b")), outs, strict=True):
        assert (out, code) in (("written 1", 0), ("busy", 4))
        expected = [(1, None, ledger_writer.expected_statement(year, activity, N_LINES).to_json())] if code == 0 else []
        assert _versions(path, year) == expected
    assert ledger.verify(path) == []


def test_two_analysts_settling_the_same_year_at_once_give_one_version_and_one_clear_answer(ctx, ledger_at, store):
    """The same contract-year, the same inputs, released together, three times: one writes
    version 1, the other is told it is already settled (DuckDB may also say busy). On
    PostgreSQL the second waits for the first's lock, so it is always "already settled"."""
    path = ledger_at()
    ledger.append(path, statement(2026), provenance("a"))
    for year in (2030, 2031, 2032):
        outcomes = sorted(o for _, _, o in _race(ctx, path, [(year, "a", None), (year, "a", None)]))
        allowed = [["unchanged 1", "written 1"]] + ([["busy", "written 1"]] if store == "duckdb" else [])
        assert outcomes in allowed, outcomes
        assert _versions(path, year) == [(1, None, ledger_writer.expected_statement(year, "a", N_LINES).to_json())]
    assert ledger.verify(path) == []

"""A full disk says "disk full", never "ledger busy", and records nothing.

DuckDB: a real full disk, a 4 MB tmpfs mounted by the test (CI runs as root) and filled
up. PostgreSQL: the server's own "disk full" error (SQLSTATE 53100) injected where a
write meets it, since filling a real server's disk would crash it rather than refuse.
"""

from __future__ import annotations

import os
import subprocess

import psycopg
import pytest

from ledger_db import rows
from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerBusy, LedgerError


@pytest.fixture
def small_disk(tmp_path):
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root (CI runs as root); the fault-injection test below still runs")
    mount = tmp_path / "disk"
    mount.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)], check=True)
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _fill(folder) -> None:
    with (folder / "filler").open("wb") as f:
        try:
            while True:
                f.write(b"\0" * 65536)
                f.flush()
        except OSError as e:
            assert e.errno == 28  # ENOSPC


def test_a_full_disk_is_disk_full_and_records_nothing_duckdb(small_disk):
    path = small_disk / "wholepop.duckdb"
    ledger.append(path, statement(2027), provenance("a"))
    _fill(small_disk)
    with pytest.raises(LedgerError) as e:
        ledger.append(path, statement(2028, tuple(range(1, 3000))), provenance("b"))
    assert not isinstance(e.value, LedgerBusy)
    assert str(e.value).startswith(f"{path}: disk full: the ledger could not be written (")
    assert str(e.value).endswith("; nothing was recorded")
    # A new ledger on the full disk: named by its own path, not a temporary file's.
    with pytest.raises(LedgerError, match=rf"^{small_disk / 'new.duckdb'}: disk full: cannot create the ledger"):
        ledger.append(small_disk / "new.duckdb", statement(2027), provenance("a"))
    (small_disk / "filler").unlink()
    assert ledger.verify(path) == []
    assert [r.year for r in ledger.list_settlements(path)] == [2027]
    assert not [p.name for p in small_disk.iterdir() if p.name.startswith(".")]


def test_a_disk_full_error_from_the_database_is_disk_full_not_busy(path, store, monkeypatch):
    """Fault injection on both stores: the statement that writes the lines meets a full disk."""
    ledger.append(path, statement(2027), provenance("a"))
    if store == "postgresql":
        def full(self, *args, **kwargs):
            raise psycopg.errors.DiskFull('could not extend file "base/16384/16390": No space left on device')

        monkeypatch.setattr(psycopg.Cursor, "executemany", full)
    else:
        import duckdb

        from wholepop.ledger.duckdb_store import DuckDBStore

        real = DuckDBStore._connection

        class FullDisk:
            """The store's connection, except that writing the lines meets a full disk."""

            def __init__(self, con):
                self.con = con

            def execute(self, sql, params=None):
                if sql.startswith("INSERT INTO statement_lines"):
                    raise duckdb.IOException('Could not write file "wholepop.duckdb.wal": No space left on device')
                return self.con.execute(sql, params)

            def __getattr__(self, name):
                return getattr(self.con, name)

        monkeypatch.setattr(DuckDBStore, "_connection", lambda self: FullDisk(real(self)))
    with pytest.raises(LedgerError) as e:
        ledger.append(path, statement(2028), provenance("b"))
    assert not isinstance(e.value, LedgerBusy)
    assert ": disk full: the ledger could not be written (" in str(e.value)
    monkeypatch.undo()
    assert rows(path, "SELECT year FROM settlements ORDER BY seq") == [(2027,)]
    assert ledger.verify(path) == []

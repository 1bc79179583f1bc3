"""The schema is data: new ledgers get every migration; old ledgers are migrated and keep
working; foreign or newer files are refused."""

from __future__ import annotations

import duckdb
import pytest

from ledger_db import rows, sql
from ledger_factory import CONTRACT_TEXT, provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerError
from wholepop.ledger.chain import GENESIS, SettlementContent, chain_hash, line_rows
from wholepop.ledger.migrations import _SCHEMA_TABLE, MIGRATIONS, SCHEMA_VERSION


def _query(path, sql):
    con = duckdb.connect(str(path), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_a_new_ledger_records_every_schema_version(tmp_path):
    path = tmp_path / "wholepop.duckdb"
    ledger.append(path, statement(2027), provenance("a"))
    assert [r[0] for r in _query(path, "SELECT version FROM schema_version ORDER BY version")] == [m.version for m in MIGRATIONS]
    assert SCHEMA_VERSION == MIGRATIONS[-1].version == 2
    tables = {r[0] for r in _query(path, "SELECT table_name FROM information_schema.tables")}
    assert tables == {"schema_version", "contracts", "settlements", "settlement_inputs", "statement_lines"}
    # The ledger was built under a temporary name and linked into place: nothing is left over.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["wholepop.duckdb"]


def test_migration_versions_run_1_2_3(tmp_path):
    assert [m.version for m in MIGRATIONS] == list(range(1, len(MIGRATIONS) + 1))


def test_a_ledger_from_a_newer_wholepop_is_refused(tmp_path):
    path = tmp_path / "wholepop.duckdb"
    ledger.append(path, statement(2027), provenance("a"))
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (99, 'from the future', '2030-01-01T00:00:00+00:00')")
    con.close()
    with pytest.raises(LedgerError, match="ledger schema version 99 was written by a newer wholepop; this one knows versions up to 2"):
        ledger.list_settlements(path)
    with pytest.raises(LedgerError, match="schema version 99"):
        ledger.append(path, statement(2028), provenance("a"))


def test_another_duckdb_database_is_not_taken_for_a_ledger(tmp_path):
    path = tmp_path / "analysis.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE patients (id INTEGER)")
    con.close()
    with pytest.raises(LedgerError, match="is a database but not a wholepop ledger"):
        ledger.append(path, statement(2027), provenance("a"))
    assert {r[0] for r in _query(path, "SELECT table_name FROM information_schema.tables")} == {"patients"}


def test_a_file_that_is_not_a_database_is_refused(tmp_path):
    path = tmp_path / "contract.toml"
    path.write_text("[contract]\n")
    with pytest.raises(LedgerError, match=r"contract\.toml: cannot open the ledger"):
        ledger.append(path, statement(2027), provenance("a"))
    assert path.read_text() == "[contract]\n"


def test_an_empty_duckdb_file_is_migrated_even_by_a_reader(tmp_path):
    path = tmp_path / "wholepop.duckdb"
    duckdb.connect(str(path)).close()
    assert ledger.list_settlements(path) == ()
    assert _query(path, "SELECT MAX(version) FROM schema_version") == [(SCHEMA_VERSION,)]


def _schema_1_ledger(path) -> None:
    """A ledger as wholepop wrote it before schema 2: northfield 2027 version 1, keyed by name."""
    import hashlib

    sql(path, _SCHEMA_TABLE)
    for statement_sql in MIGRATIONS[0].statements:
        sql(path, statement_sql)
    sql(path, "INSERT INTO schema_version VALUES (1, 'schema 1', '2027-05-01T00:00:00+00:00')")
    s, prov = statement(2027), provenance("a")
    lines = line_rows(s.lines)
    content = SettlementContent(
        seq=1, contract="northfield", year=2027, version=1, status="original", created_at="2027-05-01T09:00:00.000+00:00",
        engine_version="0.1.0", contract_hash=prov.contract_hash, supersedes=None, reason=None, statement_json=s.to_json(),
        total_payable_pence=s.total_payable_pence, inputs=tuple((i.name, i.sha256) for i in prov.inputs), lines=lines,
    )
    sql(path, "INSERT INTO contracts VALUES (?, ?, ?, ?)",
        (hashlib.sha256(CONTRACT_TEXT.encode()).hexdigest(), "northfield", CONTRACT_TEXT, content.created_at))
    sql(path, "INSERT INTO settlements VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (1, "northfield", 2027, 1, "original", content.created_at, "0.1.0", prov.contract_hash, None, None, s.to_json(),
         s.total_payable_pence, len(lines), GENESIS, chain_hash(GENESIS, content)))
    for i in prov.inputs:
        sql(path, "INSERT INTO settlement_inputs VALUES (?, ?, ?)", (1, i.name, i.sha256))
    for r in lines:
        sql(path, "INSERT INTO statement_lines VALUES (?, ?, ?, ?, ?, ?, ?)",
            (1, r.line_no, r.section, r.item, r.amount_pence, r.basis, r.payable))


def test_a_schema_1_ledger_is_migrated_and_keeps_working(path):
    """Both stores: the old row is read with its name as id, verifies with the hash it was
    written with, and a later settlement of the same contract-year continues its versions."""
    _schema_1_ledger(path)
    assert ledger.verify(path) == []  # (a reader migrates first, through a short-lived writer)
    assert rows(path, "SELECT MAX(version) FROM schema_version") == [(2,)]
    (old,) = ledger.list_settlements(path)
    assert (old.contract, old.contract_id, old.kind, old.version, old.practices) == ("northfield", "northfield", "settlement", 1, ())
    # The same inputs again: unchanged; new inputs: a correction continues the versions.
    assert ledger.append(path, statement(2027), provenance("a")).status == "unchanged"
    result = ledger.append(path, statement(2027, (1, 2)), provenance("b"), contract_id="northfield", correct="late data")
    assert (result.version, result.supersedes) == (2, 1)
    assert ledger.verify(path) == []
    assert rows(path, "SELECT contract, contract_id, contract_name, kind FROM settlements ORDER BY seq") == [
        ("northfield", None, None, None),
        ("northfield", "northfield", "northfield", "settlement"),
    ]


def test_blanking_the_kind_of_a_schema_2_row_to_pass_it_off_as_old_is_caught(path):
    ledger.append(path, statement(2027), provenance("a"))
    # (DuckDB refuses to update an indexed column of a row other tables reference; a
    # tamperer drops the index first.)
    sql(path, "DROP INDEX settlements_id_kind_year_version")
    sql(path, "UPDATE settlements SET kind = NULL, contract_id = NULL, contract_name = NULL, practices = NULL")
    assert ledger.verify(path) == [
        "settlements row 1 column hash: the stored rows of northfield 2027 version 1 no longer match its hash"
    ]


def test_a_sqlite_file_is_refused_without_duckdb_touching_it(tmp_path):
    """DuckDB would take a SQLite file for a database to attach and try to download its
    sqlite extension; the header is read first instead."""
    import sqlite3

    path = tmp_path / "ledger.db"
    con = sqlite3.connect(path)
    con.execute("CREATE TABLE t (x)")
    con.commit()
    con.close()
    before = path.read_bytes()
    for call in (lambda: ledger.list_settlements(path), lambda: ledger.append(path, statement(2027), provenance("a"))):
        with pytest.raises(LedgerError) as e:
            call()
        assert str(e.value) == f"{path}: cannot open the ledger: it is a SQLite database, not a wholepop ledger"
    assert path.read_bytes() == before


def test_an_empty_file_or_a_folder_is_refused(tmp_path):
    empty = tmp_path / "empty.duckdb"
    empty.write_bytes(b"")
    with pytest.raises(LedgerError, match=r"empty\.duckdb: cannot open the ledger: it is an empty file, not a wholepop ledger"):
        ledger.append(empty, statement(2027), provenance("a"))
    folder = tmp_path / "folder.duckdb"
    folder.mkdir()
    with pytest.raises(LedgerError, match=r"folder\.duckdb: cannot open the ledger: it is a folder, not a ledger file"):
        ledger.list_settlements(folder)


def test_temporary_files_of_a_killed_creation_are_removed_by_the_next_writer(tmp_path):
    import subprocess
    import sys

    path = tmp_path / "wholepop.duckdb"
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True, check=True)
    pid = int(dead.stdout)  # a process that has exited
    left = [tmp_path / f".wholepop.duckdb.{pid}.0123abcd.new", tmp_path / f".wholepop.duckdb.{pid}.0123abcd.new.wal"]
    for f in left:
        f.write_bytes(b"half made")
    alive = tmp_path / f".wholepop.duckdb.{__import__('os').getpid()}.89abcdef.new"  # this process: still building
    alive.write_bytes(b"in progress")
    other = tmp_path / f".other.duckdb.{pid}.0123abcd.new"  # another ledger's: not ours to touch
    other.write_bytes(b"x")
    ledger.append(path, statement(2027), provenance("a"))
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["wholepop.duckdb", alive.name, other.name])

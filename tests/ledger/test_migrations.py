"""The schema is data: new ledgers get every migration; foreign or newer files are refused."""

from __future__ import annotations

import duckdb
import pytest
from ledger_factory import provenance, statement

from wholepop import ledger
from wholepop.errors import LedgerError
from wholepop.ledger.migrations import MIGRATIONS, SCHEMA_VERSION


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
    assert SCHEMA_VERSION == MIGRATIONS[-1].version == 1
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
    with pytest.raises(LedgerError, match="ledger schema version 99 was written by a newer wholepop; this one knows versions up to 1"):
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

"""The same ledger on both stores: what a settlement writes, and how the store is chosen."""

from __future__ import annotations

from ledger_db import exists, rows
from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.ledger import describe, is_url


def test_a_settlement_is_stored_and_read_back_on_either_store(path, store):
    assert is_url(path) == (store == "postgresql")
    assert not exists(path)
    result = ledger.append(path, statement(2027), provenance("a"))
    assert exists(path)
    assert rows(path, "SELECT seq, contract, contract_id, kind, year, version FROM settlements") == [
        (1, "northfield", "northfield", "settlement", 2027, 1)
    ]
    assert ledger.head(path).hash == result.head
    assert ledger.verify_count(path) == (1, [])


def test_a_url_password_is_never_printed():
    assert describe("postgresql://ana:s3cret@db.example/ledger") == "postgresql://ana:***@db.example/ledger"
    assert describe("postgresql://ana@db.example/ledger") == "postgresql://ana@db.example/ledger"
    assert not is_url("wholepop.duckdb") and is_url("postgres://h/d") and is_url("POSTGRESQL://h/d")


def test_a_database_that_cannot_be_reached_is_one_clear_line(pg):
    import pytest

    from wholepop.errors import LedgerBusy, LedgerError

    url = pg.url("no_such_database")
    with pytest.raises(LedgerError) as e:
        ledger.append(url, statement(2027), provenance("a"))
    assert not isinstance(e.value, LedgerBusy)
    assert str(e.value).startswith(f"{url}: cannot connect to the ledger database: ")
    assert 'database "no_such_database" does not exist' in str(e.value)


def test_a_postgresql_database_holding_other_tables_is_not_taken_for_a_ledger(pg):
    import pytest

    from ledger_db import sql
    from wholepop.errors import LedgerError

    url = pg.create_db()
    sql(url, "CREATE TABLE patients (id INTEGER)")
    with pytest.raises(LedgerError, match="is a database but not a wholepop ledger"):
        ledger.append(url, statement(2027), provenance("a"))
    assert rows(url, "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'") == [("patients",)]

"""The same ledger on both stores: what a settlement writes, and how the store is chosen."""

from __future__ import annotations

from ledger_db import exists, rows
from ledger_stores import ledger_at, path, pg, store  # noqa: F401 (fixtures)
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

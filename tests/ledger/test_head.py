"""The chain's head: what a plain ``verify`` cannot see, ``verify --head`` proves.

A hash chain breaks where a row in the middle is edited or removed, but not when the
newest rows are cut off, nor when the newest row is rewritten and its own hash
recomputed: nothing after it points at the old hash. Whoever kept the head printed by an
earlier ``settle`` holds that hash, and ``verify --head`` checks the chain still
contains it (with every row before it intact). Both stores.
"""

from __future__ import annotations

import pytest

from ledger_db import rows, sql
from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerError
from wholepop.ledger.chain import GENESIS, LineRow, SettlementContent, chain_hash


@pytest.fixture
def path(ledger_at):
    p = ledger_at()
    ledger.append(p, statement(2027), provenance("a"))
    ledger.append(p, statement(2028), provenance("b"))
    return p


def test_head_is_the_newest_rows_hash_and_append_returns_it(ledger_at):
    p = ledger_at()
    ledger.append(p, statement(2026), provenance("z"))  # creates the ledger
    first = ledger.head(p)
    result = ledger.append(p, statement(2027), provenance("a"))
    assert ledger.head(p) == ledger.Head(2, result.head)
    assert rows(p, "SELECT prev_hash, hash FROM settlements WHERE seq = 2") == [(first.hash, result.head)]
    # An unchanged re-run writes nothing and reports the same head.
    assert ledger.append(p, statement(2027), provenance("a")).head == result.head


def test_an_empty_ledger_has_the_genesis_head(path):
    sql(path, "DELETE FROM statement_lines; DELETE FROM settlement_inputs; DELETE FROM settlements")
    assert ledger.head(path) == ledger.Head(0, GENESIS)


def test_removing_the_newest_settlement_is_invisible_to_the_chain_but_not_to_the_held_head(path):
    held = ledger.head(path).hash
    sql(path, "DELETE FROM statement_lines WHERE seq = 2; DELETE FROM settlement_inputs WHERE seq = 2; DELETE FROM settlements WHERE seq = 2")
    assert ledger.verify(path) == []  # the chain alone cannot tell
    (problem,) = ledger.verify(path, head=held)
    first = rows(path, "SELECT hash FROM settlements WHERE seq = 1")[0][0]
    assert problem == (
        f"settlements column hash: the chain no longer contains the head {held}; a settlement up to it was removed "
        f"or rewritten (the newest row now is 1 with hash {first})"
    )


def test_a_rewritten_newest_row_with_its_hash_recomputed_is_caught_by_the_held_head(path):
    held = ledger.head(path).hash
    # Rewrite 2028's memo line basis and recompute the row's own hash from the stored rows,
    # exactly as verify recomputes it: the chain is then self-consistent again.
    sql(path, "UPDATE statement_lines SET basis = 'rewritten' WHERE seq = 2 AND line_no = 3")
    (seq, contract, year, version, status, created_at, engine, chash, supersedes, reason, js, total, prev, kind, cid, practices,
     name) = rows(
        path,
        "SELECT seq, contract, year, version, status, created_at, engine_version, contract_hash, supersedes, reason, "
        "statement_json, total_payable_pence, prev_hash, kind, contract_id, practices, contract_name FROM settlements WHERE seq = 2",
    )[0]
    inputs = tuple(rows(path, "SELECT name, sha256 FROM settlement_inputs WHERE seq = 2 ORDER BY name"))
    lines = tuple(
        LineRow(*r) for r in rows(path, "SELECT line_no, section, item, amount_pence, basis, payable FROM statement_lines WHERE seq = 2 ORDER BY line_no")
    )
    content = SettlementContent(seq, contract, year, version, status, created_at, engine, chash, supersedes, reason, js, int(total),
                                inputs, lines, kind, cid, practices, name)
    sql(path, "UPDATE settlements SET hash = ? WHERE seq = 2", (chain_hash(prev, content),))
    # The chain holds (only the JSON-vs-lines cross-check notices this particular edit) ...
    assert [p for p in ledger.verify(path) if "column hash" in p or "prev_hash" in p] == []
    # ... but the held head is gone.
    assert any(p.startswith(f"settlements column hash: the chain no longer contains the head {held}") for p in ledger.verify(path, head=held))


def test_a_held_head_still_verifies_after_later_settlements(path):
    held = ledger.head(path).hash
    ledger.append(path, statement(2029), provenance("c"))
    assert ledger.verify(path, head=held) == []
    assert ledger.verify(path, head=held.upper()) == []  # hex digits in either case


def test_a_malformed_head_is_refused(path):
    with pytest.raises(LedgerError, match=r"--head: expected the 64 hex digits `ledger head` prints, got 'abc'"):
        ledger.verify(path, head="abc")

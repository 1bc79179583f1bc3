"""``verify``: a clean ledger passes; any edit to a stored settlement is caught and located.

Every test runs on both stores; the edits are made with plain SQL, as anyone with write
access to the file or the database could.
"""

from __future__ import annotations

import pytest

from ledger_db import sql
from ledger_factory import provenance, statement
from wholepop import ledger


@pytest.fixture
def path(ledger_at):
    """A ledger with northfield 2027 v1, 2027 v2 (a correction) and 2028 v1 (seq 1, 2, 3)."""
    p = ledger_at()
    ledger.append(p, statement(2027), provenance("a"))
    ledger.append(p, statement(2027, (1_000_000, 260_000)), provenance("b"), correct="late activity")
    ledger.append(p, statement(2028), provenance("c"))
    return p


def _tamper(path, statements: str) -> None:
    sql(path, statements)


def test_an_intact_ledger_verifies(path):
    assert ledger.verify_count(path) == (3, [])


def test_an_edited_line_amount_is_caught(path):
    _tamper(path, "UPDATE statement_lines SET amount_pence = amount_pence + 1 WHERE seq = 2 AND line_no = 2")
    assert ledger.verify(path) == [
        "settlements row 2 column hash: the stored rows of northfield 2027 version 2 no longer match its hash",
        "settlements row 2 column total_payable_pence: northfield 2027 version 2 stores 1260000 pence, its payable lines sum to 1260001",
        "statement_lines row 2.2 column amount_pence: northfield 2027 version 2 line 2 stores 260001, the statement says 260000",
    ]


def test_an_edited_line_basis_is_caught_even_though_totals_still_add_up(path):
    _tamper(path, "UPDATE statement_lines SET basis = 'made up' WHERE seq = 1 AND line_no = 3")
    assert ledger.verify(path) == [
        "settlements row 1 column hash: the stored rows of northfield 2027 version 1 no longer match its hash",
        "statement_lines row 1.3 column basis: northfield 2027 version 1 line 3 stores 'made up', "
        "the statement says 'registered list, weighted'",
    ]


def test_an_edited_statement_json_and_total_together_are_caught_by_the_chain(path):
    """Rewriting the JSON, the total and the lines consistently still breaks the hash chain."""
    fake = statement(2028, (1_000_000, 999_999))
    sql(path, "UPDATE settlements SET statement_json = ?, total_payable_pence = ? WHERE seq = 3", (fake.to_json(), fake.total_payable_pence))
    sql(path, "UPDATE statement_lines SET amount_pence = 999999 WHERE seq = 3 AND line_no = 2")
    assert ledger.verify(path) == [
        "settlements row 3 column hash: the stored rows of northfield 2028 version 1 no longer match its hash",
    ]


def test_a_rehashed_row_still_breaks_the_next_link(path):
    """Recomputing the tampered row's own hash leaves the next row's prev_hash pointing at the old one."""
    _tamper(path, "UPDATE settlements SET reason = 'other', hash = repeat('e', 64) WHERE seq = 2")
    problems = ledger.verify(path)
    assert "settlements row 3 column prev_hash: does not match the hash of the settlement before (northfield 2028 version 1)" in problems
    assert problems[0] == "settlements row 2 column hash: the stored rows of northfield 2027 version 2 no longer match its hash"


def test_a_deleted_settlement_is_caught(path):
    _tamper(path, "DELETE FROM statement_lines WHERE seq = 2; DELETE FROM settlement_inputs WHERE seq = 2; DELETE FROM settlements WHERE seq = 2")
    assert ledger.verify(path) == [
        "settlements row 3 column seq: expected 2; a settlement is missing before northfield 2028 version 1",
        "settlements row 3 column prev_hash: does not match the hash of the settlement before (northfield 2028 version 1)",
    ]


def test_an_edited_input_hash_is_caught(path):
    _tamper(path, "UPDATE settlement_inputs SET sha256 = repeat('0', 64) WHERE seq = 1 AND name = 'activity'")
    assert ledger.verify(path) == [
        "settlements row 1 column hash: the stored rows of northfield 2027 version 1 no longer match its hash",
    ]


def test_an_edited_contract_text_is_caught(path):
    _tamper(path, "UPDATE contracts SET contract_text = 'x = 2'")
    (problem,) = ledger.verify(path)
    assert problem.startswith("contracts row ") and problem.endswith("column contract_text: the stored contract no longer has its hash")


def test_unparseable_statement_json_is_reported_not_raised(path):
    _tamper(path, "UPDATE settlements SET statement_json = '{not json' WHERE seq = 1")
    problems = ledger.verify(path)
    assert problems[0] == "settlements row 1 column hash: the stored rows of northfield 2027 version 1 no longer match its hash"
    assert problems[1].startswith("settlements row 1 column statement_json: northfield 2027 version 1 is not a valid statement (JSONDecodeError")


def test_json_of_the_wrong_shape_is_reported_not_raised(path):
    _tamper(path, "UPDATE settlements SET statement_json = '[]' WHERE seq = 3")
    problems = ledger.verify(path)
    assert problems[1].startswith("settlements row 3 column statement_json: northfield 2028 version 1 is not a valid statement (TypeError")


def test_a_missing_first_version_is_caught(path):
    _tamper(path, "DELETE FROM statement_lines WHERE seq = 1; DELETE FROM settlement_inputs WHERE seq = 1; DELETE FROM settlements WHERE seq = 1")
    assert ledger.verify(path) == [
        "settlements row 2 column seq: expected 1; a settlement is missing before northfield 2027 version 2",
        "settlements row 2 column prev_hash: does not match the hash of the settlement before (northfield 2027 version 2)",
        "settlements row 2 column version: northfield 2027 has version 2 where version 1 was expected "
        "(versions run 1, 2, 3, ... in the order written)",
    ]


def test_a_correction_stripped_of_its_reason_is_caught(path):
    _tamper(path, "UPDATE settlements SET reason = NULL WHERE seq = 2")
    assert ledger.verify(path)[1:] == [
        "settlements row 2 column supersedes: northfield 2027 version 2 must be a correction of version 1 with a reason",
    ]

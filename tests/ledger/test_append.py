"""Appending settlements: first write, idempotent re-run, refusal, correction with a reason.

Every test runs on both stores (a DuckDB file, a PostgreSQL database).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from ledger_db import exists, rows
from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerError


def _row_counts(path) -> tuple[int, int, int, int]:
    return tuple(
        rows(path, f"SELECT COUNT(*) FROM {t}")[0][0]
        for t in ("contracts", "settlements", "settlement_inputs", "statement_lines")
    )


def test_first_settlement_is_version_1_with_its_provenance(path):
    result = ledger.append(path, statement(2027), provenance("a"))
    assert (result.status, result.version, result.supersedes) == ("written", 1, None)
    assert result.message == "northfield 2027: version 1 written"
    (record,) = ledger.list_settlements(path)
    assert (record.contract, record.year, record.version, record.status, record.current) == ("northfield", 2027, 1, "original", True)
    assert record.total_payable_pence == 1_250_050
    assert record.line_count == 3
    assert [(i.name, i.sha256) for i in record.inputs] == [("activity", "a" * 64), ("registrations", "r" * 64)]
    assert record.contract_hash == provenance().contract_hash
    # contracts, settlements, one row per input, one row per statement line
    assert _row_counts(path) == (1, 1, 2, 3)


def test_rerun_with_same_inputs_writes_nothing(path):
    ledger.append(path, statement(2027), provenance("a"))
    before = _row_counts(path)
    result = ledger.append(path, statement(2027), provenance("a"))
    assert (result.status, result.version) == ("unchanged", 1)
    assert "already settled as version 1 with the same inputs" in result.message
    assert "nothing written" in result.message
    assert _row_counts(path) == before == (1, 1, 2, 3)


def test_rerun_with_same_inputs_and_a_reason_is_still_a_no_op(path):
    ledger.append(path, statement(2027), provenance("a"))
    result = ledger.append(path, statement(2027), provenance("a"), correct="just in case")
    assert (result.status, result.version) == ("unchanged", 1)
    assert [r.version for r in ledger.list_settlements(path)] == [1]


def test_different_inputs_are_refused_without_correct(path):
    ledger.append(path, statement(2027), provenance("a"))
    with pytest.raises(LedgerError) as e:
        ledger.append(path, statement(2027, (1_000_000, 260_000)), provenance("b"))
    assert str(e.value) == (
        'northfield 2027 is already settled as version 1 with different inputs; rerun with --correct "reason" to supersede it\n'
        "  changed since version 1: activity"
    )
    assert _row_counts(path) == (1, 1, 2, 3)


def test_a_changed_contract_file_is_named_in_the_refusal(path):
    ledger.append(path, statement(2027), provenance("a"))
    with pytest.raises(LedgerError, match=r"changed since version 1: contract$"):
        ledger.append(path, statement(2027), provenance("a", contract_text='[contract]\nname = "northfield"\n# edited\n'))


def test_same_inputs_but_a_different_statement_is_refused(path):
    """A new engine that settles the same inputs differently must not slip in silently."""
    ledger.append(path, statement(2027), provenance("a", engine="0.1.0"))
    with pytest.raises(LedgerError, match=r"same inputs but a different statement \(stored by wholepop 0\.1\.0, now 0\.2\.0\)"):
        ledger.append(path, statement(2027, (1, 2)), provenance("a", engine="0.2.0"))


def test_correction_supersedes_the_latest_version_with_its_reason(path):
    ledger.append(path, statement(2027), provenance("a"))
    result = ledger.append(path, statement(2027, (1_000_000, 260_000)), provenance("b"), correct="  March activity was late  ")
    assert (result.status, result.version, result.supersedes) == ("written", 2, 1)
    assert result.message == "northfield 2027: version 2 written, superseding version 1 (March activity was late)"
    v1, v2 = ledger.list_settlements(path)
    assert (v1.version, v1.current, v1.status) == (1, False, "original")
    assert (v2.version, v2.current, v2.status, v2.supersedes, v2.reason) == (2, True, "correction", 1, "March activity was late")
    # Version 1 is still there, byte for byte.
    _, old, old_json = ledger.get_statement(path, "northfield", 2027, version=1)
    assert old_json == statement(2027).to_json()
    assert old.total_payable_pence == 1_250_050
    # The current statement is the correction.
    record, current, _ = ledger.get_statement(path, "northfield", 2027)
    assert (record.version, current.total_payable_pence) == (2, 1_260_000)
    # A second correction supersedes version 2, not 1.
    third = ledger.append(path, statement(2027, (1_000_000, 270_000)), provenance("c"), correct="again")
    assert (third.version, third.supersedes) == (3, 2)


def test_correction_diff_line_by_line(path):
    ledger.append(path, statement(2027), provenance("a"))
    ledger.append(path, statement(2027, (1_000_000, 260_000, 5)), provenance("b"), correct="late activity")
    d = ledger.diff(path, "northfield", 2027, 1, 2)
    assert [(r.section, r.item, r.v1_pence, r.v2_pence, r.change_pence) for r in d.rows] == [
        ("budget", "instalment 1", 1_000_000, 1_000_000, 0),
        ("budget", "instalment 2", 250_050, 260_000, 9_950),
        ("memo", "population", 123_456, 123_456, 0),
        ("budget", "instalment 3", None, 5, 5),
    ]
    assert d.changed_inputs == ("activity",)
    assert d.total_change_pence == 9_955
    assert (d.v2.reason, d.v2.supersedes) == ("late activity", 1)


def test_correction_of_an_unsettled_year_is_written_as_version_1(path):
    result = ledger.append(path, statement(2028), provenance("a"), correct="why not")
    assert (result.status, result.version, result.supersedes) == ("written", 1, None)
    (record,) = ledger.list_settlements(path)
    assert (record.status, record.reason) == ("original", None)


def test_blank_reason_is_refused_before_anything_is_written(path):
    with pytest.raises(LedgerError, match="--correct needs a reason"):
        ledger.append(path, statement(2027), provenance("a"), correct="   ")
    assert not exists(path)


def test_years_and_contracts_are_versioned_apart(path):
    ledger.append(path, statement(2027), provenance("a"))
    ledger.append(path, statement(2028), provenance("b"))
    ledger.append(path, statement(2027, contract="southgate"), provenance("a", contract_text="south"))
    records = ledger.list_settlements(path)
    assert [(r.contract, r.year, r.version, r.seq) for r in records] == [
        ("northfield", 2027, 1, 1),
        ("northfield", 2028, 1, 2),
        ("southgate", 2027, 1, 3),
    ]
    # The same contract file is stored once.
    assert _row_counts(path)[0] == 2


def test_show_returns_the_exact_json_settle_wrote(path):
    s = statement(2027)
    ledger.append(path, s, provenance("a"))
    record, back, text = ledger.get_statement(path, "northfield", 2027)
    assert text == s.to_json()
    assert back == s
    assert record.version == 1


def test_missing_year_and_version_are_named(path):
    ledger.append(path, statement(2027), provenance("a"))
    with pytest.raises(LedgerError, match="northfield 2030 is not settled in this ledger \\(settled: northfield 2027\\)"):
        ledger.get_statement(path, "northfield", 2030)
    with pytest.raises(LedgerError, match="northfield 2027 has no version 4 \\(versions 1 to 1\\)"):
        ledger.get_statement(path, "northfield", 2027, version=4)


def test_reading_a_missing_ledger_is_an_error_and_creates_nothing(path):
    with pytest.raises(LedgerError, match="no ledger here"):
        ledger.list_settlements(path)
    assert not exists(path)


def test_default_path_is_next_to_the_contract(tmp_path):
    assert ledger.default_path(tmp_path / "deal" / "contract.toml") == tmp_path / "deal" / "wholepop.duckdb"
    assert ledger.default_path("contract.toml") == Path("wholepop.duckdb")


def test_a_missing_folder_is_a_clear_error(tmp_path):  # DuckDB files only
    with pytest.raises(LedgerError, match=r"folder .*nowhere does not exist"):
        ledger.append(tmp_path / "nowhere" / "l.duckdb", statement(2027), provenance("a"))


def test_without_an_id_append_keys_on_the_id_in_the_hashed_contract(path):
    from dataclasses import replace

    prov = replace(provenance("a"), contract_id="nf-2027")
    result = ledger.append(path, statement(2027), prov)
    (record,) = ledger.list_settlements(path)
    assert (record.contract, record.contract_id, result.version) == ("northfield", "nf-2027", 1)
    # An explicit id wins.
    ledger.append(path, statement(2028), prov, contract_id="other")
    assert [r.contract_id for r in ledger.list_settlements(path)] == ["nf-2027", "other"]

"""In-year forecasts (``append(..., kind="forecast")``): stored and chained like every
record, numbered apart, and never a settlement. Both stores."""

from __future__ import annotations

import pytest

from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.errors import LedgerError


def test_a_forecast_is_not_a_settlement(path):
    result = ledger.append(path, statement(2027, (600_000, 100)), provenance("m6"), kind="forecast")
    assert (result.status, result.kind, result.version) == ("written", "forecast", 1)
    assert result.message == "northfield 2027: forecast 1 written (an in-year forecast outturn, not a settlement)"
    assert ledger.list_settlements(path) == ()
    (f,) = ledger.list_forecasts(path)
    assert (f.kind, f.status, f.version, f.supersedes, f.total_payable_pence) == ("forecast", "forecast", 1, None, 600_100)
    with pytest.raises(LedgerError, match="northfield 2027 is not settled in this ledger"):
        ledger.get_statement(path, "northfield", 2027)


def test_forecasts_neither_block_nor_number_the_settlement(path):
    ledger.append(path, statement(2027, (600_000, 100)), provenance("m6"), kind="forecast")
    # A second forecast with other inputs needs no reason; the same one again writes nothing.
    second = ledger.append(path, statement(2027, (610_000, 100)), provenance("m7"), kind="forecast")
    assert (second.status, second.version) == ("written", 2)
    assert ledger.append(path, statement(2027, (610_000, 100)), provenance("m7"), kind="forecast").status == "unchanged"
    # The year-end settlement is version 1, an original, whatever forecasts came before.
    settled = ledger.append(path, statement(2027), provenance("a"))
    assert (settled.version, settled.supersedes) == (1, None)
    (s,) = ledger.list_settlements(path)
    assert (s.status, s.current) == ("original", True)
    assert [(f.version, f.current) for f in ledger.list_forecasts(path)] == [(1, False), (2, True)]
    # A forecast after the settlement does not supersede it either.
    ledger.append(path, statement(2027, (1, 2)), provenance("late"), kind="forecast")
    assert ledger.get_statement(path, "northfield", 2027)[0].version == 1
    # Every record is in the hash chain, and the ledger verifies.
    assert ledger.verify_count(path) == (4, [])
    assert ledger.head(path).seq == 4


def test_an_unknown_kind_is_a_programming_error(path):
    with pytest.raises(ValueError, match="kind must be one of"):
        ledger.append(path, statement(2027), provenance("a"), kind="estimate")

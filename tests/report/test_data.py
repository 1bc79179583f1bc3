"""``ReportData``: plain rows are accepted, identifiers and unknown columns are refused."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest

from wholepop.report.data import HubRow, SegmentRow
from wholepop.vocab import Segment, Service

from .fixtures import report_data, statement


def test_plain_mappings_become_typed_rows():
    """``table.to_pylist()`` rows can be handed over as they are."""
    data = dataclasses.replace(
        report_data(),
        hubs=[{"hub": "North", "person_months": 120, "weighted_population": "10.5"}],
        segments=[{"segment": "very_high_needs", "people": 3, "spend_pence": 100}],
    )
    assert data.hubs == (HubRow("North", 120, Decimal("10.5")),)
    assert data.segments == (SegmentRow(Segment.VERY_HIGH_NEEDS, 3, 100),)
    assert data.weighted_population == Decimal("10.5")


def test_a_patient_identifier_never_enters_a_report():
    with pytest.raises(ValueError, match=r"ReportData\.segments row 2 column patient_id: patient identifiers never enter a report"):
        dataclasses.replace(
            report_data(),
            segments=[
                {"segment": "ongoing_needs", "people": 30, "spend_pence": 1},
                {"segment": "very_high_needs", "people": 1, "spend_pence": 9, "patient_id": 88121},
            ],
        )


def test_unknown_and_missing_columns_are_named():
    with pytest.raises(ValueError, match=r"ReportData.hubs row 1: unexpected columns practice; missing columns weighted_population"):
        dataclasses.replace(report_data(), hubs=[{"hub": "North", "person_months": 1, "practice": "A81001"}])


def test_service_lines_come_from_the_vocabulary():
    with pytest.raises(ValueError, match="'a_and_e' is not a valid Service"):
        dataclasses.replace(
            report_data(),
            services=[{"service": "a_and_e", "spend_per_head_pence": 1, "baseline_spend_per_head_pence": 1}],
        )


def test_statements_are_sorted_by_year_and_one_per_year():
    data = dataclasses.replace(report_data(), statements=(statement(2028), statement(2027)))
    assert [s.year for s in data.statements] == [2027, 2028]
    assert data.statement.year == 2028
    with pytest.raises(ValueError, match=r"one statement per year expected, got years \[2027, 2027\]"):
        dataclasses.replace(report_data(), statements=(statement(2027), statement(2027)))


def test_statement_of_an_unsettled_year_falls_back_to_the_latest():
    data = dataclasses.replace(report_data(), year=2029)
    assert data.statement.year == 2028
    assert [r.service for r in data.services][:2] == [Service.PRIMARY_MEDICAL, Service.PRESCRIBING]

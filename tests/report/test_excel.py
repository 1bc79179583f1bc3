"""The workbook, re-opened with openpyxl: totals are formulas that match the statement,
every count is disclosed, and restricted workbooks are stamped on every sheet."""

from __future__ import annotations

import re
from decimal import Decimal

import openpyxl
import pytest

from wholepop.money.pence import pounds
from wholepop.report.disclosure import RESTRICTED_STAMP, is_disclosed
from wholepop.report.excel import MONEY_FORMAT, write_excel

from .fixtures import SMALL_COUNT, VERY_HIGH_NEEDS_PEOPLE, report_data, statement

COUNT_FORMAT = "#,##0"


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    return write_excel(report_data(), tmp_path_factory.mktemp("xlsx") / "statement.xlsx")


@pytest.fixture(scope="module")
def restricted_book(tmp_path_factory):
    return write_excel(report_data(restricted=True), tmp_path_factory.mktemp("xlsx") / "restricted.xlsx")


def _row_of(ws, column: int, text: str) -> int:
    for row in ws.iter_rows(min_col=column, max_col=column):
        if row[0].value == text:
            return row[0].row
    raise AssertionError(f"{text!r} not found in column {column} of {ws.title}")


def _range_sum(ws, ref: str) -> Decimal:
    """Sum a range as Excel would, with exact decimals of the stored cells."""
    return sum((Decimal(str(c.value)) for row in ws[ref] for c in row if isinstance(c.value, (int, float))), Decimal(0))


def _count_cells(wb):
    """Every cell written as a count: the count number format, or a suppression star."""
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for c in row:
                if c.value is not None and (c.number_format == COUNT_FORMAT or c.value == "*"):
                    yield ws.title, c


def test_one_sheet_per_settled_year_then_population_and_inputs(book):
    assert openpyxl.load_workbook(book).sheetnames == ["Statement 2027", "Statement 2028", "Population", "Inputs"]


@pytest.mark.parametrize("year", [2027, 2028])
def test_total_payable_is_a_sum_of_the_payable_lines_that_matches_the_statement(book, year):
    s = statement(year)
    ws = openpyxl.load_workbook(book)[f"Statement {year}"]
    row = _row_of(ws, 2, "Total payable")
    formula = ws.cell(row, 3).value
    ref = re.fullmatch(r"=SUM\((C\d+:C\d+)\)", formula).group(1)
    assert _range_sum(ws, ref) == pounds(s.total_payable_pence)
    # each payable statement line is in the summed range, memo lines are not
    payable_items = [ws.cell(r, 2).value for r in range(ws[ref][0][0].row, ws[ref][-1][0].row + 1) if ws.cell(r, 3).value is not None]
    assert payable_items == [line.item for line in s.lines if line.payable]
    cached = openpyxl.load_workbook(book, data_only=True)[f"Statement {year}"].cell(row, 3).value
    assert Decimal(str(cached)) == pounds(s.total_payable_pence)


def test_section_sumifs_and_hub_budgets_recompute_to_the_statement(book):
    s = statement(2028)
    ws = openpyxl.load_workbook(book)["Statement 2028"]
    first = _row_of(ws, 1, "Summary by section") + 1
    sumifs = {ws.cell(r, 2).value: ws.cell(r, 3).value for r in range(first, first + 4)}
    assert sumifs["performance"] == '=SUMIF($A$6:$A$13,"performance",$C$6:$C$13)'
    budget_row = _row_of(ws, 2, "Budget")
    ref = re.fullmatch(r"=SUM\((C\d+:C\d+)\)", ws.cell(budget_row, 3).value).group(1)
    assert _range_sum(ws, ref) == pounds(s.budget.total_pence)
    variance_row = _row_of(ws, 2, "Variance (target - actual; + is a saving)")
    assert ws.cell(variance_row, 3).value == f"=C{variance_row - 2}-C{variance_row - 1}"
    assert pounds(s.risk_share.target_pence) - pounds(s.risk_share.actual_pence) == pounds(s.risk_share.variance_pence)
    assert Decimal(str(ws.cell(variance_row - 2, 3).value)) == pounds(s.risk_share.target_pence)


def test_statement_layout_money_format_and_frozen_header(book):
    ws = openpyxl.load_workbook(book)["Statement 2027"]
    assert ws.freeze_panes == "A6"
    assert [c.value for c in ws[5]][:5] == ["Section", "Item", "Payable (£)", "Memo (£)", "Basis"]
    budget = ws.cell(_row_of(ws, 2, "Whole-population budget"), 3)
    assert budget.number_format == MONEY_FORMAT  # £1,234.50 and -£816,699.25, as the CLI writes money
    assert Decimal(str(budget.value)) == pounds(statement(2027).budget.total_pence)


def test_every_count_in_the_workbook_is_disclosed(book):
    cells = list(_count_cells(openpyxl.load_workbook(book)))
    assert len(cells) > 60
    assert [(t, c.coordinate, c.value) for t, c in cells if not is_disclosed(f"{c.value}")] == []
    segments = openpyxl.load_workbook(book)["Population"]
    row = _row_of(segments, 1, "very_high_needs")
    assert segments.cell(row, 2).value == 1235  # rounded count stays a number
    assert segments.cell(_row_of(segments, 1, "0-4"), 4).value == "*"  # 3 people of unknown sex


def test_restricted_workbook_is_stamped_on_every_sheet_and_the_scan_sees_its_counts(restricted_book):
    wb = openpyxl.load_workbook(restricted_book)
    assert {ws.title: ws["A3"].value for ws in wb.worksheets} == {ws.title: RESTRICTED_STAMP for ws in wb.worksheets}
    assert all(RESTRICTED_STAMP in ws.oddHeader.left.text for ws in wb.worksheets)
    bad = {c.value for _, c in _count_cells(wb) if not is_disclosed(f"{c.value}")}
    assert {SMALL_COUNT, VERY_HIGH_NEEDS_PEOPLE} <= bad


def test_inputs_sheet_lists_file_hashes_and_ledger_versions(book):
    ws = openpyxl.load_workbook(book)["Inputs"]
    data = report_data()
    rows = [(ws.cell(r, 1).value, ws.cell(r, 2).value, ws.cell(r, 3).value) for r in range(6, 6 + len(data.inputs))]
    assert rows == [(i.table, i.file, i.sha256) for i in data.inputs]
    reason_row = _row_of(ws, 5, "corrected community activity feed")
    assert [ws.cell(reason_row, c).value for c in range(1, 4)] == [2027, 2, "current"]

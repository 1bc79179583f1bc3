"""The workbook is live (issue 16.7): recalculated by a formula engine, it gives the
statement back to the penny.

The ``formulas`` package evaluates the workbook the way a spreadsheet would. The workbook
is first re-saved by openpyxl, which keeps the formulas but drops the values XlsxWriter
cached beside them, so every number checked below was computed by the engine from the
inputs in the sheet. The statements are real: a small synthetic MCP settled by the
pipeline, so each budget line carries its inputs.
"""

from __future__ import annotations

import dataclasses
import os
import re
import stat
from decimal import Decimal

import formulas
import openpyxl
import pytest

from wholepop.money.pence import pounds
from wholepop.report.excel import write_excel

from .fixtures import report_data

PENNY = Decimal("0.005")


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    from wholepop.pipeline import prepare, settle
    from wholepop.synth import generate

    data = generate(tmp_path_factory.mktemp("mcp") / "data", population=1500, years=2, seed=3)
    run = prepare(data, data / "contract.toml")
    try:
        return tuple(settle(run, y) for y in (2027, 2028))
    finally:
        run.close()


@pytest.fixture(scope="module")
def recalculated(settled, tmp_path_factory):
    folder = tmp_path_factory.mktemp("xlsx")
    book = write_excel(dataclasses.replace(report_data(), statements=settled), folder / "statement.xlsx")
    bare = folder / "bare.xlsx"
    openpyxl.load_workbook(book).save(bare)  # formulas kept, cached values gone
    assert openpyxl.load_workbook(bare, data_only=True)["Statement 2028"]["C6"].value is None
    solution = formulas.ExcelModel().loads(str(bare)).finish().calculate()
    values = {}
    for key, cell in solution.items():
        m = re.fullmatch(r"'\[bare\.xlsx\](.+)'!([A-Z]+\d+)", key)
        if m:
            values[(m.group(1), m.group(2))] = cell.value[0][0]
    return book, openpyxl.load_workbook(book), values


def money(values, sheet: str, ref: str) -> Decimal:
    v = values[(sheet.upper(), ref)]
    assert isinstance(v, (int, float)), f"{sheet}!{ref} did not compute: {v!r}"
    return Decimal(repr(float(v)))


def row_of(ws, column: int, text: str) -> int:
    for (cell,) in ws.iter_rows(min_col=column, max_col=column):
        if cell.value == text:
            return cell.row
    raise AssertionError(f"{text!r} not in column {column} of {ws.title}")


@pytest.mark.parametrize("index", [0, 1])
def test_budget_lines_are_formulas_that_recompute_each_line(settled, recalculated, index):
    s = settled[index]
    _, wb, values = recalculated
    sheet = f"Statement {s.year}"
    ws = wb[sheet]
    budget_lines = [line for line in s.lines if line.section == "budget" and line.payable]
    assert len(budget_lines) == len(s.extra["budget_lines"]) >= 2
    for line in budget_lines:
        r = row_of(ws, 2, line.item)
        assert ws.cell(r, 3).value.startswith(("=IF(", "=ROUND(")), line.item
        assert abs(money(values, sheet, f"C{r}") - pounds(line.amount_pence)) < PENNY, line.item
    memo = row_of(ws, 2, "whole-population budget (memo)")
    assert ws.cell(memo, 4).value.startswith("=SUM(")
    assert abs(money(values, sheet, f"D{memo}") - pounds(s.budget.total_pence)) < PENNY


@pytest.mark.parametrize("index", [0, 1])
def test_totals_sections_hubs_and_shares_recompute_to_the_statement(settled, recalculated, index):
    s = settled[index]
    _, wb, values = recalculated
    sheet = f"Statement {s.year}"
    ws = wb[sheet]
    assert abs(money(values, sheet, f"C{row_of(ws, 2, 'Total payable')}") - pounds(s.total_payable_pence)) < PENNY
    assert abs(money(values, sheet, f"C{row_of(ws, 2, 'Total payable (sum of sections)')}")
               - pounds(s.total_payable_pence)) < PENNY
    assert abs(money(values, sheet, f"C{row_of(ws, 2, 'Budget')}") - pounds(s.budget.total_pence)) < PENNY
    rs = s.risk_share
    variance = row_of(ws, 2, "Variance (target - actual; + is a saving)")
    assert abs(money(values, sheet, f"C{variance}") - pounds(rs.variance_pence)) < PENNY
    provider = row_of(ws, 2, "Share: provider (+ paid to it, - borne by it)")
    assert Decimal(str(ws.cell(provider, 3).value)) == pounds(rs.provider_pence)
    assert abs(money(values, sheet, f"C{row_of(ws, 2, 'Shares together (= variance)')}") - pounds(rs.variance_pence)) < PENNY


def test_the_practice_budget_sheet_sums_to_the_budget(settled, recalculated):
    _, wb, values = recalculated
    for s in settled:
        sheet = f"Practices {s.year}"
        ws = wb[sheet]
        codes = [ws.cell(r, 1).value for r in range(6, 6 + len(s.budget.by_practice))]
        assert codes == [p.practice_code for p in s.budget.by_practice]
        assert abs(money(values, sheet, f"C{row_of(ws, 1, 'Budget')}") - pounds(s.budget.total_pence)) < PENNY


def test_metric_values_are_numbers(settled, recalculated):
    _, wb, _ = recalculated
    s = settled[1]
    ws = wb[f"Statement {s.year}"]
    for m in s.performance.metrics:
        r = row_of(ws, 1, m.id)
        assert isinstance(ws.cell(r, 2).value, float) and Decimal(str(ws.cell(r, 2).value)) == Decimal(m.value)
        assert Decimal(str(ws.cell(r, 6).value)) == Decimal(m.achievement)


def test_the_workbook_honours_the_umask(settled, tmp_path):
    old = os.umask(0o002)
    try:
        book = write_excel(dataclasses.replace(report_data(), statements=settled), tmp_path / "shared.xlsx")
    finally:
        os.umask(old)
    assert stat.S_IMODE(book.stat().st_mode) == 0o664  # the group can read it (not 0600)


@pytest.mark.parametrize("index", [0, 1])
def test_the_provider_position_recomputes_from_the_total_payable(settled, recalculated, index):
    s = settled[index]
    _, wb, values = recalculated
    sheet = f"Statement {s.year}"
    ws = wb[sheet]
    r = row_of(ws, 2, "Surplus (+) or deficit (-)")
    assert ws.cell(r, 3).value == f"=C{r - 3}-C{r - 2}-C{r - 1}"
    assert abs(money(values, sheet, f"C{r}") - pounds(s.provider_position.surplus_pence)) < PENNY
    assert abs(money(values, sheet, f"C{r - 3}") - pounds(s.total_payable_pence)) < PENNY

"""Each funder's contribution and payment reach the workbook and the HTML report: both list
every statement line, so a two-funder statement (tests/money/test_funders.py) shows them."""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import openpyxl

from wholepop.report.excel import write_excel
from wholepop.report.html import render_html

from .fixtures import report_data

sys.path.insert(0, str(Path(__file__).parents[1] / "money"))
from golden import contract, facts
from wholepop.money import settle

COUNCIL = '[[funders]]\nname = "ICB"\n[[funders]]\nname = "Council"\nlines = ["community"]\nuplift = 0.0\n'


def two_funder_data():
    s = settle(facts(), contract(extra=COUNCIL), 2027)
    return dataclasses.replace(report_data(), year=2027, statements=(s,)), s


def test_workbook_shows_each_funder(tmp_path):
    data, _ = two_funder_data()
    ws = openpyxl.load_workbook(write_excel(data, tmp_path / "funders.xlsx"))["Statement 2027"]
    rows = {r[1]: r for r in ws.iter_rows(values_only=True) if r[1]}
    # the council's contribution 61,000 p (tests/money/test_funders.py) as a memo amount in pounds
    assert float(rows["funder Council: contribution to the budget (memo)"][3]) == 610.00
    assert float(rows["funder ICB: pays the provider (memo)"][3]) == 556.06


def test_html_report_shows_each_funder():
    data, _ = two_funder_data()
    html = render_html(data)
    assert "funder Council: contribution to the budget (memo)" in html
    assert "funder ICB: pays the provider (memo)" in html

"""The Excel workbook: each settled year as a finance statement, plus population and inputs.

Sheets:

* ``Statement YYYY``, one per settled year: the statement lines (section, item, payable
  pounds, memo pounds, basis) under a frozen header, then the total payable as
  ``=SUM`` of the payable cells, a summary by section (``=SUMIF``), the budget by hub with
  its ``=SUM``, the acute risk share with variance ``= target - actual`` and each party's
  share (the provider's first) summing to it, and the performance metrics as numbers.
  Each budget line is a live formula, ``=ROUND(baseline spend / baseline weighted
  population x weighted population x growth, 2)``, over its inputs in columns F-I
  (weighted populations and growth exact, as the statement computed them); the budget
  memo line is the ``=SUM`` of the lines. Totals are formulas so they recompute when a
  reader edits an input; each formula also carries its computed value so it shows
  before recalculation.
  When the statement holds the provider's own position, a block shows it live: the
  total payable (a reference to the total above), less the in-scope cost, less the
  deficit repayment, ``=`` the surplus or deficit.
* ``Practices YYYY``: the budget of each practice (largest-remainder shares of the
  budget by weighted population), with its ``=SUM``.
* ``Population``: hubs, age-sex and care-model segments of the report year.
* ``Inputs``: the input files with their SHA-256, and the ledger versions.

Money: amounts are exact ``Decimal`` pounds made from integer pence
(:func:`wholepop.money.pence.pounds`) and handed to XlsxWriter as they are. XlsxWriter
stores every number as an IEEE double (``%.16G``), which holds any amount below
£10^13 to the penny, so the conversion happens once, at the cell, and no arithmetic is
done on the doubles here. Cells use the format ``£#,##0.00`` (``-£816,699.25``), as the
CLI and the HTML report write money (``wholepop.numbers.gbp``).

The file is written with the permissions the user's umask gives a new file (readable by
the group where the umask allows), not the 0600 of a temporary file.

Counts of people and events are written through the report's
:class:`~wholepop.report.disclosure.Disclosure`: an ``int`` rounded to 5 or the text
``"*"``. A total of counts is the disclosed total of the unrounded values, written as a
value, not a ``SUM`` of the rounded cells (which would differ and could be differenced).
"""

from __future__ import annotations

import os
import tempfile
from decimal import Decimal
from pathlib import Path

import xlsxwriter
from xlsxwriter.utility import xl_rowcol_to_cell

from wholepop.money.pence import pounds
from wholepop.money.statement import Statement
from wholepop.numbers import gbp
from wholepop.report.data import ReportData
from wholepop.report.disclosure import Disclosure
from wholepop.report.files import honour_umask
from wholepop.vocab import Sex

__all__ = ["MONEY_FORMAT", "statement_sheet_name", "write_excel"]

MONEY_FORMAT = '"£"#,##0.00;[Red]-"£"#,##0.00'
HEADER_ROW = 4  # zero-based: title, subtitle, stamp, blank, header
FIRST_LINE_ROW = HEADER_ROW + 1


def statement_sheet_name(year: int) -> str:
    return f"Statement {year}"


class _Formats:
    def __init__(self, wb: xlsxwriter.Workbook):
        self.title = wb.add_format({"bold": True, "font_size": 14})
        self.subtitle = wb.add_format({"italic": True, "font_color": "#5f5f5f"})
        self.stamp = wb.add_format({"bold": True, "font_color": "#FFFFFF", "bg_color": "#B00020"})
        self.header = wb.add_format({"bold": True, "bottom": 2, "text_wrap": True, "valign": "bottom"})
        self.header_num = wb.add_format({"bold": True, "bottom": 2, "align": "right", "text_wrap": True, "valign": "bottom"})
        self.section = wb.add_format({"bold": True, "font_size": 12})
        self.money = wb.add_format({"num_format": MONEY_FORMAT})
        self.money_total = wb.add_format({"num_format": MONEY_FORMAT, "bold": True, "top": 1, "bottom": 6})
        self.total_label = wb.add_format({"bold": True, "top": 1, "bottom": 6})
        self.count = wb.add_format({"num_format": "#,##0", "align": "right"})
        self.count_total = wb.add_format({"num_format": "#,##0", "align": "right", "bold": True, "top": 1})
        self.wrap = wb.add_format({"text_wrap": True, "valign": "top", "font_size": 9})
        self.text = wb.add_format({"valign": "top"})
        self.mono = wb.add_format({"font_name": "Consolas", "font_size": 9})
        self.decimal = wb.add_format({"align": "right"})
        self.number = wb.add_format({"num_format": "0.000000"})
        self.exact = wb.add_format({"num_format": "#,##0.0000"})
        self.growth = wb.add_format({"num_format": "0.000000000"})


def _money(pence: int) -> Decimal:
    return pounds(pence)


def _heading(ws, f: _Formats, title: str, subtitle: str, disclosure: Disclosure) -> None:
    ws.write(0, 0, title, f.title)
    ws.write(1, 0, subtitle, f.subtitle)
    if disclosure.stamp:
        ws.write(2, 0, disclosure.stamp, f.stamp)
        ws.set_header(f"&L&\"-,Bold\"{disclosure.stamp}&R&A")
    else:
        ws.write(2, 0, "Counts of people are rounded to the nearest 5; 1-7 shown as *. Money is exact.", f.subtitle)
        ws.set_header("&L&A")
    ws.set_footer("&CPage &P of &N")
    ws.set_landscape()
    ws.fit_to_pages(1, 0)


def _statement_sheet(wb, f: _Formats, data: ReportData, s: Statement, disclosure: Disclosure) -> None:
    ws = wb.add_worksheet(statement_sheet_name(s.year))
    _heading(
        ws, f, f"{s.contract}: settled statement {s.year}/{(s.year + 1) % 100:02d}",
        f"{s.form} contract; contract year 1 April {s.year} to 31 March {s.year + 1}; + is paid to the provider",
        disclosure,
    )
    ws.set_column(0, 0, 14)
    ws.set_column(1, 1, 42)
    ws.set_column(2, 3, 18)
    ws.set_column(4, 4, 70)
    ws.set_column(5, 8, 16)
    for col, (name, fmt) in enumerate(
        (("Section", f.header), ("Item", f.header), ("Payable (£)", f.header_num), ("Memo (£)", f.header_num), ("Basis", f.header),
         ("Baseline spend (£)", f.header_num), ("Baseline weighted population", f.header_num),
         ("Weighted population", f.header_num), ("Growth", f.header_num))
    ):
        ws.write(HEADER_ROW, col, name, fmt)
    ws.freeze_panes(FIRST_LINE_ROW, 0)

    row = FIRST_LINE_ROW
    total_basis = "sum of the payable lines"
    parts = {p["item"]: p for p in s.extra.get("budget_lines", ())}
    budget_rows: list[int] = []
    for line in s.lines:
        if line.section == "total":
            # the workbook writes its own total as a formula; keep the statement's basis
            total_basis = line.basis
            continue
        ws.write_string(row, 0, line.section, f.text)
        ws.write_string(row, 1, line.item, f.text)
        part = parts.get(line.item) if line.section == "budget" and line.payable else None
        if part is not None:
            _budget_formula(ws, f, row, part, line.amount_pence)
            budget_rows.append(row)
        elif line.section == "budget" and not line.payable and budget_rows and len(budget_rows) == len(parts):
            # the budget memo line: the sum of the budget lines above it
            ws.write_formula(row, 3, f"=SUM({xl_rowcol_to_cell(budget_rows[0], 2)}:{xl_rowcol_to_cell(budget_rows[-1], 2)})",
                             f.money, _money(line.amount_pence))
        else:
            ws.write_number(row, 2 if line.payable else 3, _money(line.amount_pence), f.money)
        ws.write_string(row, 4, line.basis, f.wrap)
        row += 1
    last = row - 1
    payable_range = f"{xl_rowcol_to_cell(FIRST_LINE_ROW, 2)}:{xl_rowcol_to_cell(last, 2)}"
    section_range = f"{xl_rowcol_to_cell(FIRST_LINE_ROW, 0, True, True)}:{xl_rowcol_to_cell(last, 0, True, True)}"
    payable_abs = f"{xl_rowcol_to_cell(FIRST_LINE_ROW, 2, True, True)}:{xl_rowcol_to_cell(last, 2, True, True)}"
    total_row = row
    ws.write(total_row, 0, "total", f.total_label)
    ws.write(total_row, 1, "Total payable", f.total_label)
    ws.write_formula(total_row, 2, f"=SUM({payable_range})", f.money_total, _money(s.total_payable_pence))
    ws.write(total_row, 3, None, f.total_label)
    ws.write_string(total_row, 4, total_basis, f.wrap)

    # Summary by section: the waterfall's steps, each a SUMIF so it follows any edit.
    row = total_row + 2
    ws.write(row, 0, "Summary by section", f.section)
    row += 1
    sections = list(dict.fromkeys(line.section for line in s.lines if line.payable))
    for section in sections:
        amount = sum(line.amount_pence for line in s.lines if line.payable and line.section == section)
        ws.write_string(row, 1, section.replace("_", " "))
        ws.write_formula(row, 2, f'=SUMIF({section_range},"{section}",{payable_abs})', f.money, _money(amount))
        row += 1
    ws.write(row, 1, "Total payable (sum of sections)", f.total_label)
    if sections:
        ws.write_formula(
            row, 2, f"=SUM({xl_rowcol_to_cell(row - len(sections), 2)}:{xl_rowcol_to_cell(row - 1, 2)})",
            f.money_total, _money(s.total_payable_pence),
        )
    else:
        ws.write_number(row, 2, 0, f.money_total)
    row += 2

    if s.budget is not None and s.budget.by_hub:
        ws.write(row, 0, "Budget by hub", f.section)
        row += 1
        ws.write(row, 1, "Hub", f.header)
        ws.write(row, 2, "Budget (£)", f.header_num)
        ws.write(row, 3, "Weighted population", f.header_num)
        row += 1
        first = row
        for h in s.budget.by_hub:
            ws.write_string(row, 1, h.hub)
            ws.write_number(row, 2, _money(h.budget_pence), f.money)
            # weighted population is a need-weighted count of people: disclosed
            ws.write(row, 3, disclosure.cell(Decimal(h.weighted_population)), f.count)
            row += 1
        ws.write(row, 1, "Budget", f.total_label)
        ws.write_formula(
            row, 2, f"=SUM({xl_rowcol_to_cell(first, 2)}:{xl_rowcol_to_cell(row - 1, 2)})",
            f.money_total, _money(s.budget.total_pence),
        )
        row += 2

    if s.risk_share is not None:
        rs = s.risk_share
        ws.write(row, 0, "Risk share", f.section)
        ws.write(row, 1, f"{rs.kind} spend against target", f.text)
        row += 1
        target_cell, actual_cell = xl_rowcol_to_cell(row, 2), xl_rowcol_to_cell(row + 1, 2)
        ws.write(row, 1, "Target")
        ws.write_number(row, 2, _money(rs.target_pence), f.money)
        ws.write(row + 1, 1, "Actual")
        ws.write_number(row + 1, 2, _money(rs.actual_pence), f.money)
        ws.write(row + 2, 1, "Variance (target - actual; + is a saving)")
        ws.write_formula(row + 2, 2, f"={target_cell}-{actual_cell}", f.money, _money(rs.variance_pence))
        row += 3
        first_share = row
        ws.write(row, 1, "Share: provider (+ paid to it, - borne by it)")
        ws.write_number(row, 2, _money(rs.provider_pence), f.money)
        row += 1
        for party in rs.parties:
            ws.write(row, 1, f"Share: {party.party}")
            ws.write_number(row, 2, _money(party.amount_pence), f.money)
            row += 1
        ws.write(row, 1, "Shares together (= variance)", f.total_label)
        ws.write_formula(row, 2, f"=SUM({xl_rowcol_to_cell(first_share, 2)}:{xl_rowcol_to_cell(row - 1, 2)})",
                         f.money_total, _money(rs.provider_pence + sum(x.amount_pence for x in rs.parties)))
        row += 2

    pos = s.provider_position
    if pos is not None:
        # The provider's own surplus or deficit: what it is paid, less the in-scope cost of
        # its population's care, less its deficit repayment; live on the total payable.
        ws.write(row, 0, "Provider position", f.section)
        ws.write(row, 1, "the provider's own surplus (+) or deficit (-) for the year", f.text)
        row += 1
        payable_cell = xl_rowcol_to_cell(row, 2)
        ws.write(row, 1, "Total payable")
        ws.write_formula(row, 2, f"={xl_rowcol_to_cell(total_row, 2)}", f.money, _money(pos.payable_pence))
        ws.write(row + 1, 1, "In-scope cost (its scope lines, by its population)")
        ws.write_number(row + 1, 2, _money(pos.in_scope_cost_pence), f.money)
        ws.write(row + 2, 1, "Deficit repayment")
        ws.write_number(row + 2, 2, _money(pos.deficit_repayment_pence), f.money)
        ws.write(row + 3, 1, "Surplus (+) or deficit (-)", f.total_label)
        ws.write_formula(row + 3, 2, f"={payable_cell}-{xl_rowcol_to_cell(row + 1, 2)}-{xl_rowcol_to_cell(row + 2, 2)}",
                         f.money_total, _money(pos.surplus_pence))
        ws.write_string(row + 3, 4, pos.basis, f.wrap)
        row += 5

    p = s.performance
    ws.write(row, 0, "Performance", f.section)
    ws.write(row, 1, f"{p.mode}; at stake {gbp(p.at_stake_pence)}; achievement {p.achievement}"
             + ("; gateway failed" if p.gateway_failed else ""), f.text)
    row += 1
    for col, name in enumerate(("Metric", "Value", "Lower", "Upper", "Weight", "Achievement", "Gateway / source")):
        ws.write(row, col, name, f.header if col in (0, 6) else f.header_num)
    row += 1
    for m in p.metrics:
        ws.write_string(row, 0, m.id)
        # numbers a reader can chart and compare; a missing value says so
        for col, value in enumerate((m.value, m.lower, m.upper, m.weight, m.achievement), start=1):
            if value is None:
                ws.write_string(row, col, "n/a", f.decimal)
            else:
                ws.write_number(row, col, Decimal(value), f.number)
        ws.write_string(row, 6, ("gateway; " if m.gateway else "") + m.source)
        row += 1


def _budget_formula(ws, f: _Formats, row: int, part: dict, amount_pence: int) -> None:
    """A budget line as a live formula over its inputs in columns F-I of its row."""
    spend, base_wp, wp, growth = (xl_rowcol_to_cell(row, c) for c in (5, 6, 7, 8))
    ws.write_number(row, 5, _money(part["baseline_spend_pence"]), f.money)
    ws.write_number(row, 8, Decimal(part["growth"]), f.growth)
    if part["weighted_population"] is None:
        formula = f"=ROUND({spend}*{growth},2)"
    else:
        ws.write_number(row, 6, Decimal(part["baseline_weighted_population"]), f.exact)
        ws.write_number(row, 7, Decimal(part["weighted_population"]), f.exact)
        formula = f"=IF({base_wp}=0,0,ROUND({spend}/{base_wp}*{wp}*{growth},2))"
    ws.write_formula(row, 2, formula, f.money, _money(amount_pence))


def _practices_sheet(wb, f: _Formats, s: Statement, disclosure: Disclosure) -> None:
    ws = wb.add_worksheet(f"Practices {s.year}")
    _heading(ws, f, f"{s.contract}: budget by practice {s.year}/{(s.year + 1) % 100:02d}",
             "each practice's share of the budget by weighted population (largest remainder, summing exactly)", disclosure)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 2, 20)
    for col, name in enumerate(("Practice", "Weighted population", "Budget (£)")):
        ws.write(HEADER_ROW, col, name, f.header if col == 0 else f.header_num)
    ws.freeze_panes(FIRST_LINE_ROW, 0)
    row = FIRST_LINE_ROW
    for p in s.budget.by_practice:
        ws.write_string(row, 0, p.practice_code)
        ws.write_number(row, 1, Decimal(p.weighted_population), f.exact)
        ws.write_number(row, 2, _money(p.budget_pence), f.money)
        row += 1
    ws.write(row, 0, "Budget", f.total_label)
    ws.write_formula(row, 2, f"=SUM({xl_rowcol_to_cell(FIRST_LINE_ROW, 2)}:{xl_rowcol_to_cell(row - 1, 2)})",
                     f.money_total, _money(s.budget.total_pence if s.budget else 0))


def _population_sheet(wb, f: _Formats, data: ReportData, disclosure: Disclosure) -> None:
    ws = wb.add_worksheet("Population")
    _heading(ws, f, f"{data.contract.name}: population {data.year}/{(data.year + 1) % 100:02d}",
             f"{data.practices} practices in {len(data.hubs)} hubs", disclosure)
    ws.set_column(0, 0, 22)
    ws.set_column(1, 4, 16)
    row = HEADER_ROW
    for col, name in enumerate(("Hub", "Registered people (person-months / 12)", "Weighted population")):
        ws.write(row, col, name, f.header if col == 0 else f.header_num)
    ws.freeze_panes(row + 1, 0)
    row += 1
    for h in data.hubs:
        ws.write_string(row, 0, h.hub)
        ws.write(row, 1, disclosure.cell(Decimal(h.person_months) / 12), f.count)
        ws.write(row, 2, disclosure.cell(h.weighted_population), f.count)
        row += 1
    ws.write(row, 0, "All hubs", f.total_label)
    ws.write(row, 1, _total_cell(disclosure, [Decimal(h.person_months) / 12 for h in data.hubs]), f.count_total)
    ws.write(row, 2, _total_cell(disclosure, [h.weighted_population for h in data.hubs]), f.count_total)
    row += 2

    ws.write(row, 0, "Age and sex", f.section)
    row += 1
    sexes = [s for s in Sex if any(r.sex == s for r in data.pyramid)]
    for col, name in enumerate(("Age band", *(s.name.title() for s in sexes), "All")):
        ws.write(row, col, name, f.header if col == 0 else f.header_num)
    row += 1
    by_band: dict[str, dict[Sex, int]] = {}
    for r in data.pyramid:
        by_band.setdefault(r.age_band, {})[r.sex] = r.people
    for band, counts in by_band.items():
        ws.write_string(row, 0, band)
        for col, sex in enumerate(sexes, start=1):
            ws.write(row, col, disclosure.cell(counts.get(sex, 0)), f.count)
        ws.write(row, len(sexes) + 1, _total_cell(disclosure, counts.values()), f.count)
        row += 1
    ws.write(row, 0, "All ages", f.total_label)
    for col, sex in enumerate(sexes, start=1):
        ws.write(row, col, _total_cell(disclosure, [r.people for r in data.pyramid if r.sex == sex]), f.count_total)
    ws.write(row, len(sexes) + 1, _total_cell(disclosure, [r.people for r in data.pyramid]), f.count_total)
    row += 2

    ws.write(row, 0, "Care-model segments", f.section)
    row += 1
    for col, name in enumerate(("Segment", "People", "Spend (£)")):
        ws.write(row, col, name, f.header if col == 0 else f.header_num)
    row += 1
    first = row
    for s in data.segments:
        ws.write_string(row, 0, s.segment.value)
        ws.write(row, 1, disclosure.cell(s.people), f.count)
        ws.write_number(row, 2, _money(s.spend_pence), f.money)
        row += 1
    ws.write(row, 0, "All segments", f.total_label)
    ws.write(row, 1, _total_cell(disclosure, [s.people for s in data.segments]), f.count_total)
    ws.write_formula(row, 2, f"=SUM({xl_rowcol_to_cell(first, 2)}:{xl_rowcol_to_cell(row - 1, 2)})",
                     f.money_total, _money(sum(s.spend_pence for s in data.segments)))


def _total_cell(disclosure: Disclosure, values) -> int | str:
    text = disclosure.total(values)
    return text if not text.isdigit() else int(text)


def _inputs_sheet(wb, f: _Formats, data: ReportData, disclosure: Disclosure) -> None:
    ws = wb.add_worksheet("Inputs")
    _heading(ws, f, f"{data.contract.name}: inputs and ledger versions",
             "The files the settlement read, with their SHA-256, and every version in the ledger", disclosure)
    ws.set_column(0, 0, 16)
    ws.set_column(1, 1, 34)
    ws.set_column(2, 2, 68)
    ws.set_column(3, 5, 22)
    row = HEADER_ROW
    for col, name in enumerate(("Table", "File", "SHA-256")):
        ws.write(row, col, name, f.header)
    ws.freeze_panes(row + 1, 0)
    row += 1
    for i in data.inputs:
        ws.write_string(row, 0, i.table)
        ws.write_string(row, 1, i.file)
        ws.write_string(row, 2, i.sha256, f.mono)
        row += 1
    row += 1
    ws.write(row, 0, "Ledger versions", f.section)
    row += 1
    for col, name in enumerate(("Year", "Version", "Status", "Created", "Reason")):
        ws.write(row, col, name, f.header)
    row += 1
    for v in data.ledger:
        ws.write_number(row, 0, v.year)
        ws.write_number(row, 1, v.version)
        ws.write_string(row, 2, v.status)
        ws.write_string(row, 3, v.created_at)
        ws.write_string(row, 4, v.reason)
        row += 1


def _projection_sheet(wb, f: _Formats, data: ReportData, disclosure: Disclosure) -> None:
    """The projection: the board's headlines, then one row per contract year (settled or projected)."""
    p = data.projection
    ws = wb.add_worksheet("Projection")
    _heading(ws, f, f"Projection of the contract term: {p.scenario}",
             f"{p.runs:,} Monte Carlo runs; settled years are the ledger's statements, the rest projected", disclosure)
    h = p.headlines
    row = HEADER_ROW
    if h:
        ws.write(row, 0, "Can the provider bear its risk?", f.section)
        row += 1
        cp = h["cumulative_position_pence"]
        items = [
            ("Provider's cumulative position over the term, median", cp["p50"], None),
            ("  P10", cp["p10"], None),
            ("  P90", cp["p90"], None),
            ("Cumulative budget", h["cumulative_budget_pence"], None),
            ("Median cumulative position / cumulative budget", None, h["median_cumulative_position_share_of_budget"]),
            ("Reserves ([provider] reserves)", h["reserves_pence"], None),
            ("P(cumulative loss exceeds reserves at any point)", None, h["p_loss_exceeds_reserves"]),
            ("First year the median loss exceeds reserves", None, h["first_year_median_loss_exceeds_reserves"] or "never"),
            ("Largest in-year cash shortfall, P10 (10% of runs fall short by more)", h["cash_shortfall_p10_pence"], None),
            ("Working capital ([provider] working_capital)", h["working_capital_pence"], None),
            ("P(cash shortfall exceeds working capital)", None, h["p_cash_shortfall_exceeds_working_capital"]),
            (h["loss_cap_label"], None, h["p_loss_cap"]),
            (f"{h['roi_label']} ({h['roi_definition']})", None, h["roi"]),
        ]
        for label, pence, other in items:
            ws.write_string(row, 0, label, f.text)
            if pence is not None:
                ws.write_number(row, 1, _money(pence), f.money)
            elif other is None:
                ws.write_string(row, 1, "n/a")
            elif isinstance(other, str):
                ws.write_string(row, 1, other)
            else:
                ws.write_number(row, 1, other, f.decimal)
            row += 1
        row += 1
    headers = ["Year", "Settled or projected", "People", "Budget £", "Acute target £", "Lever cost £",
               "Provider P10 £", "Provider median £", "Provider P90 £",
               "Cumulative P10 £", "Cumulative median £", "Cumulative P90 £"]
    for col, name in enumerate(headers):
        ws.write(row, col, name, f.header if col < 2 else f.header_num)
    row += 1
    for y in p.years:
        ws.write_number(row, 0, y.year)
        ws.write_string(row, 1, "settled" if y.settled else "projected")
        ws.write(row, 2, disclosure.cell(y.people), f.count)
        for col, pence in enumerate((y.budget_pence, y.acute_target_pence, y.lever_cost_pence, y.provider_p10_pence,
                                     y.provider_p50_pence, y.provider_p90_pence, y.cumulative_p10_pence,
                                     y.cumulative_p50_pence, y.cumulative_p90_pence), start=3):
            ws.write_number(row, col, _money(pence), f.money)
        row += 1
    ws.set_column(0, 0, 48)
    ws.set_column(1, 11, 16)


def _sensitivity_sheet(wb, f: _Formats, data: ReportData, disclosure: Disclosure) -> None:
    """What moves the result: each move's change in the provider's and commissioner's positions over the term."""
    p = data.projection
    ws = wb.add_worksheet("Sensitivity")
    _heading(ws, f, "What moves the result (deterministic path, summed over the term)",
             f"base: provider {p.provider_base_pence / 100:,.2f}, commissioner {p.commissioner_base_pence / 100:,.2f} pounds; "
             "largest provider swing first", disclosure)
    headers = ["Assumption", "Low", "High", "Provider change, low £", "Provider change, high £",
               "Commissioner change, low £", "Commissioner change, high £"]
    for col, name in enumerate(headers):
        ws.write(HEADER_ROW, col, name, f.header if col < 3 else f.header_num)
    for i, r in enumerate(p.sensitivity):
        row = FIRST_LINE_ROW + i
        ws.write_string(row, 0, r.name)
        ws.write_string(row, 1, r.low)
        ws.write_string(row, 2, r.high)
        for col, pence in enumerate((r.provider_low_pence - p.provider_base_pence, r.provider_high_pence - p.provider_base_pence,
                                     r.commissioner_low_pence - p.commissioner_base_pence,
                                     r.commissioner_high_pence - p.commissioner_base_pence), start=3):
            ws.write_number(row, col, _money(pence), f.money)
    ws.set_column(0, 0, 48)
    ws.set_column(1, 6, 18)


def write_excel(data: ReportData, out: Path) -> Path:
    """Write the statement workbook of ``data`` to ``out`` (``.xlsx``).

    One sheet per settled year (``Statement YYYY``), then ``Population`` and ``Inputs``;
    with a projection, ``Projection`` (and ``Sensitivity`` when it ran).
    Written to a temporary name beside ``out`` and renamed, so a failure leaves nothing.

    Returns:
        ``out``.
    """
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    disclosure = Disclosure(restricted=data.restricted)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".xlsx", dir=out.parent)
    os.close(fd)
    try:
        wb = xlsxwriter.Workbook(tmp, {"strings_to_numbers": False, "strings_to_formulas": False})
        wb.set_properties({"title": f"{data.contract.name} statements", "comments": disclosure.stamp or ""})
        f = _Formats(wb)
        for s in data.statements:
            _statement_sheet(wb, f, data, s, disclosure)
        _population_sheet(wb, f, data, disclosure)
        _inputs_sheet(wb, f, data, disclosure)
        for s in data.statements:
            if s.budget is not None and s.budget.by_practice:
                _practices_sheet(wb, f, s, disclosure)
        if data.projection is not None:
            _projection_sheet(wb, f, data, disclosure)
            if data.projection.sensitivity:
                _sensitivity_sheet(wb, f, data, disclosure)
        wb.close()
        honour_umask(tmp)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out

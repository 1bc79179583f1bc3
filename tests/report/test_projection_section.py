"""The projection section: a fan chart of the provider's position and a table per year."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest

from wholepop.errors import UserError
from wholepop.report.data import ProjectionSummary
from wholepop.report.gather import with_projection
from wholepop.report.html import render_html

from .fixtures import report_data

PROJECTION = {
    "scenario": "Test scenario", "runs": 500, "roi": 1.5, "npv_pence": 123456, "p_loss_cap": 0.125,
    "years": [
        {"year": 2027, "people": 20163, "budget_pence": 100000000, "acute_target_pence": 50000000, "lever_cost_pence": 1000000,
         "provider_position_pence": {"p10": -300000, "p50": -100000, "p90": 200000}},
        {"year": 2028, "people": 6, "budget_pence": 103000000, "acute_target_pence": 51000000, "lever_cost_pence": 2000000,
         "provider_position_pence": {"p10": -500000, "p50": -150000, "p90": 250000}},
    ],
}


def test_projection_section_has_fan_chart_and_disclosed_people():
    data = dataclasses.replace(report_data(), projection=ProjectionSummary.from_json(PROJECTION))
    html = render_html(data)
    section = html[html.index('<section id="projection">'):]
    section = section[: section.index("</section>")]
    assert 'aria-label="Projected provider position"' in section
    assert "12.5%" in section  # P(loss cap)
    assert "£1,234.56" in section  # NPV, exact money
    people = re.findall(r'<span class="count">([^<]*)</span>', section)
    assert people == ["20,165", "*"]  # 20,163 to the nearest 5; 6 suppressed
    assert "-£1,000.00" in section and "£2,500.00" in section  # p50 2027 and p90 2028


def test_no_projection_no_section():
    assert '<section id="projection">' not in render_html(report_data())


def test_projection_file_that_is_not_a_projection_is_refused(tmp_path):
    bad = tmp_path / "p.json"
    bad.write_text(json.dumps({"years": []}))
    with pytest.raises(UserError, match=r"--projection: .*p\.json is not the JSON of `wholepop project --json`"):
        with_projection(report_data(), bad)


HEADLINED = {
    **PROJECTION,
    "discount_rate": "0.035",
    "years": [
        {**PROJECTION["years"][0], "settled": True,
         "cumulative_provider_position_pence": {"p10": -300000, "p50": -100000, "p90": 200000}},
        {**PROJECTION["years"][1], "settled": False,
         "cumulative_provider_position_pence": {"p10": -800000, "p50": -250000, "p90": 450000}},
    ],
    "headlines": {
        "settled_years": [2027], "projected_years": [2028],
        "cumulative_position_pence": {"p10": -800000, "p50": -250000, "p90": 450000},
        "cumulative_budget_pence": 203000000, "median_cumulative_position_share_of_budget": -250000 / 203000000,
        "reserves_pence": 200000, "p_loss_exceeds_reserves": 0.375, "first_year_median_loss_exceeds_reserves": 2028,
        "working_capital_pence": 1000000, "cash_shortfall_p10_pence": 700000, "p_cash_shortfall_exceeds_working_capital": 0.0,
        "p_loss_cap": 0.125, "loss_cap_label": "P(the acute gain/risk share's loss cap binds in any year): it caps only the acute share",
        "roi": 1.5, "roi_label": "net return per £1 invested", "roi_definition": "net return per £1 invested = (avoided - cost) / cost",
    },
    "sensitivity": {
        "provider_base_pence": -250000, "commissioner_base_pence": 100000,
        "rows": [
            {"name": "cost trend (every line)", "low": "-0.5 pts", "high": "+0.5 pts",
             "provider_low_pence": 750000, "provider_high_pence": -1250000,
             "commissioner_low_pence": 100000, "commissioner_high_pence": 100000},
            {"name": "budget uplift", "low": "-0.5 pts", "high": "+0.5 pts",
             "provider_low_pence": -450000, "provider_high_pence": -50000,
             "commissioner_low_pence": 300000, "commissioner_high_pence": -100000},
        ],
    },
}


def test_headlines_say_whether_the_provider_can_bear_its_risk():
    data = dataclasses.replace(report_data(), projection=ProjectionSummary.from_json(HEADLINED))
    html = render_html(data)
    section = html[html.index('<section id="projection">'):]
    section = section[: section.index("</section>")]
    assert "Settled from data: 2027; projected: 2028." in section
    assert "2027 (settled)" in section
    assert "37.5%" in section and "first exceeds them in 2028" in section  # P(reserves), first year
    assert "£7,000.00" in section  # P10 cash shortfall, exact
    assert "Net return per £1 invested" in section and "£1.50" in section
    assert "loss cap binds" in section
    # the fan's caption labels the cap for what it is, not "the loss cap", and the NPV's rate is the scenario's
    assert "Chance of hitting the loss cap" not in section
    assert section.count("it caps only the acute share") == 2  # the headline table and the fan's caption
    assert "discount rate (3.5%)" in section  # the document's "0.035"
    assert 'aria-label="Provider&#39;s cumulative position over the term"' in section or "cumulative position over the term" in section
    assert 'aria-label="What moves the provider&#39;s result"' in section or "What moves the result" in section
    # The tornado table: the trend row first (largest swing), changes from the base, exact money.
    assert section.index("cost trend (every line)") < section.index("budget uplift</td>")
    assert "£10,000.00" in section and "-£10,000.00" in section  # +1,000,000 p and -1,000,000 p


def test_an_older_projection_json_still_reads():
    p = ProjectionSummary.from_json(PROJECTION)
    assert p.headlines == {} and p.sensitivity == () and p.settled_years == ()
    assert "Can the provider bear its risk?" not in render_html(dataclasses.replace(report_data(), projection=p))


def test_workbook_has_projection_and_sensitivity_sheets(tmp_path):
    import openpyxl

    from wholepop.report.excel import write_excel

    data = dataclasses.replace(report_data(), projection=ProjectionSummary.from_json(HEADLINED))
    book = openpyxl.load_workbook(write_excel(data, tmp_path / "s.xlsx"))
    assert book.sheetnames[-2:] == ["Projection", "Sensitivity"]
    ws = book["Projection"]
    cells = {ws.cell(r, 1).value: ws.cell(r, 2).value for r in range(1, ws.max_row + 1)}
    assert cells["P(cumulative loss exceeds reserves at any point)"] == 0.375
    assert cells["First year the median loss exceeds reserves"] == 2028
    assert cells["Reserves ([provider] reserves)"] == 2000
    years = [(ws.cell(r, 1).value, ws.cell(r, 2).value) for r in range(1, ws.max_row + 1) if ws.cell(r, 2).value in ("settled", "projected")]
    assert years == [(2027, "settled"), (2028, "projected")]
    s = book["Sensitivity"]
    rows = [[s.cell(r, c).value for c in range(1, 5)] for r in range(6, 8)]
    assert rows == [["cost trend (every line)", "-0.5 pts", "+0.5 pts", 10000], ["budget uplift", "-0.5 pts", "+0.5 pts", -2000]]

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

"""Today's forms project like the form they follow (issue 17). An API acute payment and
several funders are projected too: test_api_projection.py, test_funders_projection.py."""

from __future__ import annotations

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.projection.deterministic import project
from wholepop.projection.scenario import default_scenario

from .factory import synthetic_base

BASE = synthetic_base(20_000)


def test_todays_forms_project_like_the_form_they_follow():
    mnp = parse_contract(preset_text("mnp").replace("term_years = 15", "term_years = 5"))
    full = parse_contract(preset_text("mnp").replace("term_years = 15", "term_years = 5").replace('form = "mnp"', 'form = "full"'))
    a, b = project(BASE, mnp, default_scenario()), project(BASE, full, default_scenario())
    assert [y.total_payable_pence for y in a.years] == [y.total_payable_pence for y in b.years]

"""The projection refuses what it does not yet model (issue 17): several funders are
settled (tests/money) but not yet projected (an API acute payment is: test_api_projection.py), so `project` says so."""

from __future__ import annotations

import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.errors import UserError
from wholepop.projection.deterministic import project
from wholepop.projection.scenario import default_scenario

from .factory import synthetic_base

BASE = synthetic_base(20_000)


@pytest.mark.parametrize("extra", [
    '\n[[funders]]\nname = "ICB"\n[[funders]]\nname = "Council"\nlines = ["social_care"]\n',
])
def test_project_refuses_what_it_does_not_model(extra):
    contract = parse_contract(preset_text("full").replace("term_years = 15", "term_years = 5") + extra)
    with pytest.raises(UserError, match="the projection does not yet model"):
        project(BASE, contract, default_scenario())


def test_todays_forms_project_like_the_form_they_follow():
    mnp = parse_contract(preset_text("mnp").replace("term_years = 15", "term_years = 5"))
    full = parse_contract(preset_text("mnp").replace("term_years = 15", "term_years = 5").replace('form = "mnp"', 'form = "full"'))
    a, b = project(BASE, mnp, default_scenario()), project(BASE, full, default_scenario())
    assert [y.total_payable_pence for y in a.years] == [y.total_payable_pence for y in b.years]

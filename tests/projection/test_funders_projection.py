"""Several [[funders]] projected (issue 17 item 4): each projected year is settled by
``money.settle``, which runs each share on each funder's own lines (``money.funder_parts``);
the headline figures stay the provider's, and a Monte Carlo run re-shares each funder's
variance on its own lines with its own caps."""

from __future__ import annotations

import numpy as np
import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import simulate
from wholepop.projection.scenario import parse_scenario
from wholepop.vocab import Service

from .factory import synthetic_base

BASE = synthetic_base(20_000)
TWO = ('\n[[funders]]\nname = "ICB"\n[[funders]]\nname = "Council"\nlines = ["community", "ae"]\n'
       'uplift = 0.01\ncontingency = 0.02\n')
SCENARIO = parse_scenario("""
[scenario]
name = "funders"
expected_achievement = 0.75
[trend]
rate = 0.03
sd = 0
[noise]
activity = false
[[levers]]
name = "lever"
kind = "reduce"
services = ["ae", "elective"]
effect = [0.1, 0.1]
fixed_cost = 1000.0
ramp_years = 0
""")


def contract(extra: str):
    return parse_contract(preset_text("full").replace("term_years = 15", "term_years = 4") + extra)


@pytest.fixture(scope="module", params=["", '\n[acute_payment]\nbasis = "api"\n'])
def projected(request):
    return project(BASE, contract(TWO + request.param), SCENARIO)


def test_funder_contributions_sum_to_the_projected_budget_each_year(projected):
    for y in projected.years:
        parts = y.statement.extra["funders"]
        assert [p["name"] for p in parts] == ["ICB", "Council"]
        assert all(p["contribution_pence"] > 0 for p in parts)
        # every funder's lines sum exactly to the budget, and what they pay to the payable
        assert sum(p["contribution_pence"] for p in parts) == y.budget_pence
        assert sum(p["pays_pence"] for p in parts) == y.total_payable_pence


def test_each_funder_takes_its_own_part_of_the_variance(projected):
    for y in projected.years:
        parties = {p.party: p.amount_pence for p in y.statement.risk_share.parties}
        # the council funds community and a&e, so it has its own part of the acute share's variance
        assert "Council" in parties and "commissioner" in parties
        part = {p["name"]: p["party_pence"] for p in y.statement.extra["funders"]}
        assert part["Council"] == parties["Council"]


def test_the_funders_own_uplift_changes_the_budget():
    one, two = project(BASE, contract(""), SCENARIO), project(BASE, contract(TWO), SCENARIO)
    # the council's lines grow by 1% a year, not the [budget] uplift: the budgets differ
    assert [y.budget_pence for y in one.years] != [y.budget_pence for y in two.years]


def test_monte_carlo_reshares_each_funders_variance(projected):
    mc = simulate(projected, runs=3, seed=2)
    tol = 2 * len(Service) + 4
    assert np.allclose(mc.provider, [[y.provider_position_pence for y in projected.years]], atol=tol)
    assert np.allclose(mc.commissioner, [[y.commissioner_position_pence for y in projected.years]], atol=tol)

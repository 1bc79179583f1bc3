"""The board's headlines on a constructed case whose answers are known.

One person-cell, community spend 10,000,000 p in the baseline, inside a budget that
does not grow (uplift 0, efficiency 0, weights none, no performance element, no
gain/risk share). Community cost per head grows 10% a year, nobody is born, dies or
moves, no levers, no noise. So the provider's loss in year k is 10,000,000 x (1.1^k - 1):

    2027: 1,000,000    cumulative  1,000,000
    2028: 2,100,000    cumulative  3,100,000
    2029: 3,310,000    cumulative  6,410,000
    2030: 4,641,000    cumulative 11,051,000

With reserves of £80,000 (8,000,000 p) the cumulative loss first exceeds them in 2030
(year 4), in every run: P = 1.0. With £120,000 it never does: P = 0.0.

Cash: the year's payable (10,000,000) is paid in twelve equal instalments and its
cost spent evenly (no monthly profile given), so the running balance falls steadily to
the year's loss at its end; the largest in-year shortfall is 2030's, 4,641,000 p.
"""

from __future__ import annotations

import pytest

from wholepop.contract import parse_contract
from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import simulate
from wholepop.projection.scenario import parse_scenario
from wholepop.projection.summary import headlines, summary

from .handworked import hand_base

CONTRACT = """
[contract]
name = "Loses every year"
form = "full"
start_year = 2027
term_years = 4
baseline_year = 2026

[scope]
services = ["community"]

[budget]
uplift = 0
efficiency = 0
need_weighting = "none"
unregistered = "none"

[provider]
organisation = "community_interest_company"
reserves = {reserves}
working_capital = 40000
"""

SCENARIO = """
[scenario]
name = "community costs rise 10% a year"
[population]
mortality_scale = 0
birth_rate = 0
leaving_rate = 0
net_migration = 0
[trend]
rate = 0
sd = 0
[trend.services]
community = 0.1
[noise]
activity = false
"""


def _projection(reserves: int):
    return project(hand_base(), parse_contract(CONTRACT.format(reserves=reserves)), parse_scenario(SCENARIO))


def test_losses_by_hand():
    p = _projection(80_000)
    assert [y.provider_position_pence for y in p.years] == [-1_000_000, -2_100_000, -3_310_000, -4_641_000]


@pytest.mark.parametrize("runs", [0, 200])
def test_reserves_first_exceeded_in_year_four(runs):
    p = _projection(80_000)
    h = headlines(p, simulate(p, runs, seed=3) if runs else None)
    assert h["reserves_pence"] == 8_000_000
    assert h["p_loss_exceeds_reserves"] == 1.0
    assert h["first_year_median_loss_exceeds_reserves"] == 2030
    assert h["cumulative_position_pence"] == {"p10": -11_051_000, "p50": -11_051_000, "p90": -11_051_000}
    assert h["median_cumulative_position_share_of_budget"] == pytest.approx(-11_051_000 / 40_000_000)
    # The worst in-year shortfall is 2030's loss; working capital of £40,000 (4,000,000 p) does not cover it.
    assert h["cash_shortfall_p10_pence"] == 4_641_000
    assert h["working_capital_pence"] == 4_000_000
    assert h["p_cash_shortfall_exceeds_working_capital"] == 1.0


def test_reserves_never_exceeded():
    p = _projection(120_000)
    h = headlines(p, simulate(p, 100, seed=1))
    assert h["p_loss_exceeds_reserves"] == 0.0
    assert h["first_year_median_loss_exceeds_reserves"] is None


def test_cumulative_percentiles_run_through_the_years():
    p = _projection(80_000)
    got = summary(p, simulate(p, 50, seed=2))
    assert [y["cumulative_provider_position_pence"]["p50"] for y in got["years"]] == [
        -1_000_000, -3_100_000, -6_410_000, -11_051_000,
    ]
    assert got["headlines"]["roi_label"] == "net return per £1 invested"
    assert "acute gain/risk share" in got["headlines"]["loss_cap_label"]


def test_cash_low_follows_the_monthly_profile_by_hand():
    """Payable 1,200 in instalments of 100; costs 1,200 all in April: the balance is 100 - 1,200 = -1,100
    after April and climbs back by 100 a month to 0 in March, so the year's shortfall is 1,100."""
    import numpy as np

    from wholepop.projection.montecarlo import cash_low

    april = np.zeros(12)
    april[0] = 1.0
    assert cash_low(np.array([1200.0]), np.array([1200.0]), april)[0] == -1100.0
    # Spread evenly, a year that breaks even never dips below its opening cash.
    assert cash_low(np.array([1200.0]), np.array([1200.0]), np.full(12, 1 / 12))[0] == 0.0

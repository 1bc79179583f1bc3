"""What moves the result: the ranking on a case where one assumption dominates by construction.

The hand-worked base (community 10,000,000 p inside the budget, outpatient 20,000,000 p
under an acute share) with a lever that cuts community spend by 0% to 90%: moving it
across its range moves the provider's in-scope cost by up to 9,000,000 p a year, far
more than half a point of uplift (50,000 p a year) or any other move.
"""

from __future__ import annotations

from wholepop.projection.scenario import parse_scenario
from wholepop.projection.sensitivity import sensitivity

from .handworked import SCENARIO, hand_base, hand_contract

DOMINANT = SCENARIO + """
[[levers]]
name = "community redesign"
kind = "reduce"
services = ["community"]
effect = [0.0, 0.9]
ramp_years = 1
"""


def test_the_dominant_assumption_ranks_first():
    s = sensitivity(hand_base(), hand_contract(), parse_scenario(DOMINANT))
    first = s.rows[0]
    assert first.name == "lever: community redesign"
    # Effect 0.9 against 0.0 over the two years: 9,000,000 p a year less in-scope cost.
    assert first.provider_high_pence - first.provider_low_pence == 18_000_000
    assert all(first.provider_swing_pence > r.provider_swing_pence for r in s.rows[1:])
    names = {r.name for r in s.rows}
    assert {"budget uplift", "efficiency requirement", "cost trend (every line)", "gain/risk share corridor",
            "gain/risk share caps", "provider's share of the variance", "performance achievement"} <= names


def test_more_uplift_helps_the_provider_and_costs_the_commissioner():
    """Uplift 0.1 +- 0.005: the budget, so the provider's gain, is the commissioner's cost."""
    s = sensitivity(hand_base(), hand_contract(), parse_scenario(DOMINANT))
    row = next(r for r in s.rows if r.name == "budget uplift")
    assert row.provider_high_pence > s.provider_base_pence > row.provider_low_pence
    assert row.commissioner_high_pence < s.commissioner_base_pence < row.commissioner_low_pence

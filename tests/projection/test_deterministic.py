"""The deterministic projection, worked by hand over two years (``handworked.py``).

2027 (ramp 1/2): budget = 10,000,000 / 1,000 x 1,000 x 1.1 = 11,000,000. Withhold 10% =
1,100,000; earned back 80% = 880,000. Outpatient with the lever 20,000,000 x (1 - 0.1 x
0.5) = 19,000,000 against a target of 20,000,000 x 1.05 = 21,000,000: a gain of
2,000,000 (9.5% of target, outside the 1% corridor, shared from the first pound) x 0.5 =
1,000,000, x achievement 0.8 = 800,000 (under the cap 0.1 x 11,000,000). The rest,
1,200,000, splits 600,000 each to commissioner and acute provider. Payable = 11,000,000
- 1,100,000 + 880,000 + 800,000 = 11,580,000. Provider: 11,580,000 - community
10,000,000 - lever 250,000 = 1,330,000. Commissioner: counterfactual 30,000,000 - paid
(11,580,000 + outpatient 19,000,000 + acute provider's 600,000) = -1,180,000. Net
savings 1,000,000 - 250,000 = 750,000.

2028 (ramp 1): budget 10,000,000 x 1.21 = 12,100,000; withhold 1,210,000, earned
968,000. Outpatient 18,000,000 against 22,050,000: gain 4,050,000 x 0.5 x 0.8 =
1,620,000, capped at 0.1 x 12,100,000 = 1,210,000; the rest 2,840,000 splits 1,420,000
each. Payable 12,100,000 - 1,210,000 + 968,000 + 1,210,000 = 13,068,000. Provider
13,068,000 - 10,000,000 - 500,000 = 2,568,000. Commissioner 30,000,000 - (13,068,000 +
18,000,000 + 1,420,000) = -2,488,000. Net savings 2,000,000 - 500,000 = 1,500,000.

ROI = 2,250,000 / 750,000 = 3; NPV = 750,000 + 1,500,000 / 1.035 = 2,199,275 p.
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import simulate
from wholepop.projection.summary import summary

from .handworked import hand_base, hand_contract, hand_scenario


def test_two_years_by_hand():
    p = project(hand_base(), hand_contract(), hand_scenario())
    got = [
        (
            y.year, y.people, y.budget_pence, y.performance_pence, y.share_target_pence, y.share_actual_pence,
            y.risk_share_pence, y.total_payable_pence, y.in_scope_cost_pence, y.lever_cost_pence,
            y.provider_position_pence, y.commissioner_paid_pence, y.commissioner_position_pence,
            y.net_savings_pence, y.cumulative_net_savings_pence,
        )
        for y in p.years
    ]
    assert got == [
        (2027, 1000.0, 11_000_000, -220_000, 21_000_000, 19_000_000, 800_000, 11_580_000, 10_000_000, 250_000,
         1_330_000, 31_180_000, -1_180_000, 750_000, 750_000),
        (2028, 1000.0, 12_100_000, -242_000, 22_050_000, 18_000_000, 1_210_000, 13_068_000, 10_000_000, 500_000,
         2_568_000, 32_488_000, -2_488_000, 1_500_000, 2_250_000),
    ]
    assert p.roi == Decimal(3)
    assert p.npv_pence == 2_199_275


def test_the_statement_is_the_money_stages_own():
    """The projected year is settled by ``money.settle``: its lines carry the same basis text."""
    p = project(hand_base(), hand_contract(), hand_scenario())
    st = p.years[1].statement
    share_line = next(line for line in st.lines if line.section == "risk_share" and line.payable)
    assert share_line.amount_pence == 1_210_000
    assert "capped at the gain cap £12,100.00" in share_line.basis
    assert st.contingency_pence == 60_500  # 0.5% of 12,100,000, a memo line


def test_a_horizon_beyond_the_term_keeps_the_contract_rules_going():
    scenario = hand_scenario().model_copy(
        update={"scenario": hand_scenario().scenario.model_copy(update={"horizon_years": 3})}
    )
    p = project(hand_base(), hand_contract(), scenario)
    assert [y.year for y in p.years] == [2027, 2028, 2029]
    assert p.years[2].budget_pence == 13_310_000  # 10,000,000 x 1.1^3


def test_json_summary_has_the_issue_fields():
    p = project(hand_base(), hand_contract(), hand_scenario())
    out = summary(p, simulate(p, 20, seed=1))
    first = out["years"][0]
    assert {k: first[k] for k in ("year", "people", "budget_pence", "acute_target_pence", "lever_cost_pence")} == {
        "year": 2027, "people": 1000, "budget_pence": 11_000_000, "acute_target_pence": 21_000_000,
        "lever_cost_pence": 250_000,
    }
    # No ranges, no noise, no trend uncertainty: every run is the deterministic year.
    assert first["provider_position_pence"] == {"p10": 1_330_000, "p50": 1_330_000, "p90": 1_330_000}
    assert (out["roi"], out["npv_pence"], out["p_loss_cap"]) == (3.0, 2_199_275, 0.0)

"""The acute payment as it is paid (``[acute_payment] basis = "api"``), worked by hand.

World: practices A (full) and B (partial), weighted population 1,000 each in 2026 and
1,100 / 900 in 2027 (golden.py). Baseline 2026 acute spend at national unit prices:
emergency admissions 30,000 p, elective 10,000 p (half at each practice).
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings, strategies as st

from golden import contract, facts
from wholepop.errors import ContractError
from wholepop.money import settle
from wholepop.money.facts import MoneyFacts

SHARE = """
[risk_share]
basis = ["elective", "emergency_admission"]
target_growth = 0.05
corridor = 0
bands = [ { upto = 1.0, provider_share = 0.5 } ]
scale_gains_by_achievement = false
parties = { commissioner = 1.0 }
"""

API = """
[acute_payment]
basis = "api"
fixed = ["emergency_admission"]
variable = ["elective"]
cost_uplift = 0.05
efficiency_factor = 0.02
market_forces_factor = 1.1
"""


def world(emergency_2027: int, elective_2027: int) -> MoneyFacts:
    base = facts()
    spend = dict(base.spend)
    spend.update({
        (2026, "emergency_admission", "full"): 15000, (2026, "emergency_admission", "partial"): 15000,
        (2026, "elective", "full"): 5000, (2026, "elective", "partial"): 5000,
        (2027, "emergency_admission", "full"): emergency_2027, (2027, "elective", "full"): elective_2027,
    })
    return MoneyFacts(practices=base.practices, spend=spend, events=base.events,
                      unregistered=base.unregistered, measures=base.measures)


def line(s, item):
    return next(x.amount_pence for x in s.lines if x.item == item)


def test_emergency_activity_falls_and_no_cash_moves():
    c = contract(risk=False, extra=SHARE + API)
    fell = settle(world(emergency_2027=24000, elective_2027=10500), c, 2027)
    same = settle(world(emergency_2027=30000, elective_2027=10500), c, 2027)
    # fixed element = 30,000 x (1.05 x 0.98)^1 x MFF 1.1 = 30,000 x 1.1319 = 33,957 p
    assert line(fell, "acute payment: fixed element (memo)") == 33957
    # variable target = elective 10,000 / WP 2,000 x WP 2,000 x 1.05 = 10,500 x 1.1 = 11,550
    # variable actual = 10,500 x 1.1 = 11,550
    # cash target = cash actual = 33,957 + 11,550 = 45,507: nothing to share
    rs = fell.risk_share
    assert (rs.target_pence, rs.actual_pence, rs.variance_pence, rs.provider_pence) == (45507, 45507, 0, 0)
    # the commissioner's cash is the same whether emergency activity fell (24,000) or not (30,000)
    assert same.risk_share.actual_pence == fell.risk_share.actual_pence == 45507
    assert same.total_payable_pence == fell.total_payable_pence
    # the activity view shows the saving: target (30,000 + 10,000) / 2,000 x 2,000 x 1.05 = 42,000;
    # actual 24,000 + 10,500 = 34,500; variance 7,500, none of it cash
    view = fell.extra["acute_payment"]["activity"]
    assert (view["target_pence"], view["actual_pence"], view["variance_pence"]) == (42000, 34500, 7500)
    assert line(fell, "acute activity view: variance, target - actual (memo)") == 7500
    assert line(fell, "acute payment: cash variance, target - actual (memo)") == 0
    assert fell.total_payable_pence == sum(x.amount_pence for x in fell.lines if x.payable)


def test_under_activity_basis_the_same_fall_looks_like_cash_released():
    fell = settle(world(emergency_2027=24000, elective_2027=10500), contract(risk=False, extra=SHARE), 2027)
    # target 42,000 - actual 34,500 = 7,500; provider share 0.5 -> 3,750
    assert (fell.risk_share.variance_pence, fell.risk_share.provider_pence) == (7500, 3750)
    assert "acute_payment" not in fell.extra


def test_elective_activity_below_target_moves_cash_at_unit_prices():
    s = settle(world(emergency_2027=30000, elective_2027=9500), contract(risk=False, extra=SHARE + API), 2027)
    # variable actual 9,500 x 1.1 = 10,450; cash actual 33,957 + 10,450 = 44,407
    # cash variance 45,507 - 44,407 = 1,100; provider share 0.5 -> 550
    assert (s.risk_share.actual_pence, s.risk_share.variance_pence, s.risk_share.provider_pence) == (44407, 1100, 550)


def test_an_agreed_fixed_element_replaces_the_baseline_rule():
    s = settle(world(24000, 10500), contract(risk=False, extra=SHARE + API + "fixed_pounds = 400.00\n"), 2027)
    # fixed 40,000 p; cash target 40,000 + 11,550 = 51,550 = cash actual
    assert (s.risk_share.target_pence, s.risk_share.actual_pence) == (51550, 51550)


def test_api_lines_inside_a_pacs_budget_are_refused():
    with pytest.raises(ContractError, match=r"acute_payment.fixed\[0\]: 'emergency_admission' is inside the pacs budget"):
        contract(form="pacs", risk=False, extra=API)


def test_a_share_line_that_api_does_not_pay_is_refused():
    with pytest.raises(ContractError, match=r"risk_share.basis\[0\]: 'elective' is neither a fixed nor a variable line"):
        contract(risk=False, extra=SHARE + API.replace('variable = ["elective"]', "variable = []"))


def test_default_parameters_are_the_payment_scheme_pair_the_default_scenario_uses():
    # NHS Payment Scheme 2023/24: cost uplift 2.9%, efficiency 1.1%, as the default scenario's
    # cost trend (1.029 x 0.989 - 1 = 1.77%) and the presets' uplift and efficiency (issue 18 item 6)
    c = contract(risk=False, extra=SHARE + '[acute_payment]\nbasis = "api"\n')
    ap = c.acute_payment
    assert (ap.cost_uplift, ap.efficiency_factor, ap.market_forces_factor) == (Decimal("0.029"), Decimal("0.011"), 1)



@settings(max_examples=60, deadline=None)
@given(
    emergency=st.integers(0, 10_000_000), other_emergency=st.integers(0, 10_000_000),
    elective=st.integers(0, 10_000_000),
    mff=st.decimals(min_value="0.8", max_value="1.3", places=4),
)
def test_fixed_line_activity_never_moves_the_commissioners_cash(emergency, other_emergency, elective, mff):
    c = contract(risk=False, extra=SHARE + API.replace("market_forces_factor = 1.1", f"market_forces_factor = {mff}"))
    a = settle(world(emergency, elective), c, 2027)
    b = settle(world(other_emergency, elective), c, 2027)
    assert a.risk_share.actual_pence == b.risk_share.actual_pence
    assert a.total_payable_pence == b.total_payable_pence
    for s in (a, b):
        assert s.total_payable_pence == sum(x.amount_pence for x in s.lines if x.payable)
        view = s.extra["acute_payment"]
        assert view["cash"]["variance_pence"] == s.risk_share.variance_pence

"""Settled statements worked by hand (see golden.py for the world they run in)."""

from __future__ import annotations

from golden import contract, facts

from wholepop.money import settle


def line(statement, item):
    return next(x.amount_pence for x in statement.lines if x.item == item)


def test_full_form_mixed_economy_statement():
    s = settle(facts(), contract(), 2027)
    # growth 2027 = (1 + 0.1) x (1 - 0) = 1.1
    # primary_medical, practices with full integration only (mixed economy):
    #   50,000 p / WP 1,000 = 50 p per head x WP 2027 of A 1,100 x 1.1 = 60,500 p
    assert line(s, "primary_medical") == 60500
    # community, every practice: 60,000 / 2,000 = 30 x 2,000 x 1.1 = 66,000 p
    assert line(s, "community") == 66000
    # unregistered allowance: in-scope baseline (1,000 + 500) x 1.1 = 1,650 p (outpatient is out of scope)
    assert line(s, "unregistered population allowance") == 1650
    assert s.budget.total_pence == 128150
    # 12 instalments: 128,150 / 12 = 10,679.17: two months carry the extra pence
    assert s.budget.instalments_pence == (10680, 10680) + (10679,) * 10
    assert [(h.hub, h.budget_pence) for h in s.budget.by_hub] == [("H1", 128150)]
    # performance: 0.1 x 128,150 = 12,815 at stake; experience 75 between 70 and 80 -> 0.5
    assert s.performance.at_stake_pence == 12815
    assert s.performance.achievement == "0.500000"
    assert s.performance.payment_pence == 6408  # 6,407.5 rounded half up
    # acute target: 40,000 / 2,000 = 20 x 2,000 x 1.05 = 42,000; actual 38,000; variance +4,000
    rs = s.risk_share
    assert (rs.target_pence, rs.actual_pence, rs.variance_pence) == (42000, 38000, 4000)
    # bands from the first pound: 0.03 x 42,000 = 1,260 x 0.5 = 630; (4,000 - 1,260) x 0.25 = 685
    # = 1,315, scaled by achievement 0.5 = 657.5 -> 658 (cap 0.02 x 128,150 = 2,563 not hit)
    assert rs.provider_pence == 658
    assert [(p.party, p.amount_pence) for p in rs.parties] == [("commissioner", 1671), ("acute_provider", 1671)]
    assert s.contingency_pence == 641  # 0.005 x 128,150 = 640.75
    # total = 128,150 - 12,815 + 6,408 + 658
    assert s.total_payable_pence == 122401


def test_bonus_mode_pays_on_top():
    s = settle(facts(), contract(mode="bonus"), 2027)
    assert s.total_payable_pence == 128150 + 6408 + 658


def test_partial_form_leaves_primary_medical_outside():
    s = settle(facts(), contract(form="partial", services='["community"]'), 2027)
    # community 66,000 + unregistered community 1,000 x 1.1 = 1,100
    assert s.budget.total_pence == 67100


def test_corridor_holds_small_variance():
    s = settle(facts(), contract(corridor="0.1"), 2027)  # corridor 4,200 > variance 4,000
    assert s.risk_share.provider_pence == 0
    assert [p.amount_pence for p in s.risk_share.parties] == [2000, 2000]


def test_corridor_without_first_pound_shares_only_beyond_it():
    s = settle(facts(), contract(corridor="0.05", first_pound="false"), 2027)
    # corridor 0.05 x 42,000 = 2,100: the 0.5 band (up to 1,260) lies inside it;
    # (4,000 - 2,100) x 0.25 = 475, x achievement 0.5 = 237.5 -> 238
    assert s.risk_share.provider_pence == 238


def test_corridor_with_first_pound_shares_everything_once_outside():
    s = settle(facts(), contract(corridor="0.05", first_pound="true"), 2027)
    assert s.risk_share.provider_pence == 658  # as in the first case: 1,315 x 0.5


def test_gain_cap():
    s = settle(facts(), contract(cap_gain="0.001"), 2027)
    assert s.risk_share.provider_pence == 128  # 0.001 x 128,150 = 128.15


def test_loss_is_banded_unscaled_and_capped():
    s = settle(facts(acute_2027=50000), contract(cap_loss="0.1"), 2027)
    # variance 42,000 - 50,000 = -8,000: 630 + (8,000 - 1,260) x 0.25 = 2,315 (not scaled by achievement)
    assert s.risk_share.provider_pence == -2315
    capped = settle(facts(acute_2027=50000), contract(cap_loss="0.01"), 2027)
    assert capped.risk_share.provider_pence == -1282  # 0.01 x 128,150 = 1,281.5, half away from zero


def test_quality_gate_voids_gains_only():
    s = settle(facts(), contract(gate="0.6"), 2027)  # achievement 0.5 < 0.6
    assert s.risk_share.provider_pence == 0
    loss = settle(facts(acute_2027=50000), contract(gate="0.6", cap_loss="0.1"), 2027)
    assert loss.risk_share.provider_pence == -2315


def test_gateway_metric_voids_performance_payment():
    s = settle(facts(experience="69"), contract(gateway="true"), 2027)
    assert s.performance.gateway_failed
    assert s.performance.payment_pence == 0
    assert line(s, "performance withhold") == -12815


def test_virtual_form_has_no_budget_and_caps_on_target():
    c = contract(form="virtual", services="[]", cap_gain="0.01")
    s = settle(facts(), c, 2027)
    assert s.budget is None and s.contingency_pence == 0
    # alliance baseline spend (all lines) 190,000 / WP 2,000 = 95 x 2,000 x 1.1 = 209,000; x 0.1 = 20,900 at stake
    assert s.performance.at_stake_pence == 20900
    # gain 1,315 x 0.5 = 657.5 capped at 0.01 x target 42,000 = 420
    assert s.risk_share.provider_pence == 420
    # withhold mode on a virtual contract: withheld from nothing, so only the payment counts
    assert s.total_payable_pence == -20900 + 10450 + 420


def test_pacs_brings_acute_inside_and_holds_all_risk():
    extra = """
[system_share]
target_growth = 0.0
corridor = 0.0
bands = [ { upto = 1.0, provider_share = 1.0 } ]
parties = { commissioner = 1.0 }
"""
    c = contract(form="pacs", risk=False, extra=extra)
    s = settle(facts(), c, 2027)
    # outpatient (acute) now in the budget: 40,000 / 2,000 = 20 x 2,000 x 1.1 = 44,000, plus unregistered 700 x 1.1 = 770
    assert line(s, "outpatient") == 44000
    assert s.budget.total_pence == 128150 + 44000 + 770
    assert s.contingency_pence == 0
    # system share on total spend: target = 190,000 / 2,000 x 2,000 x 1.0 = 190,000; actual 2027 = 38,000 + 61,000
    assert s.risk_share.kind == "system"
    assert s.risk_share.target_pence == 190000 and s.risk_share.actual_pence == 99000
    # variance 91,000 x provider share 1.0, scaled by achievement 0.5 = 45,500; no caps
    assert s.risk_share.provider_pence == 45500


def test_deficit_repaid_in_equal_parts():
    c = contract(extra="\n[deficit]\namount = 100.00\nyears = 3\n")
    s = settle(facts(), c, 2027)
    # 10,000 p over 3 years: 3,334 + 3,333 + 3,333
    assert s.deficit_pence == 3334
    assert s.total_payable_pence == 122401 - 3334

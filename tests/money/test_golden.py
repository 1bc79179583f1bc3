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


PACS_SHARE = """
[system_share]
corridor = 0.0
bands = [ {{ upto = 1.0, provider_share = {share} }} ]
parties = {{ commissioner = 1.0 }}
"""


def pacs(share, **kw):
    return contract(form="pacs", risk=False, extra=PACS_SHARE.format(share=share), **kw)


# The PACS world (golden.py), year 2027, growth 1.1:
#   budget: primary_medical 50,000 / 1,000 x 1,100 x 1.1 = 60,500 (A, full, only)
#           community 60,000 / 2,000 x 2,000 x 1.1 = 66,000
#           outpatient (acute, now inside) 40,000 / 2,000 x 2,000 x 1.1 = 44,000
#           unregistered (1,000 + 500 + 700) x 1.1 = 2,420          -> budget 172,920
#   in-scope spend 2027: primary_medical at full practices 0 + community 61,000
#           + outpatient 38,000 (+ unregistered 2027: none)         -> 99,000
#   performance: 0.1 x 172,920 = 17,292 at stake, achievement 0.5 -> 8,646 earned


def test_pacs_keeps_its_surplus_at_provider_share_one():
    s = settle(facts(), pacs("1.0"), 2027)
    assert line(s, "outpatient") == 44000
    assert s.budget.total_pence == 172920
    ss = s.system_share
    # variance = budget 172,920 - in-scope spend 99,000 = 73,920; the provider keeps all of it
    assert (ss.target_pence, ss.actual_pence, ss.variance_pence) == (172920, 99000, 73920)
    assert ss.provider_pence == 73920
    assert line(s, "system share: adjustment with the commissioner") == 0
    # total = 172,920 - 17,292 + 8,646 + 0: the saving is not paid a second time
    assert s.total_payable_pence == 164274
    # provider position: 164,274 - in-scope cost 99,000 - no deficit = 65,274
    assert s.provider_position.surplus_pence == 65274


def test_pacs_hands_half_its_surplus_back_at_provider_share_half():
    s = settle(facts(), pacs("0.5"), 2027)
    # 73,920 x 0.5 = 36,960 kept (not scaled by achievement: the system share does not ask for it);
    # the commissioner's part 73,920 - 36,960 = 36,960 is taken back from the payable
    assert s.system_share.provider_pence == 36960
    assert line(s, "system share: adjustment with the commissioner") == -36960
    # total = 172,920 - 17,292 + 8,646 - 36,960
    assert s.total_payable_pence == 127314
    # provider: 127,314 - 99,000 = 28,314 (= 73,920 - 17,292 + 8,646 - 36,960)
    assert s.provider_position.surplus_pence == 28314


def test_pacs_deficit_at_provider_share_one_and_half():
    over = facts(acute_2027=150000)  # in-scope spend 61,000 + 150,000 = 211,000
    whole = settle(over, pacs("1.0"), 2027)
    # variance 172,920 - 211,000 = -38,080, all borne by the provider: no adjustment
    assert whole.system_share.variance_pence == -38080
    assert line(whole, "system share: adjustment with the commissioner") == 0
    assert whole.total_payable_pence == 164274
    assert whole.provider_position.surplus_pence == 164274 - 211000  # -46,726
    half = settle(over, pacs("0.5"), 2027)
    # the provider bears 38,080 x 0.5 = 19,040; the commissioner meets the other 19,040
    assert half.system_share.provider_pence == -19040
    assert line(half, "system share: adjustment with the commissioner") == 19040
    # total = 172,920 - 17,292 + 8,646 + 19,040
    assert half.total_payable_pence == 183314
    assert half.provider_position.surplus_pence == 183314 - 211000  # -27,686


def test_pacs_system_share_scales_gains_only_when_asked():
    extra = PACS_SHARE.format(share="0.5") + "scale_gains_by_achievement = true\n"
    s = settle(facts(), contract(form="pacs", risk=False, extra=extra), 2027)
    # 36,960 kept x achievement 0.5 = 18,480; the commissioner takes 73,920 - 18,480 = 55,440
    assert s.system_share.provider_pence == 18480
    assert line(s, "system share: adjustment with the commissioner") == -55440


def test_pacs_with_an_acute_provider_party_is_refused():
    import pytest

    from wholepop.errors import ContractError

    bad = PACS_SHARE.format(share="0.5").replace("commissioner = 1.0", "commissioner = 0.5, acute_provider = 0.5")
    with pytest.raises(ContractError, match=r"system_share\.parties\.acute_provider: a pacs shares"):
        contract(form="pacs", risk=False, extra=bad)


FUNDS_ALL = 'commissioner_funds = ["primary_medical", "community", "outpatient", "emergency_admission"]\n'


def test_contingency_with_a_corridor_and_no_caps():
    # provider share 1.0 in every band and no caps, but a 1% corridor: within it the
    # commissioner keeps the variance, so it holds utilisation risk and reserves
    # 0.005 x budget 128,150 = 640.75 -> 641
    c = contract(cap_gain="0.02", cap_loss="0.02", extra=FUNDS_ALL)
    one = c.model_copy(update={"risk_share": c.risk_share.model_copy(update={
        "bands": (c.risk_share.bands[0].model_copy(update={"provider_share": 1}),
                  c.risk_share.bands[1].model_copy(update={"provider_share": 1})),
        "cap_gain": None, "cap_loss": None})})
    s = settle(facts(), one, 2027)
    assert s.contingency_pence == 641
    # no corridor either: the provider holds every pound on every line the commissioner funds
    none = one.model_copy(update={"risk_share": one.risk_share.model_copy(update={"corridor": 0})})
    assert settle(facts(), none, 2027).contingency_pence == 0
    # by default the commissioner also funds lines in neither budget nor share (prescribing, ...)
    default = none.model_copy(update={"contingency": contract().contingency})
    assert settle(facts(), default, 2027).contingency_pence == 641


def test_contingency_on_population_spend():
    c = contract(extra=FUNDS_ALL + 'base = "population_spend"\n')
    s = settle(facts(), c, 2027)
    # baseline spend on the four funded lines 90,000 + 60,000 + 40,000 + 0 = 190,000 / WP 2,000
    # = 95 x WP 2027 2,000 x acute target growth 1.05 = 199,500; x 0.005 = 997.5 -> 998
    assert s.contingency_pence == 998


def test_pacs_contingency_is_zero_when_it_holds_every_funded_line():
    c = pacs("1.0")
    assert settle(facts(), c, 2027).contingency_pence == 865  # 0.005 x 172,920 = 864.6: prescribing etc. are the commissioner's
    funds = 'commissioner_funds = ["primary_medical", "community", "outpatient", "day_case", "elective", "emergency_admission", "ae"]\n'
    c = contract(form="pacs", risk=False, extra=funds + PACS_SHARE.format(share="1.0"))
    assert settle(facts(), c, 2027).contingency_pence == 0
    c = contract(form="pacs", risk=False, extra=funds + PACS_SHARE.format(share="0.5"))
    assert settle(facts(), c, 2027).contingency_pence == 865


def test_deficit_in_two_parts_is_the_providers_not_the_commissioners():
    extra = """
[deficit]
creditor = "the trust's lender"
recurrent = { amount = 50.00 }
historic = { amount = 100.00, share = 0.5, years = 3 }
"""
    s = settle(facts(), contract(extra=extra), 2027)
    # recurrent: 5,000 p x share 1 every year; historic: 10,000 p x 0.5 = 5,000 p in 3 parts
    # 1,666.67 each -> 1,667 + 1,667 + 1,666 (largest remainder); 2027 is part 1
    assert line(s, "deficit repayment to the trust's lender: recurrent part (memo)") == -5000
    assert line(s, "deficit repayment to the trust's lender: historic part (memo)") == -1667
    assert s.deficit_pence == 6667
    # the commissioner pays what it pays without the deficit (the full case above)
    assert s.total_payable_pence == 122401
    # provider: 122,401 - in-scope cost (primary_medical at A 0 + community 61,000) - 6,667 = 54,734
    assert (s.provider_position.in_scope_cost_pence, s.provider_position.deficit_repayment_pence, s.provider_position.surplus_pence) == (61000, 6667, 54734)
    from wholepop.money.deficit import deficit_lines

    c = contract(extra=extra)
    assert [x.amount_pence for x in deficit_lines(c, 2029)] == [-5000, -1666]  # part 3
    assert [x.amount_pence for x in deficit_lines(c, 2030)] == [-5000]  # historic repaid


def test_older_deficit_form_is_a_historic_part():
    s = settle(facts(), contract(extra="\n[deficit]\namount = 100.00\nyears = 3\n"), 2027)
    # 10,000 p over 3 years: 3,334 + 3,333 + 3,333; no longer deducted from the payable
    assert s.deficit_pence == 3334
    assert s.total_payable_pence == 122401


def test_mixed_economy_splits_each_line_over_the_practices_it_covers():
    from decimal import Decimal as D

    from wholepop.money.facts import PracticeYear

    # F full all year; P alliance (partial) all 2027, full from its 2029 window; Q partial
    # to 30 Sep 2027 and full from 1 Oct (mid-year): 2027 rows by the days of each.
    practices = (
        PracticeYear(2026, "F", "H1", "full", D(12000), D(1000)),
        PracticeYear(2026, "P", "H1", "partial", D(6000), D(500)),
        PracticeYear(2026, "Q", "H2", "partial", D(7200), D(600)),
        PracticeYear(2027, "F", "H1", "full", D(12000), D(1000)),
        PracticeYear(2027, "P", "H1", "partial", D(6000), D(500)),
        PracticeYear(2027, "Q", "H2", "partial", D(3600), D(300)),
        PracticeYear(2027, "Q", "H2", "full", D(3600), D(300)),
    )
    f = facts(practices=practices)
    f = type(f)(practices=practices, measures=f.measures, spend={
        (2026, "primary_medical", "full"): 60000, (2026, "primary_medical", "partial"): 50000,
        (2026, "community", "full"): 20000, (2026, "community", "partial"): 22000,
    })
    s = settle(f, contract(risk=False), 2027)
    # primary_medical rate from F only (full on the first contract day): 60,000 / 1,000 = 60;
    # x WP of the days practices are full (F 1,000 + Q 300) x 1.1 = 85,800
    assert line(s, "primary_medical") == 85800
    # community over every practice: 42,000 / 2,100 = 20 x 2,100 x 1.1 = 46,200
    assert line(s, "community") == 46200
    # by practice: primary_medical 85,800 over F 1,000 : Q 300 = 66,000 + 19,800 (P gets none);
    # community 46,200 at 22 per weighted head: F 22,000, P 11,000, Q 6,600 + 6,600
    assert [(p.practice_code, p.budget_pence) for p in s.budget.by_practice] == [("F", 88000), ("P", 11000), ("Q", 33000)]
    assert [(h.hub, h.budget_pence) for h in s.budget.by_hub] == [("H1", 99000), ("H2", 33000)]


def test_primary_medical_rate_when_no_practice_is_full_on_day_one():
    from decimal import Decimal as D

    from wholepop.money.facts import MoneyFacts, PracticeYear

    practices = (
        PracticeYear(2026, "P", "H1", "partial", D(12000), D(1000)),
        PracticeYear(2026, "Q", "H1", "partial", D(12000), D(1000)),
        PracticeYear(2027, "P", "H1", "partial", D(12000), D(1000)),
        PracticeYear(2027, "Q", "H1", "full", D(12000), D(1000)),
    )
    f = MoneyFacts(practices=practices, spend={(2026, "primary_medical", "partial"): 100000},
                   measures={(2027, "patient_experience"): D(75)})
    s = settle(f, contract(risk=False, services='["primary_medical"]'), 2027)
    # every member practice's baseline: 100,000 / 2,000 = 50 x Q's WP 1,000 x 1.1 = 55,000 (never zero)
    assert line(s, "primary_medical") == 55000
    assert [(p.practice_code, p.budget_pence) for p in s.budget.by_practice] == [("P", 0), ("Q", 55000)]

"""Today's forms (snp, mnp, iho): each settles by the rules of the form it follows
(``vocab.RULES_OF``), and each has a golden case on the rule that distinguishes it, worked
by hand in the world of golden.py (A full and B partial, baseline 2026, growth 1.1)."""

from __future__ import annotations

import pytest

from golden import contract, facts
from test_golden import PACS_SHARE, line
from wholepop.errors import ContractError
from wholepop.money import settle
from wholepop.money.facts import PracticeYear
from wholepop.money.settle import SETTLERS, settle_english
from wholepop.vocab import Form


def test_todays_forms_reuse_the_settler_of_the_form_they_follow():
    # no money rule differs, so no new settler: the frozen map sends each to settle_english
    for form in (Form.SNP, Form.MNP, Form.IHO, Form.LCO):
        assert SETTLERS[form] is settle_english


def test_snp_budget_is_the_neighbourhood_teams_and_the_commissioner_keeps_a_reserve():
    s = settle(facts(), contract(form="snp", risk=False), 2027)
    # primary_medical (A, full, only): 50,000 / 1,000 x 1,100 x 1.1 = 60,500
    # community (both): 60,000 / 2,000 x 2,000 x 1.1 = 66,000
    # unregistered (community 1,000 + primary medical 500) x 1.1 = 1,650     -> 128,150
    assert (line(s, "primary_medical"), line(s, "community")) == (60500, 66000)
    assert s.budget.total_pence == 128150
    # no acute share: the acute lines stay the commissioner's
    assert s.risk_share is None and s.system_share is None
    # the commissioner still holds every acute line, so the reserve applies:
    # 0.005 x 128,150 = 640.75 -> 641
    assert s.contingency_pence == 641
    # total = 128,150 - withhold 12,815 + earned 6,408 (0.1 x 128,150 x achievement 0.5 = 6,407.5)
    assert s.total_payable_pence == 121743


def test_snp_with_an_acute_share_is_refused():
    with pytest.raises(ContractError, match="risk_share: a single neighbourhood provider"):
        contract(form="snp")


def test_mnp_budget_is_split_by_neighbourhood():
    # A in neighbourhood N1, B in N2: the hubs are the neighbourhoods
    D = __import__("decimal").Decimal
    world = facts(practices=(
        PracticeYear(2026, "A", "N1", "full", D(12000), D(1000)),
        PracticeYear(2026, "B", "N2", "partial", D(12000), D(1000)),
        PracticeYear(2027, "A", "N1", "full", D(13200), D(1100)),
        PracticeYear(2027, "B", "N2", "partial", D(10800), D(900)),
    ))
    s = settle(world, contract(form="mnp"), 2027)
    # N1 (A, WP 1,100 of 2,000): primary medical 60,500 (only A is full)
    #   + community 66,000 x 1,100 / 2,000 = 36,300
    #   + unregistered 1,650 x 1,100 / 2,000 = 907.5 -> 908 (the tie of .5 goes to the first)
    # N2 (B, WP 900): community 29,700 + unregistered 742.5 -> 742
    assert [(h.hub, h.budget_pence) for h in s.budget.by_hub] == [("N1", 97708), ("N2", 30442)]
    assert 97708 + 30442 == s.budget.total_pence == 128150
    # and the acute share is the full form's: provider 658 (tests/money/test_golden.py)
    assert s.risk_share.provider_pence == 658
    assert s.total_payable_pence == 122401


def test_iho_holds_the_acute_lines_and_shares_its_surplus_like_a_pacs():
    c = contract(form="iho", risk=False, extra=PACS_SHARE.format(share="0.5"))
    s = settle(facts(), c, 2027)
    # the acute line is inside the budget: outpatient 40,000 / 2,000 x 2,000 x 1.1 = 44,000
    assert line(s, "outpatient") == 44000
    # budget 60,500 + 66,000 + 44,000 + unregistered (1,000 + 500 + 700) x 1.1 = 2,420 -> 172,920
    assert s.budget.total_pence == 172920
    # variance = 172,920 - in-scope spend (community 61,000 + outpatient 38,000) = 73,920;
    # the IHO keeps half, 36,960; the commissioner takes 36,960 back
    assert s.system_share.variance_pence == 73920
    assert line(s, "system share: adjustment with the commissioner") == -36960
    # total = 172,920 - 17,292 + 8,646 - 36,960
    assert s.total_payable_pence == 127314


def test_only_pacs_and_iho_take_a_system_share():
    with pytest.raises(ContractError, match="only a pacs or iho contract"):
        contract(form="mnp", risk=False, extra=PACS_SHARE.format(share="0.5"))

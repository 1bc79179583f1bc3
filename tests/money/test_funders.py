"""Several funders (``[[funders]]``), worked by hand in the golden.py world (A full, B
partial; growth under [budget] 1.1). The council funds the community line with its own
uplift and reserve; the ICB (the first funder, the commissioner) funds everything else."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from golden import contract, facts
from test_golden import PACS_SHARE
from wholepop.errors import ContractError
from wholepop.money import settle

COUNCIL = """
[[funders]]
name = "ICB"

[[funders]]
name = "Council"
lines = ["community"]
uplift = {uplift}
contingency = 0.01
"""


def line(s, item):
    return next(x.amount_pence for x in s.lines if x.item == item)


def test_two_funders_with_an_acute_share_on_the_icbs_lines():
    s = settle(facts(), contract(extra=COUNCIL.format(uplift="0.0")), 2027)
    # ICB: primary_medical 50,000 / 1,000 x 1,100 x 1.1 = 60,500; allowance 500 x 1.1 = 550 -> 61,050
    # Council (uplift 0, so growth 1.0): community 60,000 / 2,000 x 2,000 x 1.0 = 60,000;
    #   allowance 1,000 x 1.0 = 1,000 -> 61,000
    assert (line(s, "primary_medical"), line(s, "community")) == (60500, 60000)
    assert s.budget.total_pence == 122050 == 61050 + 61000
    funders = {f["name"]: f for f in s.extra["funders"]}
    assert (funders["ICB"]["contribution_pence"], funders["Council"]["contribution_pence"]) == (61050, 61000)
    # acute share on the ICB's lines: target 42,000, actual 38,000, banded 1,315 x achievement 0.5
    # = 657.5 -> 658 (cap 0.02 x the ICB's 61,050 = 1,221 not hit); the rest 3,342 half each
    assert s.risk_share.provider_pence == 658
    assert [(p.party, p.amount_pence) for p in s.risk_share.parties] == [("commissioner", 1671), ("acute_provider", 1671)]
    # performance on the whole budget: 0.1 x 122,050 = 12,205 withheld, 6,102.5 -> 6,103 earned
    # total = 122,050 - 12,205 + 6,103 + 658 = 116,606
    assert s.total_payable_pence == 116606
    # the ICB pays 61,050 + 658 - 12,205 + 6,103 = 55,606; the council its 61,000
    assert (funders["ICB"]["pays_pence"], funders["Council"]["pays_pence"]) == (55606, 61000)
    # reserves: the ICB's lines include the acute lines it shares (corridor): 0.005 x 61,050 = 305.25 -> 305;
    # the provider bears all the variance on the council's community line: 0
    assert (funders["ICB"]["contingency_pence"], funders["Council"]["contingency_pence"]) == (305, 0)
    assert s.contingency_pence == 305


def test_two_funders_each_take_their_own_part_of_a_pacs_variance():
    c = contract(form="pacs", risk=False, extra=PACS_SHARE.format(share="0.5") + COUNCIL.format(uplift="0.05"))
    s = settle(facts(), c, 2027)
    # ICB: primary_medical 60,500 + outpatient 40,000 / 2,000 x 2,000 x 1.1 = 44,000
    #   + allowance (500 + 700) x 1.1 = 1,320 -> 105,820
    # Council (growth 1.05): community 30 x 2,000 x 1.05 = 63,000 + allowance 1,000 x 1.05 = 1,050 -> 64,050
    assert s.budget.total_pence == 169870 == 105820 + 64050
    # system share on each funder's own lines, provider share 0.5:
    #   ICB: 105,820 - spend (outpatient 38,000; no primary medical at full practices) = 67,820
    #        -> the PACS keeps 33,910, the ICB takes 33,910 back
    #   Council: 64,050 - community spend 61,000 = 3,050 -> the PACS keeps 1,525, the council 1,525
    ss = s.system_share
    assert (ss.variance_pence, ss.provider_pence) == (70870, 35435)
    assert [(p.party, p.amount_pence) for p in ss.parties] == [("commissioner", 33910), ("Council", 1525)]
    # total = 169,870 - 16,987 (0.1 x 169,870) + 8,494 (8,493.5) - 33,910 - 1,525 = 125,942
    assert s.total_payable_pence == 125942
    funders = {f["name"]: f for f in s.extra["funders"]}
    # ICB pays 105,820 - 33,910 - 16,987 + 8,494 = 63,417; the council 64,050 - 1,525 = 62,525
    assert (funders["ICB"]["pays_pence"], funders["Council"]["pays_pence"]) == (63417, 62525)
    assert funders["ICB"]["pays_pence"] + funders["Council"]["pays_pence"] == s.total_payable_pence
    assert (funders["ICB"]["party_pence"], funders["Council"]["party_pence"]) == (33910, 1525)
    # reserves: ICB 0.005 x 105,820 = 529.1 -> 529; council 0.01 x 64,050 = 640.5 -> 641
    assert (funders["ICB"]["contingency_pence"], funders["Council"]["contingency_pence"]) == (529, 641)
    assert line(s, "funder Council: pays the provider (memo)") == 62525


def test_one_funder_is_todays_statement():
    # [[funders]] with the ICB alone: the figures of tests/money/test_golden.py
    s = settle(facts(), contract(extra='[[funders]]\nname = "ICB"\n'), 2027)
    assert (s.budget.total_pence, s.total_payable_pence, s.contingency_pence) == (128150, 122401, 641)
    assert "funders" not in s.extra


@pytest.mark.parametrize(("extra", "message"), [
    ('[[funders]]\nname = "ICB"\n[[funders]]\nname = "ICB"\nlines = ["community"]\n', r"funders\[1\].name: 'ICB' is listed twice"),
    ('[[funders]]\nname = "ICB"\n[[funders]]\nname = "Council"\n', r"funders\[1\].lines: a funder after the first"),
    ('[[funders]]\nname = "ICB"\nuplift = 0.02\n', r"funders\[0\].uplift: the first funder"),
    ('[[funders]]\nname = "ICB"\nlines = ["community"]\n[[funders]]\nname = "Council"\nlines = ["community"]\n',
     r"funders\[1\].lines\[0\]: 'community' is funded by funders\[0\] too"),
])
def test_funders_are_checked(extra, message):
    with pytest.raises(ContractError, match=message):
        contract(extra=extra)


@settings(max_examples=40, deadline=None)
@given(
    uplift=st.decimals(min_value="-0.05", max_value="0.08", places=4),
    community=st.integers(0, 500_000),
    acute=st.integers(0, 500_000),
    share=st.sampled_from(["0.25", "0.5", "1.0"]),
)
def test_funders_contributions_sum_to_the_budget_and_payments_to_the_total(uplift, community, acute, share):
    world = facts(acute_2027=acute, spend_2027={(2027, "community", "full"): community})
    for c in (contract(extra=COUNCIL.format(uplift=uplift)),
              contract(form="pacs", risk=False, extra=PACS_SHARE.format(share=share) + COUNCIL.format(uplift=uplift))):
        s = settle(world, c, 2027)
        funders = s.extra["funders"]
        assert sum(f["contribution_pence"] for f in funders) == s.budget.total_pence
        assert sum(f["pays_pence"] for f in funders) == s.total_payable_pence
        assert sum(f["contingency_pence"] for f in funders) == s.contingency_pence


def test_a_funders_line_outside_the_budget_and_shares_is_warned():
    c = contract(extra='[[funders]]\nname = "ICB"\n[[funders]]\nname = "Council"\nlines = ["community", "social_care"]\n')
    # (the golden world's 5-year term and 10% uplift are warned too)
    mine = [w for w in c.warnings() if w[0].startswith("funders")]
    assert mine == [("funders[1].lines[1]", "'social_care' is neither in the budget nor in a share: Council pays nothing for it")]

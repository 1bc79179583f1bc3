"""The additive share_variance options MSSP needs: a loss corridor and an edge that counts."""

from decimal import Decimal as D

from wholepop.money.sharing import ShareRule, share_variance

BANDS = ((D(1), D("0.5")),)


def test_loss_corridor_differs_from_gain_corridor():
    # target 10,000; corridor 2% for gains, 1% for losses: a 150 (1.5%) gain is inside,
    # a 150 loss is outside and shared from the first pound at 50%: -75
    rule = ShareRule(corridor=D("0.02"), loss_corridor=D("0.01"), first_pound=True, bands=BANDS)
    assert share_variance(10_000, 9_850, rule).provider_pence == 0
    assert share_variance(10_000, 10_150, rule).provider_pence == -75


def test_corridor_edge_inclusive_by_default_and_shared_when_not():
    # variance exactly 1% of 10,000 = 100: inside by default; shared (50) when the edge counts
    default = ShareRule(corridor=D("0.01"), first_pound=True, bands=BANDS)
    mssp = ShareRule(corridor=D("0.01"), first_pound=True, bands=BANDS, corridor_inclusive=False)
    assert share_variance(10_000, 9_900, default).provider_pence == 0
    assert share_variance(10_000, 9_900, mssp).provider_pence == 50

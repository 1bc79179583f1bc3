"""Hand-worked MSSP settlements, one rule each.

Unless a case says otherwise: benchmark $1,000,000 (100,000,000 cents), 10,000 assigned
beneficiaries (variable MSR exactly 3.0%), quality standard met. Amounts are cents.
"""

from decimal import Decimal as D

import pytest

from wholepop.contract.mssp_rules import Track
from wholepop.money.mssp.settle import AcoYear, resolve_msr, settle_mssp

BENCH = 100_000_000  # $1,000,000


def aco(track, year, expenditure_dollars, *, msr="variable", n=10_000, published_msr=None, **kw) -> AcoYear:
    rate, basis = resolve_msr(track, year, msr, n, published=published_msr)
    return AcoYear(
        track=track, performance_year=year, benchmark_pence=BENCH, expenditure_pence=expenditure_dollars * 100,
        msr=rate, mlr=rate, msr_basis=basis, beneficiaries=n, **kw,
    )


# --- each track ---------------------------------------------------------------------------

def test_basic_a_shares_savings_at_40_percent():
    # gross $50,000 = 5% >= MSR 3%; 50,000 x 40% x 0.98 = $19,600
    o = settle_mssp(aco(Track.BASIC_A, 2023, 950_000))
    assert (o.generated_pence, o.earned_pence) == (5_000_000, 1_960_000)


def test_basic_b_below_the_msr_earns_nothing():
    # gross $25,000 = 2.5% < 3%
    o = settle_mssp(aco(Track.BASIC_B, 2023, 975_000))
    assert (o.gate_met, o.generated_pence, o.earned_pence) == (False, 0, 0)


def test_one_sided_losses_are_not_owed_and_shown_as_generated_only_before_2022():
    # loss $100,000 = 10% beyond the 3% MSR: one-sided, nothing owed. PY2018's file shows it
    # as generated (-$100,000), PY2022's as 0.
    old = settle_mssp(aco(Track.TRACK_1, 2018, 1_100_000, quality_score=D("0.9")))
    new = settle_mssp(aco(Track.BASIC_A, 2022, 1_100_000))
    assert (old.generated_pence, old.earned_pence) == (-10_000_000, 0)
    assert (new.generated_pence, new.earned_pence) == (0, 0)


def test_basic_c_loss_capped_at_lesser_of_revenue_and_benchmark_caps():
    # PY2024 (no PHE), fixed MLR 1%: loss $50,000 x 30% = $15,000; caps: 1% of benchmark
    # $10,000 and 2% of revenue $400,000 = $8,000 -> the lesser, $8,000.
    with_revenue = settle_mssp(aco(Track.BASIC_C, 2024, 1_050_000, msr=D("0.01"), participant_revenue_pence=40_000_000))
    without = settle_mssp(aco(Track.BASIC_C, 2024, 1_050_000, msr=D("0.01")))
    assert with_revenue.earned_pence == -800_000
    assert (without.earned_pence, without.loss_cap_revenue_unknown) == (-1_000_000, True)


def test_basic_d_loss_at_30_percent_under_its_caps():
    # loss $50,000 x 30% = $15,000; caps 2% of benchmark $20,000, 4% of revenue $1,000,000
    # = $40,000: neither binds.
    o = settle_mssp(aco(Track.BASIC_D, 2024, 1_050_000, msr=D("0.01"), participant_revenue_pence=100_000_000))
    assert (o.loss_rate, o.earned_pence, o.share.capped) == (D("0.30"), -1_500_000, False)


def test_basic_e_savings_capped_at_10_percent_of_benchmark_after_sequestration():
    # gross $300,000 x 50% x 0.98 = $147,000 > cap 10% x $1,000,000 = $100,000
    o = settle_mssp(aco(Track.BASIC_E, 2023, 700_000))
    assert (o.earned_pence, o.share.capped) == (10_000_000, True)


@pytest.mark.parametrize(
    ("score", "met", "rate", "earned"),
    [
        # 1 - 0.75 x 0.7705 = 42.2125%; $50,000 x 42.2125% = $21,106.25
        (D("0.7705"), True, D("0.422125"), -2_110_625),
        # 1 - 0.75 x 0.9026 = 32.305% -> the 40% floor: $20,000
        (D("0.9026"), True, D("0.40"), -2_000_000),
        # no quality standard met: the 75% ceiling: $37,500
        (D("0.50"), False, D("0.75"), -3_750_000),
    ],
)
def test_enhanced_loss_rate_from_quality_score(score, met, rate, earned):
    o = settle_mssp(aco(Track.ENHANCED, 2024, 1_050_000, msr=D(0), quality_score=score, met_quality_standard=met))
    assert (o.loss_rate, o.earned_pence) == (rate, earned)


def test_enhanced_loss_capped_at_15_percent_of_benchmark():
    # loss $500,000 x 75% (no standard met) = $375,000 > 15% x $1,000,000 = $150,000
    o = settle_mssp(aco(Track.ENHANCED, 2024, 1_500_000, msr=D(0), quality_score=D("0.5"), met_quality_standard=False))
    assert o.earned_pence == -15_000_000


def test_track_1_scales_the_rate_by_quality_score_before_2021():
    # PY2016: $50,000 x 50% x QS 0.9 x 0.98 = $22,050
    o = settle_mssp(aco(Track.TRACK_1, 2016, 950_000, quality_score=D("0.9")))
    assert (o.final_share_rate, o.earned_pence) == (D("0.45"), 2_205_000)


@pytest.mark.parametrize(
    ("year", "start", "earned"),
    [
        (2014, 2014, -5_000_000),   # agreement year 1: cap 5% = $50,000
        (2014, 2013, -7_500_000),   # year 2: 7.5% = $75,000
        (2014, 2012, -7_500_000),   # a 2012 start's first performance year is 2013: year 2
        (2015, 2013, -10_000_000),  # year 3: 10% = $100,000
    ],
)
def test_track_2_loss_rate_and_cap_by_agreement_year(year, start, earned):
    # MSR/MLR fixed at 2% before 2016. QS 0.8 -> FSR 60% x 0.8 = 48%, loss rate 1 - 48% = 52%;
    # loss $200,000 x 52% = $104,000, capped by agreement year.
    a = aco(Track.TRACK_2, year, 1_200_000, quality_score=D("0.8"), agreement_start_year=start)
    o = settle_mssp(a)
    assert (a.msr, o.loss_rate, o.earned_pence) == (D("0.02"), D("0.52"), earned)


def test_track_3_savings_and_loss_floor():
    # PY2017, fixed 1%: QS 0.9 -> FSR 67.5%; savings $50,000 x 67.5% x 0.98 = $33,075;
    # loss rate 1 - 0.675 = 32.5% -> floor 40%: loss $50,000 x 40% = $20,000
    gain = settle_mssp(aco(Track.TRACK_3, 2017, 950_000, msr=D("0.01"), quality_score=D("0.9")))
    loss = settle_mssp(aco(Track.TRACK_3, 2017, 1_050_000, msr=D("0.01"), quality_score=D("0.9")))
    assert (gain.earned_pence, loss.earned_pence) == (3_307_500, -2_000_000)


def test_track_1_plus_revenue_or_benchmark_loss_limit():
    # PY2018, fixed 0%: loss $150,000 x 30% = $45,000. On the revenue-based limit (RevLossLimit):
    # 8% x participant revenue $300,000 = $24,000; otherwise 4% x $1,000,000 = $40,000.
    revenue = settle_mssp(aco(Track.TRACK_1_PLUS, 2018, 1_150_000, msr=D(0), quality_score=D("0.9"),
                              participant_revenue_pence=30_000_000))
    bench = settle_mssp(aco(Track.TRACK_1_PLUS, 2018, 1_150_000, msr=D(0), quality_score=D("0.9"),
                            participant_revenue_pence=30_000_000, revenue_based_loss_limit=False))
    assert (revenue.earned_pence, bench.earned_pence) == (-2_400_000, -4_000_000)


# --- quality regimes ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("track", "year", "met", "alt", "p4r", "earned"),
    [
        (Track.TRACK_1, 2018, True, False, False, 2_205_000),  # scaled: 50,000 x 50% x 0.9 x 0.98
        (Track.TRACK_1, 2018, True, False, True, 2_450_000),   # first-year pay-for-reporting: the full 50%
        (Track.TRACK_1, 2014, False, False, True, 0),          # P4R, but did not report completely: nothing
        (Track.TRACK_2, 2014, True, False, True, 2_940_000),   # P4R on Track 2: 50,000 x 60% x 0.98
        (Track.TRACK_1, 2018, False, False, False, 0),         # missed the quality standard
        (Track.BASIC_A, 2021, True, False, False, 1_960_000),  # pass/fail: the full 40%, score ignored
        (Track.BASIC_A, 2022, False, False, False, 0),         # failed
        (Track.BASIC_A, 2023, False, True, False, 1_764_000),  # alternative standard: 40% x 0.9 x 0.98
        (Track.BASIC_A, 2023, False, False, False, 0),         # met neither
    ],
)
def test_quality_regimes(track, year, met, alt, p4r, earned):
    o = settle_mssp(aco(track, year, 950_000, quality_score=D("0.9"), met_quality_standard=met,
                        met_alternative_standard=alt, pay_for_reporting=p4r))
    assert o.earned_pence == earned


def test_basic_e_alternative_standard_example():
    # PY2023 BASIC E, QS 76.63, met only the alternative standard: 50% x 0.7663 = 38.315%;
    # $50,000 x 38.315% x 0.98 = $18,774.35
    o = settle_mssp(aco(Track.BASIC_E, 2023, 950_000, quality_score=D("0.7663"), met_quality_standard=False,
                        met_alternative_standard=True))
    assert (o.final_share_rate, o.earned_pence) == (D("0.38315"), 1_877_435)


# --- sequestration, gate edges, reduced savings, disasters ------------------------------------

@pytest.mark.parametrize(("year", "earned"), [(2018, 2_205_000), (2019, 2_250_000), (2020, 2_250_000)])
def test_sequestration_years(year, earned):
    # $50,000 x 50% x QS 0.9 = $22,500; x 0.98 in 2018 = $22,050; none in 2019-2020
    o = settle_mssp(aco(Track.TRACK_1, year, 950_000, quality_score=D("0.9")))
    assert o.earned_pence == earned


def test_savings_exactly_at_the_msr_are_shared_from_the_first_dollar():
    # rate 3.0% = MSR 3.0%: "meet or exceed"; $30,000 x 40% x 0.98 = $11,760
    at = settle_mssp(aco(Track.BASIC_A, 2023, 970_000))
    below = settle_mssp(aco(Track.BASIC_A, 2023, 970_001))
    assert (at.earned_pence, below.earned_pence) == (1_176_000, 0)


def test_losses_exactly_at_the_mlr_are_shared():
    # fixed MLR 2%: loss $20,000 = 2% x 30% = $6,000 (PY2024); a dollar less: nothing
    at = settle_mssp(aco(Track.BASIC_E, 2024, 1_020_000, msr=D("0.02")))
    inside = settle_mssp(aco(Track.BASIC_E, 2024, 1_019_999, msr=D("0.02")))
    assert (at.earned_pence, inside.earned_pence) == (-600_000, 0)


def test_reduced_savings_rule_for_low_revenue_basic_acos_from_2024():
    # PY2024, agreement from 2024, low revenue, 10,000 beneficiaries, met QPS; savings $20,000
    # = 2% below the 3% MSR: half the max rate, 20% x 0.98: $3,920
    kw = dict(low_revenue=True, agreement_start_year=2024)
    eligible = settle_mssp(aco(Track.BASIC_A, 2024, 980_000, **kw))
    high_revenue = settle_mssp(aco(Track.BASIC_A, 2024, 980_000, agreement_start_year=2024))
    older_agreement = settle_mssp(aco(Track.BASIC_A, 2024, 980_000, low_revenue=True, agreement_start_year=2022))
    small = settle_mssp(aco(Track.BASIC_A, 2024, 980_000, n=4_000, published_msr=D("0.045"), **kw))
    in_2023 = settle_mssp(aco(Track.BASIC_A, 2023, 980_000, low_revenue=True, agreement_start_year=2023))
    assert (eligible.reduced_savings, eligible.earned_pence) == (True, 392_000)
    assert [o.earned_pence for o in (high_revenue, older_agreement, small, in_2023)] == [0, 0, 0, 0]


@pytest.mark.parametrize(("year", "earned"), [(2022, 0), (2023, -875_000), (2024, -1_500_000)])
def test_phe_disaster_reduction_of_losses(year, earned):
    # BASIC E, MLR 0.5%: loss $50,000 x 30% = $15,000 (under the 4% benchmark cap);
    # PHE: 12/12 removed in 2022, 5/12 in 2023 ($6,250 -> $8,750 owed), none in 2024
    o = settle_mssp(aco(Track.BASIC_E, year, 1_050_000, msr=D("0.005")))
    assert o.earned_pence == earned


def test_published_disaster_adjustment_is_used_as_given():
    # loss $15,000 as above; CMS's DisAdj -$7,000 -> owed $8,000
    o = settle_mssp(aco(Track.BASIC_E, 2023, 1_050_000, msr=D("0.005"), disaster_pence=-700_000))
    assert o.earned_pence == -800_000


def test_six_month_2019_year_is_pro_rated():
    # BASIC A, 2019 (no sequestration, QS 1.0): $50,000 x 40% = $20,000 x 6/12 = $10,000
    o = settle_mssp(aco(Track.BASIC_A, 2019, 950_000, quality_score=D(1), period_months=6))
    assert o.earned_pence == 1_000_000


def test_small_aco_needs_the_msr_cms_set():
    with pytest.raises(ValueError, match="below the MSR table"):
        resolve_msr(Track.BASIC_A, 2023, "variable", 4_000)
    assert resolve_msr(Track.BASIC_A, 2023, "variable", 4_000, published=D("0.0452"))[0] == D("0.0452")


def test_track_that_did_not_exist_is_refused():
    with pytest.raises(ValueError, match="did not exist"):
        settle_mssp(aco(Track.BASIC_A, 2018, 950_000))

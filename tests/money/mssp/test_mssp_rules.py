"""The rules tables: the MSR table at band edges, year switches, track parameters."""

from decimal import Decimal as D

import pytest

from wholepop.contract.mssp_rules import (
    P4R_SOURCE,
    LossRate,
    QualityRegime,
    Track,
    pay_for_reporting,
    track_rules,
    variable_msr,
    year_rules,
)


@pytest.mark.parametrize(
    ("n", "expected"),
    [
        (4_999, None),  # below the table: CMS sets the MSR per ACO
        (5_000, D("0.039")),  # first band, low end
        # 3.9% - 0.3 x 999/1000 = 3.6003%: the band's end is approached, not reached
        (5_999, D("0.0360030")),
        (6_000, D("0.036")),  # next band starts exactly at its low end
        (7_500, D("0.033")),  # CMS-1345-P p. 268: 7,500 gives 3.3%
        (5_177, D("0.0384690")),  # 3.9 - 0.3 x 177/1000 = 3.8469% (PUF 3.85%)
        (14_727, D("0.0271638")),  # 3.0 - 0.3 x 4727/5000 = 2.71638% (PUF 2.72%)
        (9_999, D("0.0300010")),  # 3.1 - 0.1 x 999/1000
        (10_000, D("0.030")),
        (49_999, D("0.0220001")),  # 2.5 - 0.3 x 29999/30000
        (50_000, D("0.022")),
        (59_999, D("0.0200002")),  # 2.2 - 0.2 x 9999/10000
        (60_000, D("0.020")),  # the floor
        (250_000, D("0.020")),
    ],
)
def test_variable_msr_interpolates_within_bands(n, expected):
    assert variable_msr(n) == expected


def test_sequestration_suspended_only_for_2019_and_2020():
    # 2% sequestration on savings payments, suspended by the CARES Act for PY2019-2020.
    assert {y: year_rules(y).sequestration for y in range(2017, 2023)} == {
        2017: D("0.98"), 2018: D("0.98"), 2019: D(1), 2020: D(1), 2021: D("0.98"), 2022: D("0.98"),
    }


def test_quality_regime_by_year():
    assert [year_rules(y).quality for y in (2013, 2020, 2021, 2022, 2023, 2024)] == [
        QualityRegime.SCALED, QualityRegime.SCALED, QualityRegime.PASS_FAIL, QualityRegime.PASS_FAIL,
        QualityRegime.PASS_FAIL_ALTERNATIVE, QualityRegime.PASS_FAIL_ALTERNATIVE,
    ]


def test_phe_months_and_reduced_savings_switches():
    assert [year_rules(y).phe_months for y in (2019, 2020, 2021, 2022, 2023, 2024)] == [0, 12, 12, 12, 5, 0]
    assert [year_rules(y).reduced_savings for y in (2023, 2024)] == [False, True]


def test_years_outside_2013_2024_are_not_guessed():
    with pytest.raises(KeyError, match="2013-2024"):
        year_rules(2025)


def test_track_table():
    rows = {t: (r.max_share, r.savings_cap, r.loss_rate, r.loss_cap_benchmark, r.loss_cap_revenue) for t, r in
            ((t, track_rules(t)) for t in Track)}
    assert rows[Track.BASIC_A] == (D("0.40"), D("0.10"), LossRate.NONE, (), None)
    assert rows[Track.BASIC_C] == (D("0.50"), D("0.10"), LossRate.FLAT, (D("0.01"),), D("0.02"))
    assert rows[Track.BASIC_D] == (D("0.50"), D("0.10"), LossRate.FLAT, (D("0.02"),), D("0.04"))
    assert rows[Track.BASIC_E] == (D("0.50"), D("0.10"), LossRate.FLAT, (D("0.04"),), D("0.08"))
    assert rows[Track.ENHANCED] == (D("0.75"), D("0.20"), LossRate.ONE_MINUS_QUALITY_SHARE, (D("0.15"),), None)
    assert rows[Track.TRACK_2] == (D("0.60"), D("0.15"), LossRate.ONE_MINUS_QUALITY_SHARE,
                                   (D("0.05"), D("0.075"), D("0.10")), None)


@pytest.mark.parametrize(
    ("year", "start", "agreement", "p4r"),
    [
        (2013, 2012, None, True),   # a 2012 starter's first performance year ran to 31 Dec 2013
        (2013, 2013, None, True),   # PY2013: every ACO was in its first year
        (2014, 2014, None, True),   # the PY2014 file's 'P4R' ACOs all start 1 Jan 2014
        (2014, 2013, None, False),  # second year: scored on performance
        (2015, 2015, None, True),   # PY2015: the blank-score ACOs all start 1 Jan 2015
        (2016, 2016, 2, False),     # a renewal's first year is scored (first agreement only)
        (2016, 2016, 1, True),
        (2016, 2016, None, False),  # from 2016 an unknown agreement is not assumed first
        (2019, 2019, 1, True),      # a 1 Jul 2019 starter's six months of 2019
        (2020, 2019, 1, False),
        (2021, 2021, 1, False),     # the APM Performance Pathway's first year: none
        (2023, 2023, 1, True),      # 42 CFR 425.512(a)(2): a first-year reporting standard again
        (2023, 2022, 1, False),
        (2014, None, None, False),  # no start date: not assumed
    ],
)
def test_pay_for_reporting_years(year, start, agreement, p4r):
    assert pay_for_reporting(year, start, agreement) is p4r


def test_pay_for_reporting_is_year_data_with_its_source():
    assert [y for y in range(2013, 2025) if not year_rules(y).pay_for_reporting] == [2021]
    assert year_rules(2020).pay_for_reporting_source == P4R_SOURCE
    assert P4R_SOURCE.startswith("42 CFR 425.502(a)(1)")
    assert year_rules(2022).pay_for_reporting_source.startswith("42 CFR 425.512(a)(2)")

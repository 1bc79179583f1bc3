"""The Medicare Shared Savings Program rules as data: tracks, the MSR table, year switches.

Every number the settlement uses lives in one of three frozen tables here, so a reader can
check them against the sources (42 CFR 425 Subpart G; the "Pathways to Success" final rule,
83 FR 67816; CMS's per-ACO results files) without reading any arithmetic:

* ``TRACKS``: per track, the maximum sharing rate, the savings cap, the loss-rate rule and
  the loss cap (share of the benchmark and, for revenue-based caps, share of ACO-participant
  Parts A and B fee-for-service revenue), and the performance years the track existed.
* ``MSR_BANDS``: the minimum savings rate by assigned beneficiaries, interpolated linearly
  within a band (one-sided ACOs, and two-sided ACOs that chose the "variable" MSR/MLR).
* ``YEARS``: per performance year 2013-2024, the quality regime, whether first-year ACOs
  are held to pay-for-reporting (and the regulation that says so), the sequestration
  factor, whether the reduced-savings rule for low-revenue BASIC ACOs exists, the months
  of the COVID-19 public health emergency (which removes that share of losses), and
  whether the results file shows a one-sided ACO's losses as generated.

Rates are fractions (``Decimal("0.02")`` is 2%); money is not held here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "FIXED_MSR_CHOICES",
    "FIRST_YEAR",
    "LAST_YEAR",
    "LOW_REVENUE_SHARE",
    "LossRate",
    "MSR_BANDS",
    "MSR_TABLE_MIN_BENEFICIARIES",
    "P4R_APP_SOURCE",
    "P4R_SOURCE",
    "QualityRegime",
    "TRACKS",
    "Track",
    "TrackRules",
    "YEARS",
    "YearRules",
    "first_performance_year",
    "pay_for_reporting",
    "track_rules",
    "variable_msr",
    "year_rules",
]

FIRST_YEAR = 2013
LAST_YEAR = 2024


class Track(StrEnum):
    """MSSP tracks (the contract's ``mssp.track``)."""

    BASIC_A = "BASIC_A"
    BASIC_B = "BASIC_B"
    BASIC_C = "BASIC_C"
    BASIC_D = "BASIC_D"
    BASIC_E = "BASIC_E"
    ENHANCED = "ENHANCED"
    TRACK_1 = "TRACK_1"
    TRACK_2 = "TRACK_2"
    TRACK_3 = "TRACK_3"
    TRACK_1_PLUS = "TRACK_1_PLUS"


class LossRate(StrEnum):
    """How a track's shared-loss rate is set."""

    NONE = "none"  # one-sided: no losses owed
    FLAT = "flat"  # a fixed rate (BASIC C-E 30%, Track 1+ 30%)
    ONE_MINUS_QUALITY_SHARE = "one_minus_quality_share"  # 1 - max rate x quality, clamped


class QualityRegime(StrEnum):
    """How quality turns the maximum sharing rate into the final sharing rate."""

    # PY2013-2020: max x quality score; first-year pay-for-reporting ACOs get the max;
    # missing the quality standard gives 0.
    SCALED = "scaled"
    # PY2021-2022 (APM Performance Pathway): meeting the quality performance standard gives
    # the max, failing gives 0.
    PASS_FAIL = "pass_fail"
    # PY2023-2024: as PASS_FAIL, but missing the standard while meeting the alternative
    # standard gives max x quality score (42 CFR 425.512(a)(4)(ii)/(a)(5)(ii)).
    PASS_FAIL_ALTERNATIVE = "pass_fail_alternative"


@dataclass(frozen=True)
class TrackRules:
    """One track's parameters.

    Attributes:
        track: the track.
        two_sided: whether the ACO owes shared losses.
        max_share: maximum sharing rate (of gross savings).
        savings_cap: the most shared savings can be, as a share of the updated benchmark.
        loss_rate: the rule for the shared-loss rate.
        loss_rate_flat: the flat loss rate (``LossRate.FLAT``).
        loss_rate_floor / loss_rate_ceiling: the clamp of ``ONE_MINUS_QUALITY_SHARE``.
        loss_cap_benchmark: loss cap as a share of the updated benchmark, one value per
            agreement year (the last repeats); empty for one-sided tracks.
        loss_cap_revenue: loss cap as a share of ACO-participant Parts A/B FFS revenue, or
            None. The cap is the lesser of the revenue and benchmark caps (BASIC C-E); for
            Track 1+ the revenue cap replaces the benchmark cap when participant revenue is
            supplied (its ``RevLossLimit`` ACOs).
        revenue_cap_replaces: Track 1+'s either/or rule above.
        first_year / last_year: performance years the track existed.
        fixed_msr_until: last performance year in which the two-sided MSR/MLR was fixed at
            ``fixed_msr`` (Track 2: 2% until 2015); None if a choice existed throughout.
        source: where the numbers come from.
    """

    track: Track
    two_sided: bool
    max_share: Decimal
    savings_cap: Decimal
    loss_rate: LossRate
    loss_rate_flat: Decimal = Decimal(0)
    loss_rate_floor: Decimal = Decimal(0)
    loss_rate_ceiling: Decimal = Decimal(1)
    loss_cap_benchmark: tuple[Decimal, ...] = ()
    loss_cap_revenue: Decimal | None = None
    revenue_cap_replaces: bool = False
    first_year: int = FIRST_YEAR
    last_year: int = LAST_YEAR
    fixed_msr_until: int | None = None
    fixed_msr: Decimal = Decimal("0.02")
    source: str = ""


_P = Decimal

TRACKS: Mapping[Track, TrackRules] = MappingProxyType(
    {
        t.track: t
        for t in (
            TrackRules(Track.BASIC_A, False, _P("0.40"), _P("0.10"), LossRate.NONE, first_year=2019,
                       source="42 CFR 425.605(d)(1)(i); 83 FR 67816"),
            TrackRules(Track.BASIC_B, False, _P("0.40"), _P("0.10"), LossRate.NONE, first_year=2019,
                       source="42 CFR 425.605(d)(1)(ii)"),
            TrackRules(Track.BASIC_C, True, _P("0.50"), _P("0.10"), LossRate.FLAT, loss_rate_flat=_P("0.30"),
                       loss_cap_benchmark=(_P("0.01"),), loss_cap_revenue=_P("0.02"), first_year=2019,
                       source="42 CFR 425.605(d)(1)(iii)"),
            TrackRules(Track.BASIC_D, True, _P("0.50"), _P("0.10"), LossRate.FLAT, loss_rate_flat=_P("0.30"),
                       loss_cap_benchmark=(_P("0.02"),), loss_cap_revenue=_P("0.04"), first_year=2019,
                       source="42 CFR 425.605(d)(1)(iv)"),
            # Level E: the QPP Advanced APM nominal amount standards (8% of revenue; the
            # benchmark standard of 3% plus 1 point).
            TrackRules(Track.BASIC_E, True, _P("0.50"), _P("0.10"), LossRate.FLAT, loss_rate_flat=_P("0.30"),
                       loss_cap_benchmark=(_P("0.04"),), loss_cap_revenue=_P("0.08"), first_year=2019,
                       source="42 CFR 425.605(d)(1)(v)"),
            TrackRules(Track.ENHANCED, True, _P("0.75"), _P("0.20"), LossRate.ONE_MINUS_QUALITY_SHARE,
                       loss_rate_floor=_P("0.40"), loss_rate_ceiling=_P("0.75"),
                       loss_cap_benchmark=(_P("0.15"),), first_year=2019, source="42 CFR 425.610"),
            TrackRules(Track.TRACK_1, False, _P("0.50"), _P("0.10"), LossRate.NONE, last_year=2021,
                       source="42 CFR 425.604"),
            TrackRules(Track.TRACK_2, True, _P("0.60"), _P("0.15"), LossRate.ONE_MINUS_QUALITY_SHARE,
                       loss_rate_floor=_P("0.40"), loss_rate_ceiling=_P("0.60"),
                       loss_cap_benchmark=(_P("0.05"), _P("0.075"), _P("0.10")), last_year=2019,
                       fixed_msr_until=2015, source="42 CFR 425.606"),
            TrackRules(Track.TRACK_3, True, _P("0.75"), _P("0.20"), LossRate.ONE_MINUS_QUALITY_SHARE,
                       loss_rate_floor=_P("0.40"), loss_rate_ceiling=_P("0.75"),
                       loss_cap_benchmark=(_P("0.15"),), first_year=2016, last_year=2019, source="42 CFR 425.610"),
            TrackRules(Track.TRACK_1_PLUS, True, _P("0.50"), _P("0.10"), LossRate.FLAT, loss_rate_flat=_P("0.30"),
                       loss_cap_benchmark=(_P("0.04"),), loss_cap_revenue=_P("0.08"), revenue_cap_replaces=True,
                       first_year=2018, last_year=2020, source="Track 1+ Model participation agreement (CMMI)"),
        )
    }
)

# (lowest N in band, first N of the next band, MSR at the low end, MSR at the band's end).
# Interpolation is over the band's width, so 7,500 gives 3.3% exactly (CMS-1345-P p. 268)
# and N = 5,177 gives 3.8469% (published 3.85%). 60,000 and over: 2.0%.
MSR_BANDS: tuple[tuple[int, int, Decimal, Decimal], ...] = (
    (5_000, 6_000, _P("0.039"), _P("0.036")),
    (6_000, 7_000, _P("0.036"), _P("0.034")),
    (7_000, 8_000, _P("0.034"), _P("0.032")),
    (8_000, 9_000, _P("0.032"), _P("0.031")),
    (9_000, 10_000, _P("0.031"), _P("0.030")),
    (10_000, 15_000, _P("0.030"), _P("0.027")),
    (15_000, 20_000, _P("0.027"), _P("0.025")),
    (20_000, 50_000, _P("0.025"), _P("0.022")),
    (50_000, 60_000, _P("0.022"), _P("0.020")),
)
MSR_FLOOR = _P("0.020")
MSR_TABLE_MIN_BENEFICIARIES = 5_000

# A low-revenue ACO's participants bill Medicare Parts A and B less than 35% of its assigned
# beneficiaries' Parts A and B expenditure (42 CFR 425.20, "low revenue ACO"; 83 FR 67816).
LOW_REVENUE_SHARE = _P("0.35")

# The fixed MSR/MLR a two-sided ACO may choose instead of the variable table (42 CFR
# 425.605(b)(2), 425.610(b)(2)): 0%, 0.5%, 1%, 1.5% or 2%.
FIXED_MSR_CHOICES: tuple[Decimal, ...] = (_P("0"), _P("0.005"), _P("0.01"), _P("0.015"), _P("0.02"))


@dataclass(frozen=True)
class YearRules:
    """Switches that depend on the performance year.

    Attributes:
        year: the performance year.
        quality: how quality sets the final sharing rate.
        sequestration: factor on shared savings (2% sequestration; suspended under the
            CARES Act for payments of PY2019-2020). Losses are not sequestered.
        reduced_savings: the rule of 42 CFR 425.605(h) exists (from agreement periods
            starting 1 Jan 2024): a low-revenue BASIC ACO with >= 5,000 beneficiaries that met
            the quality standard and has positive savings below its MSR shares them at half
            the maximum rate.
        reduced_savings_from_agreement_year: the earliest agreement start it applies to.
        phe_months: months of the year under the COVID-19 public health emergency; losses
            are reduced by phe_months / 12 (every beneficiary lives in the affected area).
            Other disasters are ACO-specific and come from the contract or the file.
        one_sided_losses_generated: the results file shows a one-sided ACO's losses beyond
            its MSR as generated (negative ``GenSaveLoss``); from PY2022 it shows 0.
        pay_for_reporting_source: the regulation holding ACOs in the first performance year
            of their first agreement period to complete and accurate quality reporting
            (if they meet it: the track's maximum sharing rate), or "" in a year without
            it (PY2021). ``pay_for_reporting`` is whether there is one.
    """

    year: int
    quality: QualityRegime
    sequestration: Decimal
    reduced_savings: bool
    phe_months: int
    one_sided_losses_generated: bool
    reduced_savings_from_agreement_year: int = 2024
    pay_for_reporting_source: str = ""

    @property
    def pay_for_reporting(self) -> bool:
        """The year holds first-year ACOs to a reporting standard (``pay_for_reporting_source``)."""
        return bool(self.pay_for_reporting_source)


# Pay for reporting: in the first performance year of an ACO's first agreement period the
# quality performance standard is complete and accurate reporting.
# * PY2013-2020: 42 CFR 425.502(a)(1) (76 FR 67802, 2 Nov 2011); (a)(3): in a subsequent
#   agreement period every year is assessed on performance (the June 2015 final rule,
#   CMS-1461-F, 80 FR 32692: renewals began 1 Jan 2016). The first performance year of a
#   2012 starter ran 21 or 18 months to 31 Dec 2013 (42 CFR 425.200), so every ACO of PY2013
#   was pay-for-reporting. A 1 Jul 2019 starter's first year is its six months of 2019. The
#   sharing rate is then the track's maximum (quality factor 1) if the ACO reported.
#   Data-verified: PY2014 (116 'P4R' ACOs starting 1 Jan 2014 at the full 50%, 3 that did
#   not report at 0), PY2015 (89 blank scores, all starting 1 Jan 2015: 88 at 50%, 1 at 0),
#   PY2016-2017 rows (first-year ACOs published with a score of 1; renewals scored).
# * PY2021: none. 42 CFR 425.512(a)(3) (the APM Performance Pathway, 85 FR 84472) holds
#   every ACO to the 30th-percentile standard.
# * PY2022 on: 42 CFR 425.512(a)(2): a first-year ACO meets the standard by reporting via
#   the APP with data completeness and case minimums. Quality is pass/fail then, so meeting
#   it gives the maximum rate like any ACO; the files publish the outcome in Met_QPS (and
#   the marker Met_FirstYear).
P4R_SOURCE = "42 CFR 425.502(a)(1), (a)(3) (76 FR 67802; 80 FR 32692)"
P4R_APP_SOURCE = "42 CFR 425.512(a)(2) (reporting via the APP with data completeness)"


def _year(y: int) -> YearRules:
    if y <= 2020:
        quality = QualityRegime.SCALED
    elif y <= 2022:
        quality = QualityRegime.PASS_FAIL
    else:
        quality = QualityRegime.PASS_FAIL_ALTERNATIVE
    # The PHE began in January 2020 and ended on 11 May 2023: CMS counted all 12 months of
    # 2020-2022 and January-May of 2023.
    phe = {2020: 12, 2021: 12, 2022: 12, 2023: 5}.get(y, 0)
    return YearRules(
        year=y,
        quality=quality,
        sequestration=Decimal(1) if y in (2019, 2020) else _P("0.98"),
        reduced_savings=y >= 2024,
        phe_months=phe,
        one_sided_losses_generated=y <= 2021,
        pay_for_reporting_source=P4R_SOURCE if quality is QualityRegime.SCALED else (P4R_APP_SOURCE if y >= 2022 else ""),
    )


YEARS: Mapping[int, YearRules] = MappingProxyType({y: _year(y) for y in range(FIRST_YEAR, LAST_YEAR + 1)})

# Before 2016 no ACO had renewed, so every agreement was a first one.
FIRST_RENEWAL_YEAR = 2016


def first_performance_year(agreement_start_year: int) -> int:
    """The first performance year of an agreement starting in that year (2012 starts: 2013)."""
    return max(agreement_start_year, 2013)


def pay_for_reporting(performance_year: int, agreement_start_year: int | None, agreement_period: int | None) -> bool:
    """Whether an ACO is held to pay-for-reporting in ``performance_year``.

    True when the year has the rule (PY2013-2020, PY2022-2024), the ACO is in its first agreement period
    (``agreement_period`` 1; unknown counts as first before 2016, when no ACO had renewed)
    and this is that agreement's first performance year.
    """
    if performance_year not in YEARS or not YEARS[performance_year].pay_for_reporting or agreement_start_year is None:
        return False
    first_agreement = agreement_period == 1 if agreement_period is not None else performance_year < FIRST_RENEWAL_YEAR
    return first_agreement and performance_year == first_performance_year(agreement_start_year)


def year_rules(year: int) -> YearRules:
    """The switches of performance year ``year``.

    Raises:
        KeyError: the rules of that year are not encoded (before 2013 or after 2024).
    """
    if year not in YEARS:
        raise KeyError(f"MSSP rules are encoded for performance years {FIRST_YEAR}-{LAST_YEAR}, not {year}")
    return YEARS[year]


def track_rules(track: Track | str) -> TrackRules:
    """The parameters of ``track``."""
    return TRACKS[Track(track)]


def variable_msr(beneficiaries: int) -> Decimal | None:
    """The variable MSR (and MLR) for ``beneficiaries`` assigned beneficiaries.

    Linear within a band: MSR = low + (high - low) x (N - band start) / band width.
    Returns None below 5,000, where the table does not apply and CMS sets each ACO's
    MSR individually (the results file must then be used).
    """
    if beneficiaries < MSR_TABLE_MIN_BENEFICIARIES:
        return None
    for start, end, low, high in MSR_BANDS:
        if start <= beneficiaries < end:
            return low + (high - low) * Decimal(beneficiaries - start) / Decimal(end - start)
    return MSR_FLOOR

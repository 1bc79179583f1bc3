"""The MSSP settlement arithmetic for one ACO and performance year.

    gross            = benchmark - expenditure            (+ savings, - losses)
    savings rate     = gross / benchmark                  (a share of the *benchmark*)
    gate             = rate >= MSR (savings) or -rate >= MLR (losses, two-sided only)
    shared savings   = min(gross x max rate x quality x sequestration, savings cap x benchmark)
    shared losses    = min(|gross| x loss rate, loss cap)   minus the disaster reduction
    (from the first dollar once the gate is met: 42 CFR 425.604-425.610)

The corridor, band, quality scaling and caps go through the one share mechanism,
``wholepop.money.sharing.share_variance``: the MSR (and MLR) is the corridor, shared from the
first pound (``corridor_inclusive=False``: savings that *meet* the MSR count), the maximum
sharing rate times sequestration is the gain band, quality the gain scaling, the loss rate
the loss band, and the savings and loss limits the caps. What is MSSP-specific around it
(the MSR choice, the final sharing and loss rates, the reduced-savings rule, the disaster
reduction) is here, driven by the tables in ``rules``.

Money is whole cents (the ``_pence`` names: hundredths of the currency unit); rates are
``Decimal`` fractions.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract
from wholepop.contract.mssp_rules import (
    FIXED_MSR_CHOICES,
    MSR_TABLE_MIN_BENEFICIARIES,
    LossRate,
    QualityRegime,
    Track,
    TrackRules,
    track_rules,
    variable_msr,
    year_rules,
)
from wholepop.contract.mssp_terms import mssp_terms
from wholepop.errors import ContractError
from wholepop.money.pence import ONE, ZERO, to_pence
from wholepop.money.sharing import ShareResult, ShareRule, share_variance
from wholepop.money.statement import StatementLine

__all__ = [
    "AcoYear",
    "MsspOutcome",
    "benchmark_per_capita",
    "final_share_rate",
    "loss_cap",
    "loss_rate",
    "resolve_msr",
    "settle_aco",
    "settle_aco_outcome",
    "settle_mssp",
]

_BASIC = (Track.BASIC_A, Track.BASIC_B, Track.BASIC_C, Track.BASIC_D, Track.BASIC_E)


@dataclass(frozen=True)
class AcoYear:
    """One ACO's performance year, as the settlement needs it.

    Attributes:
        track: the track.
        performance_year: 2013-2024.
        benchmark_pence: updated benchmark total (per capita x person-years), in cents.
        expenditure_pence: assigned beneficiaries' Parts A/B expenditure total, in cents.
        msr: the minimum savings rate (fraction), already resolved (``resolve_msr``).
        mlr: the minimum loss rate; two-sided ACOs' is symmetrical with the MSR.
        msr_basis: where the MSR came from, for the statement.
        beneficiaries: assigned beneficiaries (for the reduced-savings rule's 5,000).
        quality_score: 0-1, or None when not known (only some rules need it).
        met_quality_standard: met the quality performance standard.
        met_alternative_standard: met the alternative standard (PY2023 on).
        pay_for_reporting: an ACO in the first performance year of its first agreement,
            held to a reporting standard (PY2013-2020, PY2022 on: ``rules.pay_for_reporting``);
            ``met_quality_standard`` says whether it reported completely and accurately.
        participant_revenue_pence: ACO-participant Parts A/B FFS revenue, or None.
        revenue_based_loss_limit: Track 1+ only: the ACO is on the revenue-based loss
            limit (``RevLossLimit``); otherwise its cap is 4% of the benchmark.
        low_revenue: the ACO is low revenue (for the reduced-savings rule).
        agreement_start_year: the current agreement's first year, or None.
        disaster_pence: the disaster (EUC) reduction of losses as published (<= 0), or None
            to compute it from ``disaster_fraction``.
        disaster_fraction: share of losses removed (months affected / 12 x share of
            beneficiaries in affected areas), or None for the year's public health emergency.
        period_months: 12, or 6 for the 2019 six-month performance years (pro-rated).
    """

    track: Track
    performance_year: int
    benchmark_pence: int
    expenditure_pence: int
    msr: Decimal
    mlr: Decimal
    msr_basis: str
    beneficiaries: int | None = None
    quality_score: Decimal | None = None
    met_quality_standard: bool = True
    met_alternative_standard: bool = False
    pay_for_reporting: bool = False
    participant_revenue_pence: int | None = None
    revenue_based_loss_limit: bool = True
    low_revenue: bool = False
    agreement_start_year: int | None = None
    disaster_pence: int | None = None
    disaster_fraction: Decimal | None = None
    period_months: int = 12


@dataclass(frozen=True)
class MsspOutcome:
    """What the settlement gives, with every step's basis.

    Attributes:
        gross_pence: benchmark - expenditure.
        savings_rate: gross / benchmark.
        gate_met: the savings rate met the MSR (or the loss rate the MLR).
        generated_pence: savings or losses counted as generated (CMS ``GenSaveLoss``).
        final_share_rate: max rate x quality factor (CMS ``FinalShareRate``).
        loss_rate: the shared-loss rate (two-sided), else 0.
        reduced_savings: the reduced-savings rule paid savings below the MSR.
        share: the ``share_variance`` result.
        shared_pence: shared savings (+) or losses (-) after caps, before the disaster
            reduction and pro-rating.
        loss_cap_pence: the loss cap applied, or None.
        loss_cap_revenue_unknown: a revenue-based cap may bind but revenue was not given.
        disaster_pence: the disaster (EUC) reduction of losses, signed as CMS's ``DisAdj``
            (<= 0), so earned = shared - disaster.
        earned_pence: earned savings (+) or owed losses (-) (CMS ``EarnSaveLoss``).
        steps: (item, amount_pence, basis) for each step, in order.
    """

    gross_pence: int
    savings_rate: Decimal
    gate_met: bool
    generated_pence: int
    final_share_rate: Decimal
    loss_rate: Decimal
    reduced_savings: bool
    share: ShareResult
    shared_pence: int
    loss_cap_pence: int | None
    loss_cap_revenue_unknown: bool
    disaster_pence: int
    earned_pence: int
    steps: tuple[tuple[str, int, str], ...]


def resolve_msr(
    track: Track,
    performance_year: int,
    choice: str | Decimal,
    beneficiaries: int | None,
    published: Decimal | None = None,
) -> tuple[Decimal, str]:
    """The MSR (= MLR for two-sided ACOs) and its basis.

    Args:
        track: the track.
        performance_year: the year.
        choice: ``"variable"`` or a fixed rate (fraction). One-sided tracks always use the
            variable table; Track 2 before 2016 a fixed 2%.
        beneficiaries: assigned beneficiaries.
        published: an MSR set outside the table (CMS's ACO-specific MSR below 5,000
            beneficiaries), used where the table does not apply.

    Raises:
        ValueError: the MSR cannot be determined (the message says why).
    """
    rules = track_rules(track)
    if rules.fixed_msr_until is not None and performance_year <= rules.fixed_msr_until:
        return rules.fixed_msr, f"{track.value} MSR/MLR fixed at {_pct(rules.fixed_msr)} until {rules.fixed_msr_until}"
    if rules.two_sided and choice != "variable":
        rate = Decimal(choice)
        if rate not in FIXED_MSR_CHOICES:
            raise ValueError(f"a fixed MSR/MLR must be one of 0%, 0.5%, 1%, 1.5%, 2%, got {_pct(rate)}")
        return rate, f"fixed MSR/MLR {_pct(rate)} chosen for the agreement period"
    if beneficiaries is None:
        raise ValueError("the variable MSR needs the number of assigned beneficiaries")
    table = variable_msr(beneficiaries)
    if table is not None:
        return table, f"variable MSR for {beneficiaries:,} assigned beneficiaries (interpolated within its band) = {_pct(table)}"
    if published is None:
        raise ValueError(
            f"{beneficiaries:,} assigned beneficiaries is below the MSR table's {MSR_TABLE_MIN_BENEFICIARIES:,}; "
            "CMS sets such an ACO's MSR individually, so it must be given"
        )
    return published, f"MSR {_pct(published)} set by CMS for an ACO under {MSR_TABLE_MIN_BENEFICIARIES:,} beneficiaries"


def final_share_rate(rules: TrackRules, a: AcoYear) -> tuple[Decimal, Decimal, str]:
    """(quality factor, final sharing rate, basis) under the year's quality regime."""
    regime = year_rules(a.performance_year).quality
    if regime is QualityRegime.SCALED:
        if not a.met_quality_standard:
            factor, why = ZERO, (
                "pay-for-reporting ACO that did not report completely and accurately: no sharing"
                if a.pay_for_reporting else "did not meet the quality standard: no sharing"
            )
        elif a.pay_for_reporting:
            factor, why = ONE, "first-year pay-for-reporting ACO that reported completely and accurately: the full rate"
        else:
            factor, why = _score(a), f"rate x quality score {a.quality_score}"
    elif a.met_quality_standard:
        factor, why = ONE, (
            "first-year ACO that met the reporting standard (42 CFR 425.512(a)(2)): the full rate" if a.pay_for_reporting
            else "met the quality performance standard: the full rate"
        )
    elif regime is QualityRegime.PASS_FAIL_ALTERNATIVE and a.met_alternative_standard:
        factor, why = _score(a), f"met only the alternative standard: rate x quality score {a.quality_score}"
    else:
        factor, why = ZERO, "did not meet the quality performance standard: no sharing"
    fsr = rules.max_share * factor
    return factor, fsr, f"{regime.value} quality regime ({a.performance_year}): {why}; final sharing rate {_pct(fsr)}"


def loss_rate(rules: TrackRules, a: AcoYear) -> tuple[Decimal, str]:
    """The shared-loss rate and its basis (0 for one-sided tracks)."""
    if rules.loss_rate is LossRate.NONE:
        return ZERO, "one-sided: no shared losses"
    if rules.loss_rate is LossRate.FLAT:
        return rules.loss_rate_flat, f"{rules.track.value} loss rate {_pct(rules.loss_rate_flat)}"
    # 1 - max rate x quality: the quality share is the score for an ACO that met a quality
    # standard (ENHANCED uses the score even where the savings rate is the full rate),
    # all of it for a pay-for-reporting year, none for an ACO that met no standard.
    if a.pay_for_reporting and a.met_quality_standard and year_rules(a.performance_year).quality is QualityRegime.SCALED:
        share, why = ONE, "pay-for-reporting"
    elif a.met_quality_standard or a.met_alternative_standard:
        share, why = _score(a), f"quality score {a.quality_score}"
    else:
        share, why = ZERO, "no quality standard met"
    raw = ONE - rules.max_share * share
    rate = min(max(raw, rules.loss_rate_floor), rules.loss_rate_ceiling)
    return rate, (
        f"loss rate 1 - {_pct(rules.max_share)} x {why} = {_pct(raw)}, within "
        f"[{_pct(rules.loss_rate_floor)}, {_pct(rules.loss_rate_ceiling)}] = {_pct(rate)}"
    )


def loss_cap(rules: TrackRules, a: AcoYear) -> tuple[Decimal | None, bool, str]:
    """(loss cap in cents or None, revenue cap unknown, basis)."""
    if not rules.two_sided:
        return None, False, ""
    year_in_agreement = 1
    if a.agreement_start_year is not None:
        year_in_agreement = max(1, a.performance_year - max(a.agreement_start_year, 2013) + 1)
    caps = rules.loss_cap_benchmark
    share = caps[min(year_in_agreement, len(caps)) - 1]
    bench = share * Decimal(a.benchmark_pence)
    basis = f"{_pct(share)} of the benchmark = {bench}"
    if len(caps) > 1:
        basis += f" (agreement year {year_in_agreement})"
    if rules.loss_cap_revenue is None or (rules.revenue_cap_replaces and not a.revenue_based_loss_limit):
        return bench, False, basis
    if a.participant_revenue_pence is None:
        return bench, True, basis + (
            f"; the {_pct(rules.loss_cap_revenue)}-of-participant-revenue cap is not known (revenue not given)"
        )
    rev = rules.loss_cap_revenue * Decimal(a.participant_revenue_pence)
    rev_basis = f"{_pct(rules.loss_cap_revenue)} of participant revenue {a.participant_revenue_pence} = {rev}"
    if rules.revenue_cap_replaces:
        return rev, False, rev_basis + " (revenue-based loss limit)"
    return min(rev, bench), False, f"lesser of {rev_basis} and {basis}"


def settle_mssp(a: AcoYear) -> MsspOutcome:
    """Settle one ACO-year under the MSSP rules.

    Raises:
        ValueError: an input the rules need is missing (e.g. the quality score of an
            ENHANCED ACO with losses); the message names it.
    """
    rules = track_rules(a.track)
    year = year_rules(a.performance_year)
    if not rules.first_year <= a.performance_year <= rules.last_year:
        raise ValueError(f"{a.track.value} did not exist in performance year {a.performance_year}")
    if a.benchmark_pence <= 0:
        raise ValueError("the benchmark must be positive")
    steps: list[tuple[str, int, str]] = []
    gross = a.benchmark_pence - a.expenditure_pence
    rate = Decimal(gross) / Decimal(a.benchmark_pence)
    steps.append((
        "gross savings (+) or losses (-)", gross,
        f"benchmark {a.benchmark_pence} - expenditure {a.expenditure_pence}; savings rate = gross / benchmark = {_pct(rate, 4)}",
    ))
    factor, fsr, fsr_basis = final_share_rate(rules, a)
    lrate, lrate_basis = (ZERO, "one-sided: no shared losses")
    cap_loss, revenue_unknown, cap_basis = (None, False, "")
    # The loss rate and cap matter only for losses that pass the MLR gate (and may need
    # inputs, such as the quality score, that other ACOs do not).
    if gross < 0 and rules.two_sided and -rate >= a.mlr:
        lrate, lrate_basis = loss_rate(rules, a)
        cap_loss, revenue_unknown, cap_basis = loss_cap(rules, a)
    seq = year.sequestration
    reduced = (
        year.reduced_savings
        and a.track in _BASIC
        and a.low_revenue
        and a.met_quality_standard
        and (a.beneficiaries or 0) >= MSR_TABLE_MIN_BENEFICIARIES
        and (a.agreement_start_year or 0) >= year.reduced_savings_from_agreement_year
        and gross > 0
        and rate < a.msr
    )
    max_share = rules.max_share / 2 if reduced else rules.max_share
    rule = ShareRule(
        corridor=ZERO if reduced else a.msr,
        loss_corridor=a.mlr,
        first_pound=True,
        corridor_inclusive=False,
        bands=((ONE, max_share * seq),),
        loss_bands=((ONE, lrate),),
        scale_gains_by_achievement=True,
        cap_gain=rules.savings_cap * Decimal(a.benchmark_pence),
        cap_loss=cap_loss,
    )
    result = share_variance(a.benchmark_pence, a.expenditure_pence, rule, ONE if reduced else factor)
    gate = not result.within_corridor
    generated = gross if gate and (gross >= 0 or rules.two_sided or year.one_sided_losses_generated) else 0
    if reduced:
        gate_basis = (
            f"savings rate {_pct(rate, 4)} below the MSR {_pct(a.msr, 4)}, but a low-revenue {a.track.value} ACO with "
            f"{a.beneficiaries:,} beneficiaries that met the quality standard, in an agreement from "
            f"{year.reduced_savings_from_agreement_year}: shares at half the maximum rate (42 CFR 425.605(h))"
        )
    elif gross >= 0:
        gate_basis = f"savings rate {_pct(rate, 4)} {'meets' if gate else 'is below'} the MSR {_pct(a.msr, 4)} ({a.msr_basis})"
    elif not rules.two_sided:
        gate_basis = f"one-sided: losses are not shared (loss rate {_pct(rate, 4)}, MSR {_pct(a.msr, 4)})"
    else:
        gate_basis = f"loss rate {_pct(-rate, 4)} {'meets' if gate else 'is below'} the MLR {_pct(a.mlr, 4)} ({a.msr_basis})"
    steps.append(("generated savings or losses (first dollar once the gate is met)", generated, gate_basis))
    if gross > 0:
        share_basis = (
            f"{generated if not reduced else gross} x max rate {_pct(max_share)}"
            + (" (half, reduced-savings rule)" if reduced else "")
            + f" x sequestration {seq}"
            + ("" if reduced else f" x quality factor {factor} ({fsr_basis})")
            + f"; capped at {_pct(rules.savings_cap)} of the benchmark = {rule.cap_gain}"
            + (" (the cap binds)" if result.capped else "")
        )
    elif gross < 0 and rules.two_sided:
        share_basis = f"{generated} x {lrate_basis}; loss cap: {cap_basis}" + (" (the cap binds)" if result.capped else "")
    else:
        share_basis = "nothing shared"
    shared = result.provider_pence
    steps.append(("shared savings (+) or losses (-)", shared, share_basis + "; " + " | ".join(result.steps)))
    disaster = 0
    if shared < 0:
        if a.disaster_pence is not None:
            disaster = a.disaster_pence
            dis_basis = f"disaster (EUC) reduction of losses as published: {disaster}"
        else:
            fraction = a.disaster_fraction
            if fraction is None:
                fraction = Decimal(year.phe_months) / 12
                why = f"COVID-19 public health emergency: {year.phe_months} of 12 months"
            else:
                why = "months affected / 12 x share of beneficiaries in affected areas"
            disaster = -to_pence(Decimal(-shared) * fraction)
            dis_basis = f"losses {shared} x {fraction:.6f} ({why}) removed"
        steps.append(("disaster (EUC) reduction of losses", -disaster, dis_basis))
    earned = shared - disaster
    earned_basis = "the shared amount" if shared >= 0 else f"shared losses {shared} - disaster adjustment {disaster} = {earned}"
    if a.period_months != 12:
        full = earned
        earned = to_pence(Decimal(full) * a.period_months / 12)
        steps.append(("six-month performance year pro-rating", earned - full, f"{full} x {a.period_months}/12 (42 CFR 425.609)"))
    steps.append(("earned savings (+) or shared losses owed (-)", earned, earned_basis))
    return MsspOutcome(
        gross_pence=gross,
        savings_rate=rate,
        gate_met=gate,
        generated_pence=generated,
        final_share_rate=fsr,
        loss_rate=lrate,
        reduced_savings=reduced,
        share=result,
        shared_pence=shared,
        loss_cap_pence=None if cap_loss is None else to_pence(cap_loss),
        loss_cap_revenue_unknown=revenue_unknown,
        disaster_pence=disaster,
        earned_pence=earned,
        steps=tuple(steps),
    )


def _score(a: AcoYear) -> Decimal:
    if a.quality_score is None:
        raise ValueError("the quality score is needed (the sharing or loss rate depends on it)")
    return a.quality_score


def _pct(rate: Decimal, places: int = 2) -> str:
    # Display only: a rate, never money.
    return f"{rate * 100:.{places}f}%"


def benchmark_per_capita(contract: Contract, baseline_per_capita: Decimal, year: int | None = None) -> tuple[Decimal, str]:
    """The benchmark per person-year: the contract's, or the baseline year's spend trended.

    Args:
        contract: an ``aco`` contract.
        baseline_per_capita: spend per person-year of ``contract.baseline_year`` (currency units).
        year: the year settled (default ``mssp.performance_year``): the trend runs from the
            baseline year to it.

    Returns:
        (benchmark per person-year, basis).
    """
    terms = mssp_terms(contract)
    if terms.benchmark_per_capita is not None:
        return terms.benchmark_per_capita, f"benchmark per person-year {terms.benchmark_per_capita} as supplied"
    years = (terms.performance_year if year is None else year) - contract.contract.baseline_year
    factor = (ONE + terms.benchmark_trend_percent / 100) ** years
    value = baseline_per_capita * factor
    return value, (
        f"baseline {contract.contract.baseline_year} spend per person-year {baseline_per_capita} x "
        f"(1 + {terms.benchmark_trend_percent}%)^{years} = {value}"
    )


def settle_aco(
    contract: Contract,
    benchmark_pc: Decimal,
    actual_pc: Decimal,
    person_years: Decimal,
) -> tuple[tuple[StatementLine, ...], int]:
    """Settle an ``aco`` contract's performance year on our own data.

    benchmark = benchmark per person-year x person-years; expenditure = actual spend per
    person-year x person-years; then the MSSP rules of the contract's track and year.

    Args:
        contract: a contract with ``form = "aco"`` and an ``[mssp]`` table.
        benchmark_pc: the updated benchmark per person-year (currency units; see
            ``benchmark_per_capita``).
        actual_pc: actual spend per person-year (currency units).
        person_years: assigned beneficiaries' person-years.

    Returns:
        (statement lines of section ``"mssp"``, each with its basis; earned savings (+) or
        shared losses owed (-) in hundredths of the currency unit). Only the last line,
        the earned amount, is payable.

    Raises:
        ContractError: the ``[mssp]`` table is invalid, or the rules need something the
            contract does not give (the message names the key).
    """
    lines, outcome = settle_aco_outcome(contract, benchmark_pc, actual_pc, person_years)
    return lines, outcome.earned_pence


def settle_aco_outcome(
    contract: Contract,
    benchmark_pc: Decimal,
    actual_pc: Decimal,
    person_years: Decimal,
) -> tuple[tuple[StatementLine, ...], MsspOutcome]:
    """``settle_aco`` with the full ``MsspOutcome`` instead of only the earned amount."""
    terms = mssp_terms(contract)
    benchmark = to_pence(benchmark_pc * person_years * 100)
    expenditure = to_pence(actual_pc * person_years * 100)
    if terms.assigned_beneficiaries is not None:
        n, n_basis = terms.assigned_beneficiaries, "mssp.assigned_beneficiaries"
    else:
        # The table is keyed on a head count; whole person-years stand in for it.
        n, n_basis = int(person_years), "whole person-years (mssp.assigned_beneficiaries not given)"
    small = None if terms.small_aco_msr_percent is None else terms.small_aco_msr_percent / 100
    try:
        msr, msr_basis = resolve_msr(terms.track, terms.performance_year, terms.msr_choice, n, published=small)
    except ValueError as e:
        raise ContractError(f"mssp.msr: {e} (mssp.small_aco_msr_percent)") from None
    a = AcoYear(
        track=terms.track,
        performance_year=terms.performance_year,
        benchmark_pence=benchmark,
        expenditure_pence=expenditure,
        msr=msr,
        mlr=msr,
        msr_basis=f"{msr_basis}; beneficiaries from {n_basis}",
        beneficiaries=n,
        quality_score=terms.quality_score,
        met_quality_standard=terms.met_quality_standard,
        met_alternative_standard=terms.met_alternative_standard,
        pay_for_reporting=terms.pay_for_reporting,
        participant_revenue_pence=None if terms.participant_revenue is None else to_pence(terms.participant_revenue * 100),
        low_revenue=terms.low_revenue,
        agreement_start_year=terms.agreement_start_year or contract.contract.start_year,
        disaster_fraction=None if terms.disaster_percent is None else terms.disaster_percent / 100,
        period_months=terms.period_months,
    )
    try:
        outcome = settle_mssp(a)
    except ValueError as e:
        raise ContractError(f"mssp: {e}") from None
    lines = [
        StatementLine("mssp", "benchmark (memo)", benchmark,
                      f"benchmark per person-year {benchmark_pc} x person-years {person_years}"),
        StatementLine("mssp", "expenditure (memo)", expenditure,
                      f"actual spend per person-year {actual_pc} x person-years {person_years}"),
    ]
    *memo, last = outcome.steps
    lines.extend(StatementLine("mssp", f"{item} (memo)", amount, basis) for item, amount, basis in memo)
    lines.append(StatementLine("mssp", last[0], last[1], f"{terms.track.value}, performance year {terms.performance_year}: {last[2]}", payable=True))
    return tuple(lines), outcome

"""The performance element (issue 4.2): metrics, achievement, gateway, withhold or bonus.

Each metric's achievement is (value - lower) / (upper - lower) clipped to [0, 1], so the
direction follows whichever threshold is better, as QOF points do. Weighted achievement
is the weight-sum. A ``gateway`` metric at or beyond its lower threshold (achievement 0)
voids the whole payment. Built-in metrics are computed from the data:

- ``emergency_admissions_per_1000``: emergency admission spells / weighted population x 1000
- ``ae_attendances_per_1000``: A&E attendances / weighted population x 1000
- ``outpatient_attendances_per_1000``: outpatient attendances / weighted population x 1000
- ``extensive_care_contact_rate``: share of the very-high-needs cohort with 4+ community contacts
- ``elective_spend_per_head``: elective spend in pounds / weighted population

Any other id is read from the ``measures`` table for the year.

A crude rate rewards a young population for being young. A rate metric with
``standardise = "age_sex"`` is scored instead on the indirectly standardised ratio, as
NHS statistics publish them (docs/money.md, "Standardised rates"):

    ratio(y) = 100 x O(y) / E(y),   E(y) = sum over cells c of r_b(c) x PY_y(c)
    r_b(c)   = events_b(c) / PY_b(c)

where the cells c are 5-year age bands by sex, b is the baseline year, PY is
person-years (person-months / 12) and O(y) is the events of the year. 100 means as
many events as the provider's own baseline rates predict for this year's population;
the thresholds are set on the ratio (105 -> 95: achievement 0 at 5% above expected, 1 at
5% below). A cell with no baseline person-years expects nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract, Metric
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, ZERO, to_pence
from wholepop.money.statement import MetricResult, PerformancePart
from wholepop.numbers import significant
from wholepop.vocab import RATE_METRICS, BuiltInMetric, Service

__all__ = [
    "BuiltInMetric", "PerformanceResult", "Standardised", "achievement", "metric_value", "performance",
    "standardised_ratio",
]

THOUSAND = Decimal(1000)


def _per_1000(facts: MoneyFacts, year: int, service: Service) -> Decimal | None:
    wp = facts.weighted_population(year)
    return Decimal(facts.events.get((year, service.value), 0)) / wp * THOUSAND if wp else None


def _computed(metric: BuiltInMetric, facts: MoneyFacts, year: int) -> Decimal | None:
    """The formula of each built-in metric (a ``match`` over the enum: one home, every member)."""
    match metric:
        case BuiltInMetric.EMERGENCY_ADMISSIONS_PER_1000:
            return _per_1000(facts, year, Service.EMERGENCY_ADMISSION)
        case BuiltInMetric.AE_ATTENDANCES_PER_1000:
            return _per_1000(facts, year, Service.AE)
        case BuiltInMetric.OUTPATIENT_ATTENDANCES_PER_1000:
            return _per_1000(facts, year, Service.OUTPATIENT)
        case BuiltInMetric.EXTENSIVE_CARE_CONTACT_RATE:
            people, contacted = facts.extensive_care.get(year, (0, 0))
            return Decimal(contacted) / Decimal(people) if people else None
        case BuiltInMetric.ELECTIVE_SPEND_PER_HEAD:
            pence = facts.per_weighted_head(year, (Service.ELECTIVE,))
            return pence / 100 if facts.weighted_population(year) else None
    raise AssertionError(f"no formula for {metric}")  # unreachable while every member has a case


@dataclass(frozen=True)
class Standardised:
    """An indirectly standardised ratio and its parts (``ratio = 100 x observed / expected``)."""

    observed: int | Decimal
    expected: Decimal
    ratio: Decimal | None


HUNDRED = Decimal(100)


def standardised_ratio(facts: MoneyFacts, service: str, year: int, baseline_year: int) -> Standardised:
    """Observed events of ``service`` in ``year`` over those expected from the baseline's
    age-sex rates applied to ``year``'s person-years, times 100 (see the module docstring)."""
    expected = ZERO
    # In key order: Decimal sums round at 28 digits, so the order must not depend on
    # how an engine happened to return the rows.
    for (y, band, sex), py in sorted(facts.age_sex_person_years.items()):
        if y != year:
            continue
        base_py = facts.age_sex_person_years.get((baseline_year, band, sex), ZERO)
        if base_py:
            expected += Decimal(facts.age_sex_events.get((baseline_year, service, band, sex), 0)) / base_py * py
    observed = sum((v for (y, s, _, _), v in facts.age_sex_events.items() if y == year and s == service), 0)
    return Standardised(observed, expected, HUNDRED * Decimal(observed) / expected if expected else None)


def metric_value(
    metric: Metric, facts: MoneyFacts, year: int, baseline_year: int | None = None
) -> tuple[Decimal | None, str]:
    """The metric's value for ``year`` and where it came from (computed, standardised
    against ``baseline_year``, or measures)."""
    if metric.standardise == "age_sex" and baseline_year is not None:
        st = standardised_ratio(facts, RATE_METRICS[metric.id], year, baseline_year)
        return st.ratio, (
            f"age-sex standardised ratio: 100 x observed "
            f"{f'{int(st.observed):,}' if st.observed == int(st.observed) else significant(Decimal(st.observed))}"
            f" / expected {significant(st.expected)} from the {baseline_year} rates by 5-year band and sex"
        )
    if metric.id in set(BuiltInMetric):
        return _computed(BuiltInMetric(metric.id), facts, year), "computed"
    return facts.measures.get((year, metric.id)), "measures"


def achievement(value: Decimal | None, lower: Decimal, upper: Decimal) -> Decimal:
    """Linear between the thresholds, clipped to [0, 1]; no value earns nothing."""
    if value is None:
        return ZERO
    return min(ONE, max(ZERO, (value - lower) / (upper - lower)))


@dataclass(frozen=True)
class PerformanceResult:
    part: PerformancePart
    achievement: Decimal  # weighted achievement (1 when there are no metrics)


def performance(facts: MoneyFacts, contract: Contract, year: int, at_stake_pence: int) -> PerformanceResult:
    """Score every metric and the payment earned out of ``at_stake_pence``."""
    terms = contract.performance
    results = []
    weighted = ZERO
    gateway_failed = False
    for m in terms.metrics:
        value, source = metric_value(m, facts, year, contract.contract.baseline_year)
        a = achievement(value, m.lower, m.upper)
        weighted += m.weight * a
        if m.gateway and a == ZERO:
            gateway_failed = True
        results.append(
            MetricResult(
                id=m.id,
                value=None if value is None else significant(value),
                lower=str(m.lower),
                upper=str(m.upper),
                weight=str(m.weight),
                achievement=significant(a),
                gateway=m.gateway,
                source=source,
            )
        )
    if not terms.metrics:
        weighted = ONE
    payment = 0 if gateway_failed else to_pence(Decimal(at_stake_pence) * weighted)
    part = PerformancePart(
        at_stake_pence=at_stake_pence,
        achievement=significant(weighted),
        payment_pence=payment,
        mode=terms.mode,
        gateway_failed=gateway_failed,
        metrics=tuple(results),
    )
    return PerformanceResult(part=part, achievement=weighted)

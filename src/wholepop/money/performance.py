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
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract, Metric
from wholepop.inputs.contract_checks import BuiltInMetric
from wholepop.inputs.vocab import Service
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, ZERO, to_pence
from wholepop.money.statement import MetricResult, PerformancePart

__all__ = ["BuiltInMetric", "PerformanceResult", "achievement", "metric_value", "performance"]

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


def metric_value(metric: Metric, facts: MoneyFacts, year: int) -> tuple[Decimal | None, str]:
    """The metric's value for ``year`` and where it came from (computed or measures)."""
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
        value, source = metric_value(m, facts, year)
        a = achievement(value, m.lower, m.upper)
        weighted += m.weight * a
        if m.gateway and a == ZERO:
            gateway_failed = True
        results.append(
            MetricResult(
                id=m.id,
                value=None if value is None else f"{value:.4f}",
                lower=str(m.lower),
                upper=str(m.upper),
                weight=str(m.weight),
                achievement=f"{a:.6f}",
                gateway=m.gateway,
                source=source,
            )
        )
    if not terms.metrics:
        weighted = ONE
    payment = 0 if gateway_failed else to_pence(Decimal(at_stake_pence) * weighted)
    part = PerformancePart(
        at_stake_pence=at_stake_pence,
        achievement=f"{weighted:.6f}",
        payment_pence=payment,
        mode=terms.mode,
        gateway_failed=gateway_failed,
        metrics=tuple(results),
    )
    return PerformanceResult(part=part, achievement=weighted)

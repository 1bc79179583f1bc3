"""Need by component (issue 17 item 3): ``need_weighting = "components"``.

NHS England publishes each practice's weighted population per component of the ICB
allocation formula (general and acute, community, mental health, maternity, health
inequalities, prescribing, primary medical) and overall. Under ``supplied`` every budget
line is weighted by the overall weight; under ``components`` each line by its own:

    WP_c(practice, y) = WP(practice, y) x component_c / overall     (the practice's latest year)

where WP is the population stage's weighted population under the overall weight, so a
practice whose patients need more community care than their overall weight says gets
more of the community line and less of another. A line's rate is read from the baseline
under the same component, so each line still funds its baseline spend per (component)
weighted head. Practices without the component weigh as under the overall weight (ratio 1).

The default mapping (``DEFAULT_COMPONENTS``; ``[budget.components]`` overrides a line):
acute lines to general and acute; community, mental health, prescribing and primary
medical to their own; every other line to the overall weight.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from types import MappingProxyType

import ibis

from wholepop.contract.model import Contract
from wholepop.money.pence import D
from wholepop.vocab import ACUTE, NeedWeighting, Service, WeightComponent

__all__ = ["DEFAULT_COMPONENTS", "component_of", "component_ratios"]

DEFAULT_COMPONENTS: Mapping[Service, WeightComponent] = MappingProxyType({
    **dict.fromkeys(ACUTE, WeightComponent.GENERAL_ACUTE),
    Service.COMMUNITY: WeightComponent.COMMUNITY,
    Service.MENTAL_HEALTH: WeightComponent.MENTAL_HEALTH,
    Service.PRESCRIBING: WeightComponent.PRESCRIBING,
    Service.PRIMARY_MEDICAL: WeightComponent.PRIMARY_MEDICAL,
})


def component_of(contract: Contract, service: Service) -> WeightComponent | None:
    """The component a budget line is weighted by, or None when lines are not weighted by component."""
    if contract.budget.need_weighting is not NeedWeighting.COMPONENTS:
        return None
    chosen = contract.budget.components.get(service) or DEFAULT_COMPONENTS.get(service, WeightComponent.OVERALL)
    return None if chosen is WeightComponent.OVERALL else chosen


def component_ratios(weights: ibis.Table) -> dict[tuple[str, str], Decimal]:
    """(practice code, component) -> component / overall weighted population, from each
    practice's latest allocation year with an overall weight (one small query)."""
    w = weights.mutate(y=weights.year.fill_null(0))
    overall = w.filter(w.component == WeightComponent.OVERALL.value)
    latest = overall.group_by("practice_code").agg(y=overall.y.max())
    o = overall.inner_join(latest, ["practice_code", "y"]).select("practice_code", "y", overall=overall.weighted_population)
    parts = w.filter(~w.component.isin([WeightComponent.OVERALL.value, WeightComponent.REGISTERED.value]))
    j = parts.inner_join(o, ["practice_code", "y"])
    rows = j.select("practice_code", "component", value=j.weighted_population, overall=j.overall)
    out = {}
    for r in rows.to_pyarrow().to_pylist():
        overall_wp = D(r["overall"])
        if overall_wp > 0 and r["value"] is not None:
            out[(r["practice_code"], r["component"])] = D(r["value"]) / overall_wp
    return out

"""Costing: spend per person, contract year and service line.

Activity is attributed to the practice a person was counted with on the activity date
(``wholepop.population.spans``), so attributed spend and person-months cover exactly the
same days. Activity outside every counted day is reported by
``wholepop.population.unattributed``; per year, attributed spend over all service lines
plus unattributed spend equals the activity total.
"""

from __future__ import annotations

import ibis

from wholepop.contract.calendar import year_end, year_start
from wholepop.contract.model import Contract
from wholepop.inputs.load import Inputs
from wholepop.population.spans import attribute, counted_spans

__all__ = ["cost", "table_years", "unregistered"]


def table_years(table: ibis.Table) -> tuple[int, ...]:
    """The distinct contract years of a (usually materialised) stage table, ascending."""
    years = table.select("year").distinct().to_pyarrow().column("year").to_pylist()
    return tuple(sorted(int(y) for y in years if y is not None))


def cost(inputs: Inputs, population: ibis.Table, contract: Contract) -> ibis.Table:
    """Attributed spend per person, contract year, service line and practice.

    Only activity on a day the person counts in ``population`` is costed, and only in the
    contract years ``population`` holds. Reads activity (and, through the counted spans,
    registrations, memberships, patients, practices).

    Grain: one row per (patient_id, year, service, practice_code, integration). For nearly
    everyone that is one row per (patient_id, year, service); a person who moved practice
    (or whose practice changed integration) within a year has one row per practice span.

    Returns:
        Table with columns patient_id, year (int64), service, cost_pence (int64), events
        (int64: activity rows), practice_code, hub, integration (of the practice counted
        on the activity date; ``<code>-PROVIDER`` after a late exit).
    """
    years = table_years(population)
    if not years:
        years = (contract.contract.baseline_year,)
    window = (year_start(min(years)), year_end(max(years)))
    att = attribute(inputs.activity, counted_spans(inputs, contract), window)
    if len(years) != max(years) - min(years) + 1:
        # The window covers exactly the years when they run unbroken; otherwise drop the gaps.
        att = att.filter(att.year.isin(years))
    # hub follows from practice_code; as a key it is cheaper than a max() of strings.
    out = att.group_by("patient_id", "year", "service", "practice_code", "hub", "integration").agg(
        cost_pence=att.cost_pence.sum().cast("int64"),
        events=att.count().cast("int64"),
    )
    return out.select(
        "patient_id", out.year.cast("int64").name("year"), "service", "cost_pence", "events",
        "practice_code", "hub", "integration",
    )


def unregistered(inputs: Inputs) -> ibis.Table:
    """Spend on the specified unregistered population, per contract year and service line.

    Grain: one row per (year, service). Columns: year, service, cost_pence (int64).
    """
    u = inputs.unregistered
    return u.group_by("year", "service").agg(cost_pence=u.cost_pence.sum().cast("int64"))

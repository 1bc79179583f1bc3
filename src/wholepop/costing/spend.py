"""Costing: spend per person, contract year and service line.

Activity is attributed to the practice a person was counted with on the activity date
(``wholepop.population.spans``), so attributed spend and person-months cover exactly the
same days. Activity outside every counted day is reported by
``wholepop.population.unattributed``; per year, attributed spend over all service lines
plus unattributed spend equals the activity total.
"""

from __future__ import annotations

import itertools

import ibis
import numpy as np
import pyarrow as pa

from wholepop.contract.model import Contract
from wholepop.inputs.load import Inputs
from wholepop.population.spans import attribute, counted_spans

__all__ = ["cost", "id_ranges", "unregistered"]


def cost(
    inputs: Inputs,
    contract: Contract,
    years,
    spans: ibis.Table | None = None,
    people: tuple[str | None, str | None] | None = None,
) -> ibis.Table:
    """Attributed spend per person, contract year, service line and practice.

    Only activity on a day the person counts in the population (a counted span) is
    costed, and only in ``years``. This is the one place activity is attributed to spans
    in a run: the age_sex need weights (``population.person_months(costs=...)``) and the
    unattributed report (``population.unattributed(costs=...)``) read the result rather
    than attributing the activity again.

    Args:
        inputs: the input layer (reads activity).
        contract: the contract (its membership, baseline and exit rules make the spans).
        years: the contract years to cost.
        spans: ``population.counted_spans(inputs, contract)``, ideally materialised, as
            ``pipeline.build`` does; computed here when not given.
        people: ``(first, stop)``: only people with ``first <= patient_id < stop``
            (None: unbounded), one of the ranges of ``id_ranges``. The ranges partition
            the people, so their costs together are the whole table. For data too large
            to attribute in one pass (``pipeline.build(parts=n)``): the range filter also
            lets Parquet readers skip row groups of other people.

    Grain: one row per (patient_id, year, service, practice_code, integration). For nearly
    everyone that is one row per (patient_id, year, service); a person who moved practice
    (or whose practice changed integration) within a year has one row per practice span.

    One small query runs when this is called: the numbered practice units of the spans
    (``_units``); the rest is returned unexecuted.

    Raises:
        ValueError: ``years`` is empty.

    Returns:
        Table with columns patient_id, year (int64), service, cost_pence (int64), events
        (int64: activity rows), practice_code, hub, integration (of the practice counted
        on the activity date; ``<code>-PROVIDER`` after a late exit).
    """
    if spans is None:
        spans = counted_spans(inputs, contract)
    activity = inputs.activity
    if people is not None:
        activity = activity.filter(_in_range(activity.patient_id, people))
        spans = spans.filter(_in_range(spans.patient_id, people))
    # The practice columns of a span are one of a few hundred (practice_code, hub,
    # integration) units. Grouping the activity by a small integer unit instead of three
    # strings, one year at a time (the year a constant, not a key computed per row), and
    # naming the units after the group-by is what makes this the cheapest step of its
    # size: the group-by over every activity row dominates a settlement's time.
    if not years:
        raise ValueError("costing.cost: no contract years to cost")
    units = _units(spans)
    keyed = spans.mutate(**_unit_key(spans))
    slim = keyed.join(units, list(_UNIT_KEY)).select("patient_id", "from_date", "to_date", "unit")
    per_year = []
    for year in sorted(set(years)):  # a few contract years, not rows
        att = attribute(activity, slim, (year,), extra=("unit",))
        g = att.group_by("patient_id", "service", "unit").agg(
            cost_pence=att.cost_pence.sum().cast("int64"),
            events=att.count().cast("int64"),
        )
        per_year.append(g.mutate(year=ibis.literal(year, type="int64")))
    out = ibis.union(*per_year).join(units.drop(*_UNIT_KEY), "unit")
    return out.select(
        "patient_id", "year", "service", "cost_pence", "events", "practice_code", "hub", "integration",
    )


_UNIT_KEY = ("_unit_code", "_unit_mode")


def _unit_key(spans: ibis.Table) -> dict[str, ibis.StringValue]:
    # A null never equals anything in a join, so a span whose integration is missing
    # (data that skipped validation) would lose its activity; the key spells null as "".
    return {"_unit_code": spans.practice_code.fill_null(""), "_unit_mode": spans.integration.fill_null("")}


def _units(spans: ibis.Table) -> ibis.Table:
    """The distinct (practice_code, integration) of ``spans`` with their hub, numbered.

    A small table (one row per member practice and integration mode), read into memory
    once. The hub follows from the practice code (the registered practice's hub, also
    after a late exit), so taking its max per unit changes nothing. Columns: the join key
    (``_UNIT_KEY``), practice_code, integration, hub, unit (int32).
    """
    keyed = spans.mutate(**_unit_key(spans))
    u = keyed.group_by(*_UNIT_KEY).agg(
        practice_code=keyed.practice_code.max(), integration=keyed.integration.max(), hub=keyed.hub.max()
    ).to_pyarrow()
    u = u.sort_by([(k, "ascending") for k in _UNIT_KEY])
    u = u.append_column("unit", pa.array(np.arange(u.num_rows, dtype=np.int32)))
    return ibis.memtable(u)


def id_ranges(spans: ibis.Table, parts: int) -> list[tuple[str | None, str | None]]:
    """``parts`` ranges of patient_id, ``(first, stop)``, that partition every id (the first
    and last are open-ended) and split the people of ``spans`` into near-equal parts.

    The boundaries are the first id of each ``ntile`` of the distinct ids, computed by
    the engine; only those few ids come back. Fewer ranges when there are fewer people.
    """
    ids = spans.select("patient_id").distinct()
    tiles = ids.mutate(tile=ibis.ntile(parts).over(ibis.window(order_by=ids.patient_id)))
    firsts = tiles.group_by("tile").agg(first=tiles.patient_id.min())
    bounds = sorted(firsts.to_pyarrow().column("first").to_pylist())[1:]
    edges = [None, *bounds, None]
    return list(itertools.pairwise(edges))


def _in_range(patient_id: ibis.StringValue, people: tuple[str | None, str | None]) -> ibis.BooleanValue:
    first, stop = people
    test = ibis.literal(True)
    if first is not None:
        test = test & (patient_id >= first)
    if stop is not None:
        test = test & (patient_id < stop)
    return test


def unregistered(inputs: Inputs) -> ibis.Table:
    """Spend on the specified unregistered population, per contract year and service line.

    Grain: one row per (year, service). Columns: year, service, cost_pence (int64).
    """
    u = inputs.unregistered
    return u.group_by("year", "service").agg(cost_pence=u.cost_pence.sum().cast("int64"))

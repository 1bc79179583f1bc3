"""Need weights: how much more (or less) care a person is expected to need than average.

``contract.budget.need_weighting`` chooses the rule:

* ``none``: every person weighs 1.0.
* ``age_sex``: the weight of an (age band, sex) cell is the baseline year's spend per
  person-month in that cell divided by the baseline spend per person-month overall (all
  service lines, attributed activity only). The weights therefore average exactly 1.0
  over baseline person-months. Cells with no baseline person-months weigh 1.0; if the
  baseline has no attributed spend at all, every cell weighs 1.0. A person's cell is
  their age band in the year being weighted, so people move through the cells as they age.
* ``components``: as ``supplied`` here (the overall weight); the budget then weights
  each line by its own component (``money.components``).
* ``supplied``: NHS England's weighted populations per practice (the ``weights`` table):
  a practice's ``overall`` weighted population over its ``registered`` list, carried by
  every person registered with it.
"""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa

from wholepop.contract.model import Contract
from wholepop.inputs.load import Inputs
from wholepop.population.months import band_from, months_in_span, split_by_year
from wholepop.population.spans import attribute
from wholepop.vocab import NeedWeighting, WeightComponent

__all__ = ["need_weights", "supplied_need_weights"]

# 15 decimal places: the rounding of each span is below a float's own precision.
_EXACT = dt.Decimal(38, 15)


def need_weights(
    inputs: Inputs, contract: Contract, spans: ibis.Table, costs: ibis.Table | None = None
) -> ibis.Table | None:
    """Need weight per (age band, sex) cell, or None when every person weighs 1.0.

    Under ``age_sex`` the baseline spend per cell is summed from ``costs``
    (``costing.cost``) when given, which must then cover the baseline year; otherwise the
    baseline activity is attributed to ``spans`` here. Both give the same cells.

    Returns:
        Table with columns band_from (first age of the 5-year band, see
        ``months.band_from``), sex, need_weight (float64); cells absent from it weigh 1.0.
        Under ``supplied`` the table is per practice instead: practice_code, need_weight.
    """
    rule = contract.budget.need_weighting
    if rule is NeedWeighting.NONE:
        return None
    # components: the population carries the overall weight; money.components scales
    # each budget line by its own component.
    if rule in (NeedWeighting.SUPPLIED, NeedWeighting.COMPONENTS):
        return _supplied_weights(inputs, contract, spans)
    return _age_sex_weights(inputs, contract, spans, costs)


def _supplied_weights(inputs: Inputs, contract: Contract, spans: ibis.Table) -> ibis.Table:
    """Need weight per practice from NHS England's weighted populations (``weights``).

    Returns:
        Table with columns practice_code, need_weight (float64).
    """
    w = supplied_need_weights(inputs.weights)
    return w.select("practice_code", "need_weight")


def supplied_need_weights(weights: ibis.Table) -> ibis.Table:
    """The rule of ``need_weighting = "supplied"``, also read by the budget-only mode.

    A practice's weight is its ``overall`` weighted population divided by its
    ``registered`` population (the list the weights were computed on), from the latest
    allocation year that has both; every person registered with the practice carries it.
    Practices without both components weigh 1.0, as cells without baseline data do under
    ``age_sex``. (``wholepop import nhs-map --weights`` writes the table.)

    Returns:
        Table with columns practice_code, overall, registered (the two components, so a
        caller can keep the ratio exact) and need_weight (float64).
    """
    w = weights.mutate(y=weights.year.fill_null(0))
    per = w.group_by("practice_code", "y").agg(
        overall=w.weighted_population.sum(where=w.component == WeightComponent.OVERALL.value),
        registered=w.weighted_population.sum(where=w.component == WeightComponent.REGISTERED.value),
    )
    per = per.filter(per.overall.notnull() & (per.registered > 0))
    latest = per.group_by("practice_code").agg(y_latest=per.y.max()).rename(lp="practice_code")
    j = per.inner_join(latest, [per.practice_code == latest.lp, per.y == latest.y_latest])
    return j.select(
        practice_code=j.practice_code, overall=j.overall, registered=j.registered,
        need_weight=(j.overall / j.registered).cast("float64"),
    )


def _int_cells(inputs: Inputs, contract: Contract, spans: ibis.Table, costs: ibis.Table | None) -> ibis.Table:
    """Baseline person-months and attributed spend per (band_from, sex) cell."""
    base = contract.contract.baseline_year
    base_lit = ibis.literal(base, type="int64")

    clipped = split_by_year(spans, (base,))
    pm = clipped.select(
        "sex",
        band_from=band_from(ibis.greatest(base_lit - clipped.birth_year, 0)),
        person_months=months_in_span(clipped.from_date, clipped.to_date),
    )
    # Summed as exact decimals: a float sum's last bits depend on how the engine splits
    # the work between threads, and the weights (so every weighted population) must be
    # the same on every run.
    cells_pm = pm.group_by("band_from", "sex").agg(person_months=pm.person_months.cast(_EXACT).sum())

    if costs is None:
        spent = attribute(inputs.activity, spans, (base,))
    else:
        # costs are already attributed (and summed per person and service): only the
        # person's sex and birth year are wanted, from the same table the spans took them.
        people = inputs.patients.select("patient_id", "sex", "birth_year")
        spent = costs.filter(costs.year == base).select("patient_id", "cost_pence").join(people, "patient_id")
    spent = spent.select("sex", "cost_pence", band_from=band_from(ibis.greatest(base_lit - spent.birth_year, 0)))
    cells_spend = spent.group_by("band_from", "sex").agg(spend_pence=spent.cost_pence.sum())
    cells = cells_pm.left_join(cells_spend, ["band_from", "sex"])
    return cells.select("band_from", "sex", "person_months", spend_pence=cells.spend_pence.fill_null(0).cast("int64"))


def _age_sex_weights(inputs: Inputs, contract: Contract, spans: ibis.Table, costs: ibis.Table | None) -> ibis.Table:
    # The cell table is tiny (at most 20 bands x 3 sexes) and is needed twice (each cell
    # and the overall rate): it is computed once here rather than re-scanning the
    # baseline activity for the totals.
    cells = _int_cells(inputs, contract, spans, costs).to_pyarrow().to_pylist()
    all_months = float(sum(c["person_months"] for c in cells))  # exact decimals, in any order
    all_spend = sum(c["spend_pence"] for c in cells)
    weights = []
    for c in cells:  # one loop over <= 60 cells, not over people
        if all_spend > 0 and c["person_months"] > 0:
            weights.append((c["spend_pence"] / float(c["person_months"])) / (all_spend / all_months))
        else:
            weights.append(1.0)
    return ibis.memtable(
        pa.table(
            {
                "band_from": pa.array([c["band_from"] for c in cells], pa.int64()),
                "sex": pa.array([c["sex"] for c in cells], pa.string()),
                "need_weight": pa.array(weights, pa.float64()),
            }
        )
    )

"""The population stage: person-months, need weights and unattributed activity.

``person_months`` is the stage's output table; ``unattributed`` reports the activity that
falls outside every counted span, so that no spend is silently dropped.
"""

from __future__ import annotations

import ibis

from wholepop.contract.calendar import financial_year
from wholepop.contract.model import Contract
from wholepop.inputs.load import Inputs
from wholepop.population.months import band_from, band_label, months_in_span, split_by_year
from wholepop.population.spans import attribute, counted_spans, dated_in, fy_of
from wholepop.population.weights import need_weights
from wholepop.vocab import NeedWeighting

__all__ = ["data_years", "person_months", "table_years", "unattributed"]


def data_years(inputs: Inputs, contract: Contract) -> tuple[int, ...]:
    """The baseline year plus every contract year that has started by the end of the data.

    The data ends at the last activity date (or, without activity, the last registration
    date given).
    """
    b = inputs.backend
    last = b.to_pyarrow(inputs.activity.date.max()).as_py()
    if last is None:
        r = inputs.registrations
        ends = [b.to_pyarrow(r.from_date.max()).as_py(), b.to_pyarrow(r.to_date.max()).as_py()]
        ends = [e for e in ends if e is not None]
        last = max(ends) if ends else None
    base = contract.contract.baseline_year
    if last is None:
        return (base,)
    upto = financial_year(last)
    return (base,) + tuple(y for y in contract.contract.years if y <= upto)


def table_years(table: ibis.Table) -> tuple[int, ...]:
    """The distinct contract years of a (usually materialised) stage table, ascending."""
    years = table.select("year").distinct().to_pyarrow().column("year").to_pylist()
    return tuple(sorted(int(y) for y in years if y is not None))


def _int_person_months(spans: ibis.Table, years: tuple[int, ...]) -> ibis.Table:
    clipped = split_by_year(spans, years)
    clipped = clipped.mutate(person_months=months_in_span(clipped.from_date, clipped.to_date))
    # hub, sex and birth_year follow from the other keys; as keys they cost less than a
    # max() of each (strings especially) and do not change the groups.
    j = clipped.group_by("patient_id", "practice_code", "year", "integration", "hub", "sex", "birth_year").agg(
        person_months=clipped.person_months.sum(),
    )
    age = ibis.greatest(j.year - j.birth_year, 0).cast("int64")
    return j.select(
        "patient_id", "practice_code", "hub", "year", "integration", "sex",
        band_from=band_from(age), age=age, person_months=j.person_months,
    )


def person_months(
    inputs: Inputs,
    contract: Contract,
    years: tuple[int, ...] | None = None,
    *,
    spans: ibis.Table | None = None,
    costs: ibis.Table | None = None,
) -> ibis.Table:
    """Person-months and need-weighted population per person, practice and contract year.

    Grain: one row per (patient_id, practice_code, year, integration).
    Reads: registrations, memberships, patients, practices (through the spans, unless
    given); activity for the ``age_sex`` need weights (baseline year; ``costs`` instead
    when given) and, when ``years`` is None, to find which years have data.

    Args:
        inputs: the input layer.
        contract: the contract (start, baseline and term years; need weighting).
        years: contract years to count; None means the baseline year plus every contract
            year for which data exists (see ``data_years``).
        spans: ``counted_spans(inputs, contract)`` already built (and materialised), as
            ``pipeline.build`` shares them with costing; built here when not given.
        costs: ``costing.cost`` covering the baseline year. Under ``age_sex`` the
            baseline spend per cell is then summed from it instead of attributing the
            baseline activity again; the weights are the same either way.

    Returns:
        Table with columns patient_id (string), practice_code (``<code>-PROVIDER`` for
        patients kept after a late exit, see ``spans``), hub, year (int64), integration,
        sex, age_band ('0_4' ... '95+'), age (``year - birth_year``, at least 0),
        person_months (float64: calendar months registered, partial months by days),
        need_weight (float64) and weighted_population (person_months / 12 x need_weight).

    Two small queries run when this is called: the last activity date (only when
    ``years`` is None) and, under ``age_sex``, the table of baseline cells (at most 60
    rows), computed once rather than re-scanning the baseline activity for its totals.
    Under ``age_sex``, spans built here are also materialised (``.cache()``), since the
    weights and the returned rows all read them. Everything else is returned unexecuted.
    """
    years = tuple(sorted(set(years))) if years is not None else data_years(inputs, contract)
    if spans is None:
        spans = counted_spans(inputs, contract)
        if contract.budget.need_weighting is NeedWeighting.AGE_SEX:
            # The age_sex weights read the spans twice (baseline person-months and
            # attributed spend) and the returned rows read them again.
            spans = spans.cache()
    rows = _int_person_months(spans, years)
    weights = need_weights(inputs, contract, spans, costs)
    if weights is None:
        rows = rows.mutate(need_weight=ibis.literal(1.0, type="float64"))
    else:
        # .view() ends the join chain ``rows`` was built in: Ibis 12 cannot use a column
        # computed inside one join chain as a key of the next join.
        rows = rows.view()
        if "practice_code" in weights.columns:
            # need_weighting = "supplied": one weight per practice (see weights._supplied_weights).
            w = weights.rename(w_practice="practice_code")
            rows = rows.left_join(w, rows.practice_code == w.w_practice).drop("w_practice")
        else:
            w = weights.rename(w_band="band_from", w_sex="sex")
            rows = rows.left_join(w, [rows.band_from == w.w_band, rows.sex == w.w_sex]).drop("w_band", "w_sex")
        rows = rows.mutate(need_weight=rows.need_weight.fill_null(1.0))
    return rows.select(
        "patient_id", "practice_code", "hub", "year", "integration", "sex",
        age_band=band_label(rows.band_from), age=rows.age, person_months=rows.person_months,
        need_weight=rows.need_weight,
        weighted_population=rows.person_months / 12.0 * rows.need_weight,
    )


def unattributed(
    inputs: Inputs,
    contract: Contract,
    years: tuple[int, ...] | None = None,
    *,
    costs: ibis.Table | None = None,
) -> ibis.Table:
    """Activity dated outside every counted span of its person, per year and service line.

    That is activity before or after registration, after death, at a practice that is not
    a member that day, or of a person not in ``patients``. Reported, never dropped.

    Args:
        inputs: the input layer.
        contract: the contract.
        years: only these contract years (default: every year the activity covers; with
            ``costs``, the years ``costs`` holds).
        costs: ``costing.cost`` of (at least) ``years``: what was attributed is then read
            from it, and the activity is only totalled, not attributed again.

    Grain: one row per (year, service) with unattributed activity.
    Returns: columns year (contract year of the activity date), service, rows (int64),
    cost_pence (int64).
    """
    a = inputs.activity
    if costs is not None and years is None:
        years = table_years(costs)
    if years is not None:
        a = a.filter(dated_in(a.date, years))
    total = a.group_by(year=fy_of(a.date), service=a.service).agg(
        rows=a.count(), cost_pence=a.cost_pence.sum()
    )
    if costs is None:
        att = attribute(a, counted_spans(inputs, contract), years)
        got = att.group_by("year", "service").agg(att_rows=att.count(), att_cost=att.cost_pence.sum())
    else:
        c = costs.filter(costs.year.isin(list(years)))
        got = c.group_by("year", "service").agg(att_rows=c.events.sum(), att_cost=c.cost_pence.sum())
    j = total.left_join(got, ["year", "service"])
    out = j.select(
        year=j.year,
        service=j.service,
        rows=(j.rows - j.att_rows.fill_null(0)).cast("int64"),
        cost_pence=(j.cost_pence - j.att_cost.fill_null(0)).cast("int64"),
    )
    return out.filter(out.rows > 0)

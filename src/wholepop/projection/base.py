"""The projection's starting point: the baseline year reduced to cells, once, by Ibis.

Everything after this module is numpy over cells, not patients: a cell is an (age band,
sex, care-model level) triple, 20 x 3 x 4 = 240 cells, each with its spend on the 15
service lines. That is what lets 10,000 Monte Carlo runs of 15 years fit in seconds.

Grain of the arrays (axis order): band (``AGE_BANDS``), sex (``SEXES``), level
(``LEVELS`` = ``vocab.Segment`` order), service (``SERVICES`` = ``vocab.Service`` order).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

import ibis
import numpy as np

from wholepop.money.facts import MoneyFacts
from wholepop.projection.demography import AGE_BANDS, SEXES
from wholepop.vocab import BuiltInMetric, Segment, Service

__all__ = ["LEVELS", "SERVICES", "ProjectionBase", "base_from_run", "facts_of_year", "projection_base", "segment_years"]

LEVELS: tuple[Segment, ...] = tuple(Segment)
SERVICES: tuple[Service, ...] = tuple(Service)


@dataclass(frozen=True, eq=False)
class ProjectionBase:
    """People, weighted population and spend by cell in the base year.

    Attributes:
        year: the base year (the contract's baseline year).
        people: ``(20, 3, 4)`` person-years (person-months / 12) per cell.
        weighted: ``(20, 3, 4)`` need-weighted population per cell.
        heads: ``(20, 3, 4)`` distinct people counted in the cell.
        spend: ``(20, 3, 4, 15)`` attributed spend in pence per cell and service line.
        events: ``(20, 3, 4, 15)`` activity rows per cell and service line.
        cross: ``(20, 3, 4, 15, 15)`` sum over the cell's people of spend on line i times
            spend on line j (pence squared): the second moments behind the noise model.
        facts: the baseline year's ``MoneyFacts`` (practices, spend by integration,
            unregistered spend), as the money stage reduces them.
        monthly: ``(12, 15)`` spend by month of the year (April first) and service line
            in the base year, pence (None: spend spread evenly over the months).
        practice_people: practice code -> ``(20, 3)`` person-years by band and sex in the
            base year (None: not reduced; supplied weights then age at the area's rate).
    """

    year: int
    people: np.ndarray
    weighted: np.ndarray
    heads: np.ndarray
    spend: np.ndarray
    events: np.ndarray
    cross: np.ndarray
    facts: MoneyFacts
    monthly: np.ndarray | None = None
    practice_people: Mapping[str, np.ndarray] | None = None

    def monthly_profile(self, lines) -> np.ndarray:
        """``(12,)`` each month's share of the base year's spend on ``lines`` (even when unknown)."""
        if self.monthly is None:
            return np.full(12, 1.0 / 12.0)
        keep = np.array([s in set(lines) for s in SERVICES])
        by_month = self.monthly[:, keep].sum(axis=1) if keep.any() else self.monthly.sum(axis=1)
        total = by_month.sum()
        return by_month / total if total > 0 else np.full(12, 1.0 / 12.0)

    def covariance(self) -> np.ndarray:
        """Covariance of spend per person between service lines, per cell (pence squared).

        ``(20, 3, 4, 15, 15)``; zero in cells without people.
        """
        heads = np.where(self.heads > 0, self.heads, 1.0)[..., None, None]
        mean = (self.spend / heads[..., 0])[..., :, None]
        cov = self.cross / heads - mean * np.swapaxes(mean, -1, -2)
        return np.where(self.heads[..., None, None] > 0, cov, 0.0)

    def gamma_shape(self) -> np.ndarray:
        """Over-dispersion of total spend per person, per cell: mean squared / variance.

        ``(20, 3, 4)``; a small shape means a few people carry most of the spend (a
        Poisson-gamma mixture's heterogeneity). Infinite where the variance is zero.
        """
        heads = np.where(self.heads > 0, self.heads, 1.0)
        mean = self.spend.sum(axis=-1) / heads
        var = self.covariance().sum(axis=(-1, -2))
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(var > 0, mean**2 / np.where(var > 0, var, 1.0), np.inf)


def _frame(expr: ibis.Table) -> dict[str, np.ndarray]:
    table = expr.to_pyarrow()
    return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}


def _cell_index(frame: dict[str, np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    bands = {b: i for i, b in enumerate(AGE_BANDS)}
    sexes = {s.value: i for i, s in enumerate(SEXES)}
    levels = {g.value: i for i, g in enumerate(LEVELS)}
    a = np.array([bands[b] for b in frame["age_band"]], dtype=np.int64)
    x = np.array([sexes[s] for s in frame["sex"]], dtype=np.int64)
    g = np.array([levels[s] for s in frame["segment"]], dtype=np.int64)
    return a, x, g


def projection_base(
    population: ibis.Table, costs: ibis.Table, segments: ibis.Table | None, facts: MoneyFacts, year: int
) -> ProjectionBase:
    """Reduce the patient-level tables of ``year`` to cells.

    Args:
        population: ``population.person_months`` (patient x practice x year x integration;
            reads patient_id, year, sex, age_band, person_months, weighted_population).
        costs: ``costing.cost`` (patient x year x service; reads patient_id, year,
            service, cost_pence, events).
        segments: ``segments.segment`` (patient x year; reads patient_id, year, segment);
            None puts everyone in ``staying_well``. People without a segment row too.
        facts: the baseline ``MoneyFacts`` (``Run.facts((year,))``).
        year: the base year.

    Returns:
        A ``ProjectionBase``. Costs of people not counted in ``year``'s population are
        left out of the cells (the money facts keep them).
    """
    pop = population.filter(population.year == year)
    persons = pop.group_by("patient_id").agg(
        sex=pop.sex.max(),
        age_band=pop.age_band.max(),
        person_months=pop.person_months.sum(),
        weighted_population=pop.weighted_population.sum(),
    )
    if segments is not None:
        seg = segments.filter(segments.year == year).select(seg_id="patient_id", seg_level="segment")
        joined = persons.left_join(seg, persons.patient_id == seg.seg_id)
        persons = joined.select(
            "patient_id", "sex", "age_band", "person_months", "weighted_population",
            segment=joined.seg_level.fill_null(Segment.STAYING_WELL.value),
        )
    else:
        persons = persons.mutate(segment=ibis.literal(Segment.STAYING_WELL.value))
    cells = persons.group_by("age_band", "sex", "segment").agg(
        people=(persons.person_months.sum() / 12.0),
        weighted=persons.weighted_population.sum(),
        heads=persons.count(),
    )

    c = costs.filter(costs.year == year)
    per_person = c.group_by("patient_id").agg(
        **{f"x{i}": c.cost_pence.cast("float64").sum(where=c.service == s.value) for i, s in enumerate(SERVICES)},
        **{f"e{i}": c.events.cast("float64").sum(where=c.service == s.value) for i, s in enumerate(SERVICES)},
    )
    per_person = per_person.mutate(
        **{f"x{i}": per_person[f"x{i}"].fill_null(0.0) for i in range(len(SERVICES))},
        **{f"e{i}": per_person[f"e{i}"].fill_null(0.0) for i in range(len(SERVICES))},
    )
    who = persons.select(p_id="patient_id", p_sex="sex", p_band="age_band", p_level="segment")
    j = per_person.join(who, per_person.patient_id == who.p_id)
    n = len(SERVICES)
    pairs = [(i, k) for i in range(n) for k in range(i, n)]
    spend_cells = j.group_by(age_band=j.p_band, sex=j.p_sex, segment=j.p_level).agg(
        **{f"x{i}": j[f"x{i}"].sum() for i in range(n)},
        **{f"e{i}": j[f"e{i}"].sum() for i in range(n)},
        **{f"c{i}_{k}": (j[f"x{i}"] * j[f"x{k}"]).sum() for i, k in pairs},
    )

    shape = (len(AGE_BANDS), len(SEXES), len(LEVELS))
    people = np.zeros(shape)
    weighted = np.zeros(shape)
    heads = np.zeros(shape)
    f = _frame(cells)
    if len(f["sex"]):
        a, x, g = _cell_index(f)
        np.add.at(people, (a, x, g), f["people"].astype(float))
        np.add.at(weighted, (a, x, g), f["weighted"].astype(float))
        np.add.at(heads, (a, x, g), f["heads"].astype(float))
    spend = np.zeros(shape + (n,))
    events = np.zeros(shape + (n,))
    cross = np.zeros(shape + (n, n))
    f = _frame(spend_cells)
    if len(f["sex"]):
        a, x, g = _cell_index(f)
        for i in range(n):  # 15 service lines
            spend[a, x, g, i] = f[f"x{i}"].astype(float)
            events[a, x, g, i] = f[f"e{i}"].astype(float)
        for i, k in pairs:
            cross[a, x, g, i, k] = f[f"c{i}_{k}"].astype(float)
            cross[a, x, g, k, i] = f[f"c{i}_{k}"].astype(float)
    return ProjectionBase(year, people, weighted, heads, spend, events, cross, facts)


def monthly_spend(activity: ibis.Table, year: int) -> np.ndarray:
    """``(12, 15)`` spend by month (April = 0) and service line of the contract year ``year`` (Ibis)."""
    a = activity.filter((activity.date >= ibis.date(year, 4, 1)) & (activity.date <= ibis.date(year + 1, 3, 31)))
    month = (a.date.month() + 8) % 12  # April -> 0 ... March -> 11
    by = a.group_by(m=month, service=a.service).agg(cost=a.cost_pence.cast("float64").sum())
    f = _frame(by)
    out = np.zeros((12, len(SERVICES)))
    index = {s.value: i for i, s in enumerate(SERVICES)}
    for m, s, c in zip(f["m"], f["service"], f["cost"]):  # at most 12 x 15 rows
        if s in index:
            out[int(m), index[s]] += float(c)
    return out


def practice_people(population: ibis.Table, year: int) -> dict[str, np.ndarray]:
    """Practice code -> ``(20, 3)`` person-years by band and sex in ``year`` (Ibis; one row per practice cell)."""
    pop = population.filter(population.year == year)
    cells = pop.group_by("practice_code", "age_band", "sex").agg(people=pop.person_months.sum() / 12.0)
    f = _frame(cells)
    out: dict[str, np.ndarray] = {}
    if not len(f["sex"]):
        return out
    bands = {b: i for i, b in enumerate(AGE_BANDS)}
    sexes = {s.value: i for i, s in enumerate(SEXES)}
    codes, which = np.unique(f["practice_code"].astype(str), return_inverse=True)
    grid = np.zeros((len(codes), len(AGE_BANDS), len(SEXES)))
    a = np.array([bands[b] for b in f["age_band"]], dtype=np.int64)
    x = np.array([sexes[s] for s in f["sex"]], dtype=np.int64)
    np.add.at(grid, (which, a, x), f["people"].astype(float))
    return {str(c): grid[i] for i, c in enumerate(codes)}


def segment_years(contract) -> tuple[int, ...] | None:
    """The years whose care-model segments a projection reads (``pipeline.build(segmented=...)``).

    The cells read the baseline year's segments. The money of a settled year reads
    segments only for the extensive-care contact rate (``money.facts.gather_facts``), so
    unless the contract scores it the other years' segments are not built. None: every
    year's.
    """
    if any(m.id == BuiltInMetric.EXTENSIVE_CARE_CONTACT_RATE.value for m in contract.performance.metrics):
        return None
    return (contract.contract.baseline_year,)


def facts_of_year(facts: MoneyFacts, year: int) -> MoneyFacts:
    """``facts`` of ``year`` alone: what ``Run.facts((year,))`` gathers, taken from facts
    already gathered for several years (each fact is keyed by its year; the component
    ratios are not, and are kept)."""
    return replace(
        facts,
        practices=tuple(p for p in facts.practices if p.year == year),
        spend={k: v for k, v in facts.spend.items() if k[0] == year},
        events={k: v for k, v in facts.events.items() if k[0] == year},
        unregistered={k: v for k, v in facts.unregistered.items() if k[0] == year},
        measures={k: v for k, v in facts.measures.items() if k[0] == year},
        extensive_care={k: v for k, v in facts.extensive_care.items() if k == year},
        age_sex_events={k: v for k, v in facts.age_sex_events.items() if k[0] == year},
        age_sex_person_years={k: v for k, v in facts.age_sex_person_years.items() if k[0] == year},
    )


def base_from_run(run, year: int | None = None, facts: MoneyFacts | None = None) -> ProjectionBase:
    """The ``ProjectionBase`` of a prepared pipeline ``Run`` (default: its baseline year).

    ``facts``: the run's money facts when already gathered for years that include
    ``year`` (``Run.facts``), so they are not gathered again; default: gathered here.

    Raises:
        UserError: the data holds no registered population in that year.
    """
    from wholepop.errors import UserError

    year = run.contract.contract.baseline_year if year is None else year
    facts = run.facts((year,)) if facts is None else facts_of_year(facts, year)
    if not any(p.year == year for p in facts.practices):
        raise UserError(f"the data holds no registered population in the baseline year {year}; the projection starts there")
    base = projection_base(run.population, run.costs, run.segments, facts, year)
    return replace(base, monthly=monthly_spend(run.inputs.activity, year),
                   practice_people=practice_people(run.population, year))

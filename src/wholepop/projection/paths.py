"""Mean paths: people, spend and lever effects per projected year, over cells, in numpy.

The deterministic projection and every Monte Carlo run read the same ``Paths``:

- people by band and sex from ``demography`` (the same in every run);
- people per cell = people by band and sex x the base year's care-level mix of that band
  and sex (a cohort ageing into an older band takes that band's mix);
- spend without levers per cell and line = people x base spend per person x trend, where
  trend = (1 + rate of the line) ^ (years after the base);
- each lever's change in spend per line at effect 1 (``unit``), so spend with levers is
  ``spend0 + sum(effect x unit)``: linear in the effects, which is what makes a Monte
  Carlo run a few array operations. Lever effects add (they do not compound); the
  scenario keeps the highs on any one line at most 1.

Spend is calibrated to the money stage: each line is scaled by the ratio of the baseline
``MoneyFacts`` spend to the cells' spend (1 when they agree, as they do when every cost
row belongs to a counted person).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from wholepop.projection.base import LEVELS, SERVICES, ProjectionBase
from wholepop.projection.demography import age_one_year, mortality_rates
from wholepop.projection.scenario import Lever, Scenario
from wholepop.vocab import Segment

__all__ = ["Paths", "age_sex_cost_weights", "ageing_index", "build_paths", "ramp", "supplied_weighted"]


@dataclass(frozen=True, eq=False)
class Paths:
    """Mean paths over the projected years (axis 0 of every array is ``years``).

    Attributes:
        base_year: the year the paths start from (not in ``years``).
        years: projected years, base_year + 1 onwards.
        people: ``(T, 20, 3)`` people by band and sex.
        cell_people: ``(T, 20, 3, 4)`` people per cell without levers.
        weighted: ``(T,)`` need-weighted population.
        weighted_base: the base year's weighted population (cells).
        people_base: the base year's people (cells).
        levels: ``(T, 4)`` people per care level without levers.
        level_unit: ``(L, T, 4)`` change in people per care level at effect 1.
        spend0: ``(T, 15)`` spend without levers, pence (central trend).
        unit: ``(L, T, 15)`` change in spend at effect 1, pence (central trend).
        lever_cost: ``(T, L)`` lever costs, pence.
        covariance: ``(T, 15, 15)`` variance-covariance of the year's spend between
            lines from person-level heterogeneity (pence squared): the noise model.
        trend: ``(15,)`` central trend rates; ``trend_sd`` the same for their uncertainty.
        low, high: ``(L,)`` lever effect ranges; ``mid`` their midpoints.
        practice_growth: practice code -> ``(T,)`` growth of its weighted population from
            the base year (under supplied weights: its own list aged, ``supplied_weighted``
            per practice); empty when every practice grows as the whole list does.
    """

    base_year: int
    years: tuple[int, ...]
    people: np.ndarray
    cell_people: np.ndarray
    weighted: np.ndarray
    weighted_base: float
    people_base: float
    levels: np.ndarray
    level_unit: np.ndarray
    spend0: np.ndarray
    unit: np.ndarray
    lever_cost: np.ndarray
    covariance: np.ndarray
    trend: np.ndarray
    trend_sd: np.ndarray
    low: np.ndarray
    high: np.ndarray
    practice_growth: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def mid(self) -> np.ndarray:
        return (self.low + self.high) / 2.0

    def spend(self, effects: np.ndarray) -> np.ndarray:
        """``(T, 15)`` spend with levers at ``effects`` (``(L,)``), central trend."""
        return self.spend0 + np.einsum("l,lts->ts", effects, self.unit)

    def index(self, year: int) -> int:
        return self.years.index(year)


def ramp(lever: Lever, years: tuple[int, ...], first_contract_year: int) -> np.ndarray:
    """Share of the lever's full effect (and cost) in each year: linear over ``ramp_years``."""
    start = lever.start_year if lever.start_year is not None else first_contract_year
    y = np.asarray(years, dtype=float)
    steps = max(lever.ramp_years, 1)
    return np.clip((y - start + 1.0) / steps, 0.0, 1.0)


def _by_band(values: np.ndarray, people: np.ndarray) -> np.ndarray:
    """Per-person values per (band, sex, ...) cell; cells of a sex with nobody take the band's pooled value."""
    extra = values.ndim - people.ndim
    p = people.reshape(people.shape + (1,) * extra)
    with np.errstate(divide="ignore", invalid="ignore"):
        own = np.where(p > 0, values / np.where(p > 0, p, 1.0), 0.0)
        pooled_p = p.sum(axis=1, keepdims=True)
        pooled = np.where(pooled_p > 0, values.sum(axis=1, keepdims=True) / np.where(pooled_p > 0, pooled_p, 1.0), 0.0)
    return np.where(p > 0, own, np.broadcast_to(pooled, own.shape))


def _level_mix(base: ProjectionBase) -> np.ndarray:
    """``(20, 3, 4)`` share of each band and sex's people in each care level."""
    mix = _by_band(base.people, base.people.sum(axis=2))
    empty = mix.sum(axis=2) == 0
    mix[empty, LEVELS.index(Segment.STAYING_WELL)] = 1.0
    return mix


def _onset(mix: np.ndarray, into: Segment) -> np.ndarray:
    """Yearly onset hazard into ``into`` (or a more severe level) by band and sex.

    From the base year's cross-section: the rise in the share at ``into`` or worse from
    one band to the next, spread over the band's five years, among those not yet there.
    """
    worse = mix[..., : LEVELS.index(into) + 1].sum(axis=2)
    rise = np.maximum(np.diff(worse, axis=0), 0.0) / 5.0
    rise = np.concatenate([rise, rise[-1:]], axis=0)  # the open band keeps the last hazard
    at_risk = np.maximum(1.0 - worse, 1e-12)
    return np.minimum(rise / at_risk, 1.0)


def age_sex_cost_weights(base: ProjectionBase) -> np.ndarray:
    """``(20, 3)`` the engine's age-sex cost weights from the base cells.

    As ``population.weights`` computes them under ``need_weighting = "age_sex"``: a band
    and sex's base spend per person-year over the base spend per person-year overall
    (1.0 where a cell has nobody, or nobody spent anything).
    """
    people = base.people.sum(axis=2)
    spend = base.spend.sum(axis=(2, 3))
    total_people, total_spend = people.sum(), spend.sum()
    if total_people <= 0 or total_spend <= 0:
        return np.ones_like(people)
    overall = total_spend / total_people
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(people > 0, spend / np.where(people > 0, people, 1.0) / overall, 1.0)


def ageing_index(people: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Age-sex cost index of each year's mix: sum(people x weight) / sum(people), over (band, sex).

    ``people`` is ``(..., 20, 3)``; the result drops the last two axes.
    """
    total = people.sum(axis=(-1, -2))
    return np.where(total > 0, (people * weights).sum(axis=(-1, -2)) / np.where(total > 0, total, 1.0), 1.0)


def supplied_weighted(weighted_base: float, people_base: np.ndarray, people: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Weighted population under supplied weights, aged: the list's growth x the mix's cost index.

    projected weighted population = supplied weighted population of the base year
        x (people in the year / people in the base year)
        x (age-sex cost index of the year's mix / the same index of the base mix).

    NHS England's weighted populations are totals per practice, fixed at the base year;
    this funds the ageing of the list the way an allocation would, with the engine's own
    age-sex cost weights (``age_sex_cost_weights``).
    """
    n0 = people_base.sum()
    if n0 <= 0:
        return np.full(people.shape[0], weighted_base)
    size = people.sum(axis=(-1, -2)) / n0
    return weighted_base * size * ageing_index(people, weights) / ageing_index(people_base, weights)


def _practice_weighted(base: ProjectionBase) -> dict[str, float]:
    """Practice code -> weighted population in the base year (``MoneyFacts``, summed over integrations)."""
    out: dict[str, float] = {}
    for p in base.facts.practices:
        if p.year == base.year:
            out[p.practice_code] = out.get(p.practice_code, 0.0) + float(p.weighted_population)
    return out


def _practice_growth(base: ProjectionBase, change, q: np.ndarray, n_years: int, weights: np.ndarray) -> dict[str, np.ndarray]:
    """Practice code -> ``(T,)`` weighted-population growth from the base year of its own list, aged.

    Each practice's people by band and sex are aged by ``demography`` like the whole list
    (the steps are linear, so the practices add up to it); its growth is
    ``supplied_weighted`` of a weight of 1.
    """
    out = {}
    for code, start in base.practice_people.items():  # a few dozen practices, not patients
        now = start
        years = np.empty((n_years,) + start.shape)
        for t in range(n_years):  # contract years
            now = age_one_year(now, change, q).end
            years[t] = now
        out[code] = supplied_weighted(1.0, start, years, weights)
    return out


def build_paths(
    base: ProjectionBase, scenario: Scenario, last_year: int, first_contract_year: int, need_weighting=None
) -> Paths:
    """Project the base forward to ``last_year`` under ``scenario`` (central values).

    Args:
        base: the base year's cells.
        scenario: population change, trend and levers.
        last_year: the last projected year (the horizon's end).
        first_contract_year: levers start here unless they name a ``start_year``.
        need_weighting: the contract's ``budget.need_weighting``. Under ``age_sex`` (and
            ``none``) each band and sex keeps its base weight per person, so ageing moves
            the weighted population; under ``supplied`` (fixed per practice) the weighted
            population is aged by ``supplied_weighted``.
    """
    years = tuple(range(base.year + 1, last_year + 1))
    n_years = len(years)
    change = scenario.population
    q = mortality_rates(float(change.mortality_scale))
    people = np.empty((n_years,) + base.people.shape[:2])
    now = base.people.sum(axis=2)
    for t in range(n_years):  # contract years, not patients
        now = age_one_year(now, change, q).end
        people[t] = now
    mix = _level_mix(base)
    cell_people = people[..., None] * mix[None]
    bx = base.people.sum(axis=2)
    wpp = _by_band(base.weighted.sum(axis=2), bx)
    overall = base.weighted.sum() / base.people.sum() if base.people.sum() > 0 else 1.0
    wpp = np.where((wpp == 0) & (bx.sum(axis=1, keepdims=True) == 0), overall, wpp)
    weighted = np.einsum("tax,ax->t", people, wpp)
    practice_growth: dict[str, np.ndarray] = {}
    if need_weighting is not None and str(getattr(need_weighting, "value", need_weighting)) not in ("age_sex", "none"):
        w = age_sex_cost_weights(base)
        weighted = supplied_weighted(float(base.weighted.sum()), bx, people, w)
        if base.practice_people:
            practice_growth = _practice_growth(base, change, q, n_years, w)
            wp0 = _practice_weighted(base)
            known = [c for c in wp0 if c in practice_growth]
            total0 = sum(wp0[c] for c in known)
            if total0 > 0:
                # The list's weighted population is the sum of its practices', each aged on its own.
                weighted = float(base.weighted.sum()) * sum(wp0[c] * practice_growth[c] for c in known) / total0

    # Spend per person per cell; a sex with nobody in a band takes the band's pooled level values.
    spp = _by_band(base.spend, base.people)
    cov = _by_band(base.covariance() * base.heads[..., None, None], base.people)
    facts_spend = np.array([float(base.facts.spend_on(base.year, (s,))) for s in SERVICES])
    cell_spend = base.spend.sum(axis=(0, 1, 2))
    calibration = np.where(cell_spend > 0, facts_spend / np.where(cell_spend > 0, cell_spend, 1.0), 1.0)
    spp = spp * calibration
    cov = cov * calibration[:, None] * calibration[None, :]

    trend = np.array([float(scenario.trend.rate_for(s)) for s in SERVICES])
    trend_sd = np.full(len(SERVICES), float(scenario.trend.sd))
    steps = np.asarray(years, dtype=float) - base.year
    growth = (1.0 + trend)[None, :] ** steps[:, None]  # (T, S)
    cell_spend0 = cell_people[..., None] * spp[None] * growth[:, None, None, None, :]
    spend0 = cell_spend0.sum(axis=(1, 2, 3))
    covariance = np.einsum("taxg,axgij->tij", cell_people, cov) * growth[:, :, None] * growth[:, None, :]

    n_levers = len(scenario.levers)
    unit = np.zeros((n_levers, n_years, len(SERVICES)))
    level_unit = np.zeros((n_levers, n_years, len(LEVELS)))
    lever_cost = np.zeros((n_years, n_levers))
    for li, lever in enumerate(scenario.levers):  # a handful of levers
        r = ramp(lever, years, first_contract_year)
        cohort = np.array([g in lever.cohort for g in LEVELS]) if lever.cohort else np.ones(len(LEVELS), bool)
        services = np.array([s in lever.services for s in SERVICES])
        cohort_people = cell_people[..., cohort].sum(axis=(1, 2, 3))
        lever_cost[:, li] = r * (float(lever.cost_per_person) * cohort_people + float(lever.fixed_cost)) * 100.0
        if lever.kind in ("reduce", "shift"):
            affected = cell_spend0[..., cohort, :].sum(axis=(1, 2, 3)) * services[None, :]
            unit[li] = -r[:, None] * affected
            if lever.kind == "shift":
                to = SERVICES.index(lever.to)
                unit[li, :, to] += r * float(lever.unit_cost_ratio) * affected.sum(axis=1)
        else:
            into = LEVELS.index(lever.into)
            hazard = _onset(mix, lever.into)
            at_risk = cell_people[..., cohort].sum(axis=3)
            cumulative = np.cumsum(r)
            moved = np.minimum(cumulative[:, None, None] * hazard[None] * at_risk, cell_people[..., into])
            weights = np.where(cohort, mix, 0.0)
            share = weights / np.where(weights.sum(axis=2, keepdims=True) > 0, weights.sum(axis=2, keepdims=True), 1.0)
            spp_cohort = (share[..., None] * spp).sum(axis=2)
            delta = spp_cohort - spp[:, :, into, :]  # (20, 3, 15): what a prevented onset saves, per person
            unit[li] = np.einsum("tax,axs->ts", moved, delta) * growth
            level_unit[li, :, into] = -moved.sum(axis=(1, 2))
            level_unit[li] += np.einsum("tax,axg->tg", moved, share)
    low = np.array([float(lv.low) for lv in scenario.levers])
    high = np.array([float(lv.high) for lv in scenario.levers])
    return Paths(
        base_year=base.year,
        years=years,
        people=people,
        cell_people=cell_people,
        weighted=weighted,
        weighted_base=float(base.weighted.sum()),
        people_base=float(base.people.sum()),
        levels=cell_people.sum(axis=(1, 2)),
        level_unit=level_unit,
        spend0=spend0,
        unit=unit,
        lever_cost=lever_cost,
        covariance=covariance,
        trend=trend,
        trend_sd=trend_sd,
        low=low,
        high=high,
        practice_growth=practice_growth,
    )

"""How concentrated spend is: the share taken by the costliest people, and a Lorenz curve.

People are everyone in the population that year, including those who cost nothing. The
ordering step runs in NumPy on one column of per-person totals (one value per person,
sorted and summed cumulatively, never a Python loop): the Polars backend has no window
functions, so an Ibis rank would not run on both engines.

The costliest p% are the ceil(p x N) people with the highest spend (at least one person
when there is anyone), so small test populations give readable answers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import ibis
import numpy as np
import pyarrow as pa

__all__ = ["Concentration", "concentration", "lorenz", "person_spend"]

_TOPS: tuple[tuple[str, int], ...] = (("top_1", 1), ("top_2", 2), ("top_5", 5), ("top_20", 20))


@dataclass(frozen=True)
class Concentration:
    """Shares of one year's attributed spend taken by the costliest people.

    Attributes:
        year: contract year.
        people: people in the population that year.
        spend_pence: their total attributed spend.
        top_1, top_2, top_5, top_20: share (0-1) of spend of the costliest 1%, 2%, 5%, 20%.
    """

    year: int
    people: int
    spend_pence: int
    top_1: float
    top_2: float
    top_5: float
    top_20: float

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name, _ in _TOPS}


def person_spend(costs: ibis.Table, population: ibis.Table, year: int) -> ibis.Table:
    """Attributed spend per person in ``year``, zero for people with none.

    Grain: one row per patient_id in the population that year. Columns: patient_id,
    spend_pence (int64).
    """
    people = population.filter(population.year == year).select("patient_id").distinct()
    c = costs.filter(costs.year == year)
    spend = c.group_by("patient_id").agg(spend_pence=c.cost_pence.sum())
    j = people.left_join(spend, "patient_id")
    return j.select(j.patient_id, spend_pence=j.spend_pence.fill_null(0).cast("int64"))


def _sorted_spend(costs: ibis.Table, population: ibis.Table, year: int) -> np.ndarray:
    col = person_spend(costs, population, year).to_pyarrow().column("spend_pence")
    return np.sort(col.to_numpy(zero_copy_only=False).astype(np.int64))


def concentration(costs: ibis.Table, population: ibis.Table, year: int) -> Concentration:
    """Share of ``year``'s spend taken by the costliest 1%, 2%, 5% and 20% of people."""
    desc = _sorted_spend(costs, population, year)[::-1]
    n, total = len(desc), int(desc.sum())
    shares = {}
    for name, pct in _TOPS:
        k = math.ceil(n * pct / 100) if n else 0
        shares[name] = float(desc[:k].sum()) / total if total else 0.0
    return Concentration(year=year, people=n, spend_pence=total, **shares)


def lorenz(costs: ibis.Table, population: ibis.Table, year: int) -> ibis.Table:
    """The 101-point Lorenz curve of ``year``'s spend.

    Returns:
        Table with columns population_share (0, 0.01, ..., 1) and spend_share: the share
        of spend of the least costly floor(population_share x N) people.
    """
    asc = _sorted_spend(costs, population, year)
    n, total = len(asc), int(asc.sum())
    cum = np.concatenate([[0], np.cumsum(asc)])
    k = (np.arange(101) * n) // 100
    spend_share = cum[k] / total if total else np.zeros(101)
    return ibis.memtable(pa.table({"population_share": np.arange(101) / 100, "spend_share": spend_share.astype(float)}))

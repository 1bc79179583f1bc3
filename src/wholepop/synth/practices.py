"""Synthetic practices, their care hubs and their membership of the provider.

Grain: one practice per element. Practice list sizes are drawn from England's list-size
distribution by stratified sampling (one draw from each of ``k`` equal slices of the
distribution), so even an area of 30 practices has England's median and long right tail;
they are then scaled to sum to the requested population exactly. Practices are grouped
into hubs of about 40,000 people by greedy balancing (biggest practice to the smallest
hub), which keeps hubs inside 30,000-50,000 wherever the area allows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from wholepop.contract.calendar import year_end, year_start
from wholepop.synth import england
from wholepop.synth.people import LSOAS_PER_PRACTICE, Area
from wholepop.vocab import Integration

__all__ = ["Practices", "draw_practices", "memberships_table", "practices_table"]

HUB_TARGET = 40_000
MIN_PRACTICES = 3
# Share of practices that keep their own GMS/PMS contract (a mixed economy).
PARTIAL_SHARE = 0.15
_NAMES = (
    "Abbey", "Beech", "Castle", "Church", "Elm", "Fieldside", "Grange", "Highfield", "Kingsway",
    "Lime Tree", "Market", "Mill", "Oakwood", "Park", "Priory", "Queens", "Riverside", "Station",
    "Victoria", "Willow",
)
_KINDS = ("Surgery", "Medical Centre", "Health Centre", "Medical Practice", "Family Practice")
# The synthetic area sits in the East Midlands; coordinates are scattered around this point.
_CENTRE = (52.95, -1.15)


@dataclass(frozen=True)
class Practices:
    """The area's practices.

    Attributes:
        codes: ODS-style practice codes.
        sizes: registered list at the start of the data (sums to the population).
        hub: hub index of each practice.
        integration: ``Integration`` of each practice.
        leaver: index of the practice that leaves at the first exit window, or -1.
        area: what ``people.simulate`` draws people into.
        imd_score: deprivation score of each practice.
    """

    codes: tuple[str, ...]
    sizes: np.ndarray
    hub: np.ndarray
    integration: tuple[Integration, ...]
    leaver: int
    area: Area
    imd_score: np.ndarray


def _list_sizes(rng: np.random.Generator, population: int) -> np.ndarray:
    k = max(MIN_PRACTICES, int(np.floor(population / england.MEAN_PRACTICE_SIZE + 0.5)))
    k = min(k, population)
    qs, vs = zip(*england.PRACTICE_SIZE_QUANTILES)
    u = (np.arange(k) + rng.random(k)) / k * 100.0
    raw = np.interp(u, qs, vs)
    rng.shuffle(raw)
    # Scale to the population exactly: floor, then hand out the remainder one by one to
    # the largest fractional parts (at least one patient per practice).
    exact = raw / raw.sum() * population
    sizes = np.maximum(np.floor(exact).astype(np.int64), 1)
    short = population - sizes.sum()
    order = np.argsort(-(exact - np.floor(exact)), kind="stable")
    while short != 0:  # a loop over practices, at most a few passes
        step = np.sign(short)
        take = order[: min(abs(short), len(order))]
        if step < 0:
            take = take[sizes[take] > 1]
        sizes[take] += step
        short -= step * len(take)
    return sizes


def _hubs(sizes: np.ndarray) -> np.ndarray:
    n_hubs = max(1, int(np.floor(sizes.sum() / HUB_TARGET + 0.5)))
    totals = np.zeros(n_hubs, np.int64)
    hub = np.zeros(len(sizes), np.int64)
    for p in np.argsort(-sizes, kind="stable"):  # practices, not patients
        h = int(np.argmin(totals))
        hub[p] = h
        totals[h] += sizes[p]
    # Number hubs by their first practice so codes read in order.
    first = {h: i for i, h in reversed(list(enumerate(hub)))}
    renumber = np.argsort(np.argsort([first.get(h, len(hub)) for h in range(n_hubs)], kind="stable"))
    return renumber[hub]


def draw_practices(population: int, seed: int) -> Practices:
    """Draw the area's practices for ``population`` registered people."""
    rng = np.random.default_rng([seed, 0])
    sizes = _list_sizes(rng, population)
    k = len(sizes)
    hub = _hubs(sizes)
    integration = np.array([Integration.FULL] * k, dtype=object)
    n_partial = max(1, int(np.floor(k * PARTIAL_SHARE + 0.5))) if k >= 3 else 0
    partial = rng.choice(k, size=n_partial, replace=False)
    integration[partial] = Integration.PARTIAL
    full = np.nonzero(integration == Integration.FULL)[0]
    leaver = int(full[np.argmin(sizes[full])]) if len(full) > 1 else -1
    imd_score = np.clip(rng.gamma(4.0, 5.5, k), 3.0, 70.0)
    # IMD 2019 deciles of England: a practice score of about 35 is in the most deprived tenth.
    decile = np.clip(10 - np.floor((imd_score - 6.0) / 3.2), 1, 10).astype(np.int64)
    lsoa0 = 1_000_000 + np.arange(k) * LSOAS_PER_PRACTICE
    codes = tuple(f"Q{10001 + i:05d}" for i in range(k))
    return Practices(
        codes=codes, sizes=sizes, hub=hub, integration=tuple(Integration(v) for v in integration),
        leaver=leaver, area=Area(sizes, decile, lsoa0), imd_score=imd_score,
    )


def practices_table(practices: Practices, seed: int) -> pa.Table:
    """The ``practices`` input table (grain: one row per practice)."""
    rng = np.random.default_rng([seed, 3])
    k = len(practices.codes)
    names = [f"{_NAMES[a]} {_KINDS[b]}" for a, b in zip(rng.integers(0, len(_NAMES), k), rng.integers(0, len(_KINDS), k))]
    lat = _CENTRE[0] + rng.normal(0, 0.12, k)
    lon = _CENTRE[1] + rng.normal(0, 0.18, k)
    postcode = [f"LD{d} {n}{chr(65 + a)}{chr(65 + b)}" for d, n, a, b in zip(
        rng.integers(1, 30, k), rng.integers(1, 10, k), rng.integers(0, 26, k), rng.integers(0, 26, k))]
    return pa.table(
        {
            "practice_code": pa.array(practices.codes, pa.string()),
            "practice_name": pa.array(names, pa.string()),
            "hub": pa.array([f"HUB{h + 1:02d}" for h in practices.hub], pa.string()),
            "lat": pa.array(np.floor(lat * 1e5) / 1e5, pa.float64()),
            "lon": pa.array(np.floor(lon * 1e5) / 1e5, pa.float64()),
            "postcode": pa.array(postcode, pa.string()),
            "imd_score": pa.array(np.floor(practices.imd_score * 100) / 100, pa.float64()),
        }
    )


def memberships_table(practices: Practices, baseline_year: int, start_year: int, years: int, exit_window_years: int, notice_months: int) -> pa.Table:
    """The ``memberships`` input table (grain: one row per practice's span of membership).

    Every practice is a member from 1 April of the baseline year. In runs of three or more
    contract years one ``full`` practice (the smallest) leaves at the first exit window
    after the start, having given notice a month more than the contract requires.
    """
    k = len(practices.codes)
    to_date: list[dt.date | None] = [None] * k
    notice: list[dt.date | None] = [None] * k
    window = start_year + exit_window_years
    if practices.leaver >= 0 and years >= exit_window_years + 1:
        leaves = year_end(window - 1)
        to_date[practices.leaver] = leaves
        months_back = notice_months + 1
        y, m = divmod(leaves.year * 12 + (leaves.month - 1) - months_back, 12)
        notice[practices.leaver] = dt.date(y, m + 1, 1)
    return pa.table(
        {
            "practice_code": pa.array(practices.codes, pa.string()),
            "from_date": pa.array([year_start(baseline_year)] * k, pa.date32()),
            "to_date": pa.array(to_date, pa.date32()),
            "integration": pa.array([i.value for i in practices.integration], pa.string()),
            "notice_date": pa.array(notice, pa.date32()),
        }
    )

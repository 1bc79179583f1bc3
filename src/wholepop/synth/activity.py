"""Activity rows for one block of people in one year: Poisson-gamma counts, vectorised.

Each person's expected rows of service ``s`` in a year are

    scale_s x age_curve_s[age] x female_s x (1 + per_condition_s x conditions)
            x deprivation x propensity ** power_s x dying_s x years_present,

and the count is Poisson around it. The propensity (gamma, with a part that lasts across
years) makes counts a Poisson-gamma mixture: over-dispersed, concentrated, and persistent.
``scale_s`` is fitted once, on the first data year, so that the mean rate is England's;
later years drift with the population's ageing and grow by ``ACTIVITY_GROWTH`` (unit
costs by ``PRICE_GROWTH``). Each row gets a date uniform over the
person's days present in the year (so it lies inside a registration and not after death),
an item of the service (code, point of delivery, unit cost) and a cost spread around the
item's unit cost.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from wholepop.synth.people import MAX_AGE, NO_DAY, YearFrame, age_curve
from wholepop.synth.services import ACTIVITY_GROWTH, PRICE_GROWTH, SERVICES
from wholepop.vocab import Service

__all__ = ["ACTIVITY_SCHEMA", "Catalogue", "Lookup", "activity_block", "catalogue", "fit_scales"]

# Low-cardinality string columns are built as Arrow dictionaries (indices into a small
# list: no per-row string copies); without the stored Arrow schema, Parquet readers see
# plain strings, as the input schema declares.
_CODES = pa.dictionary(pa.int32(), pa.string())
ACTIVITY_SCHEMA = pa.schema(
    [
        ("patient_id", pa.string()),
        ("date", pa.date32()),
        ("service", _CODES),
        ("cost_pence", pa.int64()),
        ("pod", _CODES),
        ("code", _CODES),
        ("admission_method", _CODES),
        ("provider", _CODES),
        ("data_source", _CODES),
    ]
)

_SERVICES: tuple[Service, ...] = tuple(Service)
# Deprivation: the most deprived decile uses about 30% more care than the least.
_DEPRIVATION = np.linspace(1.3, 1.0, 10)
# In the year of death use rises steeply (the last year of life).
_DYING: Mapping[Service, float] = types.MappingProxyType({
    Service.EMERGENCY_ADMISSION: 5.0,
    Service.END_OF_LIFE: 25.0,
    Service.COMMUNITY: 3.0,
    Service.SOCIAL_CARE: 2.5,
    Service.AE: 2.0,
    Service.OTHER: 3.0,
})


@dataclass(frozen=True)
class Lookup:
    """A string column's distinct values and, per key, the index of its value (-1: null).

    Dictionaries must hold each value once: Parquet's writer does not encode a dictionary
    with repeated values the same way twice, which would break same-seed-same-bytes.
    """

    index: np.ndarray
    dictionary: pa.Array

    @classmethod
    def of(cls, values: list[str | None]) -> Lookup:
        distinct = sorted({v for v in values if v is not None})
        where = {v: i for i, v in enumerate(distinct)}
        return cls(np.array([where.get(v, -1) if v is not None else -1 for v in values], np.int64), pa.array(distinct, pa.string()))

    def encode(self, keys: np.ndarray) -> pa.DictionaryArray:
        """The column for rows whose keys are ``keys``, as an Arrow dictionary array."""
        idx = self.index[keys]
        null = idx < 0
        mask = null if null.any() else None
        return pa.DictionaryArray.from_arrays(pa.array(np.where(null, 0, idx).astype(np.int32), mask=mask), self.dictionary)


@dataclass(frozen=True)
class Catalogue:
    """Every service's items flattened into lookup arrays (built once per run).

    Attributes:
        item_start: index of each service's first item in the flat arrays.
        item_cum: per service, cumulative item weights (for drawing an item).
        item_cost: unit cost in pence of each flat item.
        code, pod, admission_method: string columns keyed by flat item.
        provider: string column keyed by flat provider: practices first, then each
            service's providers.
        provider_start, provider_count: each service's slice of the flat providers (count
            0: the registered practice).
        service, source: string columns keyed by service (``Service`` order).
        age_curve: (services, ages) relative rate.
    """

    item_start: np.ndarray
    item_cum: tuple[np.ndarray, ...]
    item_cost: np.ndarray
    code: Lookup
    pod: Lookup
    admission_method: Lookup
    provider: Lookup
    provider_start: np.ndarray
    provider_count: np.ndarray
    service: Lookup
    source: Lookup
    age_curve: np.ndarray


def catalogue(practice_codes: tuple[str, ...]) -> Catalogue:
    """Flatten ``SERVICES`` into lookup arrays; provider codes start with the practices."""
    starts, cums, costs, codes, pods, methods = [], [], [], [], [], []
    providers: list[str | None] = list(practice_codes)
    p_start, p_count = [], []
    for s in _SERVICES:
        shape = SERVICES[s]
        starts.append(len(costs))
        w = np.array([it.weight for it in shape.items])
        cums.append(np.cumsum(w / w.sum()))
        for it in shape.items:
            costs.append(it.cost_pence)
            codes.append(it.code)
            pods.append(it.pod)
            methods.append(it.admission_method)
        p_start.append(len(providers))
        p_count.append(len(shape.providers))
        providers.extend(shape.providers)
    return Catalogue(
        item_start=np.array(starts),
        item_cum=tuple(cums),
        item_cost=np.array(costs, np.float64),
        code=Lookup.of(codes),
        pod=Lookup.of(pods),
        admission_method=Lookup.of(methods),
        provider=Lookup.of(providers),
        provider_start=np.array(p_start),
        provider_count=np.array(p_count),
        service=Lookup.of([s.value for s in _SERVICES]),
        source=Lookup.of([SERVICES[s].data_source for s in _SERVICES]),
        age_curve=np.stack([age_curve(SERVICES[s].age_knots) for s in _SERVICES]),
    )


def _relative_rates(cat: Catalogue, frame: YearFrame) -> np.ndarray:
    """(services, people) expected rows per whole year present, before scaling."""
    age = np.clip(frame.age, 0, MAX_AGE)
    adult_woman = (frame.sex == 0) & (age >= 15) & (age <= 64)
    dep = _DEPRIVATION[np.clip(frame.imd_decile, 1, 10) - 1]
    out = np.empty((len(_SERVICES), len(frame)))
    log_prop = np.log(np.maximum(frame.propensity, 1e-12))
    for i, s in enumerate(_SERVICES):  # fifteen service lines
        shape = SERVICES[s]
        r = cat.age_curve[i, age] * dep * (1.0 + shape.per_condition * frame.conditions)
        r *= np.where(adult_woman, shape.female_adult, 1.0)
        r *= np.exp(shape.propensity_power * log_prop)
        if s in _DYING:
            r *= np.where(frame.dies, _DYING[s], 1.0)
        out[i] = r
    return out


def _exposure(frame: YearFrame) -> np.ndarray:
    return (frame.end_day.astype(np.int64) - frame.start_day + 1) / 365.0


def fit_scales(cat: Catalogue, frame: YearFrame) -> np.ndarray:
    """Per-service factors that make the mean rate per person-year England's rate."""
    expo = _exposure(frame)
    rel = _relative_rates(cat, frame) @ expo
    target = np.array([SERVICES[s].per_1000 / 1000.0 for s in _SERVICES]) * expo.sum()
    return target / rel


def activity_block(
    cat: Catalogue, scales: np.ndarray, frame: YearFrame, ids: pa.Array, rng: np.random.Generator, years_on: int = 0
) -> pa.Table:
    """The activity rows of the people in ``frame`` (one block of one year).

    Args:
        cat: the flattened service catalogue.
        scales: per-service rate factors from ``fit_scales``.
        frame: the people present in the year (a block of a ``YearFrame``).
        ids: patient_id strings, indexed by person.
        rng: this block's random stream.
        years_on: years since the first data year (rates and unit costs grow with it).

    Returns:
        A table with ``ACTIVITY_SCHEMA``: one row per contact, attendance or spell.
    """
    expo = _exposure(frame)
    growth = (1 + ACTIVITY_GROWTH) ** years_on
    lam = _relative_rates(cat, frame) * (scales * growth)[:, None] * expo
    counts = rng.poisson(lam)  # (services, people)
    per_service = counts.sum(axis=1)
    n = int(per_service.sum())
    service = np.repeat(np.arange(len(_SERVICES), dtype=np.int64), per_service)
    who = np.repeat(np.tile(np.arange(len(frame)), len(_SERVICES)), counts.ravel())

    start = frame.start_day[who].astype(np.int64)
    span = frame.end_day[who].astype(np.int64) - start + 1
    date = start + np.floor(rng.random(n) * span).astype(np.int64)

    # Rows are grouped by service, so each line's items, costs and providers are drawn
    # on its own slice.
    item = np.empty(n, np.int64)
    cost = np.empty(n, np.int64)
    provider = np.empty(n, np.int64)
    price = (1 + PRICE_GROWTH) ** years_on
    bounds = np.concatenate([[0], np.cumsum(per_service)])
    for i, s in enumerate(_SERVICES):  # fifteen service lines
        lo, hi = bounds[i], bounds[i + 1]
        if lo == hi:
            continue
        shape = SERVICES[s]
        cum = cat.item_cum[i]
        item[lo:hi] = cat.item_start[i] + np.searchsorted(cum, rng.random(hi - lo), side="right").clip(0, len(cum) - 1)
        unit = cat.item_cost[item[lo:hi]] * price
        if shape.cost_sigma > 0:
            # Spread log-normally around the unit cost, keeping the mean. Costs are draws:
            # cutting to whole pence is part of the draw, not money arithmetic.
            sigma = shape.cost_sigma
            unit = unit * np.exp(sigma * rng.standard_normal(hi - lo) - sigma**2 / 2)
        cost[lo:hi] = unit.astype(np.int64)
        if cat.provider_count[i] == 0:
            # Practice rows are provided by the practice the person is registered with that day.
            w = who[lo:hi]
            moved = (frame.move_day[w] != NO_DAY) & (date[lo:hi] >= frame.move_day[w])
            provider[lo:hi] = np.where(moved, frame.new_practice[w], frame.practice[w])
        else:
            provider[lo:hi] = cat.provider_start[i] + rng.integers(0, cat.provider_count[i], hi - lo)

    return pa.table(
        [
            ids.take(pa.array(frame.person[who])),
            pa.array(date.astype(np.int32)).cast(pa.date32()),
            cat.service.encode(service),
            pa.array(cost),
            cat.pod.encode(item),
            cat.code.encode(item),
            cat.admission_method.encode(item),
            cat.provider.encode(provider),
            cat.source.encode(service),
        ],
        schema=ACTIVITY_SCHEMA,
    )

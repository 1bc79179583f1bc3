"""Registered people per practice, sex and age band, from published list counts.

``age_sex_cells`` turns the ``list_counts`` table (as NHS England publishes it: by 5-year
band, by sex, or practice totals) into whole people per (practice, sex, age band). It is
the one home of the spreading rule: ``synth.lists`` places synthetic patients from it, and
``money.per_head`` prices a supplied budget from it.

England's registered age-sex pyramid (NHS England Digital, "Patients Registered at a GP
Practice", July 2026, ``gp-reg-pat-prac-quin-age-2026-07.zip``) is what a total is spread
over; ``synth.england`` reads it from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wholepop.population.months import AGE_BANDS
from wholepop.vocab import Sex

__all__ = ["ALL_AGES", "PYRAMID_FEMALE", "PYRAMID_MALE", "SEX_INDEX", "age_sex_cells"]

# age_band of a row that counts every age (the practice-totals file).
ALL_AGES = "ALL"
# Axis 1 of the count table: F, M, U (the generator's sex codes, synth.people).
SEX_INDEX = {Sex.FEMALE.value: 0, Sex.MALE.value: 1, Sex.UNKNOWN.value: 2}
FEMALE, MALE, UNKNOWN = SEX_INDEX.values()
_ALL_BAND = len(AGE_BANDS)

# Registered patients by 5-year age band (0-4, 5-9, ..., 90-94, 95+), England, July 2026.
PYRAMID_FEMALE: tuple[int, ...] = (
    1402572, 1633875, 1828840, 1873541, 1904726, 2168239, 2295483, 2347581, 2179334, 1965075,
    1877720, 2008054, 1953439, 1657890, 1388168, 1350622, 950688, 574987, 279554, 93661,
)
PYRAMID_MALE: tuple[int, ...] = (
    1474931, 1716919, 1922334, 1964187, 1925610, 2206555, 2343167, 2418300, 2267946, 2074450,
    1962527, 2039701, 1947199, 1605551, 1278679, 1180079, 772459, 405014, 160561, 36290,
)
# (sex F/M, band)
_PYRAMID = np.array([PYRAMID_FEMALE, PYRAMID_MALE], dtype=np.float64)


def _largest_remainder(totals: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Split each ``totals[i]`` over the columns of ``shares[i]`` (rows sum to 1) in whole
    people, summing exactly: floors, then one more to the largest fractional parts."""
    exact = totals[:, None].astype(np.float64) * shares
    out = np.floor(exact).astype(np.int64)
    left = totals - out.sum(axis=1)
    order = np.argsort(-(exact - out), axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(shares.shape[1]), order.shape), axis=1)
    return out + (rank < left[:, None])


def age_sex_cells(list_counts: pa.Table, codes: Sequence[str]) -> tuple[np.ndarray, tuple[str, ...], dt.date | None]:
    """Registered people per (practice, sex, age band) from the published counts.

    Uses each practice's latest extract. Rows with a sex and a band are kept as they are.
    A practice total (age_band ``ALL``) is spread over England's registered age-sex
    pyramid (July 2026), and a split by sex alone over that sex's bands; a split by age
    alone (every row sex ``U``) over England's sexes in each band. The spreading is in
    whole people by largest remainder, so each practice's total is kept exactly.

    Args:
        list_counts: the ``list_counts`` table (``read_list_counts``).
        codes: the practices, in the order of the result's first axis.

    Returns:
        (counts, notes, extract_date): counts is int64 (practices, 3 sexes F/M/U, 20
        bands); notes say what was spread; extract_date is the latest extract used.
    """
    lc = list_counts.filter(pc.is_in(list_counts["practice_code"], value_set=pa.array(list(codes), pa.string())))
    latest = lc.group_by("practice_code").aggregate([("extract_date", "max")]).rename_columns(["practice_code", "latest"])
    lc = lc.join(latest, "practice_code")
    keep = pc.or_kleene(pc.is_null(lc["latest"]), pc.equal(lc["extract_date"], lc["latest"]))
    lc = lc.filter(pc.fill_null(keep, True))
    practice = pc.index_in(lc["practice_code"], value_set=pa.array(list(codes), pa.string())).to_numpy()
    sex_keys = pa.array(list(SEX_INDEX), pa.string())
    sex = np.array(list(SEX_INDEX.values()), np.int64)[pc.index_in(lc["sex"], value_set=sex_keys).to_numpy()]
    band = pc.index_in(lc["age_band"], value_set=pa.array((*AGE_BANDS, ALL_AGES), pa.string())).to_numpy()
    n = lc["patients"].to_numpy().astype(np.int64)

    k = len(codes)
    has_fm = np.zeros(k, bool)
    has_fm[practice[(sex != UNKNOWN) & (band != _ALL_BAND)]] = True
    total_only = band == _ALL_BAND
    age_only = (band != _ALL_BAND) & (sex == UNKNOWN) & ~has_fm[practice]
    spread = total_only | age_only

    counts = np.zeros((k, 3, len(AGE_BANDS)), np.int64)
    kept = ~spread
    np.add.at(counts, (practice[kept], sex[kept], band[kept]), n[kept])
    if spread.any():
        s_sex, s_band, s_n, s_practice = sex[spread], band[spread], n[spread], practice[spread]
        shares = np.zeros((len(s_n), 3, len(AGE_BANDS)))
        both = s_band == _ALL_BAND
        one_sex = both & (s_sex != UNKNOWN)
        shares[one_sex, s_sex[one_sex], :] = _PYRAMID[s_sex[one_sex]] / _PYRAMID[s_sex[one_sex]].sum(axis=1, keepdims=True)
        every = both & (s_sex == UNKNOWN)
        shares[every, :2, :] = _PYRAMID / _PYRAMID.sum()
        by_age = ~both
        rows = np.nonzero(by_age)[0]
        col = _PYRAMID[:, s_band[by_age]].T  # (rows, 2)
        shares[rows[:, None], np.arange(2)[None, :], s_band[by_age][:, None]] = col / col.sum(axis=1, keepdims=True)
        placed = _largest_remainder(s_n, shares.reshape(len(s_n), -1)).reshape(shares.shape)
        np.add.at(counts, s_practice, placed)
    notes = []
    n_total = len(np.unique(practice[total_only]))
    n_age = len(np.unique(practice[age_only]))
    if n_total:
        notes.append(
            f"{n_total} practice(s) have no age-sex breakdown in the lists: each total (or total by sex) was spread "
            "over England's registered age-sex pyramid (July 2026); totals match exactly, their age-sex mix is England's"
        )
    if n_age:
        notes.append(f"{n_age} practice(s) have counts by age only: each band was split by England's sex ratio in that band")
    dates = [d for d in pc.unique(lc["extract_date"]).to_pylist() if d is not None]
    return counts, tuple(notes), (max(dates) if dates else None)

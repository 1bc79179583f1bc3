"""Person-months: how long each person counted with each practice in each contract year.

A person-month is a calendar month of registration: each calendar month contributes
(days counted in the month) / (days in the month), so a registration from 1 April to
30 June is exactly 3.0 and a full contract year is 12.0. The per-span sum has a closed
form (first partial month + whole months between + last partial month), so no calendar
table is joined.

Age is the contract year minus the birth year (``year - birth_year``), i.e. the age
reached during the calendar year the contract year starts in; it approximates the age at
1 April without needing a birth date, which the input layer does not hold. People born
in January-March of the following calendar year would get -1; they are counted as 0.
"""

from __future__ import annotations

import ibis
import pyarrow as pa

from wholepop.contract.calendar import year_end, year_start

__all__ = ["AGE_BANDS", "age_band", "band_from", "band_label", "months_in_span", "split_by_year"]

# NHS Digital's 5-year bands; the last band is open.
AGE_BANDS: tuple[str, ...] = tuple(f"{lo}_{lo + 4}" for lo in range(0, 95, 5)) + ("95+",)
_OPEN_BAND_FROM = 95


def _days_in_month(day: ibis.DateValue) -> ibis.IntegerValue:
    y, m = day.year(), day.month()
    leap = ((y % 4 == 0) & (y % 100 != 0)) | (y % 400 == 0)
    return (
        ibis.cases(
            (m == 2, 28 + leap.cast("int64")),
            (m.isin((4, 6, 9, 11)), 30),
            else_=31,
        )
    ).cast("int64")


def months_in_span(from_date: ibis.DateValue, to_date: ibis.DateValue) -> ibis.FloatingValue:
    """Person-months of the inclusive span [from_date, to_date] (from_date <= to_date)."""
    first_month = from_date.year() * 12 + from_date.month()
    last_month = to_date.year() * 12 + to_date.month()
    dim_from = _days_in_month(from_date).cast("float64")
    dim_to = _days_in_month(to_date).cast("float64")
    same_month = (to_date.day() - from_date.day() + 1).cast("float64") / dim_from
    head = (dim_from - from_date.day().cast("float64") + 1.0) / dim_from
    tail = to_date.day().cast("float64") / dim_to
    between = (last_month - first_month - 1).cast("float64")
    return ibis.ifelse(first_month == last_month, same_month, head + between + tail)


def split_by_year(spans: ibis.Table, years: tuple[int, ...]) -> ibis.Table:
    """Clip each span to each contract year it overlaps; adds a ``year`` column.

    A cross join with the (few) years then a filter: the Polars backend has no inequality
    joins, and the years table is tiny.
    """
    cal = ibis.memtable(
        pa.table(
            {
                "year": pa.array(list(years), pa.int64()),
                "year_from": pa.array([year_start(y) for y in years], pa.date32()),
                "year_to": pa.array([year_end(y) for y in years], pa.date32()),
            }
        )
    )
    j = spans.cross_join(cal)
    j = j.filter((j.from_date <= j.year_to) & (j.to_date >= j.year_from))
    return j.mutate(
        from_date=ibis.greatest(j.from_date, j.year_from),
        to_date=ibis.least(j.to_date, j.year_to),
    ).drop("year_from", "year_to")


def band_from(age: ibis.IntegerValue) -> ibis.IntegerValue:
    """First age of the 5-year band of a non-negative age (95 for the open band)."""
    return ibis.least((age // 5) * 5, _OPEN_BAND_FROM).cast("int64")


def band_label(lo: ibis.IntegerValue) -> ibis.StringValue:
    """'0_4', '5_9', ..., '90_94', '95+' from ``band_from``."""
    return ibis.ifelse(
        lo >= _OPEN_BAND_FROM,
        ibis.literal(AGE_BANDS[-1]),
        lo.cast("string") + "_" + (lo + 4).cast("string"),
    )


def age_band(age: ibis.IntegerValue) -> ibis.StringValue:
    """'0_4', '5_9', ..., '90_94', '95+' for a non-negative age."""
    return band_label(band_from(age))

"""The input layer: every table wholepop reads, declared once (DESIGN section 3).

The validator, the loader, the docs and ``synth`` all read these declarations. Like
Tuva's input layer, a declaration is the contract user data must meet: its grain, and
per column a type, whether it is required, what it means and how to map it.
"""

from __future__ import annotations

import datetime
import types
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

import ibis.expr.datatypes as dt

from wholepop.vocab import Condition, DatedTable, Integration, Service, Sex

__all__ = [
    "Column", "DATE_BOUNDS", "DType", "IBIS_TYPES", "MAX_PENCE_PER_ROW", "NUMBER_BOUNDS", "TABLES", "Table", "table",
]


class DType(StrEnum):
    """Logical column types; each maps to an Ibis type in the loader."""

    STRING = "string"
    INT = "int64"
    FLOAT = "float64"
    DATE = "date"


IBIS_TYPES: Mapping[DType, dt.DataType] = types.MappingProxyType(
    {DType.STRING: dt.string, DType.INT: dt.int64, DType.FLOAT: dt.float64, DType.DATE: dt.date}
)

# The largest cost one row may hold: £1bn, in pence. Sums are taken in 64-bit integers on
# every engine (Polars wraps silently on overflow where DuckDB widens), and 2**63 pence is
# about 92 million rows at this ceiling; the validator also refuses a table whose total
# would not fit (see ``wholepop.inputs.checks.totals_fit``).
MAX_PENCE_PER_ROW = 100_000_000_000
# Any other number: at most 10**15 in size (a float holds every whole number to 2**53).
NUMBER_BOUNDS = (-(10**15), 10**15)
# Dates a record of care can hold; outside them a date is a typing error (and years 0
# or 10000 would not even fit Python's dates).
DATE_BOUNDS = (datetime.date(1850, 1, 1), datetime.date(2199, 12, 31))


@dataclass(frozen=True)
class Column:
    """One declared column.

    Attributes:
        name: the column's fixed name in the file.
        dtype: its logical type.
        required: a missing required column is an error; optional ones may be absent.
        description: what it holds, for the docs and for error messages.
        vocab: the closed vocabulary its values must come from, if any.
        non_negative: values below zero are an error (money, counts).
        bounds: (lowest, highest) value allowed, with the reason shown when broken; None:
            ``NUMBER_BOUNDS`` for numbers, ``DATE_BOUNDS`` for dates. NaN and infinity are
            never allowed.
    """

    name: str
    dtype: DType
    required: bool
    description: str
    vocab: type[StrEnum] | None = None
    non_negative: bool = False
    bounds: tuple[object, object, str] | None = None

    @property
    def limits(self) -> tuple[object, object, str]:
        """(lowest, highest, why) allowed for this column's values."""
        if self.bounds is not None:
            return self.bounds
        if self.dtype is DType.DATE:
            return (*DATE_BOUNDS, "a date from 1850 to 2199")
        return (*NUMBER_BOUNDS, "a number of at most 15 digits")


@dataclass(frozen=True)
class Table:
    """One declared input table.

    Attributes:
        name: the file stem (``activity.parquet`` or ``activity.csv``).
        grain: what one row is.
        columns: its columns, required ones first.
        required: whether the folder must hold this table.
        key: the column(s) that must be unique, if any.
    """

    name: str
    grain: str
    columns: tuple[Column, ...]
    required: bool
    key: tuple[str, ...] = ()

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name} has no column {name}")


S, I, F, Dt = DType.STRING, DType.INT, DType.FLOAT, DType.DATE  # noqa: E741  (one-letter dtype shorthands for the tables below)
_YEARS = (1900, 2199, "a year from 1900 to 2199")
_MEASURE = (-(10**12), 10**12, "at most 10**12 in size")

TABLES: tuple[Table, ...] = (
    Table(
        "practices",
        "one row per GP practice",
        (
            Column("practice_code", S, True, "ODS-style practice code, unique"),
            Column("practice_name", S, True, "practice name"),
            Column("hub", S, True, "care hub / neighbourhood (PCN by default)"),
            Column("lat", F, False, "latitude (WGS84)"),
            Column("lon", F, False, "longitude (WGS84)"),
            Column("postcode", S, False, "practice postcode"),
            Column("imd_score", F, False, "practice deprivation score (IMD)"),
        ),
        required=True,
        key=("practice_code",),
    ),
    Table(
        "memberships",
        "one row per span of a practice's place in the provider",
        (
            Column("practice_code", S, True, "member practice"),
            Column("from_date", Dt, True, "first day of membership"),
            Column("to_date", Dt, False, "last day of membership (empty: still a member)"),
            Column("integration", S, True, "full, partial, alliance or independent", Integration),
            Column("notice_date", Dt, False, "date notice of leaving was given"),
        ),
        required=True,
    ),
    Table(
        "patients",
        "one row per person",
        (
            Column("patient_id", S, True, "pseudonymised person id, unique"),
            Column("sex", S, True, "F, M or U", Sex),
            Column("birth_year", I, True, "year of birth", bounds=(1850, 2199, "a year from 1850 to 2199")),
            Column("death_date", Dt, False, "date of death"),
            Column("lsoa", S, False, "lower-layer super output area of residence"),
            Column("imd_decile", I, False, "deprivation decile of residence (1 = most deprived)"),
        ),
        required=True,
        key=("patient_id",),
    ),
    Table(
        "registrations",
        "one row per span of a person's registration with a practice",
        (
            Column("patient_id", S, True, "person"),
            Column("practice_code", S, True, "practice registered with"),
            Column("from_date", Dt, True, "first day registered"),
            Column("to_date", Dt, False, "last day registered (empty: still registered)"),
        ),
        required=True,
    ),
    Table(
        "activity",
        "one row per contact, attendance or spell",
        (
            Column("patient_id", S, True, "person"),
            Column("date", Dt, True, "date of the contact or start of the spell"),
            Column("service", S, True, "service line", Service),
            Column("cost_pence", I, True, "cost in whole pence", non_negative=True, bounds=(-MAX_PENCE_PER_ROW, MAX_PENCE_PER_ROW, "at most £1bn a row, 100000000000 pence")),
            Column("pod", S, False, "point of delivery"),
            Column("code", S, False, "procedure, HRG or activity code"),
            Column("admission_method", S, False, "admission method code"),
            Column("provider", S, False, "providing organisation"),
            Column("data_source", S, False, "source data set"),
        ),
        required=True,
    ),
    Table(
        "conditions",
        "one row per long-term condition diagnosed in a person",
        (
            Column("patient_id", S, True, "person"),
            Column("condition", S, True, "long-term condition", Condition),
            Column("from_date", Dt, True, "date first recorded"),
        ),
        required=False,
    ),
    Table(
        "unregistered",
        "one row per year and service line of spend on the unregistered population",
        (
            Column("year", I, True, "contract year (April-March, named by its first year)", bounds=_YEARS),
            Column("service", S, True, "service line", Service),
            Column("cost_pence", I, True, "spend in whole pence", non_negative=True, bounds=(-MAX_PENCE_PER_ROW, MAX_PENCE_PER_ROW, "at most £1bn a row, 100000000000 pence")),
        ),
        required=False,
    ),
    Table(
        "measures",
        "one row per metric value supplied from outside",
        (
            Column("year", I, True, "contract year", bounds=_YEARS),
            Column("measure", S, True, "metric id as used in the contract"),
            Column("value", F, True, "metric value", bounds=_MEASURE),
            Column("denominator", F, False, "denominator the value was computed over", bounds=_MEASURE),
        ),
        required=False,
        key=("year", "measure"),
    ),
    Table(
        "list_counts",
        "one row per practice, sex and age band (as NHS Digital publishes)",
        (
            Column("practice_code", S, True, "practice"),
            Column("sex", S, True, "F, M or U", Sex),
            Column("age_band", S, True, "5-year age band, e.g. 0_4 ... 95+"),
            Column("patients", I, True, "registered patients", non_negative=True, bounds=(0, 10**7, "at most 10,000,000 a row")),
            Column("extract_date", Dt, False, "date the list was extracted"),
        ),
        required=False,
    ),
    Table(
        "weights",
        "one row per practice and component of NHS England's weighted population",
        (
            Column("practice_code", S, True, "practice"),
            Column("component", S, True, "overall, community, mental_health, prescribing, ..."),
            Column("weighted_population", F, True, "weighted population", non_negative=True, bounds=(0, 10**8, "at most 100,000,000 a row")),
            Column("year", I, False, "allocation year", bounds=_YEARS),
        ),
        required=False,
    ),
    Table(
        "coverage",
        "one row per dated table: the period its rows are declared complete for (optional)",
        (
            Column("table_name", S, True, "the dated table declared (activity)", DatedTable),
            Column("from_date", Dt, True, "first day the table's rows are complete for"),
            Column("to_date", Dt, True, "last day the table's rows are complete for"),
            Column("note", S, False, "where the extract came from, for the reader"),
        ),
        required=False,
        key=("table_name",),
    ),
)

_BY_NAME = {t.name: t for t in TABLES}


def table(name: str) -> Table:
    """The declaration of input table ``name``."""
    return _BY_NAME[name]

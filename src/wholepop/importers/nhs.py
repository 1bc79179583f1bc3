"""Importers for NHS England's public practice files into the input layer (DESIGN section 3).

Public surface:

- ``read_list_counts(paths)``: "Patients Registered at a GP Practice" (5-year bands,
  single years of age, or practice totals; CCG-era, ICB-era and 2026 headers; zipped or
  not) -> the ``list_counts`` table.
- ``read_practice_map(path)``: the practice -> PCN / sub-ICB / ICB map -> ``practices``.
- ``read_weights(path)``: NHS England weighted populations per practice -> ``weights``
  (and the practices' latitude and longitude).
- ``read_imd(path)``: deprivation score per practice (Fingertips) -> practice_code, imd_score.
- ``build_practices(map, weights, imd)``: the ``practices`` table with coordinates and IMD.
- ``import_nhs_lists`` / ``import_nhs_map``: read, check, then write Parquet to a folder.

Each reader returns a ``pyarrow.Table``; all the row work is pyarrow compute (vectorised,
no Python loop over rows). Python loops run only over the *distinct* values of a coded
column (a few dozen ages, three sexes, one or two extract dates), to build lookup arrays.

Every file is recognised by its header. A header that matches no known layout raises
``InputError`` naming the file, the columns each known layout expects and the columns
found. A bad value raises ``InputError`` naming the file, the spreadsheet row (header =
row 1) and the column.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import tempfile
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from wholepop.errors import InputError
from wholepop.inputs.problems import Problem
from wholepop.population.cells import ALL_AGES
from wholepop.population.months import AGE_BANDS
from wholepop.vocab import Sex, WeightComponent

__all__ = [
    "ImportReport",
    "WEIGHT_COLUMNS",
    "build_practices",
    "import_nhs_lists",
    "import_nhs_map",
    "parse_extract_date",
    "read_imd",
    "read_list_counts",
    "read_practice_map",
    "read_weights",
    "write_tables",
]

UNALLOCATED = "U"  # PCN_CODE of a practice in no PCN
UNALLOCATED_HUB_PREFIX = "UNALLOCATED-"

# Weighted populations file column -> weights.component (docs/real-data.md has the table).
WEIGHT_COLUMNS: Mapping[str, str] = {
    "Final WP": WeightComponent.OVERALL.value,
    "G&A WP": WeightComponent.GENERAL_ACUTE.value,
    "CS WP": WeightComponent.COMMUNITY.value,
    "MH WP": WeightComponent.MENTAL_HEALTH.value,
    "Mat WP": WeightComponent.MATERNITY.value,
    "Health Ineq WP": WeightComponent.HEALTH_INEQUALITIES.value,
    "Prescr WP": WeightComponent.PRESCRIBING.value,
    "Final PMC WP": WeightComponent.PRIMARY_MEDICAL.value,
    "pop 2022/23": WeightComponent.REGISTERED.value,
}
WEIGHTS_YEAR = 2024  # the 2024/25 allocations


@dataclass(frozen=True)
class ImportReport:
    """What an import wrote and what it noticed.

    Attributes:
        written: table name -> Parquet file written.
        rows: table name -> rows written.
        warnings: things the user should know (unallocated practices, missing coordinates).
        layouts: file -> the layout it was recognised as.
    """

    written: Mapping[str, Path]
    rows: Mapping[str, int]
    warnings: tuple[str, ...] = ()
    layouts: Mapping[str, str] = field(default_factory=dict)


# --------------------------------------------------------------------------------------
# Reading CSV text, zipped or not
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Source:
    name: str  # the file (and zip member) for messages
    table: pa.Table  # every column a string, header names as written


def _csv_members(path: Path) -> list[tuple[str, bytes]]:
    """The CSV text of ``path``: the file itself, or every ``.csv`` member of a zip."""
    if not path.is_file():
        raise InputError((Problem(str(path), None, None, "no such file"),))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".csv") and not n.endswith("/")]
            if not names:
                raise InputError((Problem(path.name, None, None, f"the zip holds no .csv file (found: {', '.join(z.namelist()) or 'nothing'})"),))
            return [(f"{path.name}:{n}", z.read(n)) for n in names]
    return [(path.name, path.read_bytes())]


def _read_csv_bytes(name: str, data: bytes) -> _Source:
    """Parse CSV bytes with every column a string (the importer, not a sniffer, decides types)."""
    text_head = data[:65536].decode("utf-8-sig", errors="replace")
    first = text_head.splitlines()[0] if text_head else ""
    header = [h.strip() for h in next(csv.reader([first]), [])]
    if not header or header == [""]:
        raise InputError((Problem(name, 1, None, "the file is empty: expected a header row"),))
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    read = pacsv.ReadOptions(column_names=header, skip_rows=1, block_size=1 << 24)
    convert = pacsv.ConvertOptions(column_types={h: pa.string() for h in header}, strings_can_be_null=False)
    try:
        table = pacsv.read_csv(io.BytesIO(data), read_options=read, convert_options=convert)
    except pa.ArrowInvalid as e:
        raise InputError((Problem(name, None, None, f"not a readable CSV file ({e})"),)) from None
    return _Source(name, table)


def _read_sources(path: Path) -> list[_Source]:
    return [_read_csv_bytes(name, data) for name, data in _csv_members(Path(path))]


def _trim(col: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.utf8_trim_whitespace(col)


def _first_row(mask: pa.ChunkedArray | pa.Array) -> int:
    """Spreadsheet row of the first true value of ``mask`` (header = row 1)."""
    return int(pc.index(mask, True).as_py()) + 2


def _lookup(
    col: pa.ChunkedArray,
    convert: Callable[[str], object],
    source: str,
    column: str,
    expected: str,
    out_type: pa.DataType,
    rownum: pa.Array | None = None,
) -> pa.ChunkedArray:
    """Map each value of ``col`` through ``convert``, computed once per distinct value.

    ``convert`` returns None for a value it does not accept; the first row holding such a
    value is reported (``rownum`` maps positions in ``col`` to positions in the file).
    """
    distinct = pc.unique(col).to_pylist()
    mapped = {v: convert(v) for v in distinct}
    bad = [v for v, m in mapped.items() if m is None]
    if bad:
        position = pc.index(pc.is_in(col, value_set=pa.array(bad, pa.string())), True).as_py()
        row = (rownum[position].as_py() if rownum is not None else position) + 2
        shown = ", ".join(repr(v) for v in sorted(bad, key=str)[:5])
        raise InputError((Problem(source, row, column, f"{shown} not recognised: expected {expected}"),))
    keys = pa.array(list(mapped), pa.string())
    values = pa.array(list(mapped.values()), out_type)
    return pc.take(values, pc.index_in(col, value_set=keys))


# --------------------------------------------------------------------------------------
# Dates, sexes and ages
# --------------------------------------------------------------------------------------

_DATE_FORMATS = ("%Y-%m-%d", "%d%b%Y", "%d/%m/%Y")


def parse_extract_date(text: str) -> dt.date | None:
    """A publication date in any style NHS Digital has used, or None.

    ``2026-04-01`` (ISO), ``01JAN2021`` and ``01Jul2026`` (day, month abbreviation in any
    case, year), and ``01/07/2026``.
    """
    text = (text or "").strip()
    for fmt in _DATE_FORMATS:
        try:
            return dt.datetime.strptime(text, fmt).date()  # %b ignores case
        except ValueError:
            continue
    return None


_SEXES: Mapping[str, str | None] = {
    "FEMALE": Sex.FEMALE.value,
    "F": Sex.FEMALE.value,
    "MALE": Sex.MALE.value,
    "M": Sex.MALE.value,
    "UNKNOWN": Sex.UNKNOWN.value,
    "U": Sex.UNKNOWN.value,
    "INDETERMINATE": Sex.UNKNOWN.value,
    "ALL": "ALL",  # an aggregate: kept only where a practice has no split by sex
}


def _sex(value: str) -> str | None:
    return _SEXES.get(value.strip().upper())


_BAND_RE = re.compile(r"^(\d+)_(\d+)$")


def _age_band(value: str) -> str | None:
    """The 5-year band of an age value: a band (``5_9``), a single year (``7``), ``95+`` or ``ALL``."""
    v = value.strip().upper()
    if v == "ALL":
        return ALL_AGES
    if v.endswith("+") and v[:-1].isdigit():
        v = v[:-1]
        return "95+" if int(v) >= 95 else None
    if v.isdigit():
        age = int(v)
        return "95+" if age >= 95 else AGE_BANDS[age // 5]
    m = _BAND_RE.match(v)
    if m and f"{m[1]}_{m[2]}" in AGE_BANDS:
        return f"{m[1]}_{m[2]}"
    return None


# --------------------------------------------------------------------------------------
# Registered patients: layouts
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ListLayout:
    """A known header of "Patients Registered at a GP Practice"."""

    name: str
    type_col: str
    code_col: str
    fixed: tuple[str, ...]  # every column besides the age column

    def matches(self, header: Sequence[str]) -> str | None:
        """The age column if ``header`` is this layout, else None."""
        cols = set(header)
        if not set(self.fixed) <= cols:
            return None
        for age in _AGE_COLUMNS:
            if age in cols:
                return age
        return None

    def describe(self) -> str:
        return f"{self.name}: {', '.join(self.fixed)} and one of {' or '.join(_AGE_COLUMNS)}"


_AGE_COLUMNS = ("AGE_GROUP_5", "AGE")
_COUNT = "NUMBER_OF_PATIENTS"

LIST_LAYOUTS: tuple[_ListLayout, ...] = (
    _ListLayout(
        "2026 (ORG_TYPE/ORG_CODE)",
        "ORG_TYPE",
        "ORG_CODE",
        ("EXTRACT_DATE", "ORG_TYPE", "ORG_CODE", "SEX", _COUNT),
    ),
    _ListLayout(
        "ICB era (SUB_ICB_LOCATION_CODE)",
        "TYPE",
        "CODE",
        ("EXTRACT_DATE", "TYPE", "SUB_ICB_LOCATION_CODE", "ONS_SUB_ICB_LOCATION_CODE", "CODE", "SEX", _COUNT),
    ),
    _ListLayout(
        "CCG era (CCG_CODE)",
        "TYPE",
        "CODE",
        ("EXTRACT_DATE", "TYPE", "CCG_CODE", "ONS_CCG_CODE", "CODE", "SEX", _COUNT),
    ),
)


def _layout_error(source: str, layouts: Iterable[str], found: Sequence[str]) -> InputError:
    expected = "; ".join(layouts)
    return InputError(
        (
            Problem(
                source,
                1,
                None,
                f"unrecognised layout. Expected the columns of one of these layouts: {expected}. "
                f"Found: {', '.join(found) or 'no columns'}",
            ),
        )
    )


def _upper_header(table: pa.Table) -> pa.Table:
    return table.rename_columns([c.strip().upper() for c in table.column_names])


_LIST_SCHEMA = pa.schema(
    [
        ("practice_code", pa.string()),
        ("sex", pa.string()),
        ("age_band", pa.string()),
        ("patients", pa.int64()),
        ("extract_date", pa.date32()),
    ]
)


def _list_rows(source: _Source) -> tuple[pa.Table, str]:
    """One file's practice rows as (practice_code, sex, age_band, raw_age, patients, extract_date)."""
    t = _upper_header(source.table)
    for layout in LIST_LAYOUTS:
        age_col = layout.matches(t.column_names)
        if age_col:
            break
    else:
        raise _layout_error(source.name, (lay.describe() for lay in LIST_LAYOUTS), t.column_names)

    # Keep only practice rows: the file also holds PCN, sub-ICB, ICB and region totals.
    is_gp = pc.equal(pc.utf8_upper(_trim(t[layout.type_col])), "GP")
    t = t.filter(is_gp)
    rownum = pc.indices_nonzero(is_gp)  # position in the file, for messages

    def where(mask: pa.ChunkedArray) -> int:
        return int(rownum[pc.index(mask, True).as_py()].as_py()) + 2

    count = _trim(t[_COUNT])
    not_count = pc.invert(pc.match_substring_regex(count, r"^\d+$"))
    if pc.any(not_count).as_py():
        bad = pc.filter(count, not_count)[0].as_py()
        raise InputError((Problem(source.name, where(not_count), _COUNT, f"{bad!r} is not a count of patients (expected a whole number, 0 or more)"),))

    def lookup(col: str, convert, expected: str, typ: pa.DataType) -> pa.ChunkedArray:
        return _lookup(_trim(t[col]), convert, source.name, col, expected, typ, rownum)

    sex = lookup("SEX", _sex, "FEMALE, MALE, ALL (or F, M, U)", pa.string())
    age = lookup(age_col, _age_band, "an age (0, 1, ... 95+), a 5-year band (0_4 ... 95+) or ALL", pa.string())
    date = lookup("EXTRACT_DATE", parse_extract_date, "a date such as 2026-07-01, 01JUL2026 or 01Jul2026", pa.date32())
    rows = pa.table(
        {
            "practice_code": pc.utf8_upper(_trim(t[layout.code_col])),
            "sex": sex,
            "age_band": age,
            "raw_age": pc.utf8_upper(_trim(t[age_col])),
            "patients": pc.cast(count, pa.int64()),
            "extract_date": date,
            "rownum": rownum,
        }
    )
    return rows, layout.name


def read_list_counts(paths: Path | str | Sequence[Path | str]) -> tuple[pa.Table, dict[str, str]]:
    """Read "Patients Registered at a GP Practice" files into the ``list_counts`` table.

    Accepts the 5-year-band file, the single-year-of-age file(s) (aggregated to 5-year
    bands) and the practice-totals file, zipped or not, in the CCG-era, ICB-era and 2026
    headers, with dates as ``01JAN2021``, ``2026-04-01`` or ``01Jul2026``. Several files
    may be given (the single-year file used to come split by sex).

    Only practice rows are kept (``ORG_TYPE``/``TYPE`` is ``GP``). Per practice and extract
    date only the finest breakdown present is kept (sex and age, else sex only, else age
    only, else the total), so the ``ALL`` aggregates are never counted twice. A practice
    with only a total has sex ``U`` and age_band ``ALL``; a split by sex alone has
    age_band ``ALL``; a split by age alone has sex ``U``.

    Returns:
        (table, layouts): table with columns practice_code, sex (F/M/U), age_band
        (``0_4`` ... ``95+`` or ``ALL``), patients (int64), extract_date (date); one row
        per practice, sex, age band and extract date. layouts: source -> layout name.

    Raises:
        InputError: an unrecognised header, a bad count, sex, age or date (naming file,
            row and column), or the same practice, sex and age given twice.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    parts, layouts = [], {}
    for path in paths:
        for source in _read_sources(Path(path)):
            rows, layout = _list_rows(source)
            parts.append(rows.append_column("source", pa.array([source.name] * rows.num_rows, pa.string())))
            layouts[source.name] = layout
    if not parts:
        return _LIST_SCHEMA.empty_table(), layouts
    rows = pa.concat_tables(parts)

    # Level 3 = split by sex and age, 2 = sex only, 1 = age only, 0 = the total.
    by_sex = pc.not_equal(rows["sex"], "ALL")
    by_age = pc.not_equal(rows["age_band"], ALL_AGES)
    level = pc.add(pc.multiply(pc.cast(by_sex, pa.int8()), pa.scalar(2, pa.int8())), pc.cast(by_age, pa.int8()))
    rows = rows.append_column("level", level)
    finest = rows.group_by(["practice_code", "extract_date"]).aggregate([("level", "max")])
    rows = rows.join(finest, ["practice_code", "extract_date"]).filter(pc.equal(pc.field("level"), pc.field("level_max")))

    keys = ["practice_code", "sex", "raw_age", "extract_date"]
    dup = rows.group_by(keys).aggregate([("patients", "count"), ("rownum", "max"), ("source", "max")])
    twice = pc.greater(dup["patients_count"], 1)
    if pc.any(twice).as_py():
        first = dup.filter(twice).slice(0, 1).to_pylist()[0]
        raise InputError(
            (
                Problem(
                    first["source_max"],
                    first["rownum_max"] + 2,
                    None,
                    f"the count for sex {first['sex']}, age {first['raw_age']}, {first['extract_date']} of one practice is given twice "
                    "(the same file given twice, or two files of the same month?)",
                ),
            )
        )

    sex = pc.if_else(pc.equal(rows["sex"], "ALL"), Sex.UNKNOWN.value, rows["sex"])
    rows = rows.set_column(rows.column_names.index("sex"), "sex", sex)
    out = rows.group_by(["practice_code", "sex", "age_band", "extract_date"]).aggregate([("patients", "sum")])
    band_order = pc.index_in(out["age_band"], value_set=pa.array((*AGE_BANDS, ALL_AGES)))
    out = out.append_column("band_order", band_order).sort_by(
        [("practice_code", "ascending"), ("extract_date", "ascending"), ("sex", "ascending"), ("band_order", "ascending")]
    )
    out = pa.table(
        {
            "practice_code": out["practice_code"],
            "sex": out["sex"],
            "age_band": out["age_band"],
            "patients": pc.cast(out["patients_sum"], pa.int64()),
            "extract_date": out["extract_date"],
        },
        schema=_LIST_SCHEMA,
    )
    return out, layouts


# --------------------------------------------------------------------------------------
# The practice map
# --------------------------------------------------------------------------------------

_MAP_LAYOUTS: tuple[tuple[str, Mapping[str, str]], ...] = (
    (
        "ICB era",
        {
            "PRACTICE_CODE": "practice_code",
            "PRACTICE_NAME": "practice_name",
            "PCN_CODE": "pcn_code",
            "SUB_ICB_LOCATION_CODE": "sub_icb_code",
            "ICB_CODE": "icb_code",
        },
    ),
    (
        "CCG era",
        {
            "PRACTICE_CODE": "practice_code",
            "PRACTICE_NAME": "practice_name",
            "PCN_CODE": "pcn_code",
            "CCG_CODE": "sub_icb_code",
            "STP_CODE": "icb_code",
        },
    ),
)
_MAP_OPTIONAL: Mapping[str, str] = {
    "PRACTICE_POSTCODE": "postcode",
    "PCN_NAME": "pcn_name",
    "COMM_REGION_CODE": "region_code",
}


def read_practice_map(path: Path | str) -> tuple[pa.Table, tuple[str, ...], str]:
    """Read the practice -> PCN / sub-ICB / ICB map into ``practices`` rows.

    The hub is the practice's PCN code. ``PCN_CODE`` ``U`` (unallocated) is not a hub:
    such a practice gets hub ``UNALLOCATED-<sub-ICB code>``, one pseudo-hub per sub-ICB,
    and a warning.

    Returns:
        (table, warnings, layout). Columns: practice_code, practice_name, hub, pcn_name,
        postcode, sub_icb_code, icb_code, region_code (extra columns are kept by the input
        layer and ignored downstream; they allow selecting an ICB).

    Raises:
        InputError: an unrecognised header, or a practice listed twice.
    """
    sources = _read_sources(Path(path))
    parts = []
    layout_name = ""
    for source in sources:
        t = _upper_header(source.table)
        for layout_name, cols in _MAP_LAYOUTS:  # noqa: B007  (returned: the layout that matched)
            if set(cols) <= set(t.column_names):
                break
        else:
            raise _layout_error(source.name, (f"{n}: {', '.join(c)}" for n, c in _MAP_LAYOUTS), t.column_names)
        data = {new: pc.utf8_upper(_trim(t[old])) if new != "practice_name" else _trim(t[old]) for old, new in cols.items()}
        for old, new in _MAP_OPTIONAL.items():
            data[new] = _trim(t[old]) if old in t.column_names else pa.nulls(t.num_rows, pa.string())
        data["source"] = pa.array([source.name] * t.num_rows, pa.string())
        parts.append(pa.table(data))
    t = pa.concat_tables(parts)
    dup = t.group_by(["practice_code"]).aggregate([("practice_code", "count")])
    twice = pc.greater(dup["practice_code_count"], 1)
    if pc.any(twice).as_py():
        code = pc.filter(dup["practice_code"], twice)[0].as_py()
        rows = pc.indices_nonzero(pc.equal(t["practice_code"], code)).to_pylist()
        raise InputError((Problem(sources[0].name, rows[1] + 2, "PRACTICE_CODE", f"practice {code} is listed twice (first at row {rows[0] + 2})"),))

    unallocated = pc.equal(t["pcn_code"], UNALLOCATED)
    hub = pc.if_else(unallocated, pc.binary_join_element_wise(UNALLOCATED_HUB_PREFIX, t["sub_icb_code"], ""), t["pcn_code"])
    warnings = []
    n_unalloc = pc.sum(pc.cast(unallocated, pa.int64())).as_py() or 0
    if n_unalloc:
        warnings.append(
            f"{n_unalloc} practice(s) are in no PCN (PCN_CODE 'U'): each was put in the pseudo-hub "
            f"{UNALLOCATED_HUB_PREFIX}<sub-ICB code> of its sub-ICB; consider `wholepop hubs` to propose real hubs"
        )
    out = pa.table(
        {
            "practice_code": t["practice_code"],
            "practice_name": t["practice_name"],
            "hub": hub,
            "pcn_name": pc.if_else(unallocated, pa.scalar(None, pa.string()), t["pcn_name"]),
            "postcode": t["postcode"],
            "sub_icb_code": t["sub_icb_code"],
            "icb_code": t["icb_code"],
            "region_code": t["region_code"],
        }
    )
    return out.sort_by("practice_code"), tuple(warnings), layout_name


# --------------------------------------------------------------------------------------
# Weighted populations and deprivation
# --------------------------------------------------------------------------------------


def _find(header: Sequence[str], wanted: str) -> str | None:
    """The column of ``header`` named ``wanted``, ignoring case and surrounding spaces."""
    w = wanted.strip().lower()
    for h in header:
        if h.strip().lower() == w:
            return h
    return None


def _numbers(source: str, col: pa.ChunkedArray, column: str, rownum: pa.Array | None = None) -> pa.ChunkedArray:
    """Strings to float64; empty -> null; anything else that is not a number is an error."""
    text = pc.utf8_trim_whitespace(col)
    empty = pc.equal(text, "")
    ok = pc.match_substring_regex(text, r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$")
    bad = pc.and_(pc.invert(empty), pc.invert(ok))
    if pc.any(bad).as_py():
        value = pc.filter(text, bad)[0].as_py()
        raise InputError((Problem(source, _first_row(bad), column, f"{value!r} is not a number"),))
    return pc.cast(pc.if_else(empty, pa.scalar(None, pa.string()), text), pa.float64())


_WEIGHTS_KEYS = ("Practice_Code", "Latitude", "Longitude")


def read_weights(path: Path | str) -> tuple[pa.Table, pa.Table]:
    """Read NHS England's weighted populations per practice.

    Returns:
        (weights, coordinates). weights: practice_code, component (see ``WEIGHT_COLUMNS``),
        weighted_population (float64), year (2024 for the 2024/25 file); rows with an empty
        value are left out. coordinates: practice_code, lat, lon.

    Raises:
        InputError: a missing column (all expected and found columns named) or a value
            that is not a number (file, row, column).
    """
    (source,) = _read_sources(Path(path))[:1]
    t = source.table
    expected = (*_WEIGHTS_KEYS, *WEIGHT_COLUMNS)
    found = {name: _find(t.column_names, name) for name in expected}
    missing = [name for name, col in found.items() if col is None]
    if missing:
        raise InputError(
            (
                Problem(
                    source.name,
                    1,
                    None,
                    f"unrecognised layout: the weighted populations file needs the columns {', '.join(expected)} "
                    f"(missing: {', '.join(missing)}). Found: {', '.join(t.column_names)}",
                ),
            )
        )
    code = pc.utf8_upper(_trim(t[found["Practice_Code"]]))
    parts = []
    for column, component in WEIGHT_COLUMNS.items():  # nine columns, not rows
        value = _numbers(source.name, t[found[column]], found[column])
        part = pa.table(
            {
                "practice_code": code,
                "component": pa.array([component] * t.num_rows, pa.string()),
                "weighted_population": value,
                "year": pa.array([WEIGHTS_YEAR] * t.num_rows, pa.int64()),
            }
        )
        parts.append(part.filter(pc.is_valid(value)))
    weights = pa.concat_tables(parts).sort_by([("practice_code", "ascending"), ("component", "ascending")])
    coords = pa.table(
        {
            "practice_code": code,
            "lat": _numbers(source.name, t[found["Latitude"]], found["Latitude"]),
            "lon": _numbers(source.name, t[found["Longitude"]], found["Longitude"]),
        }
    )
    return weights, coords


_IMD_LAYOUTS: tuple[tuple[str, tuple[str, str]], ...] = (
    ("practice IMD extract", ("PRACTICE_CODE", "IMD_SCORE")),
    ("Fingertips data export", ("Area Code", "Value")),
)


def read_imd(path: Path | str) -> pa.Table:
    """Read a deprivation (IMD) score per practice: practice_code, imd_score.

    Accepts ``PRACTICE_CODE, ..., IMD_SCORE`` (as in the shared 2025 extract) or a
    Fingertips data export (``Area Code``, ``Value``; rows of ``Area Type`` other than GP
    practices are dropped when that column is present).
    """
    (source,) = _read_sources(Path(path))[:1]
    t = source.table
    for name, (code_name, value_name) in _IMD_LAYOUTS:  # noqa: B007  (read after the loop: the layout that matched)
        code_col, value_col = _find(t.column_names, code_name), _find(t.column_names, value_name)
        if code_col and value_col:
            break
    else:
        raise _layout_error(source.name, (f"{n}: {', '.join(c)}" for n, c in _IMD_LAYOUTS), t.column_names)
    area_type = _find(t.column_names, "Area Type")
    keep = None
    if name.startswith("Fingertips") and area_type:
        keep = pc.match_substring(pc.utf8_lower(t[area_type]), "gp")
    score = _numbers(source.name, t[value_col], value_col)
    out = pa.table({"practice_code": pc.utf8_upper(_trim(t[code_col])), "imd_score": score})
    if keep is not None:
        out = out.filter(keep)
    return out.filter(pc.is_valid(out["imd_score"]))


def build_practices(practice_map: pa.Table, coords: pa.Table | None = None, imd: pa.Table | None = None) -> tuple[pa.Table, tuple[str, ...]]:
    """The ``practices`` table: the map joined to coordinates and IMD score by practice code.

    Returns:
        (table, warnings): warnings count practices left without coordinates or IMD.
    """
    t = practice_map
    warnings = []
    for extra, cols, what in ((coords, ("lat", "lon"), "coordinates (lat/lon)"), (imd, ("imd_score",), "IMD score")):
        if extra is None:
            for c in cols:
                t = t.append_column(c, pa.nulls(t.num_rows, pa.float64()))
            continue
        extra = extra.group_by(["practice_code"]).aggregate([(c, "max") for c in cols]).rename_columns(["practice_code", *cols])
        t = t.join(extra, "practice_code", join_type="left outer")
        missing = t.num_rows - pc.sum(pc.cast(pc.is_valid(t[cols[0]]), pa.int64())).as_py()
        if missing:
            warnings.append(f"{missing} of {t.num_rows} practices have no {what} in the file given")
    order = ["practice_code", "practice_name", "hub", "lat", "lon", "postcode", "imd_score", "pcn_name", "sub_icb_code", "icb_code", "region_code"]
    return t.select(order).sort_by("practice_code"), tuple(warnings)


# --------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------


def write_tables(out: Path | str, tables: Mapping[str, pa.Table], texts: Mapping[str, str] | None = None) -> dict[str, Path]:
    """Write each table to ``out/<name>.parquet`` (and each text to ``out/<file>``), all or nothing.

    Files are written to a temporary folder inside ``out`` first and moved into place only
    when every one is written, so a failure leaves ``out`` as it was. A CSV of the same
    table already in ``out`` is refused: it would be read instead of the new Parquet file.
    """
    out = Path(out)
    texts = dict(texts or {})
    clashes = [f"{name}.csv" for name in tables if (out / f"{name}.csv").exists()]
    if clashes:
        raise InputError((Problem(str(out), None, None, f"already holds {', '.join(clashes)}; write to an empty folder or remove them"),))
    out.mkdir(parents=True, exist_ok=True)
    files = {name: f"{name}.parquet" for name in tables} | {name: name for name in texts}
    written = {}
    with tempfile.TemporaryDirectory(dir=out, prefix=".import-") as tmp:
        for name, table in tables.items():
            pq.write_table(table, Path(tmp) / files[name])
        for name, text in texts.items():
            (Path(tmp) / name).write_text(text, encoding="utf-8")
        for name, file in files.items():
            os.replace(Path(tmp) / file, out / file)
            written[name] = out / file
    return written


def import_nhs_lists(files: Sequence[Path | str], out: Path | str) -> ImportReport:
    """Read list-size files (see ``read_list_counts``) and write ``out/list_counts.parquet``."""
    table, layouts = read_list_counts(files)
    written = write_tables(out, {"list_counts": table})
    return ImportReport(written, {"list_counts": table.num_rows}, (), layouts)


def import_nhs_map(
    map_file: Path | str,
    out: Path | str,
    weights_file: Path | str | None = None,
    imd_file: Path | str | None = None,
    icb: Sequence[str] = (),
    sub_icb: Sequence[str] = (),
) -> ImportReport:
    """Read the practice map (plus weighted populations and IMD, if given) and write
    ``out/practices.parquet`` (and ``out/weights.parquet`` when a weights file is given).

    ``icb`` / ``sub_icb`` keep only the practices of those ICB or sub-ICB codes (and their
    weights). Everything is read and checked before anything is written.
    """
    practice_map, warnings, layout = read_practice_map(map_file)
    selectors = [(col, [c.strip().upper() for c in codes]) for col, codes in (("icb_code", icb), ("sub_icb_code", sub_icb)) if codes]
    for col, codes in selectors:
        practice_map = practice_map.filter(pc.is_in(practice_map[col], value_set=pa.array(codes, pa.string())))
    if selectors and practice_map.num_rows == 0:
        raise InputError((Problem(Path(map_file).name, None, None, "no practice is in the ICB / sub-ICB codes selected"),))
    weights = coords = imd = None
    if weights_file is not None:
        weights, coords = read_weights(weights_file)
        weights = weights.filter(pc.is_in(weights["practice_code"], value_set=practice_map["practice_code"]))
    if imd_file is not None:
        imd = read_imd(imd_file)
    practices, more = build_practices(practice_map, coords, imd)
    tables = {"practices": practices}
    if weights is not None:
        tables["weights"] = weights
    written = write_tables(out, tables)
    layouts = {Path(map_file).name: layout}
    return ImportReport(written, {k: v.num_rows for k, v in tables.items()}, (*warnings, *more), layouts)


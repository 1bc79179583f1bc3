"""The input folder as the validator sees it: every row numbered, every value parsed safely.

Validation needs what the typed ``Inputs`` deliberately drop: the row each value came
from, and the text of values that do not parse. ``stage(folder, backend)`` reads each
present table once more, adds ``_row`` (the spreadsheet row number) and parses declared
columns so that a bad value becomes a null rather than an exception. Checks (see
``wholepop.inputs.checks``) are relational filters over these tables.

Row numbers are exact, never "whatever order the scan produced":

* CSV is read by pyarrow, every column as text; pyarrow returns rows in file order, so
  data row ``i`` (0-based) is row ``i + 2`` (the header is row 1).
* Parquet keeps its own types and is read lazily: DuckDB's ``file_row_number`` or Polars'
  row index give the position of each row in its file. A folder of Parquet parts numbers
  rows within each part, and problems then name the part (``activity/part-1.parquet``).
"""

from __future__ import annotations

import csv
import types
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import ibis.expr.datatypes as dt
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from wholepop.inputs.load import IBIS_TYPES, find_file
from wholepop.inputs.schema import TABLES, Column, DType, Table

__all__ = ["ROW", "PART", "RawInputs", "RawTable", "parse", "stage"]

ROW = "_row"  # spreadsheet row number of a data row (header = 1, first data row = 2)
PART = "_part"  # for a folder of Parquet parts: the part (relative path) a row came from

# Text forms the validator accepts. Engines disagree on what a lenient cast accepts
# (DuckDB casts "-2.5" to int64 as -3, Polars refuses), so the format is fixed here and
# both engines see the same rule.
INT_TEXT = r"^[+-]?[0-9]{1,18}$"  # 18 digits always fit int64
FLOAT_TEXT = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
# YYYY-MM-DD naming a real day: months of 31, 30 and 28 days, and 29 February of a
# leap year (divisible by 4, centuries only when divisible by 400). One regular
# expression keeps the query small; the arithmetic version grew it a hundredfold.
_LEAP = r"([0-9]{2}(0[48]|[2468][048]|[13579][26])|([02468][048]|[13579][26])00)"
DATE_TEXT = (
    r"^([0-9]{4}-(0[13578]|1[02])-(0[1-9]|[12][0-9]|3[01])"
    r"|[0-9]{4}-(0[469]|11)-(0[1-9]|[12][0-9]|30)"
    r"|[0-9]{4}-02-(0[1-9]|1[0-9]|2[0-8])"
    rf"|{_LEAP}-02-29)$"
)


@dataclass(frozen=True)
class RawTable:
    """One input table as found in the folder.

    Attributes:
        name: declared table name.
        decl: its declaration.
        path: the file (or folder of parts) it was read from.
        format: ``csv`` or ``parquet``.
        raw: the file's own columns plus ``_row`` (and ``_part`` for a folder of parts).
            CSV columns are text exactly as written.
        values: one column per declared column, parsed to its declared type (a value that
            does not parse, and an absent column, is null) plus ``_row`` (and ``_part``).
            CSV text is trimmed; an empty string is null.
        missing: required columns the file lacks.
        incompatible: Parquet columns whose stored type cannot hold the declared type,
            column -> stored type.
    """

    name: str
    decl: Table
    path: Path
    format: str
    raw: ibis.Table
    values: ibis.Table
    missing: tuple[str, ...] = ()
    incompatible: Mapping[str, str] = field(default_factory=dict)

    @property
    def parts(self) -> bool:
        """Whether rows are numbered within parts (a folder of Parquet files)."""
        return PART in self.raw.columns

    def has(self, *columns: str) -> bool:
        """Whether every one of ``columns`` is present with a usable type."""
        return all(c in self.raw.columns and c not in self.incompatible for c in columns)

    def value(self, column: str) -> ibis.Value:
        """Column ``column`` parsed to its declared type, as an expression on ``raw``."""
        return _value(self.raw, self.decl.column(column), self.incompatible)

    def text(self, column: str) -> ibis.Column | None:
        """The text of a CSV (or text Parquet) column, empty as null; else None.

        CSV text is trimmed when read (as ``open_inputs`` trims it); Parquet strings are
        taken as stored.
        """
        col = self.raw[column]
        if not col.type().is_string():
            return None
        return (col if self.decl.column(column).dtype is DType.STRING else col.strip()).nullif("")


@dataclass(frozen=True)
class RawInputs:
    """Every input table of a folder, row-numbered, for the checks.

    Attributes:
        folder: the data folder.
        backend: the Ibis backend the tables live on.
        tables: table name -> ``RawTable`` for each table found and readable.
        absent: declared tables with no file in the folder.
        unreadable: table name -> (file, reason) for files that could not be read.
        counts: table name -> number of data rows, for each table read.
    """

    folder: Path
    backend: BaseBackend
    tables: Mapping[str, RawTable]
    absent: tuple[str, ...] = ()
    unreadable: Mapping[str, tuple[Path, str]] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)

    def __getitem__(self, name: str) -> RawTable:
        return self.tables[name]

    def has(self, name: str, *columns: str) -> bool:
        """Whether table ``name`` was read and has every one of ``columns`` usable."""
        return name in self.tables and self.tables[name].has(*columns)

    def rows(self, name: str) -> int:
        """Number of data rows of table ``name`` (0 if it was not read)."""
        return self.counts.get(name, 0)


def stage(folder: str | Path, backend: BaseBackend) -> RawInputs:
    """Read every declared table of ``folder`` row-numbered, without judging it.

    Args:
        folder: the data folder.
        backend: Ibis backend (DuckDB or Polars) to hold the tables.

    Returns:
        The staged tables; absent and unreadable files are recorded, not raised.
    """
    folder = Path(folder)
    tables: dict[str, RawTable] = {}
    absent: list[str] = []
    unreadable: dict[str, tuple[Path, str]] = {}
    for decl in TABLES:
        path = find_file(folder, decl.name)
        if path is None:
            absent.append(decl.name)
            continue
        try:
            raw, fmt = _read_numbered(backend, path, decl.name)
        except (OSError, pa.ArrowException, ValueError, UnicodeDecodeError) as e:
            unreadable[decl.name] = (path, _reason(e))
            continue
        except Exception as e:  # noqa: BLE001 (engines raise their own error classes for corrupt files)
            if type(e).__module__.split(".")[0] not in ("duckdb", "_duckdb", "polars"):
                raise
            unreadable[decl.name] = (path, _reason(e))
            continue
        tables[decl.name] = _stage_table(decl, path, fmt, raw)
    return RawInputs(
        folder=folder,
        backend=backend,
        tables=types.MappingProxyType(tables),
        absent=tuple(absent),
        unreadable=types.MappingProxyType(unreadable),
        counts=types.MappingProxyType(_count_rows(backend, tables)),
    )


def _count_rows(backend: BaseBackend, tables: Mapping[str, RawTable]) -> dict[str, int]:
    # One query for every table (Parquet answers from its footer).
    if not tables:
        return {}
    parts = [rt.raw.aggregate(_n=rt.raw.count()).mutate(_k=ibis.literal(name)) for name, rt in tables.items()]
    found = backend.to_pyarrow(parts[0] if len(parts) == 1 else ibis.union(*parts)).to_pylist()
    return {r["_k"]: int(r["_n"]) for r in found}


def _reason(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
    return text[:200]


def _view_name(name: str) -> str:
    # Unique per read: the typed tables' `read_raw` names its views raw_<table>, and a
    # second folder on the same backend must not replace the first one's views.
    return f"rows_{name}_{uuid.uuid4().hex[:12]}"


def _read_numbered(backend: BaseBackend, path: Path, name: str) -> tuple[ibis.Table, str]:
    if path.suffix == ".csv":
        return _read_csv(path, name), "csv"
    if path.is_dir():
        return _read_parquet_parts(backend, path, name), "parquet"
    return _read_parquet(backend, path, name), "parquet"


def _read_csv(path: Path, name: str) -> ibis.Table:
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = next(csv.reader(f), None)
    if not header:
        raise ValueError("the file is empty (expected a header row)")
    table = pacsv.read_csv(
        path,
        convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in header},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    # Trimmed here, vectorised, as the typed tables trim CSV text.
    table = pa.table({c: pc.utf8_trim_whitespace(table[c]) for c in table.column_names})
    # pyarrow returns rows in file order, so position i is data row i, spreadsheet row i + 2.
    rows = pa.array(range(2, table.num_rows + 2), type=pa.int64())
    return ibis.memtable(table.append_column(ROW, rows))


def _read_parquet(backend: BaseBackend, path: Path, name: str) -> ibis.Table:
    pq.read_schema(path)  # a corrupt or non-Parquet file fails here, with a readable reason
    if backend.name == "duckdb":
        t = backend.read_parquet(str(path), table_name=_view_name(name), file_row_number=True)
        return t.mutate(**{ROW: t.file_row_number + 2}).drop("file_row_number")
    if backend.name == "polars":
        return backend.read_parquet(str(path), table_name=_view_name(name), row_index_name=ROW, row_index_offset=2)
    if backend.name == "pyspark":
        return _read_parquet_spark(backend, [path], name, None)
    raise ValueError(f"row numbers for Parquet are not implemented on {backend.name}")  # pragma: no cover  (engine.connect offers only duckdb and polars)


def _read_parquet_parts(backend: BaseBackend, path: Path, name: str) -> ibis.Table:
    files = sorted(path.rglob("*.parquet"))
    for f in files:
        pq.read_schema(f)
    if backend.name == "duckdb":
        t = backend.read_parquet(
            [str(f) for f in files], table_name=_view_name(name), file_row_number=True, filename=True, union_by_name=True
        )
        prefix = str(path) + "/"
        return t.mutate(**{ROW: t.file_row_number + 2, PART: t.filename.replace(prefix, "")}).drop(
            "file_row_number", "filename"
        )
    if backend.name == "polars":
        # Polars numbers rows across the parts in order; subtract each part's first index.
        glob = str(path / "**" / "*.parquet")
        t = backend.read_parquet(glob, table_name=_view_name(name), row_index_name="_index", include_file_paths="_file")
        first = t.group_by("_file").agg(_first=t._index.min())
        t = t.join(first, "_file")
        prefix = str(path) + "/"
        return t.mutate(**{ROW: t._index - t._first + 2, PART: t._file.replace(prefix, "")}).drop(
            "_index", "_first", "_file"
        )
    if backend.name == "pyspark":
        return _read_parquet_spark(backend, files, name, path)
    raise ValueError(f"row numbers for Parquet are not implemented on {backend.name}")  # pragma: no cover


def _read_parquet_spark(backend: BaseBackend, files: list[Path], name: str, root: Path | None) -> ibis.Table:
    # Spark numbers rows within each Parquet file in its hidden ``_metadata.row_index``
    # column (Spark 3.5+); Ibis cannot name hidden columns, so the view is made in Spark.
    from pyspark.sql import functions as F

    df = backend._session.read.parquet(*(str(f) for f in files))
    extra = [(F.col("_metadata.row_index") + 2).alias(ROW)]
    if root is not None:
        # file_path is a URI (file:/..., dbfs:/...); the part is what follows the folder.
        marker = "/" + root.name + "/"
        extra.append(F.substring_index(F.col("_metadata.file_path"), marker, -1).alias(PART))
    view = _view_name(name)
    df.select("*", *extra).createOrReplaceTempView(view)
    return backend.table(view)


# Stored Parquet types each declared type accepts (text is parsed row by row instead).
def _compatible(stored: dt.DataType, declared: DType) -> bool:
    if stored.is_string() or stored.is_null():
        return True
    if declared is DType.STRING:
        return stored.is_integer()  # numeric ids are common; they are read as text
    if declared is DType.INT:
        return stored.is_integer() or stored.is_floating() or stored.is_decimal()  # fractions are found per row
    if declared is DType.FLOAT:
        return stored.is_numeric()
    if declared is DType.DATE:
        return stored.is_date() or stored.is_timestamp()
    return False  # pragma: no cover  (DType has four members)


def parse(text: ibis.Column, dtype: DType) -> ibis.Column:
    """Trimmed text parsed to ``dtype``; a value not in the accepted form becomes null.

    Accepted forms: whole numbers of up to 18 digits, decimal numbers (with an optional
    exponent), dates as ``YYYY-MM-DD`` naming a real day. Pure Ibis, the same on every
    engine: the form is judged by a regular expression, not by an engine's lenient cast.
    """
    if dtype is DType.STRING:
        return text
    if dtype is DType.INT:
        return text.re_search(INT_TEXT).ifelse(text, ibis.null(dt.string)).cast(dt.int64)
    if dtype is DType.FLOAT:
        return text.re_search(FLOAT_TEXT).ifelse(text, ibis.null(dt.string)).cast(dt.float64)
    real = text.re_search(DATE_TEXT)
    # Both branches are evaluated on some engines: cast only text known to be a date.
    return real.ifelse(real.ifelse(text, "2000-01-01").cast(dt.date), ibis.null(dt.date))


def _value(raw: ibis.Table, column: Column, incompatible: Mapping[str, str]) -> ibis.Value:
    target = IBIS_TYPES[column.dtype]
    if column.name not in raw.columns or column.name in incompatible:
        return ibis.null(target)
    col = raw[column.name]
    if col.type().is_string():
        # CSV text was trimmed when read; Parquet text to be cast is trimmed here, as
        # `typed` trims it (Parquet strings kept as strings are taken as stored).
        text = col if column.dtype is DType.STRING else col.strip()
        return parse(text.nullif(""), column.dtype)
    if col.type().is_null():
        return ibis.null(target)
    if col.type() != target:
        return col.cast(target)
    return col


def _stage_table(decl: Table, path: Path, fmt: str, raw: ibis.Table) -> RawTable:
    schema = raw.schema()
    missing = tuple(c.name for c in decl.required_columns if c.name not in schema)
    incompatible = {
        c.name: str(schema[c.name])
        for c in decl.columns
        if c.name in schema and not _compatible(schema[c.name], c.dtype)
    }
    keep = [ROW] + ([PART] if PART in schema else [])
    values = raw.select(*keep, **{c.name: _value(raw, c, incompatible) for c in decl.columns})
    return RawTable(
        name=decl.name,
        decl=decl,
        path=path,
        format=fmt,
        raw=raw,
        values=values,
        missing=missing,
        incompatible=types.MappingProxyType(incompatible),
    )

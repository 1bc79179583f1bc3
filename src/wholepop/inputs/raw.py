"""The input folder staged once: every row numbered, every value parsed safely, the same
values for ``check`` and for every later stage.

``stage(folder, backend)`` reads each table from the files the one lister names
(``wholepop.inputs.files.list_inputs``), adds ``_row`` (the spreadsheet row number) and
parses the declared columns so that a bad value becomes a null, never an exception.
Checks (``wholepop.inputs.checks``) are relational filters over ``RawTable.raw``; the
typed tables every later stage reads are ``RawTable.typed``: the *same* parsing
expressions over the same files, so what ``check`` judged is what ``settle`` sums.

Staging normalises text once, before any engine reads it:

* CSV is read by pyarrow (bytes first, so a row that is not UTF-8 is named, not the
  file refused), blank lines kept as rows so that row numbers stay the rows a
  spreadsheet shows, then dropped; a row with the wrong number of fields (a stray quote
  or comma) is named and left out; NUL bytes are refused with their row. Rows are
  records as pyarrow's parser counts them (a quoted line break does not start a row),
  and staging lists at most ``MAX_LISTED`` of each kind per table, then a count. Every value is
  then stripped at both ends of ``SPACE_LIKE`` (Unicode's White_Space characters plus
  U+200B and U+FEFF), with pyarrow, so no engine's notion of "whitespace" ever matters.
* Parquet is read lazily by the engine. Its text columns are stripped of the same
  characters by one regular expression (the same on DuckDB and Polars), and only in the
  columns where staging found such a character at an end, so clean data pays nothing.

Only the declared columns are kept: a user's column named like an internal one (``_row``,
``file_row_number``) is never read, and cannot collide with one.

Row numbers are exact, never "whatever order the scan produced":

* CSV rows come back from pyarrow in file order: data record ``i`` (0-based, blank
  records included) is spreadsheet row ``i + 2`` (the header is row 1).
* Parquet: DuckDB's ``file_row_number`` or Polars' row index give the position of each
  row in its file. A folder of parts numbers rows within each part, and problems then name
  the part (``activity/part-1.parquet``).
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
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from wholepop.inputs.files import InputListing, TableFiles, list_inputs
from wholepop.inputs.problems import MAX_LISTED
from wholepop.inputs.schema import IBIS_TYPES, TABLES, Column, DType, Table

__all__ = ["PART", "ROW", "SPACE_LIKE", "RawInputs", "RawTable", "StagingProblem", "normalised", "parse", "stage"]

ROW = "_row"  # spreadsheet row number of a data row (header = 1, first data row = 2)
PART = "_part"  # for a folder of Parquet parts: the part (relative path) a row came from
FLAWED = "_flawed"  # CSV rows with a value that could not be read (not UTF-8, a NUL byte)

# Characters stripped from both ends of every text value: Unicode's White_Space property
# (tab to carriage return, space, NEL, no-break space, ogham space, the en/em spaces,
# line and paragraph separators, narrow no-break, medium mathematical, ideographic)
# plus the zero-width space and the byte-order mark, which spreadsheets leave behind.
SPACE_LIKE = "".join(
    map(chr, (*range(0x09, 0x0E), 0x20, 0x85, 0xA0, 0x1680, *range(0x2000, 0x200B),
              0x2028, 0x2029, 0x202F, 0x205F, 0x3000, 0x200B, 0xFEFF))
)
_EDGE_SPACE = f"^[{SPACE_LIKE}]+|[{SPACE_LIKE}]+$"
_ANY_EDGE_SPACE = f"^[{SPACE_LIKE}]|[{SPACE_LIKE}]$"

# Text forms the validator accepts. Engines disagree on what a lenient cast accepts
# (DuckDB casts "-2.5" to int64 as -3, Polars refuses), so the format is fixed here and
# both engines see the same rule. Lengths are bounded so every accepted text fits its
# type: 18 digits always fit int64; 30 digits and a two-digit exponent always fit a
# double (DuckDB refuses "1e400" where Polars gives infinity).
INT_TEXT = r"^[+-]?[0-9]{1,18}$"
FLOAT_TEXT = r"^[+-]?([0-9]{1,30}(\.[0-9]{0,30})?|\.[0-9]{1,30})([eE][+-]?[0-9]{1,2})?$"
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
# Names the readers add; a file's own column of one of these names is never read.
_INTERNAL = frozenset({ROW, PART, FLAWED, "file_row_number", "filename", "_index", "_file", "_first"})


@dataclass(frozen=True)
class StagingProblem:
    """A problem found while reading a file, before any check runs (a row that is not
    UTF-8, holds a NUL byte, or has the wrong number of fields).

    Attributes:
        row: spreadsheet row, if known.
        column: the column, if one.
        message: what was found and what was expected.
    """

    row: int | None
    column: str | None
    message: str


@dataclass(frozen=True)
class RawTable:
    """One input table as found in the folder.

    Attributes:
        name: declared table name.
        decl: its declaration.
        path: the file (or folder of parts) it was read from.
        format: ``csv`` or ``parquet``.
        raw: the declared columns the file has, as stored (CSV: text, normalised), plus
            ``_row`` (and ``_part`` for a folder of parts).
        values: one column per declared column, parsed to its declared type (a value that
            does not parse or is out of bounds, and an absent column, is null) plus
            ``_row`` (and ``_part``). CSV text is stripped; an empty string is null.
        typed: ``values`` without the row numbers, read from the same files without
            numbering them: what the later stages read.
        missing: required columns the file lacks.
        incompatible: Parquet columns whose stored type cannot hold the declared type,
            column -> stored type.
        found: the file's own column names, in order.
        staging: problems found while reading (bad bytes, bad rows).
        files: exactly the files read.
        spaced: Parquet text columns stripped of space-like characters when read: codes
            and ids where staging found such a character at an end of some value, and
            text to be parsed as numbers or dates.
    """

    name: str
    decl: Table
    path: Path
    format: str
    raw: ibis.Table
    values: ibis.Table
    typed: ibis.Table
    missing: tuple[str, ...] = ()
    incompatible: Mapping[str, str] = field(default_factory=dict)
    found: tuple[str, ...] = ()
    staging: tuple[StagingProblem, ...] = ()
    files: tuple[Path, ...] = ()
    spaced: frozenset[str] = frozenset()

    @property
    def parts(self) -> bool:
        """Whether rows are numbered within parts (a folder of Parquet files)."""
        return PART in self.raw.columns

    def has(self, *columns: str) -> bool:
        """Whether every one of ``columns`` is present with a usable type."""
        return all(c in self.raw.columns and c not in self.incompatible for c in columns)

    def value(self, column: str) -> ibis.Value:
        """Column ``column`` parsed to its declared type, as an expression on ``raw``."""
        return _value(self.raw, self.decl.column(column), self.incompatible, self.spaced)

    def unbounded(self, column: str) -> ibis.Value:
        """Column ``column`` parsed to its type before its bounds are applied (what the
        bounds rule judges); stored dates are given as text, so that no date is too
        large for Python to show."""
        return _value(self.raw, self.decl.column(column), self.incompatible, self.spaced, bounded=False)

    def text(self, column: str) -> ibis.Column | None:
        """The text of a CSV (or text Parquet) column, stripped, empty as null; else None."""
        col = self.raw[column]
        if not col.type().is_string():
            return None
        if column in self.spaced:
            col = normalised(col)  # as _value reads it
        return col.nullif("")


@dataclass(frozen=True)
class RawInputs:
    """Every input table of a folder, row-numbered, for the checks.

    Attributes:
        folder: the data folder.
        backend: the Ibis backend the tables live on.
        tables: table name -> ``RawTable`` for each table found and readable.
        absent: declared tables with no file in the folder.
        unreadable: table name -> (file, reason) for files that could not be read or used.
        counts: table name -> number of data rows, for each table read.
        listing: the files of every table (``wholepop.inputs.files.list_inputs``).
    """

    folder: Path
    backend: BaseBackend
    tables: Mapping[str, RawTable]
    absent: tuple[str, ...] = ()
    unreadable: Mapping[str, tuple[Path, str]] = field(default_factory=dict)
    counts: Mapping[str, int] = field(default_factory=dict)
    listing: InputListing | None = None

    def __getitem__(self, name: str) -> RawTable:
        return self.tables[name]

    def has(self, name: str, *columns: str) -> bool:
        """Whether table ``name`` was read and has every one of ``columns`` usable."""
        return name in self.tables and self.tables[name].has(*columns)

    def rows(self, name: str) -> int:
        """Number of data rows of table ``name`` (0 if it was not read)."""
        return self.counts.get(name, 0)


def stage(folder: str | Path, backend: BaseBackend, listing: InputListing | None = None) -> RawInputs:
    """Read every declared table of ``folder`` row-numbered, without judging it.

    Args:
        folder: the data folder.
        backend: Ibis backend (DuckDB or Polars) to hold the tables.
        listing: the files to read, if already listed (the ledger lists them to hash them
            first); default: ``list_inputs(folder)``.

    Returns:
        The staged tables; absent and unreadable files are recorded, not raised.
    """
    folder = Path(folder)
    listing = listing if listing is not None else list_inputs(folder)
    tables: dict[str, RawTable] = {}
    unreadable: dict[str, tuple[Path, str]] = {}
    for name, reason in listing.errors.items():
        unreadable[name] = (folder / name, reason)
    for decl in TABLES:
        tf = listing.tables.get(decl.name)
        if tf is None:
            continue
        try:
            tables[decl.name] = _stage_table(backend, decl, tf)
        except _Unreadable as e:
            unreadable[decl.name] = (tf.path, str(e))
        except (OSError, pa.ArrowException, ValueError) as e:
            unreadable[decl.name] = (tf.path, f"cannot read {tf.path.name} ({_reason(e)})")
        except Exception as e:  # engines raise their own error classes for corrupt files
            if not engine_error(e):
                raise
            unreadable[decl.name] = (tf.path, f"cannot read {tf.path.name} ({_reason(e)})")
    counts: dict[str, int] = {}
    try:
        counts = _count_rows(backend, tables)
    except Exception as e:  # a corrupt page is found when first scanned
        if not engine_error(e):
            raise
        # Count table by table to name the one that cannot be read.
        for name in list(tables):
            try:
                counts.update(_count_rows(backend, {name: tables[name]}))
            except Exception as e2:
                if not engine_error(e2):
                    raise
                unreadable[name] = (tables[name].path, f"cannot read {tables[name].path.name} ({_reason(e2)})")
                del tables[name]
    return RawInputs(
        folder=folder,
        backend=backend,
        tables=types.MappingProxyType(tables),
        absent=tuple(listing.absent),
        unreadable=types.MappingProxyType(unreadable),
        counts=types.MappingProxyType(counts),
        listing=listing,
    )


def engine_error(e: BaseException) -> bool:
    """Whether ``e`` is an engine's or pyarrow's error about the data (a corrupt or
    unreadable file), as opposed to a bug in wholepop."""
    if isinstance(e, (pa.ArrowException, OSError)):
        return True
    return type(e).__module__.split(".")[0] in ("duckdb", "_duckdb", "polars", "pyarrow")


class _Unreadable(Exception):
    """A file that cannot be used; the message is the whole reason."""


def normalised(text: ibis.Value) -> ibis.Value:
    """``text`` without ``SPACE_LIKE`` characters at either end (the same on every engine)."""
    return text.re_replace(_EDGE_SPACE, "")


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
    # Unique per read: a second folder on the same backend must not replace the first's views.
    return f"rows_{name}_{uuid.uuid4().hex[:12]}"


def _stage_table(backend: BaseBackend, decl: Table, tf: TableFiles) -> RawTable:
    staging: tuple[StagingProblem, ...] = ()
    if tf.format == "csv":
        table, found, staging = _read_csv(tf.path, decl)
        raw = _register(backend, decl.name, table)
        plain = raw.drop(ROW, *([FLAWED] if FLAWED in raw.columns else []))
    else:
        found = _parquet_columns(tf.files)
        keep = [c.name for c in decl.columns if c.name in found]
        if _INTERNAL & set(found):
            # A user's column named like one the engine adds (DuckDB refuses to add
            # file_row_number beside a stored one): read the declared columns with pyarrow
            # instead (rare, and correct at any size that fits in memory).
            raw = _register(backend, decl.name, _read_parquet_arrow(tf, keep))
            plain = raw.drop(*[c for c in (ROW, PART) if c in raw.columns])
        else:
            raw = _read_parquet(backend, tf, decl.name, keep)
            plain = _read_parquet_plain(backend, tf, decl.name, keep)
    schema = raw.schema()
    missing = tuple(c.name for c in decl.required_columns if c.name not in schema)
    incompatible = {
        c.name: str(schema[c.name])
        for c in decl.columns
        if c.name in schema and not _compatible(schema[c.name], c.dtype)
    }
    spaced = frozenset()
    if tf.format != "csv":
        # Parquet text to be parsed as a number or date is always stripped (a rare
        # layout); codes and ids only where staging finds something to strip.
        as_text = {c.name for c in decl.columns
                   if c.dtype is not DType.STRING and c.name in schema and schema[c.name].is_string()}
        spaced = _edge_spaced(backend, raw, decl) | as_text

    def parsed(table: ibis.Table) -> dict[str, ibis.Value]:
        # One set of expressions for the checks' table and the later stages' table.
        return {c.name: _value(table, c, incompatible, spaced) for c in decl.columns}

    ids = [ROW] + ([PART] if PART in schema else [])
    return RawTable(
        name=decl.name,
        decl=decl,
        path=tf.path,
        format=tf.format,
        raw=raw,
        values=raw.select(*ids, **parsed(raw)),
        typed=plain.select(**parsed(plain)),
        missing=missing,
        incompatible=types.MappingProxyType(incompatible),
        found=found,
        staging=staging,
        files=tf.files,
        spaced=spaced,
    )


def _register(backend: BaseBackend, name: str, table: pa.Table) -> ibis.Table:
    """An Arrow table as a table *of the backend* (not an unbound memtable: a stage that
    caches a table must find the run's backend in it, not Ibis's default one)."""
    view = _view_name(name)
    if backend.name == "duckdb":
        backend.con.register(view, table)  # scanned in place, not copied
    elif backend.name == "polars":
        import polars as pl

        backend._add_table(view, pl.from_arrow(table))
    else:
        # Spark: a session-scoped temporary view (Ibis's PySpark backend has no temporary
        # tables, and a real table would be written to the warehouse folder).
        backend.create_view(view, ibis.memtable(table), overwrite=True)
    return backend.table(view)


# Codes and ids: the text columns that join tables or name a vocabulary value, which a
# stray space would silently break. Free text (names, postcodes, provider) is left as
# stored in Parquet (CSV strips every value: there it costs nothing).
_CODES = frozenset({"patient_id", "practice_code", "hub", "measure", "component", "age_band"})


def _edge_spaced(backend: BaseBackend, raw: ibis.Table, decl: Table) -> frozenset[str]:
    """Parquet code and id columns stored as text with a space-like character at an end
    of some value: one query, over each column's distinct values (Parquet stores few of
    them, as a dictionary); only those columns are then stripped."""
    cols = [c.name for c in decl.columns
            if c.name in raw.columns and raw[c.name].type().is_string() and (c.vocab is not None or c.name in _CODES)]
    if not cols:
        return frozenset()
    parts = []
    for c in cols:
        d = raw.select(_v=raw[c]).distinct()
        parts.append(d.aggregate(_n=d._v.re_search(_ANY_EDGE_SPACE).fill_null(False).cast("int64").sum())
                     .mutate(_k=ibis.literal(c)))
    found = backend.to_pyarrow(parts[0] if len(parts) == 1 else ibis.union(*parts)).to_pylist()
    return frozenset(r["_k"] for r in found if (r["_n"] or 0) > 0)


# --- CSV ---------------------------------------------------------------------------------


def _read_csv(path: Path, decl: Table) -> tuple[pa.Table, tuple[str, ...], tuple[StagingProblem, ...]]:
    """The declared columns of a CSV file as normalised text, with ``_row``; the file's
    header; and the problems of rows that could not be taken as they are."""
    header = _csv_header(path)
    bad_rows: list[tuple[int | None, int]] = []

    def skip(row) -> str:
        bad_rows.append((row.number, row.actual_columns))
        return "skip"

    def read(threads: bool) -> pa.Table:
        return pacsv.read_csv(
            path,
            # The header as staging read it (names stripped like every value), not pyarrow's.
            read_options=pacsv.ReadOptions(use_threads=threads, column_names=list(header), skip_rows=1),
            parse_options=pacsv.ParseOptions(newlines_in_values=True, ignore_empty_lines=False, invalid_row_handler=skip),
            convert_options=pacsv.ConvertOptions(
                column_types={c: pa.binary() for c in header},
                strings_can_be_null=False,
                quoted_strings_can_be_null=False,
            ),
        )

    table = read(threads=True)
    if bad_rows and any(n is None for n, _ in bad_rows):
        # Parallel parsing does not number the rows it skips: read again in one thread.
        bad_rows.clear()
        table = read(threads=False)
    problems: list[StagingProblem] = []
    for line, got in sorted(bad_rows, key=lambda r: r[0] or 0)[:MAX_LISTED]:
        problems.append(StagingProblem(line, None, f"has {got} field(s), expected {len(header)} "
                                                   "(a stray comma, or a quote opened and not closed?); the row is not read"))
    if len(bad_rows) > MAX_LISTED:
        problems.append(StagingProblem(None, None, f"... and {len(bad_rows) - MAX_LISTED:,} more rows like these"))
    # Row numbers: data record i is row i + 2, counting the skipped rows before it.
    n = table.num_rows
    skipped = np.sort(np.array([b[0] for b in bad_rows if b[0] is not None], dtype=np.int64))
    base = np.arange(n, dtype=np.int64) + 2
    rows = base + np.searchsorted(skipped - np.arange(len(skipped)), base, side="right")
    # A blank line is a row of empty fields: it keeps its number, then is dropped.
    blank = None
    for c in header:
        empty = pc.equal(pc.binary_length(table[c]), 0)
        blank = empty if blank is None else pc.and_(blank, empty)
    keep_mask = pc.invert(blank) if blank is not None else None
    declared = [c.name for c in decl.columns if c.name in header]
    columns: dict[str, pa.Array] = {}
    flawed = np.zeros(n, dtype=bool)
    not_utf8: list[tuple[np.ndarray, str]] = []
    nul: list[tuple[np.ndarray, str]] = []
    for name in declared:
        text, bad_bytes, bad_nul = _as_text(table[name])
        columns[name] = text
        not_utf8.append((bad_bytes, name))
        nul.append((bad_nul, name))
        flawed[bad_bytes] = True
        flawed[bad_nul] = True
    problems.extend(_listed_values(not_utf8, rows, "is not UTF-8 text (save the file as UTF-8)",
                                   "values that are not UTF-8 text (save the file as UTF-8)"))
    problems.extend(_listed_values(nul, rows, "holds a NUL byte (expected text; was the file saved as UTF-16?)",
                                   "values holding NUL bytes"))
    columns[ROW] = pa.array(rows, type=pa.int64())
    if flawed.any():
        columns[FLAWED] = pa.array(flawed)
    out = pa.table(columns)
    if keep_mask is not None:
        out = out.filter(keep_mask)
    return out, header, tuple(problems)


def _csv_header(path: Path) -> tuple[str, ...]:
    with path.open("rb") as f:
        head = f.read(1 << 20)
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:]
    first = head.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n", 1)[0]
    if not first.strip():
        raise _Unreadable(f"{path.name} is empty or starts with a blank line (expected a header row)")
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise _Unreadable(f"{path.name} row 1 (the header) is not UTF-8 text (save the file as UTF-8)") from None
    names = tuple(n.strip(SPACE_LIKE) for n in next(csv.reader([text])))
    seen: set[str] = set()
    for name in names:
        if name in seen:
            raise _Unreadable(f"{path.name} names column {name!r} twice in its header (expected each column once)")
        seen.add(name)
    return names


def _listed_values(found: list[tuple[np.ndarray, str]], rows: np.ndarray, message: str,
                   rest: str) -> list[StagingProblem]:
    """One line per flawed value in row order (then column order), at most ``MAX_LISTED``
    for the table, then one line counting the rest."""
    hits = [(int(rows[i]), k, name) for k, (where, name) in enumerate(found) for i in where[:MAX_LISTED]]
    total = sum(len(where) for where, _ in found)
    out = [StagingProblem(row, name, message) for row, _, name in sorted(hits)[:MAX_LISTED]]
    if total > MAX_LISTED:
        out.append(StagingProblem(None, None, f"... and {total - MAX_LISTED:,} more {rest}"))
    return out


def _as_text(column: pa.ChunkedArray) -> tuple[pa.Array, np.ndarray, np.ndarray]:
    """Bytes -> stripped UTF-8 text; values that are not UTF-8 or hold NUL become empty.
    Also returns the positions of each kind of flawed value."""
    arr = column.combine_chunks()
    invalid = _not_utf8(arr)
    if len(invalid):
        mask = np.zeros(len(arr), dtype=bool)
        mask[invalid] = True
        arr = pc.if_else(pa.array(mask), pa.scalar(b"", pa.binary()), arr)
    text = pc.cast(arr, pa.string())
    nul = pc.match_substring(text, "\x00")
    where = np.flatnonzero(np.asarray(nul.to_numpy(zero_copy_only=False), dtype=bool))
    if len(where):
        text = pc.if_else(nul, pa.scalar("", pa.string()), text)
    text = pc.utf8_trim(text, SPACE_LIKE)
    # An empty field is how a CSV spells "no value".
    return pc.if_else(pc.equal(text, ""), pa.scalar(None, pa.string()), text), invalid, where


def _not_utf8(arr: pa.Array) -> np.ndarray:
    """Positions of every value of the binary ``arr`` that is not valid UTF-8.

    Vectorised over the bytes with numpy (never a loop over rows): a byte is bad if it
    can never occur in UTF-8 (C0, C1, F5-FF), if a lead byte is not followed by its
    continuation bytes (or is overlong or a surrogate: E0 then below A0, ED then above
    9F, F0 then below 90, F4 then above 8F), or if a continuation byte has no lead. A value
    is bad if any of its bytes is. Arrow's own cast is the judge: if it still refuses the
    values this left alone, halving finds the rest.
    """
    if len(arr) == 0:
        return np.zeros(0, dtype=np.int64)
    offsets_buf, data_buf = arr.buffers()[1], arr.buffers()[2]
    off_type = np.int64 if pa.types.is_large_binary(arr.type) else np.int32
    offsets = np.frombuffer(offsets_buf, dtype=off_type)[arr.offset: arr.offset + len(arr) + 1].astype(np.int64)
    start, stop = int(offsets[0]), int(offsets[-1])
    b = np.frombuffer(data_buf, dtype=np.uint8)[start:stop] if data_buf is not None else np.zeros(0, np.uint8)
    if b.size == 0 or not (b >= 0x80).any():
        return np.zeros(0, dtype=np.int64)
    try:  # the usual case, valid UTF-8 beyond ASCII: one cast, no per-byte arrays
        pc.cast(arr, pa.string())
        return np.zeros(0, dtype=np.int64)
    except pa.ArrowInvalid:
        pass
    m = b.size
    pad = np.concatenate([b, np.zeros(3, np.uint8)])
    nxt1 = pad[1:m + 1]
    cont = (b & 0xC0) == 0x80
    cont_pad = np.concatenate([cont, np.zeros(3, bool)])
    c1, c2, c3 = cont_pad[1:m + 1], cont_pad[2:m + 2], cont_pad[3:m + 3]
    two = (b >= 0xC2) & (b <= 0xDF)
    three = (b >= 0xE0) & (b <= 0xEF)
    four = (b >= 0xF0) & (b <= 0xF4)
    never = (b == 0xC0) | (b == 0xC1) | (b >= 0xF5)
    bad = never.copy()
    bad |= two & ~c1
    bad |= three & ~(c1 & c2)
    bad |= three & (((b == 0xE0) & (nxt1 < 0xA0)) | ((b == 0xED) & (nxt1 > 0x9F)))
    bad |= four & ~(c1 & c2 & c3)
    bad |= four & (((b == 0xF0) & (nxt1 < 0x90)) | ((b == 0xF4) & (nxt1 > 0x8F)))
    # Which value each byte belongs to: a sequence may not run across a value's end.
    value_of = np.searchsorted(offsets[1:] - start, np.arange(m), side="right")
    lead_len = np.where(two, 2, np.where(three, 3, np.where(four, 4, 1)))
    owed = np.zeros(m, dtype=bool)  # a continuation byte some lead before it in its value needs
    for back in (1, 2, 3):
        needs = lead_len[:-back] > back
        same = value_of[:-back] == value_of[back:]
        owed[back:] |= needs & same
        bad[:-back] |= needs & ~same
    bad |= cont & ~owed
    found = np.unique(value_of[bad]).astype(np.int64)
    return _not_utf8_checked(arr, found)


def _not_utf8_checked(arr: pa.Array, found: np.ndarray) -> np.ndarray:
    """``found`` confirmed by Arrow's cast; should the cast still refuse the rest, the
    values it refuses are found by halving (each step one vectorised cast)."""
    mask = np.zeros(len(arr), dtype=bool)
    mask[found] = True
    rest = pc.if_else(pa.array(mask), pa.scalar(b"", pa.binary()), arr)
    try:
        pc.cast(rest, pa.string())
        return found
    except pa.ArrowInvalid:
        pass
    more: list[int] = []

    def search(offset: int, length: int) -> None:
        if length == 0:
            return
        try:
            pc.cast(rest.slice(offset, length), pa.string())
            return
        except pa.ArrowInvalid:
            pass
        if length == 1:
            more.append(offset)
            return
        half = length // 2
        search(offset, half)
        search(offset + half, length - half)

    search(0, len(rest))
    return np.union1d(found, np.array(more, dtype=np.int64))


# --- Parquet -----------------------------------------------------------------------------


def _parquet_columns(files: tuple[Path, ...]) -> tuple[str, ...]:
    """The column names of a Parquet file or parts (a corrupt or non-Parquet file fails
    here, with a readable reason)."""
    names: list[str] = []
    for f in files:
        try:
            schema = pq.read_schema(f)
        except (pa.ArrowException, OSError) as e:
            raise _Unreadable(f"cannot read {f.name} ({_reason(e)})") from None
        if len(set(schema.names)) != len(schema.names):
            twice = next(n for n in schema.names if schema.names.count(n) > 1)
            raise _Unreadable(f"{f.name} holds column {twice!r} twice (expected each column once)")
        names.extend(n for n in schema.names if n not in names)
    return tuple(names)


def _read_parquet(backend: BaseBackend, tf: TableFiles, name: str, keep: list[str]) -> ibis.Table:
    files = [str(f) for f in tf.files]
    parts = tf.parts
    if backend.name == "duckdb":
        t = backend.read_parquet(files, table_name=_view_name(name), file_row_number=True, filename=parts, union_by_name=parts)
        extra = {ROW: t.file_row_number + 2}
        if parts:
            extra[PART] = t.filename.replace(str(tf.path) + "/", "")
        return t.select(*keep, **extra)
    if backend.name == "polars":
        if not parts:
            t = backend.read_parquet(files[0], table_name=_view_name(name), row_index_name=ROW, row_index_offset=2)
            return t.select(*keep, ROW)
        # Polars numbers rows across the parts in order; subtract each part's first index.
        t = _polars_scan(backend, files, name, row_index_name="_index", include_file_paths="_file")
        first = t.group_by("_file").agg(_first=t._index.min())
        t = t.join(first, "_file")
        return t.select(*keep, **{ROW: t._index - t._first + 2, PART: t._file.replace(str(tf.path) + "/", "")})
    if backend.name == "pyspark":
        return _read_parquet_spark(backend, list(tf.files), name, tf.path if parts else None).select(
            *keep, ROW, *([PART] if parts else [])
        )
    raise ValueError(f"row numbers for Parquet are not implemented on {backend.name}")  # pragma: no cover  (engine.connect offers only these)


def _read_parquet_plain(backend: BaseBackend, tf: TableFiles, name: str, keep: list[str]) -> ibis.Table:
    """The same files read without row numbers, for the later stages."""
    files = [str(f) for f in tf.files]
    if backend.name == "duckdb":
        return backend.read_parquet(files, table_name=_view_name(name), union_by_name=tf.parts).select(*keep)
    if backend.name == "pyspark":
        return _read_parquet_spark(backend, list(tf.files), name, None).select(*keep)
    return _polars_scan(backend, files, name).select(*keep)


def _polars_scan(backend: BaseBackend, files: list[str], name: str, **options) -> ibis.Table:
    # Ibis reads a list of files through a pyarrow dataset, which takes no row index;
    # Polars' own scan of the list does (parts may lack a column another part has).
    import polars as pl

    view = _view_name(name)
    backend._add_table(view, pl.scan_parquet(files, missing_columns="insert", **options))
    return backend.table(view)


def _read_parquet_arrow(tf: TableFiles, keep: list[str]) -> pa.Table:
    pieces = []
    for f in tf.files:
        t = pq.read_table(f, columns=[c for c in keep if c in pq.read_schema(f).names])
        t = t.append_column(ROW, pa.array(np.arange(t.num_rows, dtype=np.int64) + 2))
        if tf.parts:
            t = t.append_column(PART, pa.array([f.relative_to(tf.path).as_posix()] * t.num_rows, pa.string()))
        pieces.append(t)
    return pa.concat_tables(pieces, promote_options="default")


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
        return stored.is_integer() or stored.is_floating() or stored.is_decimal()
    if declared is DType.DATE:
        return stored.is_date() or stored.is_timestamp()
    return False  # pragma: no cover  (DType has four members)


# --- parsing -----------------------------------------------------------------------------


def parse(text: ibis.Column, dtype: DType) -> ibis.Column:
    """Stripped text parsed to ``dtype``; a value not in the accepted form becomes null.

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


def within(value: ibis.Value, column: Column) -> ibis.BooleanValue:
    """Whether ``value`` (of ``column``) is finite and inside the column's bounds."""
    lo, hi, _ = column.limits
    if column.dtype is DType.DATE:
        return (value >= ibis.literal(lo)) & (value <= ibis.literal(hi))
    ok = (value >= lo) & (value <= hi)
    if value.type().is_floating():
        ok = ok & ~value.isnan() & ~value.isinf()
    return ok


def _value(raw: ibis.Table, column: Column, incompatible: Mapping[str, str], spaced: frozenset[str],
           bounded: bool = True) -> ibis.Value:
    target = IBIS_TYPES[column.dtype]
    if column.name not in raw.columns or column.name in incompatible:
        return ibis.null(target)
    col = raw[column.name]
    kind = col.type()
    if kind.is_null():
        return ibis.null(target)
    if kind.is_string():
        if column.dtype is DType.STRING:
            return normalised(col) if column.name in spaced else col
        # CSV text was stripped when read; Parquet text is stripped here.
        text = normalised(col) if column.name in spaced else col
        value = parse(text.nullif(""), column.dtype)
    elif column.dtype is DType.STRING:
        return col.cast(target)  # numeric ids, read as text
    elif column.dtype is DType.DATE:
        value = col.cast(target) if kind != target else col
        if not bounded:
            return col.cast(dt.string)  # shown as the engine writes it: no Python date overflows
    else:
        # Judged in the stored type, then cast: a uint64, a decimal(38) or a float of 1e20
        # is refused before the cast, which would fail on DuckDB and wrap on Polars.
        ok = within(col, column)
        if column.dtype is DType.INT and not kind.is_integer():
            ok = ok & (col % 1 == 0)
        if not bounded:
            return col
        return ok.ifelse(col, ibis.null(kind)).cast(target)
    if not bounded:
        return value
    return within(value, column).ifelse(value, ibis.null(target))

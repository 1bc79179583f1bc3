"""Reading an input folder into typed Ibis tables (the input layer of DESIGN section 3).

A folder holds one file per table, ``<table>.parquet`` or ``<table>.csv`` (a folder
``<table>/`` of Parquet parts also works, for data written in partitions). The typed
tables are the staged values of ``wholepop.inputs.raw`` (one reading, one
normalisation, one parse, whether or not the folder was validated), so what ``check``
judged is what the later stages read. Unknown columns are not passed on. Optional tables
that are absent become empty tables of the declared schema, so later stages never
branch on presence.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from wholepop.inputs.files import InputListing, list_inputs
from wholepop.inputs.raw import RawInputs, stage
from wholepop.inputs.schema import IBIS_TYPES, TABLES, DType, Table

__all__ = ["Inputs", "IBIS_TYPES", "find_file", "inputs_from", "open_catalog", "open_inputs", "read_raw", "typed"]


@dataclass(frozen=True)
class Inputs:
    """The validated input layer: one typed Ibis table per declared table.

    Attributes:
        backend: the Ibis backend the tables live on.
        tables: table name -> typed table holding exactly the declared columns.
        files: table name -> the file it was read from (absent optional tables have none).
        folder: the data folder, if read from one.
        listing: exactly the files read, per table (``wholepop.inputs.files``), if read
            from a folder: what the ledger hashes.
    """

    backend: BaseBackend
    tables: Mapping[str, ibis.Table]
    files: Mapping[str, Path] = field(default_factory=dict)
    folder: Path | None = None
    listing: InputListing | None = None

    def __getattr__(self, name: str) -> ibis.Table:
        try:
            return self.__dict__["tables"][name]
        except KeyError:
            raise AttributeError(name) from None

    def has(self, name: str) -> bool:
        """Whether table ``name`` was given (rather than filled in empty)."""
        return name in self.files


def find_file(folder: Path, name: str) -> Path | None:
    """The file (or folder of parts) holding table ``name`` in ``folder``, or None (as
    ``wholepop.inputs.files.list_inputs`` finds it)."""
    found = list_inputs(folder).tables.get(name)
    return None if found is None else found.path


def read_raw(backend: BaseBackend, path: Path, name: str) -> ibis.Table:
    """Read a file as it is: Parquet with its own types, CSV with every column a string.

    CSV columns are read as strings so the validator, not the CSV sniffer, decides what is
    a bad value and can say which row holds it.
    """
    backend_name = backend.name
    if path.is_dir():
        # Spark finds the parts of a folder itself (its globs do not recurse on ``**``).
        parts = str(path) if backend_name == "pyspark" else str(path / "**" / "*.parquet")
        return backend.read_parquet(parts, table_name=f"raw_{name}")
    if path.suffix == ".parquet":
        return backend.read_parquet(str(path), table_name=f"raw_{name}")
    if backend_name == "duckdb":
        return backend.read_csv(str(path), table_name=f"raw_{name}", all_varchar=True, header=True)
    if backend_name == "polars":
        return backend.read_csv(str(path), table_name=f"raw_{name}", infer_schema=False)
    return backend.read_csv(str(path), table_name=f"raw_{name}")


def typed(raw: ibis.Table, decl: Table) -> ibis.Table:
    """Select the declared columns of ``raw`` and cast them to their declared types.

    Absent optional columns become typed nulls. Strings read from text (CSV, where every
    raw column is a string) are trimmed, and empty strings (how a CSV spells "no value")
    become nulls before casting. Text columns of typed sources (Parquet) are passed on
    as stored unless they must be cast: trimming millions of ids on every read cost more
    than the stages that use them.
    """
    from_text = all(t.is_string() for t in raw.schema().types)
    cols = {}
    for c in decl.columns:
        target = IBIS_TYPES[c.dtype]
        if c.name not in raw.columns:
            cols[c.name] = ibis.null().cast(target)
            continue
        col = raw[c.name]
        if col.type().is_string():
            if from_text or c.dtype is not DType.STRING:
                col = col.strip().nullif("")
            if c.dtype is not DType.STRING:
                col = col.cast(target)
        elif col.type() != target:
            col = col.cast(target)
        cols[c.name] = col
    return raw.select(**cols)


def empty(decl: Table) -> ibis.Table:
    """An empty table with ``decl``'s schema."""
    schema = ibis.schema({c.name: IBIS_TYPES[c.dtype] for c in decl.columns})
    return ibis.memtable(schema.to_pyarrow().empty_table())


def open_inputs(folder: str | Path, backend: BaseBackend) -> Inputs:
    """Read every declared table of ``folder`` into typed tables, without validating.

    Use ``load_inputs`` (which validates first) unless the data is known to be clean.
    """
    return inputs_from(stage(folder, backend))


def inputs_from(raw: RawInputs) -> Inputs:
    """The typed tables of a staged folder (``RawTable.typed``: the values the checks
    judged, read without row numbers); absent and unreadable tables are empty."""
    tables: dict[str, ibis.Table] = {}
    files: dict[str, Path] = {}
    for decl in TABLES:
        rt = raw.tables.get(decl.name)
        if rt is None:
            tables[decl.name] = empty(decl)
            continue
        files[decl.name] = rt.path
        tables[decl.name] = rt.typed
    return Inputs(
        backend=raw.backend,
        tables=types.MappingProxyType(tables),
        files=types.MappingProxyType(files),
        folder=raw.folder,
        listing=raw.listing,
    )


def open_catalog(backend: BaseBackend, database: str | tuple[str, str] | None = None) -> Inputs:
    """Typed tables read from a catalogue (Spark, Databricks Unity Catalog, a DuckDB file)
    instead of files: table ``<name>`` of ``database`` for every declared table.

    Args:
        backend: the connection (e.g. ``engine.connect("spark", session=spark)``).
        database: where the tables are: ``"schema"``, or ``("catalog", "schema")``;
            None: the connection's current database.

    Optional tables that are absent become empty typed tables, as with files. The tables
    are not validated here (validation reads files, to name rows): run ``wholepop check``
    on an export, or load through ``load_inputs`` from files, before settling money.
    """
    from wholepop.errors import UserError

    tables: dict[str, ibis.Table] = {}
    found: dict[str, Path] = {}
    where = ".".join(database) if isinstance(database, tuple) else (database or "")
    for decl in TABLES:
        qualified = f"{where}.{decl.name}" if where else decl.name
        try:
            table = backend.table(decl.name, database=database)
        except Exception as exc:  # each engine says "no such table" its own way
            if decl.required:
                raise UserError(f"{decl.name}: cannot read table {qualified} ({str(exc).strip().splitlines()[0][:200]})") from exc
            tables[decl.name] = empty(decl)
            continue
        tables[decl.name] = typed(table, decl)
        found[decl.name] = Path(qualified)
    return Inputs(backend=backend, tables=types.MappingProxyType(tables), files=types.MappingProxyType(found), folder=None)

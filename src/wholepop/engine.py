"""Where relational work runs: an Ibis backend chosen by name (DESIGN section 2).

Stages build unexecuted Ibis expressions; only this module knows which engine runs them.
DuckDB is the embedded default; Polars is the second engine the tests compare against.
"""

from __future__ import annotations

import ibis
from ibis.backends import BaseBackend

__all__ = ["ENGINES", "connect"]

ENGINES: tuple[str, ...] = ("duckdb", "polars")


def connect(engine: str = "duckdb", *, memory_limit: str | None = None, temp_directory: str | None = None) -> BaseBackend:
    """A fresh connection to ``engine``.

    Args:
        engine: ``duckdb`` (default) or ``polars``.
        memory_limit: DuckDB only, e.g. ``"16GB"``; past it DuckDB spills to disk.
        temp_directory: DuckDB only, where it spills.
    """
    if engine == "duckdb":
        con = ibis.duckdb.connect()
        if memory_limit:
            con.raw_sql(f"SET memory_limit = '{memory_limit}'")
        if temp_directory:
            con.raw_sql(f"SET temp_directory = '{temp_directory}'")
        return con
    if engine == "polars":
        return ibis.polars.connect()
    raise ValueError(f"unknown engine {engine!r}; expected one of {', '.join(ENGINES)}")

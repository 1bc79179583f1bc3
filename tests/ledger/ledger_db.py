"""Raw SQL on a ledger of either store, outside wholepop: how the tamper tests edit a ledger
as a user with database access could, and how tests look at stored rows."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import duckdb
import psycopg

from wholepop.ledger import is_url


def sql(location: str | Path, statements: str, params: Sequence[Any] = ()) -> None:
    """Run ``;``-separated SQL on the ledger outside wholepop (``?`` parameters)."""
    parts = [s for s in statements.split(";") if s.strip()]
    if is_url(location):
        with psycopg.connect(str(location), autocommit=True) as con:
            for s in parts:
                con.execute(s.replace("?", "%s"), tuple(params))
        return
    con = duckdb.connect(str(location))
    try:
        for s in parts:
            con.execute(s, list(params))
    finally:
        con.close()


def rows(location: str | Path, query: str, params: Sequence[Any] = ()) -> list[tuple]:
    """The rows of one query on the ledger, read outside wholepop."""
    if is_url(location):
        with psycopg.connect(str(location)) as con:
            return [tuple(r) for r in con.execute(query.replace("?", "%s"), tuple(params)).fetchall()]
    con = duckdb.connect(str(location), read_only=True)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def exists(location: str | Path) -> bool:
    """Whether a ledger has been created at ``location``."""
    if is_url(location):
        return bool(rows(location, "SELECT 1 FROM information_schema.tables WHERE table_name = 'schema_version'"))
    return Path(location).exists()

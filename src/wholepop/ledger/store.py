"""The one small interface the ledger talks to its database through, and how a location picks a store.

Everything above this layer (``append``, ``read``, ``verify``, ``migrations``) is plain,
portable SQL with ``?`` parameters: ``CREATE TABLE``/``CREATE INDEX``/``ALTER TABLE ADD
COLUMN`` with INTEGER, BIGINT, VARCHAR and BOOLEAN columns, primary and foreign keys,
``SELECT``/``INSERT``, and nothing else (no ``UPDATE``, no ``DELETE``: the ledger is
append-only). A store owns the connection, the locking between writers and the
transaction. Two stores exist:

- ``DuckDBStore`` (``duckdb_store.py``): a ledger in one file, the embedded default.
- ``PostgresStore`` (``postgres_store.py``): a ledger a team shares, in a PostgreSQL
  database named by a ``postgresql://`` URL.

``open_store`` chooses by the location's form: a ``postgresql://`` (or ``postgres://``)
URL is a PostgreSQL database, anything else a DuckDB file.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

__all__ = ["DEFAULT_BUSY_TIMEOUT", "Location", "Store", "describe", "is_url", "open_store"]

# How long a writer waits for another process to let go of the ledger before saying
# "ledger busy, retry". A settlement takes tens of milliseconds to write, so 5 s lets two
# concurrent `settle` runs both finish in order, without hanging forever on a stuck one.
DEFAULT_BUSY_TIMEOUT = 5.0

# A ledger location: a DuckDB file path, or a PostgreSQL URL.
Location = str | Path

_URL = re.compile(r"^postgres(ql)?://", re.IGNORECASE)


def is_url(location: Location) -> bool:
    """Whether ``location`` names a PostgreSQL database rather than a DuckDB file."""
    return isinstance(location, str) and bool(_URL.match(location))


def describe(location: Location) -> str:
    """The location as messages name it: a URL's password is never printed."""
    text = str(location)
    if is_url(text):
        return re.sub(r"(://[^:/@]*):[^@/]*@", r"\1:***@", text)
    return text


class Store(Protocol):
    """A ledger database connection.

    Attributes:
        location: how to name the ledger in messages (its file path, or its URL without
            the password).
    """

    location: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a SELECT and return every row."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (values in ``columns`` order) into ``table``."""

    def transaction(self, *, exclusive: bool = False) -> AbstractContextManager[None]:
        """Everything inside commits together, or (on any exception) not at all.

        ``exclusive``: no other writer may append until this transaction ends (a reader
        may still read), so numbers read inside it (the next ``seq``, the next version)
        cannot race. Waiting longer than the busy timeout for it raises ``LedgerBusy``.
        """

    def close(self) -> None:
        """Let go of the database (and of its lock)."""


@contextmanager
def open_store(location: Location, *, write: bool, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Iterator[Store]:
    """Open the ledger at ``location``, migrated to the current schema, and close it after.

    Args:
        location: a DuckDB file, or a ``postgresql://`` URL.
        write: open for appending (creating and migrating the ledger if need be); readers
            open read-only, so several can read at once.
        busy_timeout: seconds to keep retrying while another process holds the ledger.

    Raises:
        LedgerError: no ledger there (when reading), not a ledger, a newer schema, a
            server that cannot be reached, a full disk.
        LedgerBusy: another process still held the ledger after ``busy_timeout``.
    """
    if is_url(location):
        from wholepop.ledger.postgres_store import PostgresStore

        store: Store = PostgresStore.open(str(location), write=write, busy_timeout=busy_timeout)
    else:
        from wholepop.ledger.duckdb_store import DuckDBStore

        store = DuckDBStore.open(Path(location), write=write, busy_timeout=busy_timeout)
    try:
        yield store
    finally:
        store.close()

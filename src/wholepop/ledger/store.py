"""The one small interface the ledger talks to its database through.

Everything above this layer (``append``, ``read``, ``verify``, ``migrations``) is plain,
portable SQL with ``?`` parameters: ``CREATE TABLE`` with INTEGER, BIGINT, VARCHAR and
BOOLEAN columns, primary and foreign keys, ``SELECT``/``INSERT``, and nothing else (no
``UPDATE``, no ``DELETE``: the ledger is append-only). A store owns the connection, the
locking between processes and the transaction; DuckDB is the only store today
(``duckdb_store.py``). A Postgres store would translate ``?`` to its own placeholder and
take a table lock inside ``transaction()`` so the version and sequence numbers, read
inside the transaction, cannot race.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any, Protocol

__all__ = ["DEFAULT_BUSY_TIMEOUT", "Store", "open_store"]

# How long a writer waits for another process to let go of the ledger before saying
# "ledger busy, retry". A settlement takes tens of milliseconds to write, so 5 s lets two
# concurrent `settle` runs both finish in order, without hanging forever on a stuck one.
DEFAULT_BUSY_TIMEOUT = 5.0


class Store(Protocol):
    """A ledger database connection.

    Attributes:
        location: how to name the ledger in messages (its file path).
    """

    location: str

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run a SELECT and return every row."""

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement."""

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        """Insert ``rows`` (values in ``columns`` order) into ``table``."""

    def transaction(self) -> AbstractContextManager[None]:
        """Everything inside commits together, or (on any exception) not at all."""

    def close(self) -> None:
        """Let go of the database (and of its lock)."""


@contextmanager
def open_store(location: str | Path, *, write: bool, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Iterator[Store]:
    """Open the ledger at ``location``, migrated to the current schema, and close it after.

    Args:
        location: the DuckDB file.
        write: open for appending (creating and migrating the ledger if need be); readers
            open read-only, so several can read at once.
        busy_timeout: seconds to keep retrying while another process holds the ledger.

    Raises:
        LedgerError: no ledger there (when reading), not a ledger, or a newer schema.
        LedgerBusy: another process still held the ledger after ``busy_timeout``.
    """
    # Imported here so a Postgres store can be chosen by the location's form later.
    from wholepop.ledger.duckdb_store import DuckDBStore

    store = DuckDBStore.open(Path(location), write=write, busy_timeout=busy_timeout)
    try:
        yield store
    finally:
        store.close()

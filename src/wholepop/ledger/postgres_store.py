"""The PostgreSQL store: a ledger a team shares, in one PostgreSQL database.

``--ledger postgresql://user@host/dbname`` (any libpq URL) names it. The tables are the
DuckDB ledger's, created by the same migrations in the connection's current schema
(``public`` unless the URL sets a ``search_path``).

Concurrency: a writer's transaction starts with ``LOCK TABLE settlements IN EXCLUSIVE
MODE``, which lets readers read but no second writer in until the first commits. The
next ``seq`` and version are read after the lock is taken, so two analysts settling the
same contract-year at once are served one after the other: the first writes version 1,
the second then finds it (and is told "already settled", or that nothing changed). A
writer that waits longer than the busy timeout for the lock gives up with ``LedgerBusy``
("ledger busy, retry"). A unique index on (contract id, kind, year, version) backs the
lock up. Creating the tables (or migrating them) happens under an advisory lock, so two
first settlements cannot both try to create them.

Readers run in one read-only REPEATABLE READ transaction: every query of one read sees
the same snapshot, so a list is never missing the input hashes of a settlement that
committed between two of its queries.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import psycopg
from psycopg import errors as pg_errors

from wholepop.errors import LedgerBusy, LedgerError
from wholepop.ledger.migrations import SCHEMA_VERSION, current_version, migrate
from wholepop.ledger.store import describe

__all__ = ["PostgresStore"]

# The key of the advisory lock held while creating or migrating the tables ("wholepop").
_MIGRATION_LOCK = 0x77686F6C65706F70


def _sql(sql: str) -> str:
    """``?`` placeholders (the ledger's portable form) as psycopg's ``%s``."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore:
    """A ``Store`` on one psycopg connection (see ``store.Store``)."""

    def __init__(self, con: psycopg.Connection, location: str, busy_timeout: float):
        self._con: psycopg.Connection | None = con
        self.location = location
        self._busy_ms = max(1, int(busy_timeout * 1000))

    @classmethod
    def open(cls, url: str, *, write: bool, busy_timeout: float) -> PostgresStore:
        """Connect to the database at ``url`` (and if writing, create or migrate the tables).

        Raises:
            LedgerError: the server cannot be reached or refuses the login, reading a
                database with no ledger, a database that holds other tables.
            LedgerBusy: another writer held the tables for longer than ``busy_timeout``.
        """
        location = describe(url)
        try:
            con = psycopg.connect(url, autocommit=True, connect_timeout=max(2, math.ceil(busy_timeout)))
        except psycopg.Error as e:
            raise LedgerError(f"{location}: cannot connect to the ledger database: {_first_line(e)}") from None
        store = cls(con, location, busy_timeout)
        try:
            version = current_version(store)
            if version is None and not write:
                raise LedgerError(f"{location}: no ledger here (settle with --ledger {location} to start one)")
            if version is None or version < SCHEMA_VERSION:
                if not write:
                    store.close()
                    cls.open(url, write=True, busy_timeout=busy_timeout).close()
                    return cls.open(url, write=False, busy_timeout=busy_timeout)
                store._migrate()
            if not write:
                con.autocommit = False
                con.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
                con.read_only = True
        except BaseException:
            store.close()
            raise
        return store

    def _migrate(self) -> None:
        con = self._connection()
        with self._errors():
            con.execute(f"SET lock_timeout = {self._busy_ms}")
            con.execute("SELECT pg_advisory_lock(%s)", (_MIGRATION_LOCK,))
        try:
            migrate(self)  # re-reads the version under the lock: another writer may have migrated
        finally:
            with self._errors():
                con.execute("SELECT pg_advisory_unlock(%s)", (_MIGRATION_LOCK,))

    # -- the Store interface -----------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._errors():
            return self._connection().execute(_sql(sql), tuple(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._errors():
            self._connection().execute(_sql(sql), tuple(params))

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        if not rows:
            return
        sql = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(['%s'] * len(columns))})"
        with self._errors(), self._connection().cursor() as cur:
            cur.executemany(sql, [tuple(r) for r in rows])

    @contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[None]:
        con = self._connection()
        with self._errors():
            con.execute("BEGIN")
        try:
            with self._errors():
                con.execute(f"SET LOCAL lock_timeout = {self._busy_ms}")
                if exclusive:
                    con.execute("LOCK TABLE settlements IN EXCLUSIVE MODE")
            yield
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except psycopg.Error:  # pragma: no cover  (a broken connection: keep the first error)
                pass
            raise
        with self._errors():
            con.execute("COMMIT")

    def close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            con.close()

    def _connection(self) -> psycopg.Connection:
        if self._con is None:
            raise RuntimeError("the ledger store is closed")
        return self._con

    @contextmanager
    def _errors(self) -> Iterator[None]:
        """The server's refusals as the ledger's own errors, one line each."""
        try:
            yield
        except (pg_errors.LockNotAvailable, pg_errors.SerializationFailure, pg_errors.DeadlockDetected):
            raise LedgerBusy(f"{self.location}: ledger busy, retry (another wholepop process is writing it)") from None
        except pg_errors.UniqueViolation as e:
            # Only reachable if a writer bypassed the table lock; nothing was written.
            raise LedgerBusy(f"{self.location}: ledger busy, retry (another writer took that version: {_first_line(e)})") from None
        except pg_errors.DiskFull as e:
            raise LedgerError(f"{self.location}: disk full: the ledger could not be written ({_first_line(e)}); nothing was recorded") from None
        except pg_errors.InsufficientPrivilege as e:
            raise LedgerError(f"{self.location}: the database refused: {_first_line(e)}") from None
        except psycopg.DataError as e:
            raise LedgerError(f"{self.location}: the database refused a value: {_first_line(e)}") from None
        except psycopg.OperationalError as e:
            raise LedgerError(f"{self.location}: lost the connection to the ledger database: {_first_line(e)}") from None


def _first_line(e: Exception) -> str:
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__

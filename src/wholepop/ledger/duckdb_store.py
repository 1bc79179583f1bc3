"""The DuckDB store: a ledger in one database file.

DuckDB lets one process at a time open a file for writing, and while it does no other
process can open it at all; a second ``connect`` fails at once with "Could not set lock
on file". So two ``settle`` runs on one ledger are serialised here: the second retries
with backoff for up to ``busy_timeout`` seconds and then gives up with ``LedgerBusy``.
Connections are held only for one append or one read, so the wait is short.

A new ledger is built under a temporary name, migrated, closed and then linked into
place, so a crash while creating it never leaves a half-made ledger behind.
"""

from __future__ import annotations

import os
import random
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from wholepop.errors import LedgerBusy, LedgerError
from wholepop.ledger.migrations import SCHEMA_VERSION, current_version, migrate

__all__ = ["DuckDBStore"]

# Rows per INSERT statement: keeps the parameter count of one statement modest.
_INSERT_CHUNK = 200


class DuckDBStore:
    """A ``Store`` on one DuckDB connection (see ``store.Store``)."""

    def __init__(self, con: duckdb.DuckDBPyConnection, location: str):
        self._con: duckdb.DuckDBPyConnection | None = con
        self.location = location

    # -- opening ---------------------------------------------------------------------

    @classmethod
    def open(cls, path: Path, *, write: bool, busy_timeout: float) -> DuckDBStore:
        """Open (and if writing, create or migrate) the ledger at ``path``.

        Raises:
            LedgerError: reading a ledger that does not exist, or a file that is not one.
            LedgerBusy: another process held the file for longer than ``busy_timeout``.
        """
        deadline = time.monotonic() + busy_timeout
        if not path.exists():
            if not write:
                raise LedgerError(f"{path}: no ledger here (settle with --ledger {path} to start one)")
            cls._create(path, deadline)
        store = cls(_connect(path, read_only=not write, deadline=deadline), str(path))
        try:
            version = current_version(store)
            if version is None or version < SCHEMA_VERSION:
                if write:
                    migrate(store)
                else:
                    # A reader cannot migrate; let a short-lived writer do it, then read.
                    store.close()
                    cls.open(path, write=True, busy_timeout=max(0.0, deadline - time.monotonic())).close()
                    return cls.open(path, write=False, busy_timeout=max(0.0, deadline - time.monotonic()))
        except BaseException:
            store.close()
            raise
        return store

    @classmethod
    def _create(cls, path: Path, deadline: float) -> None:
        if not path.parent.is_dir():
            raise LedgerError(f"{path}: cannot create the ledger: folder {path.parent} does not exist")
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.new")
        try:
            store = cls(_connect(tmp, read_only=False, deadline=deadline), str(path))
            try:
                migrate(store)
            finally:
                store.close()
            try:
                # link() refuses to replace: if another process made the ledger first, keep theirs.
                os.link(tmp, path)
            except FileExistsError:
                pass
            except OSError:  # pragma: no cover  (file systems without hard links)
                if not path.exists():
                    os.replace(tmp, path)
            _fsync_dir(path.parent)
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)

    # -- the Store interface -----------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._connection().execute(sql, list(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self._connection().execute(sql, list(params))

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        # One multi-row INSERT per chunk: DuckDB runs executemany as one statement per row,
        # which made writing a statement's lines take most of a settlement's time.
        con = self._connection()
        one = "(" + ", ".join("?" * len(columns)) + ")"
        for start in range(0, len(rows), _INSERT_CHUNK):
            chunk = rows[start : start + _INSERT_CHUNK]
            con.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}",
                [v for row in chunk for v in row],
            )

    @contextmanager
    def transaction(self) -> Iterator[None]:
        con = self._connection()
        con.execute("BEGIN TRANSACTION")
        try:
            yield
        except BaseException:
            try:
                con.execute("ROLLBACK")
            except duckdb.Error:  # pragma: no cover  (a broken connection: keep the first error)
                pass
            raise
        try:
            con.execute("COMMIT")
        except duckdb.TransactionException as e:  # pragma: no cover  (one writer per file; kept as a guard)
            raise LedgerBusy(f"{self.location}: ledger busy, retry ({_first_line(e)})") from None

    def close(self) -> None:
        if self._con is not None:
            self._con.close()
            self._con = None

    def _connection(self) -> duckdb.DuckDBPyConnection:
        if self._con is None:
            raise RuntimeError("the ledger store is closed")
        return self._con


def _connect(path: Path, *, read_only: bool, deadline: float) -> duckdb.DuckDBPyConnection:
    """Connect, retrying with backoff while another process holds the file's lock."""
    delay = 0.01
    while True:
        try:
            return duckdb.connect(str(path), read_only=read_only)
        except duckdb.IOException as e:
            if "lock" not in str(e).lower():
                raise LedgerError(f"{path}: cannot open the ledger: {_first_line(e)}") from None
            left = deadline - time.monotonic()
            if left <= 0:
                raise LedgerBusy(f"{path}: ledger busy, retry (another wholepop process is using it)") from None
            # Jitter so two waiting processes do not retry in lock step.
            time.sleep(min(left, delay * (0.5 + random.random())))
            delay = min(delay * 2, 0.2)
        except duckdb.Error as e:
            raise LedgerError(f"{path}: cannot open the ledger: {_first_line(e)}") from None


def _fsync_dir(folder: Path) -> None:
    """Make the new directory entry durable, where the platform allows it."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:  # pragma: no cover  (platforms that cannot open a folder)
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


def _first_line(e: Exception) -> str:
    return str(e).splitlines()[0] if str(e) else type(e).__name__

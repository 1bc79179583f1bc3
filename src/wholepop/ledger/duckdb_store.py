"""The DuckDB store: a ledger in one database file.

DuckDB lets one process at a time open a file for writing, and while it does no other
process can open it at all; a second ``connect`` fails at once with "Could not set lock
on file". So two ``settle`` runs on one ledger are serialised here: the second retries
with backoff for up to ``busy_timeout`` seconds and then gives up with ``LedgerBusy``.
Connections are held only for one append or one read, so the wait is short.

A new ledger is built under a temporary name, migrated, closed and then linked into
place, so a crash while creating it never leaves a half-made ledger behind; the temporary
files of a creation that was killed are removed by the next writer.

A file is opened only if its header says it is a DuckDB database: DuckDB would otherwise
take a SQLite file for an attached database and try to download its SQLite extension.
A full disk is reported as "disk full", never mistaken for a busy ledger.
"""

from __future__ import annotations

import errno
import glob
import os
import random
import re
import secrets
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from wholepop.errors import LedgerBusy, LedgerError
from wholepop.ledger.migrations import SCHEMA_VERSION, current_version, migrate

__all__ = ["DuckDBStore", "disk_full"]

# Every DuckDB database file carries these bytes at offset 8 (its "magic").
_MAGIC, _MAGIC_AT = b"DUCK", 8
# The temporary name a new ledger is built under: .<name>.<pid>.<random>.new
_TMP = re.compile(r"^\.(?P<name>.+)\.(?P<pid>\d+)\.[0-9a-f]{8}\.new(\.wal)?$")

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
        if write:
            _remove_stale_temporaries(path)
        if not path.exists():
            if not write:
                raise LedgerError(f"{path}: no ledger here (settle with --ledger {path} to start one)")
            cls._create(path, deadline)
        _check_header(path)
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
            try:
                con = _connect(tmp, read_only=False, deadline=deadline)
            except LedgerError as e:  # name the ledger, not its temporary file
                raise LedgerError(str(e).replace(str(tmp), str(path)).replace("cannot open the ledger", "cannot create the ledger")) from None
            store = cls(con, str(path))
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
        except OSError as e:
            if disk_full(e):
                raise LedgerError(f"{path}: disk full: cannot create the ledger ({_first_line(e)})") from None
            raise LedgerError(f"{path}: cannot create the ledger ({e.strerror or e})") from None
        finally:
            tmp.unlink(missing_ok=True)
            tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)

    # -- the Store interface -----------------------------------------------------------

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        with self._io():
            return self._connection().execute(sql, list(params)).fetchall()

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        with self._io():
            self._connection().execute(sql, list(params))

    def insert_rows(self, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
        # One multi-row INSERT per chunk: DuckDB runs executemany as one statement per row,
        # which made writing a statement's lines take most of a settlement's time.
        con = self._connection()
        one = "(" + ", ".join("?" * len(columns)) + ")"
        with self._io():
            for start in range(0, len(rows), _INSERT_CHUNK):
                chunk = rows[start : start + _INSERT_CHUNK]
                con.execute(
                    f"INSERT INTO {table} ({', '.join(columns)}) VALUES {', '.join([one] * len(chunk))}",
                    [v for row in chunk for v in row],
                )

    @contextmanager
    def transaction(self, *, exclusive: bool = False) -> Iterator[None]:
        # ``exclusive`` needs nothing more here: a writer holds the whole file.
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
            with self._io():
                con.execute("COMMIT")
        except duckdb.TransactionException as e:  # pragma: no cover  (one writer per file; kept as a guard)
            raise LedgerBusy(f"{self.location}: ledger busy, retry ({_first_line(e)})") from None

    def close(self) -> None:
        if self._con is not None:
            con, self._con = self._con, None
            with self._io():  # closing checkpoints the write-ahead log into the file
                con.close()

    @contextmanager
    def _io(self) -> Iterator[None]:
        """A full disk becomes one clear LedgerError, whatever statement met it."""
        try:
            yield
        except (duckdb.Error, OSError) as e:
            if disk_full(e):
                raise LedgerError(f"{self.location}: disk full: the ledger could not be written ({_first_line(e)}); nothing was recorded") from None
            raise

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
            if disk_full(e):
                raise LedgerError(f"{path}: disk full: cannot open the ledger ({_first_line(e)})") from None
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


def disk_full(e: BaseException) -> bool:
    """Whether an error is the disk (or the quota) running out of space."""
    if isinstance(e, OSError) and e.errno in (errno.ENOSPC, errno.EDQUOT):
        return True
    text = str(e).lower()
    return "no space left" in text or "disk quota exceeded" in text or "disk full" in text


def _check_header(path: Path) -> None:
    """Refuse anything but a DuckDB database file before DuckDB opens it."""
    try:
        with path.open("rb") as f:
            head = f.read(64)
    except IsADirectoryError:
        raise LedgerError(f"{path}: cannot open the ledger: it is a folder, not a ledger file") from None
    except OSError as e:
        raise LedgerError(f"{path}: cannot open the ledger: {e.strerror or e}") from None
    if head[_MAGIC_AT : _MAGIC_AT + len(_MAGIC)] == _MAGIC:
        return
    if head.startswith(b"SQLite format 3\0"):
        what = "it is a SQLite database, not a wholepop ledger"
    elif not head:
        what = "it is an empty file, not a wholepop ledger"
    else:
        what = "it is not a DuckDB database (a wholepop ledger is one)"
    raise LedgerError(f"{path}: cannot open the ledger: {what}")


def _remove_stale_temporaries(path: Path) -> None:
    """Remove what a killed creation of this ledger left: ``.<name>.<pid>.<hex>.new[.wal]``
    files whose process is gone (a live one may still be building its ledger)."""
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*.new*"))
    except OSError:  # pragma: no cover  (an unreadable folder: creating will say so)
        return
    for tmp in candidates:
        m = _TMP.match(tmp.name)
        if not m or m["name"] != path.name or _alive(int(m["pid"])):
            continue
        tmp.unlink(missing_ok=True)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # pragma: no cover  (another user's live process)
        return True
    return True


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

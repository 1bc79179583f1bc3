"""The ledger tests run against both stores: a DuckDB file and a real PostgreSQL server.

The suite's ``tests/conftest.py`` loads this module as a plugin (a ``conftest.py`` here
would shadow the suite's own ``conftest`` module, which tests import helpers from), so
every test can ask for these fixtures. The server is started once per process, on
first use, and stopped at exit.

``ledger_at`` (parametrised ``duckdb`` / ``postgresql``) gives a function returning the
location of a new, empty ledger: a path in the test's temporary folder, or a fresh
database on the session's PostgreSQL server (``pg_server.start``; a server that fails to
start fails the tests that need it, never skips them). ``sql`` and ``rows`` run raw SQL
on either store, for the tests that tamper with a ledger the way a user with database
access could.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest

from . import pg_server

STORES = ("duckdb", "postgresql")


_server: list[pg_server.Server] = []


@pytest.fixture
def pg() -> pg_server.Server:
    """The process's PostgreSQL server (started on first use; a failure fails the test)."""
    if not _server:
        folder = Path(tempfile.mkdtemp(prefix="wholepop-pg-"))
        try:
            _server.append(pg_server.start(folder))
        except pg_server.ServerError as e:
            pytest.fail(f"the test PostgreSQL server did not start: {e}", pytrace=False)
        atexit.register(_stop, _server[0], folder)
    return _server[0]


def _stop(server: pg_server.Server, folder: Path) -> None:
    server.stop()
    shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(params=STORES)
def store(request) -> str:
    """Each ledger test runs once per store."""
    return request.param


@pytest.fixture
def ledger_at(store, tmp_path, request) -> Callable[[], str | Path]:
    """``ledger_at()`` -> the location of a new ledger on the test's store (not created yet)."""
    counter = iter(range(1_000_000))

    def make() -> str | Path:
        if store == "postgresql":
            return request.getfixturevalue("pg").create_db()
        folder = tmp_path / f"ledger{next(counter)}"
        folder.mkdir()
        return folder / "wholepop.duckdb"

    return make


@pytest.fixture
def path(ledger_at) -> str | Path:
    """One new ledger on the test's store."""
    return ledger_at()

"""Fixtures shared by every test: engines, and input folders written from inline CSV.

Spec tests write tiny tables inline (the test input is the document) and run on every
engine through the parametrised ``engine`` fixture, as ehrQL's spec tests do.
"""

from __future__ import annotations

import os
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from wholepop.engine import ENGINES, connect
from wholepop.inputs.load import Inputs, open_inputs
from wholepop.inputs.schema import TABLES

# CI runs a few derandomised examples; WHOLEPOP_EXAMPLES turns the count up (ehrQL's GENTEST_EXAMPLES).
settings.register_profile(
    "default",
    max_examples=int(os.environ.get("WHOLEPOP_EXAMPLES", "40")),
    derandomize=True,
    deadline=None,
    suppress_health_check=(HealthCheck.too_slow, HealthCheck.function_scoped_fixture),
)
settings.load_profile("default")

# The ledger's store fixtures (``store``, ``ledger_at``, ``path``, ``pg``: a real PostgreSQL
# server started in a temporary folder), for the ledger tests and any test needing a server.
pytest_plugins = ("ledger.ledger_stores",)

SHARED = Path(__file__).resolve().parents[2] / "shared"
SHARED_DATA = SHARED / "data"


@pytest.fixture(params=ENGINES)
def engine(request) -> str:
    """Each spec test runs once per engine."""
    return request.param


def write_tables(folder: Path, tables: dict[str, str]) -> Path:
    """Write each inline CSV to ``folder/<name>.csv``; required tables not given get headers only."""
    folder.mkdir(parents=True, exist_ok=True)
    for decl in TABLES:
        text = tables.get(decl.name)
        if text is None:
            if not decl.required:
                continue
            text = ",".join(c.name for c in decl.required_columns) + "\n"
        (folder / f"{decl.name}.csv").write_text(textwrap.dedent(text).strip() + "\n")
    return folder


@pytest.fixture
def make_inputs(tmp_path, engine):
    """``make_inputs({"registrations": "csv..."}) -> Inputs`` on the test's engine (unvalidated)."""
    counter = iter(range(1_000_000))

    def make(tables: dict[str, str]) -> Inputs:
        folder = write_tables(tmp_path / f"data{next(counter)}", tables)
        return open_inputs(folder, connect(engine))

    return make


def run_cli(args: list[str]) -> int:
    """Run the CLI as a user would (``wholepop ARGS``); return its exit code."""
    from wholepop.cli import main

    try:
        main(args)
    except SystemExit as e:
        return int(e.code or 0)
    return 0


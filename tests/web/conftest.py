"""Fixtures of the web app's tests: a synthetic provider of about 2,000 people, an app
over a copy of it (each test module settles into its own ledger), and a client that
follows a long job to its end as the browser's job page does."""

from __future__ import annotations

import re
import shutil
import time
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from wholepop.web.app import ServeConfig, create_app

SHARED_NHS = Path(__file__).resolve().parents[3] / "shared" / "data" / "nhs"
PEOPLE = 2_000
# Seed 34's 2028 acute spend is 0.88% over target: inside the contract's 1% corridor, so a
# corridor moved below that shares the loss (the What-if tests move it).
SEED = 34


@pytest.fixture(scope="session")
def provider_source(tmp_path_factory) -> Path:
    """A 2,000-person MCP (2,461 people ever registered), baseline 2026, a 3-year term
    2027-2029 with data for each year (shorter than an MCP's 10-15: `check` warns)."""
    from wholepop.cli.synth import synth

    out = tmp_path_factory.mktemp("web-source") / "small-mcp"
    synth(out=out, population=PEOPLE, years=3, term=3, start_year=2027, seed=SEED)
    return out


@pytest.fixture(scope="module")
def folder(provider_source, tmp_path_factory) -> Path:
    """A module's own copy of the provider (its ledger and contract edits stay in it)."""
    out = tmp_path_factory.mktemp("web") / "small-mcp"
    shutil.copytree(provider_source, out)
    return out


def with_term(text: str, key: str, value: str) -> str:
    """Contract TOML ``text`` with the first ``key = ...`` line's value set to ``value``
    (its comment kept), as a person editing the file would."""
    new, n = re.subn(rf"(?m)^({re.escape(key)}\s*=\s*)[^#\n]*?(\s*(#.*)?)$", rf"\g<1>{value}\g<2>", text, count=1)
    assert n == 1, f"no {key} in the contract"
    return new


def make_client(folder: Path, tmp: Path, **config) -> TestClient:
    cfg = ServeConfig(data=(folder,), nhs=SHARED_NHS, workspace=tmp / "built", **config)
    return TestClient(create_app(cfg), base_url="http://127.0.0.1", raise_server_exceptions=False)


@pytest.fixture(scope="module")
def client(folder, tmp_path_factory) -> TestClient:
    with make_client(folder, tmp_path_factory.mktemp("ws")) as c:
        yield c


def finish(client: TestClient, response, timeout: float = 240):
    """Follow a redirect to a job until the job ends; return the final response."""
    while response.status_code == 303 and "/jobs/" in response.headers.get("location", ""):
        job = response.headers["location"].split("?")[0]
        deadline = time.monotonic() + timeout
        while client.get(job + ".json").json()["state"] == "running":
            assert time.monotonic() < deadline, f"job {job} still running after {timeout} s"
            time.sleep(0.1)
        response = client.get(response.headers["location"], follow_redirects=False)
        if response.status_code == 303 and "/jobs/" not in response.headers["location"]:
            response = client.get(response.headers["location"], follow_redirects=False)
    return response

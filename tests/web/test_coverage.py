"""The browser settles only what ``wholepop settle`` would, and projects as ``wholepop project`` does.

A copy of the web fixture's provider whose data stops on 30 September 2029, half way
through its last contract year (activity cut there, and the declared coverage with it).
``settle`` refuses 2029; so must the Settle and What-if pages, in its words, writing
nothing. The projection on the What-if page settles 2027 and 2028, projects 2029, and
is the CLI's projection to the penny.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from wholepop.inputs.coverage import declared_table

from .conftest import finish, make_client

PID = "small-mcp"
CUT = dt.date(2029, 9, 30)


@pytest.fixture(scope="module")
def partial(provider_source, tmp_path_factory):
    out = tmp_path_factory.mktemp("web-partial") / PID
    shutil.copytree(provider_source, out)
    activity = pq.read_table(out / "activity.parquet")
    pq.write_table(activity.filter(pc.less_equal(activity["date"], pa.scalar(CUT))), out / "activity.parquet")
    pq.write_table(declared_table(dt.date(2026, 4, 1), CUT), out / "coverage.parquet")
    return out


@pytest.fixture(scope="module")
def client(partial, tmp_path_factory):
    with make_client(partial, tmp_path_factory.mktemp("ws-partial")) as c:
        finish(c, c.get(f"/p/{PID}/settle", follow_redirects=False))
        yield c


def test_the_settle_page_offers_only_the_years_the_data_covers(client):
    r = client.get(f"/p/{PID}/settle")
    assert r.status_code == 200
    assert '<option value="2027"' in r.text and '<option value="2028"' in r.text
    assert '<option value="2029"' not in r.text
    assert 'id="part-years"' in r.text and "Not settled: 2029" in r.text


def test_a_part_year_is_refused_in_settles_words_and_nothing_is_written(client):
    for r in (client.get(f"/p/{PID}/settle?year=2029"), client.post(f"/p/{PID}/settle", data={"year": "2029"}),
              client.post(f"/p/{PID}/whatif", data={"year": "2029"})):
        assert r.status_code == 400
        assert "cannot settle 2029: the data does not cover it" in r.text
    # nothing was written: the first settlement of a covered year is still version 1
    r = client.post(f"/p/{PID}/settle", data={"year": "2027"})
    assert r.status_code == 200 and "version 1 written" in r.text


def test_the_what_if_projection_is_the_clis_to_the_penny(client, partial, tmp_path):
    from wholepop.cli.project import project

    r = client.get(f"/p/{PID}/download/projection.json?horizon=3")
    assert r.status_code == 200
    web = r.json()
    cli = tmp_path / "projection.json"
    project(data=partial, contract=partial / "contract.toml", scenario=None, runs=web["runs"], seed=web["seed"],
            json_out=cli, sensitivity=False, from_baseline=False, engine="duckdb", memory_limit=None, work_dir=None, parts=1)
    mine = json.loads(cli.read_text())
    assert [(y["year"], y["settled"]) for y in web["years"]] == [(2027, True), (2028, True), (2029, False)]
    keys = ("settled", "budget_pence", "total_payable_pence", "provider_position_pence")
    assert [{k: y[k] for k in keys} for y in web["years"]] == [{k: y[k] for k in keys} for y in mine["years"]]
    for k in ("cumulative_position_pence", "p_loss_exceeds_reserves", "first_year_median_loss_exceeds_reserves"):
        assert web["headlines"][k] == mine["headlines"][k]

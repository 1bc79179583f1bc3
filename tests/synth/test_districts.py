"""Large populations are simulated district by district and written as partitioned Parquet.

A small ``district_people`` stands in for the 2,000,000 of a real run, so a few thousand
people give several districts.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pytest

from wholepop.inputs import load_inputs
from wholepop.synth import generate
from wholepop.synth.dataset import districts
from wholepop.vocab import Service


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("districts")
    a = generate(base / "a", population=3_000, years=1, seed=8, district_people=1_000, block_people=700)
    b = generate(base / "b", population=3_000, years=1, seed=8, district_people=1_000, block_people=700)
    return a, b


def _parts(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.parquet"))


def test_districts_are_whole_practices_of_at_most_the_limit():
    sizes = np.array([400, 500, 300, 2_500, 100])
    assert districts(sizes, 1_000) == [(0, 2), (2, 3), (3, 4), (4, 5)]
    assert districts(sizes, 10_000) == [(0, 5)]


def test_the_layout_is_partitioned_by_year_and_district(runs):
    a, _ = runs
    parts = _parts(a)
    n = len([p for p in parts if p.startswith("patients/")])
    assert n >= 3
    assert [p for p in parts if p.startswith("activity/")] == sorted(
        f"activity/year={y}/part-{d:05d}.parquet" for y in (2026, 2027) for d in range(n)
    )
    assert {p for p in parts if "/" not in p} == {
        "practices.parquet", "memberships.parquet", "unregistered.parquet", "measures.parquet", "coverage.parquet",
    }
    assert not (a / "activity.parquet").exists()


def test_ids_are_unique_across_districts_and_day_one_is_the_population(runs):
    a, _ = runs
    con = duckdb.connect()
    total, distinct = con.execute(
        f"SELECT count(*), count(DISTINCT patient_id) FROM read_parquet('{a}/patients/*.parquet')"
    ).fetchone()
    assert total == distinct
    on_day_one = con.execute(
        f"SELECT count(DISTINCT patient_id) FROM read_parquet('{a}/registrations/*.parquet') "
        "WHERE from_date <= DATE '2026-04-01' AND (to_date IS NULL OR to_date >= DATE '2026-04-01')"
    ).fetchone()[0]
    assert on_day_one == 3_000


def test_practice_contacts_name_the_practices_of_every_district(runs):
    a, _ = runs
    con = duckdb.connect()
    missing = con.execute(
        f"""SELECT count(*) FROM read_parquet('{a}/activity/*/*.parquet') x
        WHERE x.service = '{Service.PRIMARY_MEDICAL.value}' AND x.provider NOT IN
          (SELECT practice_code FROM read_parquet('{a}/practices.parquet'))"""
    ).fetchone()[0]
    providers = con.execute(
        f"""SELECT count(DISTINCT provider) FROM read_parquet('{a}/activity/*/*.parquet')
        WHERE service = '{Service.PRIMARY_MEDICAL.value}'"""
    ).fetchone()[0]
    practices = con.execute(f"SELECT count(*) FROM read_parquet('{a}/practices.parquet')").fetchone()[0]
    assert missing == 0
    assert providers == practices


def test_the_partitioned_folder_validates_cleanly(runs):
    a, _ = runs
    _, problems = load_inputs(a, a / "contract.toml")
    # A few thousand people are smaller than a hub or an MCP: those size warnings are expected,
    # and so is the warning that the synthetic contract's term (its data years) is shorter than an MCP's, and
    # that a one-year term holds no two-yearly exit window.
    assert [str(p) for p in problems if " serves " not in p.message and p.column not in ("contract.term_years", "contract.exit_window_years")] == []


def test_same_seed_same_bytes_partitioned(runs):
    a, b = runs
    assert _parts(a) == _parts(b)
    for p in _parts(a):
        assert (a / p).read_bytes() == (b / p).read_bytes(), p


def test_a_new_layout_replaces_the_old_one(tmp_path):
    out = generate(tmp_path / "x", population=900, years=1, seed=2)
    assert (out / "activity.parquet").is_file()
    generate(out, population=900, years=1, seed=2, district_people=400)
    assert not (out / "activity.parquet").exists()
    assert (out / "activity").is_dir()
    generate(out, population=900, years=1, seed=2)
    assert (out / "activity.parquet").is_file()
    assert not (out / "activity").exists()

"""A year is settled in the projection only when ``settle`` would settle it (the coverage
rule of ``inputs.coverage``, reused through ``pipeline.settleable``); a part-year is projected.

Synthetic data with a baseline and 2 contract years (2027, 2028), whose ``coverage`` table
is cut to declare activity complete only to 30 September 2028: half of year 2.
"""

from __future__ import annotations

import datetime as dt
import json

import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from wholepop.inputs.coverage import declared_table
from wholepop.pipeline import prepare, settleable
from wholepop.synth import generate

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def half_year_2(tmp_path_factory):
    folder = generate(tmp_path_factory.mktemp("half") / "data", population=5_000, years=2, seed=5, term=15)
    # activity declared complete from the baseline's 1 April to 30 September of year 2 (months 1-6)
    pq.write_table(declared_table(dt.date(2026, 4, 1), dt.date(2028, 9, 30), "half of year 2"),
                   folder / "coverage.parquet")
    return folder


def test_the_rule_is_settles_own(half_year_2):
    run = prepare(half_year_2, half_year_2 / "contract.toml")
    try:
        assert run.year_coverage(2028).status == "partial"  # settle refuses it...
        assert settleable(run, (2026, 2027, 2028)) == (2027,)  # ...so only 2027 counts as settled
    finally:
        run.close()


def test_half_a_year_2_is_projected_not_settled(half_year_2, tmp_path):
    out = tmp_path / "projection.json"
    code = run_cli(["project", "--data", str(half_year_2), "--contract", str(half_year_2 / "contract.toml"),
                    "--runs", "0", "--json", str(out)])
    assert code == 0
    doc = json.loads(out.read_text())
    assert doc["headlines"]["settled_years"] == [2027]
    assert doc["headlines"]["projected_years"][0] == 2028
    by_year = {y["year"]: y["settled"] for y in doc["years"]}
    assert by_year[2027] is True and by_year[2028] is False

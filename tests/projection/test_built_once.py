"""``wholepop project`` builds only what the projection reads, and its figures do not move.

Issue 18, item 8 (10,000 runs over a 15-year term in under 30 s): the command builds the
segments of the baseline year alone (the cells read them; a settled year's money reads
segments only for the extensive-care metric) and gathers the baseline's money facts
once, with the settled years'. These tests pin that nothing changes by it: the same
segments, the same facts, and the same projection and Monte Carlo headlines for the
same seed as the full build gave (synthetic data: a baseline and 2 settled years of a
15-year term).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from decimal import Decimal

import pytest

from conftest import run_cli
from wholepop.contract import load_contract
from wholepop.contract.model import Metric
from wholepop.money.settle import settle
from wholepop.pipeline import prepare, settleable
from wholepop.population.count import table_years
from wholepop.projection import base_from_run, default_scenario, project, simulate
from wholepop.projection.base import facts_of_year, segment_years
from wholepop.projection.summary import summary
from wholepop.synth import generate

pytestmark = pytest.mark.slow

BASE = 2026


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("built") / "data", population=3_000, years=2, seed=11, term=15)


@pytest.fixture(scope="module")
def full(folder):
    """Every year's tables built, as before (segments of every year)."""
    run = prepare(folder, folder / "contract.toml")
    yield run
    run.close()


def _rows(table, year):
    t = table.filter(table.year == year)
    return sorted(t.to_pyarrow().to_pylist(), key=lambda r: r["patient_id"])


def test_the_baseline_segments_alone_are_the_full_builds(folder, full):
    run = prepare(folder, folder / "contract.toml", segmented=(BASE,))
    try:
        assert table_years(run.segments) == (BASE,)
        assert table_years(full.segments) == (BASE, 2027, 2028)
        baseline = _rows(run.segments, BASE)
        assert len(baseline) > 2_000  # everyone counted in the baseline has a level
        assert baseline == _rows(full.segments, BASE)
        # the other stages are untouched: the settled years' money facts are the same but
        # for the extensive-care cohort (read only by that metric, which this contract does
        # not score), and so are their statements
        settled = (BASE, *settleable(run, (2027, 2028)))
        assert settled == (BASE, 2027, 2028)
        mine, theirs = run.facts(settled), full.facts(settled)
        assert set(mine.extensive_care) == {BASE} and set(theirs.extensive_care) == set(settled)
        assert replace(mine, extensive_care={}) == replace(theirs, extensive_care={})
        for year in (2027, 2028):
            assert settle(mine, run.contract, year) == settle(theirs, full.contract, year)
    finally:
        run.close()


def test_the_baselines_facts_taken_from_every_years_are_its_own(full):
    every = full.facts((BASE, 2027, 2028))
    assert facts_of_year(every, BASE) == full.facts((BASE,))
    assert facts_of_year(every, 2027) == full.facts((2027,))


def test_segments_of_every_year_when_the_money_reads_them(folder):
    contract = load_contract(folder / "contract.toml")
    assert segment_years(contract) == (BASE,)
    metrics = (Metric(id="extensive_care_contact_rate", weight=Decimal(1), lower=Decimal("0.2"), upper=Decimal("0.6")),)
    scored = contract.model_copy(update={"performance": contract.performance.model_copy(update={"metrics": metrics})})
    assert segment_years(scored) is None  # a settled year's score reads its own year's segments


def _same(a, b, path="") -> None:
    """Equal JSON documents: whole numbers (pence, counts) exactly; floats (shares, probabilities)
    within 1e-12, since DuckDB sums floats in whatever order its threads finish."""
    if isinstance(a, dict):
        assert a.keys() == b.keys(), path
        for k in a:
            _same(a[k], b[k], f"{path}.{k}")
    elif isinstance(a, list):
        assert len(a) == len(b), path
        for i, (x, y) in enumerate(zip(a, b)):
            _same(x, y, f"{path}[{i}]")
    elif isinstance(a, float) and isinstance(b, float):
        assert math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15), (path, a, b)
    else:
        assert a == b, (path, a, b)


def test_the_command_projects_what_the_full_build_projects(folder, full, tmp_path):
    # before: every year built and segmented, the baseline's facts gathered on their own
    have = table_years(full.population)
    settled = full.facts((BASE, *settleable(full, have)))
    p = project(base_from_run(full), full.contract, default_scenario(), settled)
    before = json.loads(json.dumps(summary(p, simulate(p, 2_000, 3))))
    # now: the command as a user runs it
    out = tmp_path / "p.json"
    assert run_cli(["project", "--data", str(folder), "--contract", str(folder / "contract.toml"),
                    "--runs", "2000", "--seed", "3", "--json", str(out)]) == 0
    after = json.loads(out.read_text())
    assert after["headlines"]["settled_years"] == [2027, 2028]
    assert after["headlines"]["cumulative_position_pence"] == before["headlines"]["cumulative_position_pence"]
    _same(before, after)

"""The projection continues from what is settled, and a back-test from the baseline.

On a synthetic data set with a 15-year term and data for 2 contract years:

- every contract year the data covers is settled by the same code as ``wholepop
  settle``: the projection's statement of that year equals the pipeline's to the penny;
- projecting from the baseline alone, with the generator's known trends (activity
  +1.5% and unit costs +2% a year, its births, deaths and migration) and no noise,
  reproduces the second settled year's budget within 1%. Its in-scope cost does not
  (yet): on this data the settled cost per head grows about 5.5% over the two years
  (3.5% then 1.9%) against the known 7.2%, and the shortfall sits in the highest-need
  care level, whose spend per head falls about a tenth (25,077 -> 23,410 -> 22,687 pounds)
  while its head count grows (2,423 -> 2,808), and in the 85+ bands. A projection
  holding each cell's spend per head cannot reproduce that. Making incidence replace
  condition-selective deaths (prevalence stationary by age) was tried and does not
  close it (3.9% instead of 3.6%): the drift is within the level, not in the level mix.
  The test says so with a strict expected failure rather than widening the tolerance.
"""

from __future__ import annotations

import pytest

from wholepop.pipeline import prepare, settle
from wholepop.projection import base_from_run, project
from wholepop.projection.scenario import parse_scenario
from wholepop.synth import generate
from wholepop.synth.england import BIRTHS_PER_PERSON, CRUDE_DEATH_RATE, MOVE_OUT_RATE, NET_GROWTH
from wholepop.synth.services import ACTIVITY_GROWTH, PRICE_GROWTH

pytestmark = pytest.mark.slow

# The generator's own trends: its list grows NET_GROWTH a year (births - deaths + net migration).
KNOWN = f"""
[scenario]
name = "the generator's known trends"
[population]
birth_rate = {BIRTHS_PER_PERSON}
leaving_rate = {MOVE_OUT_RATE}
net_migration = {NET_GROWTH - BIRTHS_PER_PERSON + CRUDE_DEATH_RATE:.4f}
[trend]
rate = {(1 + ACTIVITY_GROWTH) * (1 + PRICE_GROWTH) - 1:.6f}
sd = 0
[noise]
activity = false
"""


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    folder = generate(tmp_path_factory.mktemp("cont") / "data", population=100_000, years=2, seed=11, term=15)
    r = prepare(folder, folder / "contract.toml")
    yield r
    r.close()


@pytest.fixture(scope="module")
def both(run):
    base = base_from_run(run)
    scenario = parse_scenario(KNOWN)
    settled = run.facts((2026, 2027, 2028))
    return project(base, run.contract, scenario), project(base, run.contract, scenario, settled)


def test_settled_years_equal_the_settlement_to_the_penny(run, both):
    _, continued = both
    assert [y.settled for y in continued.years] == [True, True] + [False] * 13
    for y in continued.years[:2]:
        assert y.statement == settle(run, y.year)
        assert y.total_payable_pence == settle(run, y.year).total_payable_pence


def test_projection_continues_from_the_last_settled_year(both):
    _, continued = both
    last, nxt = continued.years[1], continued.years[2]
    # The first projected year grows from what was settled, not from the paths' own 2028.
    assert 1.0 < nxt.weighted_population / last.weighted_population < 1.02
    assert 1.0 < sum(nxt.spend_without_levers_pence.values()) / sum(last.spend_pence.values()) < 1.08


def test_the_first_projected_budget_grows_from_the_settled_weighted_population(run, both):
    # budget(y) = sum over lines of baseline spend per weighted head x WP(y) x growth(y), plus
    # the unregistered allowance x growth(y) (docs/money.md). From the last settled year to the
    # next the lines grow by WP(next) / WP(last) x (1 + uplift)(1 - efficiency); the allowance
    # (under 1% of the budget) by the growth alone, so the two ratios agree within 0.05%. The
    # projected practices must grow from the settled weighted population by the paths' growth
    # once (a ratio applied twice made the first projected budget 2.2% short on the demo).
    _, continued = both
    last, nxt = continued.years[1], continued.years[2]
    b = run.contract.budget
    g = (1 + float(b.rate("uplift", nxt.year - run.contract.contract.baseline_year - 1))) * (
        1 - float(b.rate("efficiency", nxt.year - run.contract.contract.baseline_year - 1)))
    want = nxt.weighted_population / last.weighted_population * g
    assert abs(nxt.budget_pence / last.budget_pence / want - 1) < 0.0005


def test_back_test_budget_within_one_percent(both):
    from_baseline, continued = both
    projected, settled = from_baseline.years[1], continued.years[1]
    assert settled.year == 2028 and settled.settled and not projected.settled
    assert abs(projected.budget_pence / settled.budget_pence - 1) < 0.01


@pytest.mark.xfail(strict=True, reason="the generator's spend per head in its highest-need level falls year on year (see the module docstring): about +3.6%")
def test_back_test_in_scope_cost_within_one_percent(both):
    from_baseline, continued = both
    projected, settled = from_baseline.years[1], continued.years[1]
    assert abs(projected.in_scope_cost_pence / settled.in_scope_cost_pence - 1) < 0.01

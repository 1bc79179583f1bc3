"""Monte Carlo: collapse to the deterministic projection, seeds, the share twin, monotone levers, speed."""

from __future__ import annotations

import time
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.money.sharing import ShareRule, share_variance
from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import share_vector, simulate
from wholepop.projection.scenario import Scenario, default_scenario, parse_scenario

from .factory import synthetic_base
from .handworked import hand_base, hand_contract

BASE = synthetic_base(300_000)


def _fixed(scenario: Scenario, noise: bool = False, sd: str = "0") -> Scenario:
    """The scenario with every lever's range collapsed to its midpoint, trend sd and noise set."""
    levers = tuple(
        lv.model_copy(update={"effect": ((lv.low + lv.high) / 2, (lv.low + lv.high) / 2)}) for lv in scenario.levers
    )
    return scenario.model_copy(
        update={
            "levers": levers,
            "noise": scenario.noise.model_copy(update={"activity": noise}),
            "trend": scenario.trend.model_copy(update={"sd": Decimal(sd)}),
        }
    )


def _horizon(scenario: Scenario, years: int) -> Scenario:
    return scenario.model_copy(update={"scenario": scenario.scenario.model_copy(update={"horizon_years": years})})


@pytest.mark.parametrize("form", ["virtual", "partial", "full", "pacs"])
def test_without_ranges_or_noise_the_percentiles_are_the_deterministic_projection(form):
    """Monte Carlo re-shares with a float twin and unrounded spend; settlement rounds each
    line's spend per integration mode to the penny, so the two may differ by a few pence."""
    p = project(BASE, parse_contract(preset_text(form)), _fixed(default_scenario()))
    mc = simulate(p, 30, seed=5)
    for y, q, c in zip(p.years, mc.percentiles("provider"), mc.percentiles("commissioner")):
        assert q["p10"] == q["p50"] == q["p90"]
        assert abs(q["p50"] - y.provider_position_pence) <= 10, (y.year, q, y.provider_position_pence)
        assert abs(c["p50"] - y.commissioner_position_pence) <= 10
    assert mc.p_loss_cap == float(any(y.loss_capped for y in p.years))


# The pacs preset with its [system_share] switched on: half of the surplus or deficit
# handed to (or taken from) the commissioner outside a 1% corridor, losses capped at 2%.
PACS_SHARING = preset_text("pacs").replace("# [system_share]", "[system_share]").replace(
    "# corridor = 0.01 ", "corridor = 0.01 ").replace(
    "# bands = [ { upto = 1.0, provider_share = 0.5 } ]", "bands = [ { upto = 1.0, provider_share = 0.5 } ]").replace(
    "# cap_loss = 0.02 ", "cap_loss = 0.02 ").replace(
    "# parties = { commissioner = 1.0 }", "parties = { commissioner = 1.0 }")


def _system_only(corridor: str = "0", cap_loss: str | None = None) -> str:
    """The pacs preset with a system share of 0.5 from the first pound (no gate, no scaling)."""
    cap = f"cap_loss = {cap_loss}\n" if cap_loss else ""
    return preset_text("pacs") + (
        f"\n[system_share]\ncorridor = {corridor}\nbands = [ {{ upto = 1.0, provider_share = 0.5 }} ]\n"
        f"quality_gate = 0.0\nscale_gains_by_achievement = false\n{cap}parties = {{ commissioner = 1.0 }}\n"
    )


def test_the_system_share_collapses_to_the_deterministic_projection():
    contract = parse_contract(PACS_SHARING)
    assert contract.system_share is not None
    p = project(BASE, contract, _fixed(default_scenario()))
    assert any(y.statement.system_share is not None and y.statement.system_share.variance_pence for y in p.years)
    mc = simulate(p, 30, seed=5)
    for y, q in zip(p.years, mc.percentiles("provider")):
        assert q["p10"] == q["p50"] == q["p90"]
        assert abs(q["p50"] - y.provider_position_pence) <= 10, (y.year, q, y.provider_position_pence)


def test_a_pacs_handing_back_half_its_variance_has_half_the_spread():
    """Provider position = payable - in-scope cost - ...; with half of (budget - in-scope
    spend) handed to the commissioner from the first pound, the payable moves by half of
    every pound of drawn in-scope spend, so the position's spread is exactly half (the
    same seed draws the same spend). Before the system share was drawn, the Monte Carlo
    held it at its deterministic value and the spread was the same with or without it."""
    scenario = default_scenario()
    alone = simulate(project(BASE, parse_contract(preset_text("pacs")), scenario), 400, seed=8)
    sharing = simulate(project(BASE, parse_contract(_system_only()), scenario), 400, seed=8)
    sd_alone, sd_sharing = alone.provider.std(axis=0), sharing.provider.std(axis=0)
    assert (sd_alone > 0).all()
    assert np.allclose(sd_sharing, 0.5 * sd_alone, rtol=1e-6)


def test_the_system_share_loss_cap_is_counted():
    """A loss cap of 0.01% of the budget binds in the runs whose in-scope spend exceeds the
    budget by more than 0.02% (half of the deficit is the provider's), not in the others."""
    mc = simulate(project(BASE, parse_contract(_system_only(cap_loss="0.0001")), default_scenario()), 400, seed=8)
    assert 0.0 < mc.p_loss_cap < 1.0


def test_each_source_of_uncertainty_spreads_the_provider_position():
    contract = parse_contract(preset_text("full"))
    widths = {}
    for name, scenario in {
        "levers": _fixed(default_scenario()).model_copy(update={"levers": default_scenario().levers}),
        "noise": _fixed(default_scenario(), noise=True),
        "trend": _fixed(default_scenario(), sd="0.01"),
    }.items():
        mc = simulate(project(BASE, contract, scenario), 400, seed=1)
        q = mc.percentiles()[-1]
        widths[name] = q["p90"] - q["p10"]
    assert all(w > 100_000 for w in widths.values()), widths  # more than 1,000 pounds each


def test_the_same_seed_gives_the_same_runs_and_another_seed_does_not():
    p = project(BASE, parse_contract(preset_text("full")), default_scenario())
    a, b, c = simulate(p, 1200, seed=11), simulate(p, 1200, seed=11), simulate(p, 1200, seed=12)
    assert np.array_equal(a.provider, b.provider) and np.array_equal(a.commissioner, b.commissioner)
    assert not np.array_equal(a.provider, c.provider)
    # Runs are drawn in blocks from children of the seed: the first runs do not depend on how many follow.
    assert np.array_equal(simulate(p, 500, seed=11).provider, a.provider[:500])


_HAND_RUNAWAY = """
[scenario]
expected_achievement = 0.8
[population]
mortality_scale = 0
birth_rate = 0
leaving_rate = 0
net_migration = 0
[trend]
rate = 0
sd = 0
[trend.services]
outpatient = 0.2
[noise]
activity = false
"""



def test_the_loss_cap_is_hit_when_acute_spend_runs_away():
    """Outpatient spend growing 20% a year against a 5% target: in 2027 actual 24,000,000 vs
    target 21,000,000, a loss of 3,000,000 x 0.5 = 1,500,000, capped at 0.02 x 11,000,000."""
    scenario = parse_scenario(_HAND_RUNAWAY)
    p = project(hand_base(), hand_contract(), scenario)
    assert (p.years[0].risk_share_pence, p.years[0].loss_capped) == (-220_000, True)
    mc = simulate(p, 50, seed=0)
    assert mc.p_loss_cap == 1.0


money = st.integers(1_000_000, 10**11)


@st.composite
def rules(draw):
    n = draw(st.integers(1, 3))
    edges = sorted(draw(st.lists(st.decimals("0.01", "0.9", places=3), min_size=n - 1, max_size=n - 1, unique=True)))
    bands = tuple(zip([*edges, Decimal(1)], [draw(st.decimals("0", "1", places=2)) for _ in range(n)]))
    cap = st.one_of(st.none(), st.decimals("0", "10000000", places=2))
    return ShareRule(
        corridor=draw(st.decimals("0", "0.05", places=3)),
        first_pound=draw(st.booleans()),
        bands=bands,
        quality_gate=draw(st.decimals("0", "1", places=2)),
        scale_gains_by_achievement=draw(st.booleans()),
        cap_gain=draw(cap),
        cap_loss=draw(cap),
        loss_corridor=draw(st.one_of(st.none(), st.decimals("0", "0.05", places=3))),
        corridor_inclusive=draw(st.booleans()),
        holder=draw(st.sampled_from(["commissioner", "provider"])),  # provider: a pacs's system share
    )


@given(target=money, actual=money, rule=rules(), achievement=st.decimals("0", "1", places=3))
@settings(max_examples=200)
def test_the_numpy_twin_agrees_with_share_variance_to_a_penny(target, actual, rule, achievement):
    exact = share_variance(target, actual, rule, achievement)
    twin, capped = share_vector(float(target), np.array([float(actual)]), rule, achievement)
    assert abs(twin[0] - exact.provider_pence) <= 1.0
    assert bool(capped[0]) == exact.capped


@given(scale=st.floats(0.0, 1.0), extra=st.floats(0.01, 0.5), form=st.sampled_from(["virtual", "partial", "full", "pacs"]))
@settings(max_examples=25)
def test_more_effective_levers_never_worsen_the_expected_provider_position(scale, extra, form):
    """Raising every reduce lever's range (same draws: the same seed) cannot lower the mean
    provider position. Shift and prevent levers are left out: a shift moves cost into
    the budget, which can rightly cost the provider more (docs/projection.md)."""
    contract = parse_contract(preset_text(form))
    reduce_only = default_scenario().model_copy(
        update={"levers": tuple(lv for lv in default_scenario().levers if lv.kind == "reduce")}
    )
    scenario = _horizon(reduce_only, 5)

    def with_effects(bump: float) -> Scenario:
        levers = tuple(
            lv.model_copy(update={"effect": tuple(min(Decimal(1) / 2, e * Decimal(str(scale)) + Decimal(str(bump))) for e in lv.effect)})
            for lv in scenario.levers
        )
        return scenario.model_copy(update={"levers": levers})

    weak = simulate(project(BASE, contract, with_effects(0.0)), 200, seed=3)
    strong = simulate(project(BASE, contract, with_effects(extra)), 200, seed=3)
    assert strong.provider.mean() >= weak.provider.mean() - 1e-6
    assert (strong.provider >= weak.provider - 1e-6).all()


def test_ten_thousand_runs_of_fifteen_years_for_300k_people_take_under_30_seconds():
    p = project(BASE, parse_contract(preset_text("full")), _horizon(default_scenario(), 15))
    start = time.perf_counter()
    mc = simulate(p, 10_000, seed=1)
    elapsed = time.perf_counter() - start
    assert mc.provider.shape == (10_000, 15)
    assert elapsed < 30.0, elapsed

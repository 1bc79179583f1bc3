"""The hub planner: a partition of the practices, in the band whenever a grouping allows it."""

from __future__ import annotations

import itertools

import numpy as np
import pyarrow.compute as pc
import pytest
from hypothesis import given, strategies as st

from tests.conftest import SHARED_DATA
from wholepop.hubs import describe, hub_stats, plan
from wholepop.importers.nhs import build_practices, read_list_counts, read_practice_map, read_weights

LO, HI = 30_000, 50_000


def feasible(pop: list[int], lo: int, hi: int) -> bool:
    """Whether any grouping puts every hub in [lo, hi] (brute force over set partitions)."""
    n = len(pop)

    def partitions(i, groups):
        if i == n:
            yield groups
            return
        for g in range(len(groups)):
            yield from partitions(i + 1, groups[:g] + [groups[g] + [i]] + groups[g + 1 :])
        yield from partitions(i + 1, groups + [[i]])

    return any(all(lo <= sum(pop[i] for i in g) <= hi for g in groups) for groups in partitions(0, []))


practices = st.integers(min_value=1, max_value=40).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(51.0, 53.0), min_size=n, max_size=n),
        st.lists(st.floats(-2.5, 0.5), min_size=n, max_size=n),
        st.lists(st.integers(0, 60_000), min_size=n, max_size=n),
    )
)


@given(practices)
def test_every_practice_is_in_exactly_one_hub(data):
    lat, lon, pop = data
    codes = [f"P{i:03d}" for i in range(len(pop))]
    result = plan(codes, lat, lon, pop, LO, HI)
    assert [c for c, _ in result.assignment] == codes
    members = sorted(itertools.chain.from_iterable(h.practices for h in result.hubs))
    assert members == codes
    by_hub = {h.hub: h for h in result.hubs}
    for code, hub in result.assignment:
        assert code in by_hub[hub].practices
    assert sum(h.population for h in result.hubs) == sum(pop)
    # Every hub outside the band is explained.
    assert len(result.reasons) == sum(not h.in_band for h in result.hubs) or sum(pop) < LO


small = st.integers(min_value=1, max_value=7).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(51.0, 53.0), min_size=n, max_size=n),
        st.lists(st.floats(-2.5, 0.5), min_size=n, max_size=n),
        st.lists(st.integers(2_000, 45_000), min_size=n, max_size=n),
    )
)


@given(small)
def test_sizes_within_the_band_when_a_grouping_exists(data):
    lat, lon, pop = data
    result = plan([f"P{i}" for i in range(len(pop))], lat, lon, pop, LO, HI)
    if feasible(pop, LO, HI):
        assert all(LO <= h.population <= HI for h in result.hubs)
        assert result.reasons == ()


many_small = st.integers(min_value=20, max_value=120).flatmap(
    lambda n: st.tuples(
        st.lists(st.floats(51.0, 53.0), min_size=n, max_size=n),
        st.lists(st.floats(-2.5, 0.5), min_size=n, max_size=n),
        st.lists(st.integers(1_000, 10_000), min_size=n, max_size=n),
    )
)


@given(many_small)
def test_many_small_practices_all_fit_the_band(data):
    """Practices much smaller than the band's width can always be grouped in it; the planner must find it."""
    lat, lon, pop = data
    if sum(pop) < LO:
        return
    result = plan([f"P{i}" for i in range(len(pop))], lat, lon, pop, LO, HI)
    assert [h.population for h in result.hubs if not LO <= h.population <= HI] == []


def test_two_towns_are_not_mixed():
    """Two clusters 100 km apart, each exactly a hub's worth: one hub per town."""
    lat = [52.00, 52.01, 52.02, 52.90, 52.91, 52.92]
    lon = [-1.00, -1.01, -1.00, -1.00, -1.01, -1.00]
    pop = [12_000, 13_000, 14_000, 11_000, 12_000, 15_000]
    result = plan(list("ABCDEF"), lat, lon, pop, LO, HI)
    groups = sorted(sorted(h.practices) for h in result.hubs)
    assert groups == [["A", "B", "C"], ["D", "E", "F"]]
    assert [h.population for h in result.hubs] == [39_000, 38_000] or [h.population for h in result.hubs] == [38_000, 39_000]
    assert max(h.spread_km for h in result.hubs) < 2.0


def test_a_practice_above_the_maximum_is_explained():
    result = plan(["BIG", "S1", "S2"], [52.0, 52.5, 52.51], [-1.0, -1.0, -1.0], [70_000, 20_000, 20_000], LO, HI)
    big = next(h for h in result.hubs if "BIG" in h.practices)
    assert big.practices == ("BIG",)
    assert any("practice BIG alone has 70,000 patients, more than the maximum 50,000" in r for r in result.reasons)
    assert sorted(h.population for h in result.hubs) == [40_000, 70_000]


def test_too_few_people_for_one_hub_is_explained():
    result = plan(["A", "B"], [52.0, 52.1], [-1.0, -1.0], [5_000, 6_000], LO, HI)
    assert [h.population for h in result.hubs] == [11_000]
    assert result.reasons == ("all 2 practices together have 11,000 patients, fewer than the minimum 30,000: one hub below the band",)


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="finite coordinates"):
        plan(["A"], [float("nan")], [0.0], [1], LO, HI)
    with pytest.raises(ValueError, match="unique"):
        plan(["A", "A"], [52.0, 52.0], [0.0, 0.0], [1, 1], LO, HI)


def test_describe_and_stats_of_an_existing_grouping():
    hubs = describe(["A", "B", "C"], [52.0, 52.0, 53.0], [-1.0, -1.0, -1.0], [20_000, 20_000, 60_000], ["X", "X", "Y"], LO, HI)
    s = hub_stats(hubs, LO, HI)
    assert (s.hubs, s.in_band, s.below, s.above, s.min_population, s.max_population) == (2, 1, 0, 1, 40_000, 60_000)
    assert [h.spread_km for h in hubs] == [0.0, 0.0]


def test_real_icb_plan_meets_the_band_except_single_large_practices():
    """ICB QE1 (194 practices with coordinates): only practices above 50,000 on their own miss the band."""
    nhs = SHARED_DATA / "nhs"
    lists, _ = read_list_counts(nhs / "gp-reg-pat-prac-quin-age-2026-07.zip")
    practice_map, _, _ = read_practice_map(nhs / "gp-reg-pat-prac-map-2026-07.zip")
    _, coords = read_weights(nhs / "weighted-populations-2024-25.csv")
    practices, _ = build_practices(practice_map, coords)
    pops = lists.group_by("practice_code").aggregate([("patients", "sum")])
    t = practices.join(pops, "practice_code").filter(pc.equal(pc.field("icb_code"), "QE1"))
    t = t.filter(pc.is_valid(t["lat"]))
    result = plan(t["practice_code"].to_pylist(), t["lat"].to_numpy(), t["lon"].to_numpy(), t["patients_sum"].to_numpy(), LO, HI)
    assert len(result.assignment) == t.num_rows == 194
    out = [h for h in result.hubs if not h.in_band]
    assert all(len(h.practices) == 1 and h.population > HI for h in out)
    assert len(out) == 2
    spreads = np.array([h.spread_km for h in result.hubs])
    assert np.median(spreads) < 5.0

"""Ageing funded under supplied weights: the weighted population follows the list's age-sex cost index.

By hand (``supplied_weighted``): two cells with age-sex cost weights 1.0 and 3.0.

    base:  people 800 and 200 -> index (800 x 1 + 200 x 3) / 1,000 = 1.4
    later: people 700 and 330 -> index (700 x 1 + 330 x 3) / 1,030 = 1,690 / 1,030
    projected weighted = 1,200 x (1,030 / 1,000) x (1,690 / 1,030) / 1.4
                       = 1,200 x 1.69 / 1.4 = 1,448.571428...
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from wholepop.projection.paths import age_sex_cost_weights, ageing_index, build_paths, supplied_weighted
from wholepop.projection.scenario import parse_scenario
from wholepop.vocab import NeedWeighting

from .factory import synthetic_base


def test_supplied_weighted_by_hand():
    weights = np.ones((20, 3))
    weights[19, 0] = 3.0
    base = np.zeros((20, 3))
    base[0, 0], base[19, 0] = 800, 200
    later = np.zeros((1, 20, 3))
    later[0, 0, 0], later[0, 19, 0] = 700, 330
    assert ageing_index(base, weights) == pytest.approx(1.4)
    assert supplied_weighted(1200.0, base, later, weights)[0] == pytest.approx(1200 * 1.69 / 1.4, rel=1e-12)


STILL = parse_scenario("""
[population]
mortality_scale = 0
birth_rate = 0
leaving_rate = 0
net_migration = 0
""")


def _flat_weights_base():
    """The factory's base with every person weighing 1.2: what supplied weights per practice give by age."""
    base = synthetic_base()
    return replace(base, weighted=base.people * 1.2)


def test_weighted_population_rises_with_an_ageing_list_under_supplied_weights():
    base = _flat_weights_base()
    paths = build_paths(base, STILL, 2041, 2027, NeedWeighting.SUPPLIED)
    people = paths.people.sum(axis=(1, 2))
    assert np.allclose(people, base.people.sum())  # the list neither grows nor shrinks...
    assert np.all(np.diff(paths.weighted) > 0)  # ...but it ages, and ageing is funded
    # The engine's own age-sex cost weights rise with age in this base.
    w = age_sex_cost_weights(base)
    assert w[19, 0] > w[0, 0]


def test_without_the_index_a_flat_weight_leaves_ageing_unfunded():
    base = _flat_weights_base()
    paths = build_paths(base, STILL, 2041, 2027, NeedWeighting.AGE_SEX)
    assert np.allclose(paths.weighted, paths.weighted_base)


def test_each_practice_ages_on_its_own_under_supplied_weights():
    """Two practices of equal weighted population share the factory's list: A holds its under-50s, B the rest.

    Each practice's weighted population grows as its own list ages (its own age-sex cost
    index, ``supplied_weighted`` with a weight of 1), not at the list's average rate; the
    two still add up to the list's weighted population, and the statement's split by
    practice follows them.
    """
    from decimal import Decimal

    from wholepop.contract import parse_contract
    from wholepop.money.facts import MoneyFacts, PracticeYear
    from wholepop.projection.demography import age_one_year, mortality_rates
    from wholepop.projection.deterministic import project

    from .handworked import CONTRACT

    base = _flat_weights_base()
    by_band = base.people.sum(axis=2)
    young, old = by_band.copy(), by_band.copy()
    young[10:], old[:10] = 0.0, 0.0
    facts = MoneyFacts(
        practices=(PracticeYear(2026, "A", "H1", "full", Decimal(12000), Decimal(1000)),
                   PracticeYear(2026, "B", "H1", "full", Decimal(12000), Decimal(1000))),
        spend=dict(base.facts.spend),
    )
    b = replace(base, facts=facts, practice_people={"A": young, "B": old})
    contract = parse_contract(CONTRACT.replace('need_weighting = "none"', 'need_weighting = "supplied"')
                              .replace("term_years = 2", "term_years = 5"))
    p = project(b, contract, STILL)

    w = age_sex_cost_weights(b)
    q = mortality_rates(0.0)
    expected = {}
    for code, start in (("A", young), ("B", old)):
        now = start
        for _ in range(5):  # 2027-2031
            now = age_one_year(now, STILL.population, q).end
        expected[code] = 1000 * float(supplied_weighted(1.0, start, now[None], w)[0])
    assert expected["A"] != pytest.approx(expected["B"], rel=1e-3)  # the two lists age differently
    # The list's weighted population grows as the practices' own growth added up...
    growth = float(p.paths.weighted[-1]) / float(b.weighted.sum())
    assert growth == pytest.approx(sum(expected.values()) / 2000, rel=1e-9)
    # ...and each practice's share of it is its own.
    last = p.years[-1].statement
    got = {row.practice_code: float(row.weighted_population) for row in last.budget.by_practice}
    for code in ("A", "B"):
        assert got[code] == pytest.approx(expected[code], rel=1e-6)

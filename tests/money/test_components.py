"""Need by component (``need_weighting = "components"``), worked by hand.

The golden.py world (A full, B partial; weighted population under the overall weight
1,000 each in 2026, A 1,100 and B 900 in 2027; growth 1.1), with NHS England component
weights that differ between the practices: A's community weight is 1.2 times its overall
weight, B's 0.8; A's primary medical weight 0.9 times its overall.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import ibis
import pytest
from hypothesis import given, settings, strategies as st

from golden import BASE_CONTRACT, facts
from wholepop.contract import parse_contract
from wholepop.errors import ContractError
from wholepop.money import settle
from wholepop.money.components import DEFAULT_COMPONENTS, component_ratios
from wholepop.vocab import Service, WeightComponent

RATIOS = {("A", "community"): Decimal("1.2"), ("B", "community"): Decimal("0.8"), ("A", "primary_medical"): Decimal("0.9")}


def by_components(extra=""):
    text = BASE_CONTRACT.format(form="full", services='["primary_medical", "community"]', mode="withhold",
                                gateway="false", risk="")
    return parse_contract(text.replace('need_weighting = "none"', 'need_weighting = "components"' + extra))


def line(s, item):
    return next(x.amount_pence for x in s.lines if x.item == item)


def test_two_practices_with_different_community_weights():
    world = dataclasses.replace(facts(), component_ratios=RATIOS)
    s = settle(world, by_components(), 2027)
    # community, weighted by the community component:
    #   baseline WP_c = A 1,000 x 1.2 + B 1,000 x 0.8 = 2,000; rate 60,000 / 2,000 = 30 p
    #   2027 WP_c = A 1,100 x 1.2 + B 900 x 0.8 = 1,320 + 720 = 2,040
    #   line = 30 x 2,040 x 1.1 = 67,320 (under the overall weight: 30 x 2,000 x 1.1 = 66,000)
    assert line(s, "community") == 67320
    # primary medical covers A only: 50,000 / (1,000 x 0.9) x (1,100 x 0.9) x 1.1 = 60,500:
    # a line over one practice is the same under either weighting (the ratio cancels)
    assert line(s, "primary_medical") == 60500
    # unregistered allowance (1,000 + 500) x 1.1 = 1,650; budget 67,320 + 60,500 + 1,650
    assert s.budget.total_pence == 129470
    # split by the line's own component: community A 67,320 x 1,320 / 2,040 = 43,560, B 23,760;
    # unregistered by the overall weight 1,650 x 1,100 / 2,000 = 907.5 -> 908 (tie to the first), B 742
    by_practice = {p.practice_code: p.budget_pence for p in s.budget.by_practice}
    assert by_practice == {"A": 60500 + 43560 + 908, "B": 23760 + 742}
    assert sum(by_practice.values()) == s.budget.total_pence


def test_overall_weighting_ignores_the_components():
    world = dataclasses.replace(facts(), component_ratios=RATIOS)
    text = BASE_CONTRACT.format(form="full", services='["primary_medical", "community"]', mode="withhold",
                                gateway="false", risk="")
    s = settle(world, parse_contract(text), 2027)
    assert line(s, "community") == 66000


def test_a_contract_may_map_a_line_to_another_component():
    # community weighted by the overall weight instead: back to 66,000
    world = dataclasses.replace(facts(), component_ratios=RATIOS)
    s = settle(world, by_components('\ncomponents = { community = "overall" }'), 2027)
    assert line(s, "community") == 66000


def test_components_need_the_components_rule():
    text = BASE_CONTRACT.format(form="full", services='["community"]', mode="withhold", gateway="false", risk="")
    with pytest.raises(ContractError, match=r'budget\.components: applies only with need_weighting = "components"'):
        parse_contract(text.replace('unregistered = "baseline"', 'unregistered = "baseline"\ncomponents = { community = "community" }'))


def test_default_mapping():
    assert DEFAULT_COMPONENTS[Service.EMERGENCY_ADMISSION] is WeightComponent.GENERAL_ACUTE
    assert DEFAULT_COMPONENTS[Service.COMMUNITY] is WeightComponent.COMMUNITY
    assert Service.SOCIAL_CARE not in DEFAULT_COMPONENTS  # every other line: the overall weight


def test_ratios_from_the_weights_table_use_each_practices_latest_year():
    t = ibis.memtable({
        "practice_code": ["A", "A", "A", "A", "B", "B"],
        "component": ["overall", "community", "overall", "community", "overall", "registered"],
        "weighted_population": [1000.0, 1200.0, 2000.0, 1000.0, 500.0, 400.0],
        "year": [2024, 2024, 2023, 2023, 2024, 2024],
    })
    # A 2024: 1,200 / 1,000 = 1.2 (2023 is older); B has no component but the list
    assert component_ratios(t) == {("A", "community"): Decimal("1.2")}


ratio = st.decimals(min_value="0.3", max_value="3", places=3)


@settings(max_examples=60, deadline=None)
@given(a_comm=ratio, b_comm=ratio, a_pm=ratio, b_pm=ratio)
def test_practice_budgets_sum_to_the_budget_under_any_component_weights(a_comm, b_comm, a_pm, b_pm):
    ratios = {("A", "community"): a_comm, ("B", "community"): b_comm,
              ("A", "primary_medical"): a_pm, ("B", "primary_medical"): b_pm}
    s = settle(dataclasses.replace(facts(), component_ratios=ratios), by_components(), 2027)
    assert sum(p.budget_pence for p in s.budget.by_practice) == s.budget.total_pence
    assert sum(h.budget_pence for h in s.budget.by_hub) == s.budget.total_pence
    assert s.total_payable_pence == sum(x.amount_pence for x in s.lines if x.payable)

"""One home for each rule: the settler map, the metric enum, statement sections, a frozen statement."""

from __future__ import annotations

import dataclasses
from types import MappingProxyType

import pytest

from golden import contract, facts
from wholepop.inputs.contract_checks import BuiltInMetric
from wholepop.money import settle
from wholepop.money.performance import metric_value
from wholepop.money.settle import SETTLERS
from wholepop.money.statement import Section, Statement, StatementLine
from wholepop.vocab import Form


def test_every_form_has_exactly_one_settler_and_the_map_is_frozen():
    assert set(SETTLERS) == set(Form)
    assert isinstance(SETTLERS, MappingProxyType)
    with pytest.raises(TypeError):
        SETTLERS[Form.FULL] = None  # type: ignore[index]


def test_every_built_in_metric_has_a_formula():
    from wholepop.contract.model import Metric

    f = facts()
    for m in BuiltInMetric:
        _, source = metric_value(Metric(id=m.value, weight=1, lower=0, upper=1), f, 2027)
        assert source == "computed"
    # emergency admissions 210 / WP 2,000 x 1,000 = 105 per 1,000
    value, _ = metric_value(Metric(id="emergency_admissions_per_1000", weight=1, lower=0, upper=1), f, 2027)
    assert value == 105


def test_sections_are_an_enum_and_checked():
    assert StatementLine("budget", "x", 1, "b").section is Section.BUDGET
    with pytest.raises(ValueError):
        StatementLine("budgett", "x", 1, "b")


def test_statement_extra_is_immutable_and_round_trips():
    s = settle(facts(), contract(), 2027)
    s2 = dataclasses.replace(s, extra={"note": {"steps": [1, 2]}})
    with pytest.raises(TypeError):
        s2.extra["note"] = 1  # type: ignore[index]
    assert s2.extra["note"]["steps"] == (1, 2)
    back = Statement.from_json(s2.to_json())
    assert back == s2 and back.to_json() == s2.to_json()

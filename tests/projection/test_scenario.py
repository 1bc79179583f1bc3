"""The scenario file: defaults, and errors that name the key path (raised as ContractError)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wholepop.errors import ContractError
from wholepop.vocab import Segment, Service
from wholepop.projection.scenario import default_scenario, default_scenario_text, load_scenario, parse_scenario


def test_default_scenario_names_the_four_levers_of_the_issue():
    s = default_scenario()
    assert [(lv.kind, lv.cohort, lv.services) for lv in s.levers] == [
        ("reduce", (Segment.VERY_HIGH_NEEDS,), (Service.EMERGENCY_ADMISSION,)),
        ("shift", (), (Service.OUTPATIENT,)),
        ("reduce", (), (Service.AE,)),
        ("prevent", (Segment.STAYING_WELL, Segment.SELF_LIMITING), ()),
    ]
    assert s.levers[0].effect == (Decimal("0.10"), Decimal("0.25"))
    assert s.levers[1].to is Service.COMMUNITY and s.levers[1].unit_cost_ratio == Decimal("0.6")
    assert s.scenario.expected_achievement == Decimal("0.75")
    assert s.scenario.discount_rate == Decimal("0.035")
    assert s.population.birth_rate == Decimal("0.010")
    # NHS Payment Scheme 2023/24: cost uplift 2.9% net of efficiency 1.1%, (1.029 x 0.989) - 1, every line alike.
    assert s.trend.rate_for(Service.PRESCRIBING) == s.trend.rate_for(Service.COMMUNITY) == Decimal("0.0177")
    assert s.scenario.horizon_years is None  # the contract term


def test_default_text_is_commented_and_parses_to_the_same_scenario():
    text = default_scenario_text()
    assert text.count("#") > 20
    assert parse_scenario(text) == default_scenario()


def test_an_unknown_key_is_named_by_its_path():
    with pytest.raises(ContractError) as e:
        parse_scenario("[scenario]\nhorizon = 5\n", source="s.toml")
    assert str(e.value) == "s.toml scenario.horizon: unknown key (did you mean `horizon_years`?)"


def test_lever_rules_name_the_lever_and_its_field():
    text = """
[[levers]]
name = "ok"
kind = "reduce"
services = ["ae"]
effect = [0.1, 0.2]

[[levers]]
name = "bad"
kind = "shift"
services = ["outpatient"]
effect = [0.3, 0.1]
"""
    with pytest.raises(ContractError) as e:
        parse_scenario(text, source="s.toml")
    assert str(e.value).splitlines() == [
        "s.toml levers[1].effect: low 0.3 is above high 0.1",
        "s.toml levers[1].to: a shift lever needs the service line the activity moves to",
        "s.toml levers[1].unit_cost_ratio: a shift lever needs the moved activity's cost ratio",
    ]


def test_a_bad_value_names_the_key_and_what_was_expected():
    with pytest.raises(ContractError) as e:
        parse_scenario('[trend.services]\nurgent = 0.1\n[population]\nbirth_rate = 0.5\n', source="s.toml")
    lines = str(e.value).splitlines()
    assert lines[0] == "s.toml population.birth_rate: must be less than or equal to 0.1, got 0.5"
    assert lines[1].startswith("s.toml trend.services.urgent: must be 'primary_medical', ")


def test_lever_highs_on_one_line_may_not_exceed_one():
    text = """
[[levers]]
name = "a"
kind = "reduce"
services = ["ae"]
effect = [0.5, 0.6]

[[levers]]
name = "b"
kind = "reduce"
services = ["ae", "outpatient"]
effect = [0.1, 0.5]
"""
    with pytest.raises(ContractError) as e:
        parse_scenario(text, source="s.toml")
    assert str(e.value) == "s.toml levers: the high effects of the levers on 'ae' add up to 1.1, more than 1"


def test_a_missing_file_is_a_contract_error_naming_it(tmp_path):
    with pytest.raises(ContractError) as e:
        load_scenario(tmp_path / "nope.toml")
    assert "nope.toml: cannot read the scenario file" in str(e.value)

"""The scenario file: defaults, and errors that name the key path (raised as ContractError)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import PRESET_FORMS, preset_text
from wholepop.errors import ContractError
from wholepop.projection.scenario import default_scenario, default_scenario_text, load_scenario, parse_scenario
from wholepop.vocab import Form, Segment, Service


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


# The presets' money terms and the default scenario's cost trend come from one source (the
# NHS Payment Scheme 2023/24: cost uplift 2.9%, efficiency 1.1%; issue 18 item 6), so that
# the provider's income and costs grow alike when nothing else moves. `aco` is left out: a
# Medicare benchmark has no uplift/efficiency or acute target (it trends by CMS's rules).
NHS_PRESETS = [f for f in PRESET_FORMS if f is not Form.ACO]
TOLERANCE = Decimal("0.0001")


@pytest.mark.parametrize("form", NHS_PRESETS, ids=lambda f: f.value)
def test_every_preset_grows_as_the_default_scenario_costs_do(form):
    c = parse_contract(preset_text(form))
    trend = default_scenario().trend
    years = range(c.contract.term_years)
    for service in c.budget_services:  # funding per weighted head grows as the cost per head of each line
        for k in years:
            net = (1 + c.budget.rate("uplift", k)) * (1 - c.budget.rate("efficiency", k)) - 1
            assert abs(net - trend.rate_for(service)) <= TOLERANCE, (form, service, k, net)
    for funder in c.funders[1:]:  # a funder with its own growth (the LCO's council) too
        for service in funder.lines:
            up = c.budget.uplift if funder.uplift is None else funder.uplift
            eff = c.budget.efficiency if funder.efficiency is None else funder.efficiency
            assert not isinstance(up, tuple) and not isinstance(eff, tuple)
            assert abs((1 + up) * (1 - eff) - 1 - trend.rate_for(service)) <= TOLERANCE, (form, funder.name)
    if c.risk_share is not None:  # the acute target per weighted head grows as acute costs per head
        for service in c.risk_share.basis:
            assert abs(c.risk_share.target_growth - trend.rate_for(service)) <= TOLERANCE, (form, service)
    ap = c.acute_payment  # the API fixed element (used when basis = "api") likewise
    assert abs((1 + ap.cost_uplift) * (1 - ap.efficiency_factor) - 1 - trend.rate) <= TOLERANCE
    assert c.warnings() == ()  # and `contract check` finds every preset term plausible


def test_the_scenario_trend_is_the_payment_scheme_net_price_change():
    # 1.029 x 0.989 = 1.017681: 1.77% to the scenario's 4 places (0.0177), within 0.0001
    assert abs(Decimal("1.029") * Decimal("0.989") - 1 - default_scenario().trend.rate) <= TOLERANCE

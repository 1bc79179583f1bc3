"""Comparing forms: each preset on one calendar, the same draws for every form."""

from __future__ import annotations

import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.errors import UserError
from wholepop.projection.compare import compare_forms, form_contract
from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import simulate
from wholepop.projection.scenario import default_scenario
from wholepop.vocab import Form

from .factory import synthetic_base

BASE = synthetic_base(100_000)
CALENDAR = parse_contract(preset_text("full").replace("term_years = 15", "term_years = 5"))


def test_each_form_keeps_its_money_rules_on_the_common_calendar():
    virtual = form_contract("virtual", CALENDAR)
    assert (virtual.form, virtual.contract.term_years, virtual.contract.start_year) == (Form.VIRTUAL, 5, 2027)
    assert virtual.performance.mode == "bonus" and virtual.budget_services == ()
    assert form_contract("pacs", CALENDAR).risk_share is None
    with pytest.raises(UserError, match="'aco' cannot be compared"):
        form_contract("aco", CALENDAR)


def test_rows_are_each_forms_own_projection_with_common_draws():
    scenario = default_scenario()
    rows = compare_forms(BASE, ["virtual", "partial", "full", "pacs"], CALENDAR, scenario, runs=300, seed=9)
    assert [r.form for r in rows] == [Form.VIRTUAL, Form.PARTIAL, Form.FULL, Form.PACS]
    for r in rows:
        p = project(BASE, form_contract(r.form, CALENDAR), scenario)
        mc = simulate(p, 300, seed=9)
        assert r.provider_deterministic_pence == sum(y.provider_position_pence for y in p.years)
        assert abs(r.provider_expected_pence - mc.cumulative("provider").mean()) <= 0.5
        assert abs(r.commissioner_expected_pence - mc.cumulative("commissioner").mean()) <= 0.5
        assert r.p_loss_cap == mc.p_loss_cap
        assert r.provider_p10_pence < r.provider_expected_pence
    # Forms differ in what the provider holds: a virtual alliance holds no budget, so
    # none of the in-scope cost risk; its spread is the narrowest.
    spread = {r.form: r.provider_expected_pence - r.provider_p10_pence for r in rows}
    assert spread[Form.VIRTUAL] < spread[Form.FULL]


def test_no_runs_gives_the_deterministic_totals():
    rows = compare_forms(BASE, ["full"], CALENDAR, default_scenario(), runs=0)
    assert rows[0].provider_expected_pence == rows[0].provider_p10_pence == rows[0].provider_deterministic_pence

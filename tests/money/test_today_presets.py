"""The presets of today's forms (`wholepop init --form snp|mnp|iho`) load, settle the
synthetic demo data and add up; `check` warns where the population does not fit the form."""

from __future__ import annotations

import re

import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import PRESET_FORMS, preset_text
from wholepop.inputs import load_inputs
from wholepop.pipeline import prepare, settle
from wholepop.synth import generate
from wholepop.vocab import ACUTE, Form

TODAY = ("snp", "mnp", "iho", "lco")


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("today"), population=2500, years=1, start_year=2027, seed=3)


def contract_file(data, form):
    text = re.sub(r"term_years = \d+", "term_years = 3", preset_text(form))
    path = data / f"{form}.toml"
    path.write_text(text)
    return path


@pytest.mark.parametrize("form", TODAY)
def test_preset_has_no_warnings_and_says_what_is_published(form):
    assert Form(form) in PRESET_FORMS
    text = preset_text(form)
    assert "PUBLISHED DESIGN" in text and "ASSUMPTIONS" in text
    assert parse_contract(text).warnings() == ()


@pytest.mark.parametrize("form", TODAY)
def test_preset_settles_the_demo_data(data, form):
    run = prepare(data, contract_file(data, form))
    try:
        s = settle(run, 2027)
    finally:
        run.close()
    assert s.form == form
    assert s.total_payable_pence == sum(x.amount_pence for x in s.lines if x.payable)
    assert s.budget.total_pence > 0
    assert sum(p.budget_pence for p in s.budget.by_practice) == s.budget.total_pence
    items = {x.item for x in s.lines if x.section == "budget"}
    if form == "snp":
        assert s.risk_share is None and items >= {"primary_medical", "community"}
        assert not items & {a.value for a in ACUTE}
    elif form == "mnp":
        assert s.risk_share.kind == "acute" and not items & {a.value for a in ACUTE}
    elif form == "lco":  # out-of-hospital care, social care included, two funders
        assert {"social_care", "public_health"} <= items and not items & {a.value for a in ACUTE}
        funders = {f["name"]: f for f in s.extra["funders"]}
        assert set(funders) == {"Manchester ICB", "Manchester City Council"}
        assert sum(f["contribution_pence"] for f in funders.values()) == s.budget.total_pence
        assert sum(f["pays_pence"] for f in funders.values()) == s.total_payable_pence
        assert tuple(funders["Manchester City Council"]["lines"]) == ("social_care", "public_health")
    else:
        assert {a.value for a in ACUTE} <= items and s.system_share is not None


@pytest.mark.parametrize(("form", "expected"), [("snp", "30,000-50,000"), ("mnp", "250,000 or more")])
def test_check_warns_where_the_population_does_not_fit_the_form(data, form, expected):
    contract = parse_contract(contract_file(data, form).read_text())
    problems = [p for p in load_inputs(data, contract)[1] if f"a {form} contract is designed for" in p.message]
    assert len(problems) == 1 and expected in problems[0].message
    assert problems[0].severity.value == "warning"

"""Every form's preset (`wholepop init --form X`) settles on the synthetic MCP."""

from __future__ import annotations

import re

import pytest

from wholepop.contract.presets import preset_text
from wholepop.pipeline import prepare, settle
from wholepop.synth import generate
from wholepop.vocab import ACUTE


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("mcp"), population=2500, years=1, start_year=2027, seed=3)


def settled(data, form):
    text = re.sub(r"term_years = \d+", "term_years = 3", preset_text(form))
    path = data / f"{form}.toml"
    path.write_text(text)
    run = prepare(data, path)
    try:
        return settle(run, 2027)
    finally:
        run.close()


@pytest.mark.parametrize("form", ["full", "partial", "virtual", "pacs"])
def test_preset_settles_and_adds_up(data, form):
    s = settled(data, form)
    assert s.form == form
    assert s.total_payable_pence == sum(x.amount_pence for x in s.lines if x.payable)
    if form == "virtual":
        assert s.budget is None and s.risk_share.kind == "acute"
    elif form == "pacs":
        budget_lines = {x.item for x in s.lines if x.section == "budget"}
        assert {a.value for a in ACUTE} <= budget_lines  # acute inside the budget
        assert s.risk_share is None and s.system_share is None
        # 0.005 x budget: the commissioner still funds `other`, outside the PACS scope
        assert s.contingency_pence > 0 and "since the commissioner funds other" in next(x.basis for x in s.lines if x.section == "contingency")
    else:
        assert s.budget.total_pence > 0 and s.risk_share.kind == "acute"
        has_primary = any(x.item == "primary_medical" for x in s.lines if x.section == "budget")
        assert has_primary == (form == "full")

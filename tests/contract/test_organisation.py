"""Who may hold the contract: ``[provider] organisation`` and the rules attached to it,
checked as warnings (``Contract.warnings``), each naming its key path."""

from __future__ import annotations

import re

import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text


def warnings(form, organisation=None, start=2027):
    text = re.sub(r"start_year = \d+", f"start_year = {start}", preset_text(form))
    text = re.sub(r"baseline_year = \d+", f"baseline_year = {start - 1}", text)
    if organisation:
        text += f'\n[provider]\norganisation = "{organisation}"\n'
    return parse_contract(text).warnings()


def test_an_mcp_held_by_a_trust_was_not_devoted_exclusively_to_it():
    (key, message), = warnings("partial", "foundation_trust", start=2018)
    assert key == "provider.organisation" and "devoted exclusively" in message and "historical" in message
    assert warnings("partial", "limited_company", start=2018) == ()
    # from 2019 the rule gives way to the ICP contract's; nothing is published for today's forms
    assert warnings("partial", "foundation_trust", start=2027) == ()
    assert warnings("mnp", "foundation_trust") == () and warnings("mnp", "limited_company") == ()


def test_a_fully_integrated_mcp_was_a_member_of_its_ccg_until_ccgs_closed():
    [(key, message)] = list(warnings("full", "limited_company", start=2018))
    assert key == "contract.form" and "member of its commissioner" in message and "historical" in message
    # 2027: ICBs have no members; but a limited company holding a full contract since 2019:
    [(key, message)] = warnings("full", "limited_company", start=2027)
    assert key == "provider.organisation" and "only to statutory NHS providers" in message


@pytest.mark.parametrize("form", ["pacs", "iho"])
def test_forms_only_a_statutory_body_may_hold(form):
    [(key, message)] = warnings(form, "community_interest_company")
    assert key == "provider.organisation" and "community interest company is not one" in message
    assert warnings(form, "nhs_trust") == ()
    # before 2019 a pacs could be held by a new entity (a partnership or joint venture)
    assert warnings("pacs", "partnership", start=2018) == ()


def test_provider_table_takes_reserves_and_working_capital():
    text = preset_text("mnp") + '\n[provider]\norganisation = "llp"\nreserves = 2500000.00\nworking_capital = 400000.00\n'
    p = parse_contract(text).provider
    assert (p.organisation, str(p.reserves), str(p.working_capital)) == ("llp", "2500000.00", "400000.00")


def test_an_unknown_organisation_is_an_error():
    from wholepop.errors import ContractError

    with pytest.raises(ContractError, match=r"provider\.organisation: must be"):
        parse_contract(preset_text("mnp") + '\n[provider]\norganisation = "charity"\n')

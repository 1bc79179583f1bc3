"""The contract form: every term of the contract file is a field, a form round-trips to
the same contract, and each error lands beside its field in ``check``'s words."""

from __future__ import annotations

import typing
from decimal import Decimal

import pytest
from pydantic import BaseModel

from wholepop.contract import Contract
from wholepop.contract.load import load_contract, parse_contract
from wholepop.contract.presets import PRESET_FORMS, preset_text
from wholepop.errors import ContractError
from wholepop.web import terms
from wholepop.web.whatif import with_terms


def _models(annotation) -> list[type[BaseModel]]:
    args = typing.get_args(annotation) or (annotation,)
    found = []
    for a in args:
        if isinstance(a, type) and issubclass(a, BaseModel):
            found.append(a)
        elif typing.get_args(a):
            found.extend(_models(a))
    return found


def test_every_term_of_the_contract_model_is_a_field():
    named = {f"{s}.{f.key}" for s, fields in terms.SECTIONS.items() for f in fields}
    named |= {f"{path}.{f.key}" for path, fields in terms.ROWS.items() for f in fields}
    missing = []
    for section, info in Contract.model_fields.items():
        if section == "mssp":  # loose terms, shown key by key as the file has them
            continue
        (model,) = _models(info.annotation)
        for key, sub in model.model_fields.items():
            inner = _models(sub.annotation)  # rows (bands, metrics) or a nested table (deficit.historic)
            if inner:
                missing += [f"{section}.{key}.{k}" for k in inner[0].model_fields if f"{section}.{key}.{k}" not in named]
            elif f"{section}.{key}" not in named:
                missing.append(f"{section}.{key}")
    assert missing == []


@pytest.mark.parametrize("form", [f.value for f in PRESET_FORMS])
def test_each_preset_round_trips_through_the_form(form):
    contract = parse_contract(preset_text(form))
    again, errors, text = with_terms(contract, {})
    assert errors == {}
    assert again == contract
    assert parse_contract(text) == contract


def test_a_changed_money_term_reaches_the_contract():
    contract = parse_contract(preset_text("full"))
    changed, errors, _ = with_terms(contract, {"risk_share.corridor": "0.025", "budget.uplift": "0.03, 0.02"})
    assert errors == {}
    assert changed.risk_share.corridor == Decimal("0.025")
    assert changed.budget.uplift == (Decimal("0.03"), Decimal("0.02"))
    assert changed.model_copy(update={"risk_share": contract.risk_share, "budget": contract.budget}) == contract


def _check_words(tmp_path, text: str) -> list[str]:
    """What `check` says of this contract file (it reads contracts with load_contract)."""
    path = tmp_path / "contract.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContractError) as e:
        load_contract(path)
    return str(e.value).splitlines()


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"risk_share.corridor": "2"}, "risk_share.corridor"),
        ({"budget.uplift": "fast"}, "budget.uplift"),
        ({"contract.baseline_year": "2030"}, "contract.baseline_year"),
        ({"risk_share.bands[0].upto": "0.5", "risk_share.bands[1].upto": "0.4"}, "risk_share.bands[1].upto"),
        ({"performance.metrics[0].weight": "0.5"}, "performance.metrics"),
        ({"performance.metrics[1].lower": "95"}, "performance.metrics[1]"),
        ({"contract.start_year": ""}, "contract.start_year"),
    ],
)
def test_each_error_is_beside_its_field_in_checks_words(tmp_path, changes, field):
    contract = parse_contract(preset_text("full"))
    new, errors, text = with_terms(contract, changes)
    assert new is None
    assert field in errors, errors
    assert sorted(line for lines in errors.values() for line in lines) == sorted(_check_words(tmp_path, text))


def test_a_blank_spare_row_is_no_row_and_a_filled_one_is_added():
    contract = parse_contract(preset_text("full"))
    values = terms.contract_to_form(contract.model_dump(mode="python", exclude_none=True))
    n = terms.row_count(values, "performance.metrics")
    values[f"performance.metrics[{n}].gateway"] = ["false"]
    assert parse_contract(terms.form_to_toml(values)) == contract
    values.update({f"performance.metrics[{n}].id": "ae_attendances_per_1000"})
    doc = terms.form_to_doc(values)
    assert len(doc["performance"]["metrics"]) == n + 1


def test_population_terms_are_the_calendar_need_weighting_and_segments():
    contract = parse_contract(preset_text("full"))
    money, _, _ = with_terms(contract, {"risk_share.corridor": "0.03", "budget.uplift": "0.01", "performance.share": "0.1"})
    assert terms.population_terms(money) == terms.population_terms(contract)
    for change in ({"budget.need_weighting": "none"}, {"contract.baseline_year": "2025"}, {"segments.weight_condition": "2"}):
        other, errors, _ = with_terms(contract, change)
        assert errors == {}
        assert terms.population_terms(other) != terms.population_terms(contract), change


def test_a_term_the_form_does_not_name_is_kept():
    """A key the contract file has but the form has no field for yet (a newer wholepop's
    term) survives the round trip as TOML text, so saving never drops it."""
    doc = {"contract": {"name": "X", "form": "full", "start_year": 2027, "baseline_year": 2026, "id": "icb-42",
                        "pilot": True}, "budget": {"uplift": Decimal("0.03"), "horizon_note": "ten years"}}
    values = terms.contract_to_form(doc)
    assert values["contract.id"] == "icb-42" and values["contract.pilot"] == "true"
    # id is a field of its own; pilot is a term the form does not name
    assert terms.extra_terms(values, "contract") == ["contract.pilot"]
    back = terms.form_to_doc(values)
    assert back["contract"]["id"] == "icb-42" and back["contract"]["pilot"] is True
    assert back["budget"]["horizon_note"] == "ten years" and back["budget"]["uplift"] == Decimal("0.03")

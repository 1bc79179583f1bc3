"""Contract validation: each cross-field rule and field error gives one exact line.

Each test starts from a shipped preset (the document a user starts from), changes one
thing, and asserts the exact lines of the ``ContractError``: the file, the key path, what
is wrong and what was expected.
"""

from __future__ import annotations

import pytest

from wholepop.cli import main
from wholepop.contract import parse_contract
from wholepop.contract.presets import PRESET_FORMS, preset_text
from wholepop.errors import ContractError
from wholepop.vocab import Form

FULL = preset_text("full")
BANDS = "bands = [ { upto = 0.03, provider_share = 0.5 }, { upto = 1.0, provider_share = 0.25 } ]"
PARTIES = "parties = { commissioner = 0.5, acute_provider = 0.5 }"


def errors(text: str) -> list[str]:
    """The lines of the ContractError ``text`` raises."""
    with pytest.raises(ContractError) as e:
        parse_contract(text)
    return str(e.value).splitlines()


def full_with(old: str, new: str) -> str:
    assert old in FULL, f"the full preset no longer holds {old!r}"
    return FULL.replace(old, new)


def test_the_full_preset_is_valid_as_shipped():
    assert parse_contract(FULL).form is Form.FULL


def test_bands_must_ascend():
    text = full_with(BANDS, "bands = [ { upto = 0.05, provider_share = 0.5 }, { upto = 0.03, provider_share = 0.4 }, "
                            "{ upto = 1.0, provider_share = 0.25 } ]")
    assert errors(text) == ["contract.toml risk_share.bands[1].upto: bands must ascend, got 0.03 after 0.05"]


def test_last_band_must_end_at_one():
    text = full_with(BANDS, "bands = [ { upto = 0.03, provider_share = 0.5 }, { upto = 0.5, provider_share = 0.25 } ]")
    assert errors(text) == ["contract.toml risk_share.bands[1].upto: the last band must end at 1.0"]


def test_band_beyond_one():
    text = full_with(BANDS, "bands = [ { upto = 0.03, provider_share = 0.5 }, { upto = 1.5, provider_share = 0.25 } ]")
    assert errors(text) == [
        "contract.toml risk_share.bands[1].upto: must be at most 1.0, got 1.5",
        "contract.toml risk_share.bands[1].upto: the last band must end at 1.0",
    ]


def test_at_least_one_band():
    assert errors(full_with(BANDS, "bands = []")) == ["contract.toml risk_share.bands: at least one band is needed"]


def test_parties_shares_sum_to_one():
    text = full_with(PARTIES, "parties = { commissioner = 0.5, acute_provider = 0.4 }")
    assert errors(text) == ["contract.toml risk_share.parties: shares must sum to 1, got 0.9"]


def test_performance_weights_sum_to_one():
    text = full_with("weight = 0.4", "weight = 0.3")
    assert errors(text) == ["contract.toml performance.metrics: weights must sum to 1, got 0.9"]


def test_metric_listed_twice():
    text = full_with('id = "ae_attendances_per_1000"', 'id = "emergency_admissions_per_1000"')
    assert errors(text) == [
        "contract.toml performance.metrics[1].id: 'emergency_admissions_per_1000' is listed twice"
    ]


def test_metric_thresholds_must_differ():
    text = full_with("lower = 70.0", "lower = 85.0")
    assert errors(text) == ["contract.toml performance.metrics[2]: lower and upper thresholds must differ"]


def test_only_rate_metrics_are_standardised():
    text = full_with('id = "patient_experience"', 'standardise = "age_sex"\nid = "patient_experience"')
    assert errors(text) == [
        "contract.toml performance.metrics[2]: standardise = \"age_sex\" applies to the rate metrics "
        "(emergency_admissions_per_1000, ae_attendances_per_1000, outpatient_attendances_per_1000), not 'patient_experience'"
    ]


def test_virtual_has_no_budget_scope():
    text = preset_text("virtual").replace("[budget]", '[scope]\nservices = ["community"]\n\n[budget]', 1)
    assert errors(text) == ["contract.toml scope.services: a virtual contract has no budget, so no budget scope"]


def test_service_in_scope_and_in_risk_share_basis():
    text = full_with('services = ["primary_medical", ', 'services = ["outpatient", "primary_medical", ')
    assert errors(text) == [
        "contract.toml risk_share.basis[0]: 'outpatient' is inside the budget scope; "
        "a service cannot be both in scope and in the risk share"
    ]


def test_pacs_with_a_risk_share_on_its_own_lines():
    text = preset_text("pacs") + "\n[risk_share]\ntarget_growth = 0.035\n"
    assert errors(text) == [
        f"contract.toml risk_share.basis[{i}]: {s!r} is inside the budget scope (a pacs holds the acute lines "
        "inside its budget); a service cannot be both in scope and in the risk share"
        for i, s in enumerate(["outpatient", "day_case", "elective", "emergency_admission", "ae"])
    ]
    # a separate share on lines outside the PACS's scope, with its own basis, is allowed
    ok = parse_contract(preset_text("pacs") + '\n[risk_share]\nbasis = ["other"]\n')
    assert ok.risk_share.basis == ("other",)


def test_system_share_only_for_pacs():
    text = FULL + "\n[system_share]\ntarget_growth = 0.03\n"
    assert errors(text) == ["contract.toml system_share: only a pacs or iho contract takes a system-wide share"]


def test_system_share_bands_are_checked_like_risk_share_bands():
    text = preset_text("pacs") + "\n[system_share]\nbands = [ { upto = 0.5, provider_share = 0.5 } ]\n"
    assert errors(text) == ["contract.toml system_share.bands[0].upto: the last band must end at 1.0"]


def test_baseline_year_before_start_year():
    assert errors(full_with("baseline_year = 2026", "baseline_year = 2027")) == [
        "contract.toml contract.baseline_year: must be before start_year (2027), got 2027"
    ]


def test_deficit_first_year_is_a_contract_year():
    text = FULL + "\n[deficit]\namount = 1000000\nyears = 3\nfirst_year = 2020\n"
    assert errors(text) == ["contract.toml deficit.first_year: must be a contract year"]


def test_field_error_names_the_key_path():
    text = full_with(BANDS, "bands = [ { upto = 0.03, provider_share = 0.5 }, { upto = 1.0, provider_share = 1.25 } ]")
    assert errors(text) == [
        "contract.toml risk_share.bands[1].provider_share: must be less than or equal to 1, got 1.25"
    ]


def test_unknown_form():
    text = full_with('form = "full" ', 'form = "mcp"  ')
    assert errors(text) == [
        "contract.toml contract.form: must be 'virtual', 'partial', 'full', 'pacs', 'aco', 'snp', 'mnp', 'iho' or 'lco', got 'mcp'"
    ]


def test_unknown_and_missing_keys():
    text = full_with('name = "Example MCP"\n', 'colour = "red"\n')
    assert errors(text) == ["contract.toml contract.name: required key is missing", "contract.toml contract.colour: unknown key"]


def test_unknown_service_in_scope():
    text = full_with('services = ["primary_medical", ', 'services = ["gp", "primary_medical", ')
    assert errors(text)[0].startswith("contract.toml scope.services[0]: must be 'primary_medical', ")
    assert errors(text)[0].endswith(", got 'gp'")


def test_not_toml():
    assert errors("[contract\nname=1")[0].startswith("contract.toml: not valid TOML (")


@pytest.mark.parametrize("form", [f.value for f in PRESET_FORMS])
def test_init_output_validates(form, capsys):
    """`wholepop init --form X` prints a contract that validates as form X."""
    try:
        main(["init", "--form", form])
    except SystemExit as e:  # pragma: no cover  (init exits only on a bad form)
        assert e.code in (0, None)
    contract = parse_contract(capsys.readouterr().out)
    assert contract.form is Form(form)


def test_every_form_has_a_preset():
    assert {f.value for f in PRESET_FORMS} == {f.value for f in Form}


def test_partial_with_primary_medical_in_scope():
    text = preset_text("partial").replace('services = ["prescribing"', 'services = ["primary_medical", "prescribing"')
    assert errors(text) == [
        "contract.toml scope.services: 'primary_medical' cannot be in a partial contract's scope "
        '(its practices keep their GMS/PMS contracts; use form = "full")'
    ]


def test_gain_and_loss_bands_may_differ_and_are_checked():
    c = parse_contract(FULL.replace(BANDS, BANDS + "\nloss_bands = [ { upto = 1.0, provider_share = 0.75 } ]"))
    assert [b.provider_share for b in c.risk_share.losses] == [0.75]
    assert [b.provider_share for b in c.risk_share.gains] == [0.5, 0.25]
    bad = FULL.replace(BANDS, BANDS + "\ngain_bands = [ { upto = 0.5, provider_share = 0.75 } ]")
    assert errors(bad) == ["contract.toml risk_share.gain_bands[0].upto: the last band must end at 1.0"]


def test_scale_gains_by_achievement_option():
    c = parse_contract(full_with("scale_gains_by_achievement = true", "scale_gains_by_achievement = false"))
    assert c.risk_share.scale_gains_by_achievement is False
    assert parse_contract(FULL).risk_share.scale_gains_by_achievement is True


def test_mssp_table_is_checked_on_load(tmp_path):
    from wholepop.contract import load_contract

    path = tmp_path / "aco.toml"
    path.write_text(preset_text("aco").replace('track = "BASIC_E"', 'track = "BASIC_Z"'))
    with pytest.raises(ContractError) as e:
        load_contract(path)
    lines = str(e.value).splitlines()
    assert lines and all(line.startswith("aco.toml mssp.track: must be 'BASIC_A'") for line in lines)
    path.write_text(FULL + '\n[mssp]\ntrack = "BASIC_E"\n')
    with pytest.raises(ContractError, match=r'^aco\.toml contract\.form: MSSP terms settle only form = "aco"'):
        load_contract(path)


def test_warnings_name_the_key_path():
    c = parse_contract(full_with("term_years = 15", "term_years = 5").replace("uplift = 0.029", "uplift = 0.09"))
    assert dict(c.warnings()) == {
        "contract.term_years": "5 years is outside the 10-15 years MCP contracts run",
        "budget.uplift": "0.09 is outside the plausible range -0.02 to 0.06 a year (uplift is growth per weighted head, population growth excluded)",
    }
    pacs = parse_contract(preset_text("pacs") + "\n[system_share]\ntarget_growth = 0.03\n")
    assert dict(pacs.warnings())["system_share.target_growth"].startswith("no longer applies")
    assert parse_contract(FULL).warnings() == ()


def test_check_prints_contract_warnings(tmp_path, capsys):
    from conftest import write_tables

    folder = write_tables(tmp_path / "d", {})
    (folder / "contract.toml").write_text(FULL.replace("efficiency = 0.011", "efficiency = 0.2"))
    with pytest.raises(SystemExit):  # the empty tables are errors; the contract's warning is listed with them
        main(["check", "--data", str(folder), "--contract", str(folder / "contract.toml")])
    out = capsys.readouterr().out
    assert "contract column budget.efficiency: 0.2 is outside the plausible range 0 to 0.04 a year" in out

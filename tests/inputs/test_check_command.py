"""`wholepop check` end to end, and the checks that need a contract.

The command prints every problem on its own line and a count, exits 1 on any error and
0 otherwise, and prints a population summary when the data is clean.
"""

from __future__ import annotations

from conftest import run_cli
from tests.conftest import write_tables
from tests.inputs.test_bad_inputs import CLEAN
from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.inputs import Severity, load_inputs

# The full preset's third metric, patient_experience, is not computed from activity.
FULL = parse_contract(preset_text("full"))
MEASURES = """
    year,measure,value
    2027,patient_experience,81.5
"""


def test_clean_folder_prints_a_summary_and_exits_0(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", CLEAN)
    assert run_cli(["check", "--data", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "0 errors, 0 warnings" in out
    assert "2 people, 2 practices, 1 hub, 2 activity rows" in out
    # 2027: ae £125.00 and community £30.00 over the 2 people registered that year.
    rows = {line.split("│")[1].strip(): line.split("│")[2].strip() for line in out.splitlines() if line.count("│") == 3}
    assert rows["ae"] == "£62.50"
    assert rows["community"] == "£15.00"
    assert rows["total"] == "£77.50"
    assert rows["people registered"] == "2"


def test_errors_are_listed_and_exit_1(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", {**CLEAN, "activity": """
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,-5
        1,2019-05-01,ae,5
    """})
    assert run_cli(["check", "--data", str(folder)]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        "activity row 2 column cost_pence: -5 is negative (expected 0 or more)",
        "activity row 3 column date: outside every registration of its patient (counted as unattributed)",
        "1 error, 1 warning",
    ]
    assert "the input data has 1 error (listed above)" in captured.err


def test_warnings_alone_exit_0(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", {**CLEAN, "activity": """
        patient_id,date,service,cost_pence
        1,2019-05-01,ae,5
    """})
    assert run_cli(["check", "--data", str(folder)]) == 0
    assert "0 errors, 1 warning" in capsys.readouterr().out


def test_contract_errors_are_listed_with_the_data_problems(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", {**CLEAN, "measures": MEASURES})
    contract = tmp_path / "bad.toml"
    contract.write_text(preset_text("full").replace("weight = 0.4", "weight = 0.5"))
    # A contract error exits 2, as `settle` does on the same file (issue 16.8).
    assert run_cli(["check", "--data", str(folder), "--contract", str(contract)]) == 2
    assert capsys.readouterr().out.splitlines() == [
        "bad.toml performance.metrics: weights must sum to 1, got 1.1",
        "1 error, 0 warnings",
    ]


def test_clean_with_contract(tmp_path, capsys):
    folder = write_tables(tmp_path / "data", {**CLEAN, "measures": MEASURES})
    contract = tmp_path / "contract.toml"
    contract.write_text(preset_text("full"))
    assert run_cli(["check", "--data", str(folder), "--contract", str(contract)]) == 0


def test_not_a_folder(tmp_path, capsys):
    assert run_cli(["check", "--data", str(tmp_path / "nowhere")]) == 2
    assert f"--data: {tmp_path / 'nowhere'} is not a folder" in capsys.readouterr().err


def sized(problems):
    """Problems other than the hub and provider size warnings, which every tiny fixture gets."""
    return tuple(p for p in problems if " serves " not in p.message)


def test_supplied_metric_needs_measures_for_each_contract_year(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {**CLEAN, "activity": """
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,12500
        2,2028-06-01,community,3000
    """, "measures": MEASURES})
    problems = sized(load_inputs(folder, FULL, engine=engine)[1])
    assert [str(p) for p in problems] == [
        "measures column measure: no value for metric 'patient_experience' in contract year 2028 "
        "(wholepop does not compute it, so measures must supply it)"
    ]
    assert problems[0].blocks == ("money",)


def test_supplied_metric_not_needed_before_the_contract(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {**CLEAN, "activity": """
        patient_id,date,service,cost_pence
        1,2026-05-01,ae,12500
    """})
    assert sized(load_inputs(folder, FULL, engine=engine)[1]) == ()


def test_practice_outside_the_provider_is_a_warning(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {**CLEAN, "measures": MEASURES, "memberships": """
        practice_code,from_date,to_date,integration
        A81001,2020-04-01,,full
        A81002,2020-04-01,2027-03-31,partial
    """})
    problems = sized(load_inputs(folder, FULL, engine=engine)[1])
    assert [str(p) for p in problems] == [
        "practices row 3 column practice_code: no membership during the contract term, 2027-04-01 to 2042-03-31: "
        "its patients are not counted"
    ]
    assert problems[0].severity is Severity.WARNING


def test_small_hubs_and_provider_are_warned(tmp_path, engine):
    """Sizes are counted on 1 April of the first contract year among member practices."""
    folder = write_tables(tmp_path / "data", {**CLEAN, "measures": MEASURES})
    problems = [p for p in load_inputs(folder, FULL, engine=engine)[1] if " serves " in p.message]
    assert [str(p) for p in problems] == [
        "practices column hub: hub North serves 2 people on 2027-04-01 (expected 30,000-50,000)",
        "registrations: the provider serves 2 people on 2027-04-01, below contract.min_population 100,000",
    ]
    assert {p.severity for p in problems} == {Severity.WARNING}

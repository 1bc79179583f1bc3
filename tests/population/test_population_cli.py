"""``wholepop population`` and ``wholepop caseload`` on a four-person case worked by hand.

Baseline 2026: patients 1 (F 75-79), 2 (M 35-39) and 3 (F 40-44) count twelve months each
and cost £540, £180 and £360: £3,000 pence per person-month overall, so need weights 1.5,
0.5 and 1.0. Patient 4 (M 25-29) joins C on 1 October 2027 (no baseline cell: 1.0).

2027: 1 and 2 twelve months, 3 six (died 30 September), 4 six. Weighted population:
1.5 + 0.5 + 0.5 + 0.5 = 3.0; hub H1 (practice A: 1 and 3) 18 months and 2.0, hub H2
(practice C: 2 and 4) 18 months and 1.0. Patient 3's November contact (after death) and
4's September A&E (before registering) are unattributed.
"""

from __future__ import annotations

import json
import textwrap

import pyarrow.parquet as pq
import pytest

from conftest import run_cli, write_tables

CONTRACT = textwrap.dedent("""
    [contract]
    name = "Hand MCP"
    form = "full"
    start_year = 2027
    baseline_year = 2026
    term_years = 5
    [budget]
    need_weighting = "age_sex"
    [segments]
    extensive_care_share = 0
""")

TABLES = {
    "practices": "practice_code,practice_name,hub\nA,Alpha,H1\nC,Gamma,H2\n",
    "memberships": "practice_code,from_date,to_date,integration\nA,2027-04-01,,full\nC,2027-04-01,,full\n",
    "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1950,
        2,M,1990,
        3,F,1985,2027-09-30
        4,M,2000,
    """,
    "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
        2,C,2020-01-01,
        3,A,2020-01-01,
        4,C,2027-10-01,
    """,
    "conditions": """
        patient_id,condition,from_date
        1,frailty_severe,2027-01-01
        2,asthma,2010-01-01
    """,
    "activity": """
        patient_id,date,service,cost_pence
        1,2026-06-01,community,54000
        2,2026-07-01,primary_medical,18000
        3,2026-08-01,prescribing,36000
        1,2027-05-01,ae,20000
        1,2027-06-01,emergency_admission,300000
        2,2027-07-01,primary_medical,5000
        3,2027-08-01,outpatient,10000
        3,2027-11-01,community,999
        4,2027-09-01,ae,2000
    """,
}

EXPECTED = {
    "year": 2027,
    "person_months": 36.0,
    "weighted_population": 3.0,
    "hubs": [
        {"hub": "H1", "person_months": 18.0, "weighted_population": 2.0},
        {"hub": "H2", "person_months": 18.0, "weighted_population": 1.0},
    ],
    "practices": [
        {"practice_code": "A", "hub": "H1", "person_months": 18.0, "weighted_population": 2.0},
        {"practice_code": "C", "hub": "H2", "person_months": 18.0, "weighted_population": 1.0},
    ],
    "segments": [
        {"segment": "very_high_needs", "people": 1, "spend_pence": 320000},
        {"segment": "ongoing_needs", "people": 1, "spend_pence": 5000},
        {"segment": "self_limiting", "people": 0, "spend_pence": 0},
        {"segment": "staying_well", "people": 2, "spend_pence": 10000},
    ],
    "services": [
        {"service": "primary_medical", "spend_pence": 5000},
        {"service": "outpatient", "spend_pence": 10000},
        {"service": "emergency_admission", "spend_pence": 300000},
        {"service": "ae", "spend_pence": 20000},
    ],
    "unattributed_activity_rows": 2,
    # one person of four is the costliest 1%, 2%, 5% and 20% alike: 320,000 / 335,000
    "concentration": {"top_1": 0.9552, "top_2": 0.9552, "top_5": 0.9552, "top_20": 0.9552},
}


@pytest.fixture
def case(tmp_path):
    data = write_tables(tmp_path / "data", TABLES)
    contract = tmp_path / "contract.toml"
    contract.write_text(CONTRACT)
    return data, contract, tmp_path


def test_population_json_is_the_hand_worked_summary(case):
    # DuckDB only: engine parity of the stages is tested in test_engine_parity.py, and
    # each CLI run pays for full input validation.
    data, contract, tmp = case
    out = tmp / "population.json"
    code = run_cli(["population", "--data", str(data), "--contract", str(contract), "--year", "2027",
                 "--json", str(out)])
    assert code == 0
    assert json.loads(out.read_text()) == EXPECTED


def test_caseload_is_written_restricted(case, capsys):
    data, contract, tmp = case
    out = tmp / "caseload.parquet"
    assert run_cli(["caseload", "--data", str(data), "--contract", str(contract), "--year", "2027", "--out", str(out)]) == 0
    table = pq.read_table(out)
    assert table.schema.metadata[b"wholepop.restricted"] == b"true"
    assert table.to_pylist() == [{
        "hub": "H1", "practice_code": "A", "patient_id": "1",
        # age 77, severe frailty, no emergency admission or spend in 2026-27's prior year
        # beyond the £540 community contact: 0.5 x 7.7 + 3.0 + 0.25 x 0.54
        "need_score": pytest.approx(0.5 * 7.7 + 3.0 + 0.25 * 0.54),
        "conditions": "frailty_severe", "emergency_admissions_last_year": 0,
    }]
    assert "RESTRICTED" in capsys.readouterr().err


def test_bad_input_stops_with_the_problem_and_writes_nothing(case):
    data, contract, tmp = case
    (data / "registrations.csv").write_text("patient_id,practice_code,from_date,to_date\n1,A,2027-02-30,\n")
    out = tmp / "population.json"
    code = run_cli(["population", "--data", str(data), "--contract", str(contract), "--year", "2027", "--json", str(out)])
    assert code == 1
    assert not out.exists()


def test_a_year_outside_the_contract_is_refused(case, capsys):
    data, contract, _ = case
    code = run_cli(["population", "--data", str(data), "--contract", str(contract), "--year", "2040"])
    assert code == 2
    assert "--year: 2040 is neither the baseline year (2026) nor a contract year (2027-2031)" in capsys.readouterr().err

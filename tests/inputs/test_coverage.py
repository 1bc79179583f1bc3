"""Coverage as a checked fact (issue 16.1): how a contract year is judged, and what
`check` says about it. Months count from April (1) to March (12)."""

from __future__ import annotations

import datetime as dt

from conftest import run_cli, write_tables
from wholepop.engine import connect
from wholepop.inputs.coverage import Coverage, assess, measure, months_text
from wholepop.inputs.load import open_inputs

BASE, YEAR = 2026, 2027


def rows(year: int, counts: dict[str, int], months=range(1, 13)) -> dict:
    return {(year, m, s): n for m in months for s, n in counts.items()}


def test_a_full_year_is_complete():
    cov = Coverage(None, {**rows(BASE, {"ae": 40}), **rows(YEAR, {"ae": 38})})
    jc = assess(cov, YEAR, BASE, 30)
    assert (jc.status, jc.observed, jc.refusals()) == ("complete", 12, ())


def test_no_rows_is_no_data():
    jc = assess(Coverage(None, rows(BASE, {"ae": 40})), YEAR, BASE, 30)
    assert jc.status == "no data" and jc.refusals() == ("contract year 2027 has no activity: the data does not cover it",)


def test_a_month_missing_on_a_line_the_baseline_had_enough_of_is_a_gap():
    # 40 baseline rows a month of ae (>= 30): an empty August (month 5) is a gap;
    # 12 a month of elective (< 30): its empty August cannot be judged.
    cov = Coverage(None, {**rows(BASE, {"ae": 40, "elective": 12}),
                          **rows(YEAR, {"ae": 38}, [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12]),
                          **rows(YEAR, {"elective": 11}, [1, 2, 3, 4, 6, 7, 8, 9, 10, 11, 12])})
    jc = assess(cov, YEAR, BASE, 30)
    assert jc.status == "partial" and jc.observed == 4
    assert jc.gaps == (("ae", 5, 40),)
    assert jc.refusals() == ("contract year 2027 has no activity at all in month 5 (August 2027)",)
    # with the threshold above 40 nothing can be judged: the year stands
    assert assess(cov, YEAR, BASE, 41).status == "complete"


def test_a_sparse_hand_made_folder_stays_settleable():
    # a handful of patients: most months empty, none judged
    cov = Coverage(None, {(BASE, 3, "community"): 2, (BASE, 9, "ae"): 1, (YEAR, 6, "community"): 1})
    jc = assess(cov, YEAR, BASE, 30)
    assert jc.status == "complete" and jc.refusals() == ()
    assert jc.unjudged == (1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12)


def test_the_declared_period_bounds_the_year():
    cov = Coverage((dt.date(2026, 4, 1), dt.date(2027, 10, 14)), {**rows(BASE, {"ae": 2}), **rows(YEAR, {"ae": 2})})
    jc = assess(cov, YEAR, BASE, 30)
    # October is only half declared: months 1-6 are in hand
    assert (jc.status, jc.observed, jc.undeclared) == ("partial", 6, (7, 8, 9, 10, 11, 12))
    assert jc.refusals() == ("contract year 2027 runs past the declared coverage of activity: "
                             "months 7-12 (October 2027-March 2028) not covered",)
    assert jc.describe() == "2027 months 1-6"


def test_months_are_named_for_a_reader():
    assert months_text(2028, (7, 8, 9, 10, 11, 12)) == "months 7-12 (October 2028-March 2029)"
    assert months_text(2028, (1, 3, 4)) == "month 1 (April 2028), months 3-4 (June 2028-July 2028)"


CLEAN = {
    "practices": "practice_code,practice_name,hub\nA,Alpha,H",
    "memberships": "practice_code,from_date,to_date,integration\nA,2026-04-01,,full",
    "patients": "patient_id,sex,birth_year\n1,F,1960",
    "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,",
    "activity": "patient_id,date,service,cost_pence\n1,2026-05-03,community,100\n1,2026-05-20,ae,900\n1,2027-01-15,community,120",
    "coverage": "table_name,from_date,to_date,note\nactivity,2026-04-01,2027-01-31,extract of 2027-02-10",
}

CONTRACT = """
[contract]
name = "Small MCP"
form = "full"
start_year = 2027
term_years = 3
baseline_year = 2026
min_population = 0
"""


def test_measure_counts_by_contract_year_month_and_line(tmp_path):
    inputs = open_inputs(write_tables(tmp_path / "d", CLEAN), connect("duckdb"))
    cov = measure(inputs)
    assert cov.declared == (dt.date(2026, 4, 1), dt.date(2027, 1, 31))
    assert dict(cov.rows) == {(2026, 2, "community"): 1, (2026, 2, "ae"): 1, (2026, 10, "community"): 1}
    assert dict(cov.spend) == {(2026, 2, "community"): 100, (2026, 2, "ae"): 900, (2026, 10, "community"): 120}


def test_check_prints_coverage_by_contract_year(tmp_path, capsys):
    folder = write_tables(tmp_path / "d", CLEAN)
    (folder / "contract.toml").write_text(CONTRACT)
    assert run_cli(["check", "--data", str(folder), "--contract", str(folder / "contract.toml")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert ("coverage of activity by contract year (declared 2026-04-01 to 2027-01-31): "
            "2026 months 1-10 (baseline); 2027-2029 no data") in out
    assert "contract year 2026 runs past the declared coverage of activity: months 11-12 (February 2027-March 2027) not covered" in out
    assert "activity rows by month, contract year 2026 (Apr-Sep; a gap in red)" in out

"""Spec tests of input validation: one bad-input kind per test, the exact line(s) expected.

Each test starts from a small clean folder (``CLEAN``), replaces one table with a tiny
inline CSV holding one mistake, and asserts exactly what ``load_inputs`` reports. Row
numbers count as a spreadsheet does: the header is row 1, the first data row is row 2.
Every test runs on DuckDB and Polars (the ``engine`` fixture).
"""

from __future__ import annotations

from tests.conftest import write_tables
from wholepop.inputs import Severity, load_inputs
from wholepop.vocab import Service

CLEAN = {
    "practices": """
        practice_code,practice_name,hub
        A81001,Ash Surgery,North
        A81002,Beech Practice,North
    """,
    "memberships": """
        practice_code,from_date,to_date,integration
        A81001,2020-04-01,,full
        A81002,2020-04-01,,partial
    """,
    "patients": """
        patient_id,sex,birth_year
        1,F,1950
        2,M,1980
    """,
    "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,
        2,A81002,2020-04-01,
    """,
    "activity": """
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,12500
        2,2027-06-01,community,3000
    """,
}

SERVICES = ", ".join(s.value for s in Service)


def check(tmp_path, engine, **tables: str) -> list[str]:
    """Problem lines for the clean folder with ``tables`` replaced."""
    folder = write_tables(tmp_path / "data", {**CLEAN, **tables})
    _, problems = load_inputs(folder, engine=engine)
    return [str(p) for p in problems]


def test_clean_folder_has_no_problems(tmp_path, engine):
    assert check(tmp_path, engine) == []


def test_missing_required_file(tmp_path, engine):
    folder = write_tables(tmp_path / "data", CLEAN)
    (folder / "practices.csv").unlink()
    _, problems = load_inputs(folder, engine=engine)
    # registrations' practice codes are not reported against a missing table.
    assert [str(p) for p in problems] == [
        f"practices: file missing (expected practices.parquet or practices.csv in {folder})"
    ]
    assert problems[0].severity is Severity.ERROR
    assert problems[0].blocks == ("population", "costing", "money")


def test_missing_optional_file_is_fine(tmp_path, engine):
    folder = write_tables(tmp_path / "data", CLEAN)
    assert not (folder / "conditions.csv").exists()
    assert load_inputs(folder, engine=engine)[1] == ()


def test_missing_required_column(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service
        1,2027-05-01,ae
    """) == ["activity column cost_pence: required column is missing (the file has: patient_id, date, service)"]


def test_wrong_type(tmp_path, engine):
    assert check(tmp_path, engine, patients="""
        patient_id,sex,birth_year
        1,F,1950
        2,M,19x0
    """) == ['patients row 3 column birth_year: "19x0" is not a whole number (expected an integer)']


def test_wrong_type_in_a_number_column(tmp_path, engine):
    assert check(tmp_path, engine, practices="""
        practice_code,practice_name,hub,lat
        A81001,Ash Surgery,North,53.8
        A81002,Beech Practice,North,N53
    """) == ['practices row 3 column lat: "N53" is not a number (expected digits with an optional decimal point)']


def test_unparseable_dates(tmp_path, engine):
    # Listed column by column, in the order the table declares them.
    assert check(tmp_path, engine, registrations="""
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,2027-02-30
        2,A81002,01/04/2020,
    """) == [
        'registrations row 3 column from_date: "01/04/2020" is not a date (expected YYYY-MM-DD)',
        'registrations row 2 column to_date: "2027-02-30" is not a date (expected YYYY-MM-DD)',
    ]


def test_leap_day_is_a_date(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2028-02-29,ae,12500
    """) == []


def test_empty_required_value(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,,ae,12500
    """) == ["activity row 2 column date: empty (a value is required)"]


def test_unknown_service(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,12500
        2,2027-06-01,A&E,3000
    """) == [f'activity row 3 column service: "A&E" is not a service line (expected one of {SERVICES})']


def test_unknown_condition(tmp_path, engine):
    lines = check(tmp_path, engine, conditions="""
        patient_id,condition,from_date
        1,diabetes,2019-01-01
        2,diabetic,2019-01-01
    """)
    assert len(lines) == 1
    assert lines[0].startswith('conditions row 3 column condition: "diabetic" is not a long-term condition (expected one of diabetes, copd, ')


def test_negative_cost(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,-500
    """) == ["activity row 2 column cost_pence: -500 is negative (expected 0 or more)"]


def test_non_integer_cost_in_csv(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,125.00
        2,2027-06-01,community,3000
    """) == ['activity row 2 column cost_pence: "125.00" is not a whole number (expected whole pence, e.g. 1250 for £12.50)']


def test_duplicate_patient_id(tmp_path, engine):
    assert check(tmp_path, engine, patients="""
        patient_id,sex,birth_year
        1,F,1950
        2,M,1980
        1,F,1951
    """) == ["patients rows 2, 4 column patient_id: the same patient_id appears more than once (expected each once)"]


def test_duplicate_practice_code(tmp_path, engine):
    assert check(tmp_path, engine, practices="""
        practice_code,practice_name,hub
        A81001,Ash Surgery,North
        A81002,Beech Practice,North
        A81002,Beech Practice (branch),South
    """) == ["practices rows 3, 4 column practice_code: the same practice_code appears more than once (expected each once)"]


def test_registration_names_unknown_patient_and_practice(tmp_path, engine):
    assert check(tmp_path, engine, registrations="""
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,
        2,A81002,2020-04-01,
        99,A81001,2020-04-01,
        1,Z99999,2010-01-01,2011-01-01
    """) == [
        "registrations row 4 column patient_id: not in patients (expected a patient_id listed in patients)",
        "registrations row 5 column practice_code: not in practices (expected a practice_code listed in practices)",
    ]


def test_activity_names_unknown_patient(tmp_path, engine):
    # An unknown patient is an error only, not also "outside every registration".
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,12500
        77,2027-06-01,community,3000
    """) == ["activity row 3 column patient_id: not in patients (expected a patient_id listed in patients)"]


def test_membership_names_unknown_practice(tmp_path, engine):
    assert check(tmp_path, engine, memberships="""
        practice_code,from_date,to_date,integration
        A81001,2020-04-01,,full
        A81002,2020-04-01,,partial
        B99999,2020-04-01,,full
    """) == ["memberships row 4 column practice_code: not in practices (expected a practice_code listed in practices)"]


def test_overlapping_registrations_name_both_rows(tmp_path, engine):
    assert check(tmp_path, engine, registrations="""
        patient_id,practice_code,from_date,to_date
        2,A81002,2020-04-01,
        1,A81001,2020-04-01,2027-06-30
        1,A81002,2027-06-30,
    """) == [
        "registrations rows 3, 4 column from_date: registration spans of one patient overlap "
        "(expected one registration at a time)"
    ]


def test_open_span_overlaps_every_later_span(tmp_path, engine):
    assert check(tmp_path, engine, registrations="""
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,
        1,A81002,2030-01-01,2030-12-31
        2,A81002,2020-04-01,
    """) == [
        "registrations rows 2, 3 column from_date: registration spans of one patient overlap "
        "(expected one registration at a time)"
    ]


def test_adjacent_spans_do_not_overlap(tmp_path, engine):
    assert check(tmp_path, engine, registrations="""
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,2027-03-31
        1,A81002,2027-04-01,
        2,A81002,2020-04-01,
    """) == []


def test_overlapping_memberships(tmp_path, engine):
    assert check(tmp_path, engine, memberships="""
        practice_code,from_date,to_date,integration
        A81001,2020-04-01,,full
        A81002,2020-04-01,,partial
        A81002,2029-04-01,,full
    """) == [
        "memberships rows 3, 4 column from_date: membership spans of one practice overlap "
        "(expected one membership at a time)"
    ]


def test_to_date_before_from_date(tmp_path, engine):
    assert check(tmp_path, engine, registrations="""
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,
        2,A81002,2020-04-01,
        1,A81002,2010-04-01,2009-03-31
    """) == [
        "registrations row 4 column to_date: 2009-03-31 is before from_date 2010-04-01 (expected on or after from_date)"
    ]


def test_activity_outside_registration_is_a_warning(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {**CLEAN, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A81001,2020-04-01,2027-04-30
        2,A81002,2020-04-01,
    """})
    _, problems = load_inputs(folder, engine=engine)
    assert [str(p) for p in problems] == [
        "activity row 2 column date: outside every registration of its patient (counted as unattributed)"
    ]
    assert problems[0].severity is Severity.WARNING


def test_empty_required_table(tmp_path, engine):
    # Registrations and activity naming patients are not reported against an empty table.
    assert check(tmp_path, engine, patients="patient_id,sex,birth_year") == [
        "patients: table is empty (expected at least one row)"
    ]


def test_row_with_too_many_fields_is_named(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,12500,surplus
    """) == [
        "activity row 2: has 5 field(s), expected 4 (a stray comma, or a quote opened and not closed?); the row is not read"
    ]


def test_twenty_listed_then_a_count(tmp_path, engine):
    rows = "\n".join(f"1,2027-05-01,A&E,{i}" for i in range(25))
    lines = check(tmp_path, engine, activity="patient_id,date,service,cost_pence\n" + rows)
    assert len(lines) == 21
    assert lines[0].startswith('activity row 2 column service: "A&E"')
    assert lines[19].startswith('activity row 21 column service: "A&E"')
    assert lines[20] == "activity column service: ... and 5 more rows like these"


def test_every_problem_is_reported_at_once(tmp_path, engine):
    lines = check(
        tmp_path, engine,
        patients="""
            patient_id,sex,birth_year
            1,F,1950
            2,X,1980
        """,
        activity="""
            patient_id,date,service,cost_pence
            1,2027-05-01,ae,-1
        """,
    )
    assert lines == [
        'patients row 3 column sex: "X" is not a sex code (expected one of F, M, U)',
        "activity row 2 column cost_pence: -1 is negative (expected 0 or more)",
    ]


def test_unusable_registrations_do_not_flag_all_activity(tmp_path, engine):
    assert check(tmp_path, engine, registrations="""
        person,practice_code,from_date,to_date
        1,A81001,2020-04-01,
    """) == [
        "registrations column patient_id: required column is missing "
        "(the file has: person, practice_code, from_date, to_date)"
    ]

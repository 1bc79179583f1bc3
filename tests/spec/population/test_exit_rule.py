"""Spec: a full practice leaving the provider or full integration (DESIGN 1 "exit window",
issues 4.5 and 15).

Patients follow the GP for two years from the day the practice became fully integrated
(here the first contract day, 2027-04-01), and only those registered with it that day:
within those two years they leave with it; later they stay with the provider, counted
under ``<code>-PROVIDER`` until their registration ends. Returning to an alliance
(reactivating its own contract) is leaving full integration, with the same rule.
"""

from __future__ import annotations

from reference.spec_support import collect, make_contract
from wholepop import population

PRACTICES = "practice_code,practice_name,hub\nA,Alpha,H1\nB,Beta,H2\n"
PATIENTS = """
    patient_id,sex,birth_year,death_date
    1,F,1950,
    2,M,1990,
"""
REGISTRATIONS = """
    patient_id,practice_code,from_date,to_date
    1,A,2020-01-01,
    2,A,2020-01-01,2030-06-30
"""
COLS = ("patient_id", "practice_code", "hub", "year", "integration", "person_months")


def test_leaving_in_year_one_takes_the_patients(make_inputs):
    """A (full) leaves on 31 December 2027: nine months in 2027, nothing afterwards."""
    inputs = make_inputs({
        "practices": PRACTICES,
        "memberships": "practice_code,from_date,to_date,integration\nA,2027-04-01,2027-12-31,full\n",
        "patients": PATIENTS,
        "registrations": REGISTRATIONS,
    })
    got = population.person_months(inputs, make_contract(), years=(2027, 2028))
    assert collect(got, *COLS) == collect([
        {"patient_id": p, "practice_code": "A", "hub": "H1", "year": 2027, "integration": "full", "person_months": 9.0}
        for p in ("1", "2")
    ])


def test_leaving_in_year_three_leaves_the_patients_with_the_provider(make_inputs):
    """A (full) leaves on 30 September 2029 (year three): its patients stay, under
    A-PROVIDER (hub H1, full), until their registrations end; patient 2's ends 30 June 2030."""
    inputs = make_inputs({
        "practices": PRACTICES,
        "memberships": "practice_code,from_date,to_date,integration\nA,2027-04-01,2029-09-30,full\n",
        "patients": PATIENTS,
        "registrations": REGISTRATIONS,
    })
    got = population.person_months(inputs, make_contract(), years=(2029, 2030))
    expected = []
    for p in ("1", "2"):
        expected.append({"patient_id": p, "practice_code": "A", "hub": "H1", "year": 2029, "integration": "full", "person_months": 6.0})
        expected.append({"patient_id": p, "practice_code": "A-PROVIDER", "hub": "H1", "year": 2029, "integration": "full", "person_months": 6.0})
    expected.append({"patient_id": "1", "practice_code": "A-PROVIDER", "hub": "H1", "year": 2030, "integration": "full", "person_months": 12.0})
    expected.append({"patient_id": "2", "practice_code": "A-PROVIDER", "hub": "H1", "year": 2030, "integration": "full", "person_months": 3.0})
    assert collect(got, *COLS) == collect(expected)


def test_a_partial_practice_leaving_late_takes_its_patients(make_inputs):
    """Only fully integrated practices leave patients behind: a partial one takes them."""
    inputs = make_inputs({
        "practices": PRACTICES,
        "memberships": "practice_code,from_date,to_date,integration\nA,2027-04-01,2029-09-30,partial\n",
        "patients": PATIENTS,
        "registrations": REGISTRATIONS,
    })
    got = population.person_months(inputs, make_contract(), years=(2029, 2030))
    assert collect(got, "practice_code", "year", "person_months") == collect(
        [{"practice_code": "A", "year": 2029, "person_months": 6.0}] * 2
    )


def test_returning_to_alliance_late_leaves_the_patients_with_the_provider(make_inputs):
    """A full span ending on 30 September 2029 (year three) and followed the next day by a
    partial span: the practice reactivates its own contract, and its patient stays with the
    provider (A-PROVIDER, full), not counted under A's partial span again."""
    inputs = make_inputs({
        "practices": PRACTICES,
        "memberships": """
            practice_code,from_date,to_date,integration
            A,2027-04-01,2029-09-30,full
            A,2029-10-01,,partial
        """,
        "patients": PATIENTS,
        "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,\n",
    })
    got = population.person_months(inputs, make_contract(), years=(2029,))
    assert collect(got, "practice_code", "integration", "person_months") == collect([
        {"practice_code": "A", "integration": "full", "person_months": 6.0},
        {"practice_code": "A-PROVIDER", "integration": "full", "person_months": 6.0},
    ])


def test_moving_into_full_integration_is_a_change_not_an_exit(make_inputs):
    """A partial span ending on 30 September 2027 and followed the next day by a full span:
    the days count with each span's integration, and no patient moves."""
    inputs = make_inputs({
        "practices": PRACTICES,
        "memberships": """
            practice_code,from_date,to_date,integration
            A,2027-04-01,2027-09-30,partial
            A,2027-10-01,,full
        """,
        "patients": PATIENTS,
        "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,\n",
    })
    got = population.person_months(inputs, make_contract(), years=(2027,))
    assert collect(got, "practice_code", "integration", "person_months") == collect([
        {"practice_code": "A", "integration": "partial", "person_months": 6.0},
        {"practice_code": "A", "integration": "full", "person_months": 6.0},
    ])


def test_a_patient_who_moves_after_the_exit_is_counted_at_the_new_practice(make_inputs):
    """After A leaves in year three, patient 1 registers with B on 1 January 2030: A-PROVIDER
    counts until 31 December 2029, B from 1 January."""
    inputs = make_inputs({
        "practices": PRACTICES,
        "memberships": """
            practice_code,from_date,to_date,integration
            A,2027-04-01,2029-09-30,full
            B,2027-04-01,,full
        """,
        "patients": PATIENTS,
        "registrations": """
            patient_id,practice_code,from_date,to_date
            1,A,2020-01-01,2029-12-31
            1,B,2030-01-01,
        """,
    })
    got = population.person_months(inputs, make_contract(), years=(2029,))
    assert collect(got, "practice_code", "person_months") == collect([
        {"practice_code": "A", "person_months": 6.0},
        {"practice_code": "A-PROVIDER", "person_months": 3.0},
        {"practice_code": "B", "person_months": 3.0},
    ])

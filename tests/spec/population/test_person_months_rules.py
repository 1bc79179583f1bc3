"""Spec: person-months (issue 3). Each test: a few inline rows, one call, the expected rows.

Contract in every test: start 2027 (first contract day 2027-04-01), baseline 2026, five
contract years 2027-2031, no need weighting unless the test says otherwise.
"""

from __future__ import annotations

from reference.spec_support import BASE, collect, make_contract
from wholepop import population

PATIENTS = """
    patient_id,sex,birth_year,death_date
    1,F,1950,
    2,M,1990,
"""
COLS = ("patient_id", "practice_code", "year", "integration", "person_months")


def test_closed_registration_april_to_june_is_three_months(make_inputs):
    """A registration from 1 April to 30 June counts exactly 3.0 person-months."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-04-01,2027-06-30
    """})
    got = population.person_months(inputs, make_contract(), years=(2027,))
    assert collect(got, *COLS) == collect(
        [{"patient_id": "1", "practice_code": "A", "year": 2027, "integration": "full", "person_months": 3.0}]
    )


def test_partial_months_count_by_days(make_inputs):
    """16-30 April is 15/30 of April; 1-10 May is 10/31 of May."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-04-16,2027-05-10
    """})
    got = population.person_months(inputs, make_contract(), years=(2027,))
    assert collect(got, "person_months") == [{"person_months": round(15 / 30 + 10 / 31, 9)}]


def test_span_crossing_a_year_end_is_split_between_years(make_inputs):
    """January-June 2027: three months in contract year 2026 (baseline), three in 2027."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-01-01,2027-06-30
    """})
    got = population.person_months(inputs, make_contract(), years=(2026, 2027))
    assert collect(got, "year", "person_months") == collect(
        [{"year": 2026, "person_months": 3.0}, {"year": 2027, "person_months": 3.0}]
    )


def test_death_mid_year_clips_inclusive_of_the_death_day(make_inputs):
    """Open registration, death on 15 May 2027: April + 15/31 of May; nothing in 2028."""
    inputs = make_inputs({**BASE, "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1950,2027-05-15
    """, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
    """})
    got = population.person_months(inputs, make_contract(), years=(2027, 2028))
    assert collect(got, "year", "person_months") == [{"year": 2027, "person_months": round(1 + 15 / 31, 9)}]


def test_days_outside_membership_do_not_count(make_inputs):
    """Practice D joins on 1 October 2027: only October-March count in 2027, none in the baseline."""
    inputs = make_inputs({
        "practices": "practice_code,practice_name,hub\nD,Delta,H1\n",
        "memberships": "practice_code,from_date,to_date,integration\nD,2027-10-01,,partial\n",
        "patients": PATIENTS,
        "registrations": "patient_id,practice_code,from_date,to_date\n1,D,2020-01-01,\n",
    })
    got = population.person_months(inputs, make_contract(), years=(2026, 2027))
    assert collect(got, *COLS) == collect(
        [{"patient_id": "1", "practice_code": "D", "year": 2027, "integration": "partial", "person_months": 6.0}]
    )


def test_baseline_counts_practices_of_the_first_contract_day_with_that_integration(make_inputs):
    """Baseline 2026: A is a member (alliance) only from 2027-04-01, as partial before: the
    baseline uses the integration on the first contract day (alliance)."""
    inputs = make_inputs({
        "practices": "practice_code,practice_name,hub\nA,Alpha,H1\n",
        "memberships": """
            practice_code,from_date,to_date,integration
            A,2025-04-01,2027-03-31,partial
            A,2027-04-01,,alliance
        """,
        "patients": PATIENTS,
        "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,\n",
    })
    got = population.person_months(inputs, make_contract(), years=(2026, 2027))
    assert collect(got, "year", "integration", "person_months") == collect(
        [
            {"year": 2026, "integration": "alliance", "person_months": 12.0},
            {"year": 2027, "integration": "alliance", "person_months": 12.0},
        ]
    )


def test_mixed_economy_integration_changes_mid_year(make_inputs):
    """A moves from partial to full on 1 October 2027: six months under each integration."""
    inputs = make_inputs({
        "practices": "practice_code,practice_name,hub\nA,Alpha,H1\n",
        "memberships": """
            practice_code,from_date,to_date,integration
            A,2027-04-01,2027-09-30,partial
            A,2027-10-01,,full
        """,
        "patients": PATIENTS,
        "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,\n",
    })
    got = population.person_months(inputs, make_contract(), years=(2027,))
    assert collect(got, "integration", "person_months") == collect(
        [{"integration": "partial", "person_months": 6.0}, {"integration": "full", "person_months": 6.0}]
    )


def test_age_and_age_band(make_inputs):
    """Age is year - birth_year: born 1950 is 77 in 2027 (75_79); born 1925 is 102 (95+)."""
    inputs = make_inputs({**BASE, "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1950,
        2,M,1925,
        3,U,2027,
    """, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-04-01,
        2,A,2027-04-01,
        3,C,2027-06-01,
    """})
    got = population.person_months(inputs, make_contract(), years=(2027,))
    assert collect(got, "patient_id", "hub", "sex", "age", "age_band") == collect([
        {"patient_id": "1", "hub": "H1", "sex": "F", "age": 77, "age_band": "75_79"},
        {"patient_id": "2", "hub": "H1", "sex": "M", "age": 102, "age_band": "95+"},
        {"patient_id": "3", "hub": "H2", "sex": "U", "age": 0, "age_band": "0_4"},
    ])


def test_years_default_to_baseline_and_contract_years_with_data(make_inputs):
    """Activity runs to February 2029, so the years are 2026 (baseline), 2027 and 2028."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
    """, "activity": """
        patient_id,date,service,cost_pence
        1,2029-02-01,community,100
    """})
    got = population.person_months(inputs, make_contract())
    assert collect(got, "year", "person_months") == collect(
        [{"year": y, "person_months": 12.0} for y in (2026, 2027, 2028)]
    )


def test_grain_is_one_row_per_patient_practice_year_integration(make_inputs):
    """Two spans at A in one year (a gap in between) give one row of 2 + 3 months."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-04-01,2027-05-31
        1,A,2027-09-01,2027-11-30
        1,C,2027-12-01,
    """})
    got = population.person_months(inputs, make_contract(), years=(2027,))
    assert collect(got, "practice_code", "person_months") == collect(
        [{"practice_code": "A", "person_months": 5.0}, {"practice_code": "C", "person_months": 4.0}]
    )


def test_weighted_population_without_need_weighting(make_inputs):
    """need_weighting = "none": weight 1.0, weighted population = person-months / 12."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-04-01,2027-09-30
    """})
    got = population.person_months(inputs, make_contract(need_weighting="none"), years=(2027,))
    assert collect(got, "need_weight", "weighted_population") == [{"need_weight": 1.0, "weighted_population": 0.5}]


def test_supplied_need_weighting_uses_each_practices_weighted_over_registered(make_inputs):
    """need_weighting = "supplied": A's overall 1,200 over registered 1,000 gives every A patient
    weight 1.2 (the latest allocation year wins); C has no weights and weighs 1.0."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2027-04-01,
        2,C,2027-04-01,2027-09-30
    """, "weights": """
        practice_code,component,weighted_population,year
        A,overall,1200,2024
        A,registered,1000,2024
        A,overall,900,2023
        A,registered,1000,2023
        A,community,5000,2024
    """})
    got = population.person_months(inputs, make_contract(need_weighting="supplied"), years=(2027,))
    assert collect(got, "patient_id", "need_weight", "weighted_population") == collect([
        {"patient_id": "1", "need_weight": 1.2, "weighted_population": 1.2},
        {"patient_id": "2", "need_weight": 1.0, "weighted_population": 0.5},
    ])
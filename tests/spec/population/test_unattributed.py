"""Spec: activity on a day its person does not count is reported as unattributed."""

from __future__ import annotations

from reference.spec_support import collect, make_contract
from wholepop import population


def test_activity_outside_registration_death_or_membership_is_unattributed(make_inputs):
    """Patient 1 registered with A from 1 May 2027 and died 31 January 2028; patient 2 is
    registered with N, which is not a member. Attributed: only 1's June contact."""
    inputs = make_inputs({
        "practices": "practice_code,practice_name,hub\nA,Alpha,H1\nN,Nonmember,H9\n",
        "memberships": "practice_code,from_date,to_date,integration\nA,2027-04-01,,full\n",
        "patients": """
            patient_id,sex,birth_year,death_date
            1,F,1950,2028-01-31
            2,M,1960,
        """,
        "registrations": """
            patient_id,practice_code,from_date,to_date
            1,A,2027-05-01,
            2,N,2020-01-01,
        """,
        "activity": """
            patient_id,date,service,cost_pence
            1,2027-04-20,ae,1000
            1,2027-06-01,ae,2000
            1,2028-02-01,community,300
            2,2027-07-01,ae,400
            2,2026-07-01,ae,50
        """,
    })
    got = population.unattributed(inputs, make_contract())
    assert collect(got) == collect([
        {"year": 2026, "service": "ae", "rows": 1, "cost_pence": 50},
        {"year": 2027, "service": "ae", "rows": 2, "cost_pence": 1400},
        {"year": 2027, "service": "community", "rows": 1, "cost_pence": 300},
    ])

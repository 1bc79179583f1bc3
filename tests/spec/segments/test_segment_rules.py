"""Spec: care-model segments, most severe first, and the transparent need score."""

from __future__ import annotations

import ibis
import pyarrow as pa

from reference.spec_support import BASE, collect, make_contract
from wholepop import costing, population, segments


def _segment(inputs, contract):
    pop = population.person_months(inputs, contract, years=(2027,))
    costs = costing.cost(inputs, contract, (2027,))
    return segments.segment(pop, costs, inputs, contract), pop, costs


PRIORITY = {
    "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1940,
        2,M,1940,
        3,F,1960,
        4,M,1930,
        5,F,1990,
        6,M,1990,
        7,F,1990,
    """,
    "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
        2,A,2020-01-01,
        3,A,2020-01-01,
        4,B,2020-01-01,
        5,B,2020-01-01,
        6,C,2020-01-01,
        7,C,2020-01-01,
    """,
    "conditions": """
        patient_id,condition,from_date
        1,diabetes,2015-01-01
        1,end_of_life,2028-03-31
        2,frailty_severe,2024-01-01
        3,diabetes,2019-05-01
        4,frailty_moderate,2027-06-01
        7,copd,2028-04-01
    """,
    "activity": """
        patient_id,date,service,cost_pence
        5,2027-08-01,ae,15000
        6,2027-08-01,outpatient,9000
        7,2026-08-01,urgent_care,3000
    """,
}


def test_each_person_gets_the_most_severe_level_that_applies(make_inputs):
    """1: end of life recorded on the year's last day (and diabetes) -> very high;
    2: severe frailty -> very high; 3: diabetes -> ongoing; 4: moderate frailty -> ongoing;
    5: A&E this year, no condition -> self-limiting; 6: only an outpatient visit -> staying
    well; 7: COPD recorded after the year end and urgent care last year -> staying well."""
    inputs = make_inputs({**BASE, **PRIORITY})
    seg, _, _ = _segment(inputs, make_contract(extensive_care_share=0))
    assert collect(seg, "patient_id", "segment") == collect([
        {"patient_id": "1", "segment": "very_high_needs"},
        {"patient_id": "2", "segment": "very_high_needs"},
        {"patient_id": "3", "segment": "ongoing_needs"},
        {"patient_id": "4", "segment": "ongoing_needs"},
        {"patient_id": "5", "segment": "self_limiting"},
        {"patient_id": "6", "segment": "staying_well"},
        {"patient_id": "7", "segment": "staying_well"},
    ])


def test_segment_counts_add_up_to_the_people(make_inputs):
    inputs = make_inputs({**BASE, **PRIORITY})
    seg, pop, _ = _segment(inputs, make_contract(extensive_care_share=0))
    counts = seg.group_by("segment").agg(n=seg.count()).to_pyarrow().to_pylist()
    people = pop.select("patient_id").distinct().count().to_pyarrow().as_py()
    assert {r["segment"]: r["n"] for r in counts} == {
        "very_high_needs": 2, "ongoing_needs": 2, "self_limiting": 1, "staying_well": 2,
    }
    assert sum(r["n"] for r in counts) == people == 7


def test_need_score_is_the_documented_linear_formula(make_inputs):
    """Age 70, diabetes and COPD, moderate frailty, one emergency admission and £2,000 of
    spend last year: 0.5 x 7 + 1.0 x 2 + 1.5 + 1.5 x 1 + 0.25 x 2 = 9.0 (default weights)."""
    inputs = make_inputs({**BASE, "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1957,
    """, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
    """, "conditions": """
        patient_id,condition,from_date
        1,diabetes,2010-01-01
        1,copd,2027-05-01
        1,copd,2027-09-01
        1,frailty_moderate,2026-01-01
    """, "activity": """
        patient_id,date,service,cost_pence
        1,2026-10-01,emergency_admission,150000
        1,2027-02-01,community,50000
        1,2027-06-01,emergency_admission,99900
    """})
    seg, _, _ = _segment(inputs, make_contract(extensive_care_share=0))
    assert collect(seg) == collect([{
        "patient_id": "1", "year": 2027, "segment": "ongoing_needs", "need_score": 9.0,
        "ltc_count": 2, "prior_emergency_admissions": 1, "prior_spend_pence": 200000,
    }])


def test_top_share_of_need_scores_is_very_high_needs(make_inputs):
    """Five people scored on age alone (1.0, 2.0, 3.0, 4.0, 4.5); the top 20% is the
    90-year-old (score at or above the 0.8 quantile, 4.1)."""
    inputs = make_inputs({**BASE, "patients": """
        patient_id,sex,birth_year,death_date
        1,F,2007,
        2,F,1987,
        3,F,1967,
        4,F,1947,
        5,F,1937,
    """, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
        2,A,2020-01-01,
        3,A,2020-01-01,
        4,A,2020-01-01,
        5,A,2020-01-01,
    """})
    seg, _, _ = _segment(inputs, make_contract(extensive_care_share=0.2))
    assert collect(seg, "patient_id", "segment", "need_score") == collect([
        {"patient_id": "1", "segment": "staying_well", "need_score": 1.0},
        {"patient_id": "2", "segment": "staying_well", "need_score": 2.0},
        {"patient_id": "3", "segment": "staying_well", "need_score": 3.0},
        {"patient_id": "4", "segment": "staying_well", "need_score": 4.0},
        {"patient_id": "5", "segment": "very_high_needs", "need_score": 4.5},
    ])


def test_caseload_lists_the_cohort_at_the_practice_counted_longest(make_inputs):
    """Patient 1 (severe frailty, diabetes; one emergency admission last year) spent four
    months at A and eight at C in 2027: the caseload lists them under C, hub H2."""
    inputs = make_inputs({**BASE, "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1937,
        2,M,1990,
    """, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,2027-07-31
        1,C,2027-08-01,
        2,A,2020-01-01,
    """, "conditions": """
        patient_id,condition,from_date
        1,frailty_severe,2025-01-01
        1,diabetes,2021-01-01
        2,asthma,2021-01-01
    """, "activity": """
        patient_id,date,service,cost_pence
        1,2026-10-01,emergency_admission,150000
    """})
    seg, pop, _ = _segment(inputs, make_contract(extensive_care_share=0))
    got = segments.caseload(seg, pop, inputs, 2027)
    assert collect(got) == collect([{
        "hub": "H2", "practice_code": "C", "patient_id": "1",
        "need_score": round(0.5 * 9 + 1.0 * 1 + 3.0 + 1.5 * 1 + 0.25 * 1.5, 9),
        "conditions": "diabetes,frailty_severe", "emergency_admissions_last_year": 1,
    }])


def test_prospective_power_compares_the_cohort_with_next_years_costliest():
    """Twenty people in 2028 spending 100, 200, ..., 2,000: the costliest 5% is one person
    (19). Very high in 2027: 19, 5 and 25 (25 is gone by 2028): one hit of two."""
    ids = [str(i) for i in range(20)]
    population_t = ibis.memtable(pa.table({
        "patient_id": ids + ids + ["25"],
        "year": [2028] * 20 + [2027] * 20 + [2027],
    }))
    costs = ibis.memtable(pa.table({
        "patient_id": ids, "year": [2028] * 20, "service": ["ae"] * 20,
        "cost_pence": [(i + 1) * 100 for i in range(20)],
    }))
    seg = ibis.memtable(pa.table({
        "patient_id": ids + ["25"],
        "year": [2027] * 21,
        "segment": ["very_high_needs" if i in ("19", "5") else "staying_well" for i in ids] + ["very_high_needs"],
    }))
    p = segments.prospective_power(seg, costs, population_t, 2027)
    assert (p.cohort, p.hits, p.power, p.expected_random) == (2, 1, 0.5, 0.05)

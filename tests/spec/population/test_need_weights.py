"""Spec: age-sex need weights from the baseline year's spend per person-month.

Baseline 2026. Two cells: women 75-79 (patient 1, 12 months, £300 of activity) and men
30-34 (patient 2, 12 months, £100). Overall £400 / 24 months; women's weight
(300/12) / (400/24) = 1.5, men's (100/12) / (400/24) = 0.5: the weights average 1.0.
"""

from __future__ import annotations

from reference.spec_support import BASE, collect, make_contract
from wholepop import population

INPUTS = {
    "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1951,
        2,M,1995,
        3,F,2000,
    """,
    "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2020-01-01,
        2,C,2020-01-01,
        3,A,2027-04-01,
    """,
    "activity": """
        patient_id,date,service,cost_pence
        1,2026-06-01,community,20000
        1,2026-07-01,ae,10000
        2,2026-12-01,primary_medical,10000
        2,2025-12-01,primary_medical,99999
        1,2027-05-01,community,50000
    """,
}


def test_age_sex_weights_follow_baseline_spend_per_person_month(make_inputs):
    inputs = make_inputs({**BASE, **INPUTS})
    got = population.person_months(inputs, make_contract(need_weighting="age_sex"), years=(2026, 2027))
    # Patient 3 (women 25-29 in 2027) has no baseline cell: weight 1.0. Patient 2 is 31 in
    # 2026 and 32 in 2027, so stays in the 30_34 cell; patient 1 (75 then 76) stays in 75_79.
    assert collect(got, "patient_id", "year", "age_band", "need_weight", "weighted_population") == collect([
        {"patient_id": "1", "year": 2026, "age_band": "75_79", "need_weight": 1.5, "weighted_population": 1.5},
        {"patient_id": "1", "year": 2027, "age_band": "75_79", "need_weight": 1.5, "weighted_population": 1.5},
        {"patient_id": "2", "year": 2026, "age_band": "30_34", "need_weight": 0.5, "weighted_population": 0.5},
        {"patient_id": "2", "year": 2027, "age_band": "30_34", "need_weight": 0.5, "weighted_population": 0.5},
        {"patient_id": "3", "year": 2027, "age_band": "25_29", "need_weight": 1.0, "weighted_population": 1.0},
    ])


def test_need_weights_average_one_over_baseline_person_months(make_inputs):
    """Sum of person-months x weight equals the sum of person-months in the baseline."""
    inputs = make_inputs({**BASE, **INPUTS, "patients": """
        patient_id,sex,birth_year,death_date
        1,F,1951,
        2,M,1995,
        3,F,2000,2026-10-15
    """, "registrations": """
        patient_id,practice_code,from_date,to_date
        1,A,2026-09-10,
        2,C,2020-01-01,
        3,B,2020-01-01,
    """})
    t = population.person_months(inputs, make_contract(need_weighting="age_sex"), years=(2026,))
    rows = t.to_pyarrow().to_pylist()
    months = sum(r["person_months"] for r in rows)
    weighted = sum(r["person_months"] * r["need_weight"] for r in rows)
    assert abs(weighted / months - 1.0) < 1e-12
    # and the rule did something: the three people do not all weigh 1.0
    assert sorted({round(r["need_weight"], 6) for r in rows}) != [1.0]


def test_weights_read_from_the_costs_equal_weights_attributed_apart(make_inputs):
    """pipeline.build sums the baseline cells from the costs; the stage alone attributes
    the baseline activity itself. Same spans, same weights."""
    from wholepop import costing

    inputs = make_inputs({**BASE, **INPUTS})
    c = make_contract(need_weighting="age_sex")
    spans = population.counted_spans(inputs, c)
    costs = costing.cost(inputs, c, (2026, 2027), spans)
    shared = population.person_months(inputs, c, years=(2026, 2027), spans=spans, costs=costs)
    apart = population.person_months(inputs, c, years=(2026, 2027))
    assert collect(shared) == collect(apart)
    assert {r["need_weight"] for r in shared.to_pyarrow().to_pylist()} == {1.5, 0.5, 1.0}

"""Spec: costing attributes each activity row to the practice counted on its date."""

from __future__ import annotations

from reference.spec_support import BASE, collect, make_contract
from wholepop import costing, population

PATIENTS = """
    patient_id,sex,birth_year,death_date
    1,F,1950,
    2,M,1990,2028-01-31
    3,F,1980,
"""
REGISTRATIONS = """
    patient_id,practice_code,from_date,to_date
    1,A,2020-01-01,2027-09-30
    1,C,2027-10-01,
    2,B,2027-06-01,
"""
ACTIVITY = """
    patient_id,date,service,cost_pence,pod
    1,2026-05-01,community,700,x
    1,2027-05-01,ae,1000,x
    1,2027-05-09,ae,500,x
    1,2027-11-01,ae,2000,x
    1,2027-12-01,elective,300000,x
    2,2027-05-01,primary_medical,40,x
    2,2027-07-01,primary_medical,45,x
    2,2028-02-15,prescribing,9,x
    3,2027-07-01,outpatient,12000,x
"""


def test_cost_is_per_person_year_service_at_the_practice_of_the_day(make_inputs):
    """Patient 1 moves from A to C on 1 October: A&E in May at A, in November at C."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": REGISTRATIONS, "activity": ACTIVITY})
    c = make_contract()
    got = costing.cost(inputs, c, (2027,))
    assert collect(got) == collect([
        {"patient_id": "1", "year": 2027, "service": "ae", "cost_pence": 1500, "events": 2, "practice_code": "A", "hub": "H1", "integration": "full"},
        {"patient_id": "1", "year": 2027, "service": "ae", "cost_pence": 2000, "events": 1, "practice_code": "C", "hub": "H2", "integration": "full"},
        {"patient_id": "1", "year": 2027, "service": "elective", "cost_pence": 300000, "events": 1, "practice_code": "C", "hub": "H2", "integration": "full"},
        {"patient_id": "2", "year": 2027, "service": "primary_medical", "cost_pence": 45, "events": 1, "practice_code": "B", "hub": "H1", "integration": "partial"},
    ])


def test_a_span_missing_its_integration_keeps_its_spend(make_inputs):
    """Costing groups by a numbered (practice, integration) unit; a membership whose
    integration is missing (data that skipped validation) is still a unit of its own,
    so none of its activity goes missing."""
    memberships = """
        practice_code,from_date,to_date,integration
        A,2027-04-01,,
        B,2027-04-01,,partial
        C,2027-04-01,,full
    """
    inputs = make_inputs({**BASE, "memberships": memberships, "patients": PATIENTS, "registrations": REGISTRATIONS,
                          "activity": ACTIVITY})
    got = costing.cost(inputs, make_contract(), (2027,))
    assert collect(got.filter(got.practice_code == "A")) == collect([
        {"patient_id": "1", "year": 2027, "service": "ae", "cost_pence": 1500, "events": 2, "practice_code": "A", "hub": "H1", "integration": None},
    ])
    assert got.cost_pence.sum().to_pyarrow().as_py() == 1500 + 2000 + 300000 + 45


def test_line_totals_plus_unattributed_equal_the_activity_total(make_inputs):
    """Per year: attributed spend over every service line + unattributed = all activity."""
    inputs = make_inputs({**BASE, "patients": PATIENTS, "registrations": REGISTRATIONS, "activity": ACTIVITY})
    c = make_contract()
    costs_table = costing.cost(inputs, c, (2026, 2027))
    costs = costs_table.to_pyarrow().to_pylist()
    unatt = population.unattributed(inputs, c).to_pyarrow().to_pylist()
    # Read from the costs instead of attributing again: the same rows.
    assert collect(population.unattributed(inputs, c, costs=costs_table)) == collect(
        [r for r in unatt if r["year"] in (2026, 2027)]
    )
    activity = inputs.activity.to_pyarrow().to_pylist()
    for year in (2026, 2027):
        total = sum(r["cost_pence"] for r in activity if (r["date"].year - (r["date"].month < 4)) == year)
        lines = sum(r["cost_pence"] for r in costs if r["year"] == year)
        missed = sum(r["cost_pence"] for r in unatt if r["year"] == year)
        assert lines + missed == total
    # The 2027 split worked by hand: 303,545 attributed; 12,049 not (patient 2's May
    # contact before registering, their February prescription after death, and patient
    # 3, who is registered nowhere).
    assert sum(r["cost_pence"] for r in costs if r["year"] == 2027) == 303545
    assert sum(r["cost_pence"] for r in unatt if r["year"] == 2027) == 12049


def test_unregistered_spend_is_summed_per_year_and_service(make_inputs):
    inputs = make_inputs({**BASE, "unregistered": """
        year,service,cost_pence
        2027,ae,100
        2027,ae,250
        2027,community,7
    """})
    assert collect(costing.unregistered(inputs)) == collect([
        {"year": 2027, "service": "ae", "cost_pence": 350},
        {"year": 2027, "service": "community", "cost_pence": 7},
    ])


def test_id_ranges_partition_the_people_into_near_equal_parts(tmp_path):
    """Ten people in three ranges: every id in exactly one range, 3-4 people each; the
    first and last ranges are open, so ids outside the spans are covered too. (DuckDB
    only: costing in parts is for DuckDB runs larger than memory, and Ibis has no window
    functions on Polars.)"""
    from conftest import write_tables
    from wholepop.costing.spend import id_ranges
    from wholepop.engine import connect
    from wholepop.inputs.load import open_inputs

    people = [f"P{i:02d}" for i in range(10)]
    regs = "patient_id,practice_code,from_date,to_date\n" + "\n".join(f"{p},A,2020-01-01," for p in people)
    pats = "patient_id,sex,birth_year,death_date\n" + "\n".join(f"{p},F,1980," for p in people)
    inputs = open_inputs(write_tables(tmp_path, {**BASE, "patients": pats, "registrations": regs}), connect("duckdb"))
    spans = population.counted_spans(inputs, make_contract())
    ranges = id_ranges(spans, 3)
    assert len(ranges) == 3 and ranges[0][0] is None and ranges[-1][1] is None

    def holds(r, pid):
        return (r[0] is None or pid >= r[0]) and (r[1] is None or pid < r[1])

    for pid in [*people, "A", "Z"]:
        assert sum(holds(r, pid) for r in ranges) == 1, pid
    assert sorted(sum(holds(r, p) for p in people) for r in ranges) == [3, 3, 4]
    assert len(id_ranges(spans, 20)) == 10  # no more ranges than people

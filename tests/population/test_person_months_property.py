"""Property: person-months on both engines equal the day-by-day reference twin.

Hypothesis draws small tables: two practices with one membership span each (full or
partial, possibly ending, so the exit rule is exercised), up to four people with up to two
non-overlapping registrations and maybe a death. ``WHOLEPOP_EXAMPLES`` turns the count up.
"""

from __future__ import annotations

import datetime as dt

from hypothesis import given, strategies as st

from reference.population import person_months as reference
from wholepop import population
from wholepop.contract import parse_contract

START, TERM, YEARS = 2027, 5, (2026, 2027, 2028, 2029, 2030)
CONTRACT = parse_contract(
    f'[contract]\nname = "P"\nform = "full"\nstart_year = {START}\nbaseline_year = 2026\n'
    f'term_years = {TERM}\n[budget]\nneed_weighting = "none"\n'
)
FIRST, LAST = dt.date(2025, 10, 1), dt.date(2031, 6, 30)
days = st.integers(0, (LAST - FIRST).days).map(lambda n: FIRST + dt.timedelta(days=n))


@st.composite
def span(draw):
    a, b = sorted((draw(days), draw(days)))
    return a, (b if draw(st.booleans()) else None)


@st.composite
def case(draw):
    memberships = []
    for code in ("A", "B"):
        a, b = draw(span())
        memberships.append({"practice_code": code, "from_date": a, "to_date": b,
                            "integration": draw(st.sampled_from(["full", "partial"]))})
    patients, registrations = [], []
    for pid in range(draw(st.integers(1, 4))):
        cuts = sorted(draw(st.lists(days, min_size=2, max_size=4, unique=True)))
        for i in range(0, len(cuts) - 1, 2):
            to = cuts[i + 1] if (i + 2 < len(cuts) or draw(st.booleans())) else None
            registrations.append({"patient_id": str(pid), "practice_code": draw(st.sampled_from("AB")),
                                  "from_date": cuts[i], "to_date": to})
        death = draw(st.one_of(st.none(), days))
        patients.append({"patient_id": str(pid), "sex": "F", "birth_year": 1960, "death_date": death})
    return memberships, patients, registrations


def _csv(rows: list[dict]) -> str:
    cols = list(rows[0])
    lines = [",".join(cols)] + [",".join("" if r[c] is None else str(r[c]) for c in cols) for r in rows]
    return "\n".join(lines) + "\n"


def _canon(rows):
    return sorted((r["patient_id"], r["practice_code"], r["year"], r["integration"], round(r["person_months"], 9)) for r in rows)


@given(case())
def test_person_months_match_the_reference(make_inputs, data):
    memberships, patients, registrations = data
    inputs = make_inputs({
        "practices": "practice_code,practice_name,hub\nA,Alpha,H1\nB,Beta,H2\n",
        "memberships": _csv(memberships),
        "patients": _csv(patients),
        "registrations": _csv(registrations) if registrations else "patient_id,practice_code,from_date,to_date\n",
    })
    got = population.person_months(inputs, CONTRACT, years=YEARS).to_pyarrow().to_pylist()
    want = reference(patients, registrations, memberships, START, TERM, YEARS)
    assert _canon(got) == _canon(want)

"""The mixed economy over time, settled end to end (issue 15 rule 4).

Three practices, one patient each, registered throughout; no need weighting, no uplift,
so a weighted head is a person-year. F is full from the start; P is an alliance
(``partial``) practice that moves into full integration at its 2029 window; Q moves
into full integration mid-year, on 1 October 2027. Baseline 2026 spend: primary medical
F 6,000 p, P 2,000 p, Q 4,000 p; community 1,200 p each.

Moving into full integration is a change of integration, accepted on any day (no notice);
the primary medical rate comes from the practices full on the first contract day (F):
6,000 p per weighted head; community 3,600 / 3 = 1,200 p per head.
"""

from __future__ import annotations

import pytest

from conftest import write_tables
from wholepop.pipeline import prepare, settle

CONTRACT = """
[contract]
name = "Mixed MCP"
form = "full"
start_year = 2027
term_years = 5
baseline_year = 2026
min_population = 0

[scope]
services = ["primary_medical", "community"]

[budget]
uplift = 0
efficiency = 0
need_weighting = "none"
unregistered = "none"

[contingency]
rate = 0
"""


def world(tmp_path, memberships: str, registrations: str | None = None):
    folder = write_tables(tmp_path / "d", {
        "practices": "practice_code,practice_name,hub\nF,Eff,H1\nP,Pea,H1\nQ,Queue,H2",
        "memberships": "practice_code,from_date,to_date,integration,notice_date\n" + memberships,
        "patients": "patient_id,sex,birth_year\n1,F,1960\n2,M,1960\n3,F,1970\n4,M,1980",
        "registrations": registrations or "patient_id,practice_code,from_date,to_date\n1,F,2020-01-01,\n2,P,2020-01-01,\n3,Q,2020-01-01,",
        "activity": "patient_id,date,service,cost_pence\n"
                    "1,2026-06-01,primary_medical,6000\n2,2026-06-01,primary_medical,2000\n3,2026-06-01,primary_medical,4000\n"
                    "1,2026-06-01,community,1200\n2,2026-06-01,community,1200\n3,2026-06-01,community,1200\n"
                    # a contact in every contract year: a year without activity is not settled (issue 16.1)
                    + "".join(f"1,{y}-06-01,community,500\n" for y in range(2027, 2032)),
    })
    (folder / "contract.toml").write_text(CONTRACT)
    return prepare(folder, folder / "contract.toml")


CONVERTING = (
    "F,2026-04-01,,full,\n"
    "P,2026-04-01,2029-03-31,partial,\nP,2029-04-01,,full,\n"
    "Q,2026-04-01,2027-09-30,partial,\nQ,2027-10-01,,full,"
)


def statements(run, years):
    try:
        return {y: settle(run, y) for y in years}
    finally:
        run.close()


def line(s, item):
    return next(x.amount_pence for x in s.lines if x.item == item)


def test_conversions_at_a_window_and_mid_year(tmp_path):
    s = statements(world(tmp_path, CONVERTING), [2027, 2029])
    y27, y29 = s[2027], s[2029]
    # 2027: full days: F all year (1.0) + Q from 1 October (0.5): 6,000 x 1.5 = 9,000
    assert line(y27, "primary_medical") == 9000
    # community: 1,200 x 3 heads = 3,600
    assert line(y27, "community") == 3600
    # by practice: primary medical F 6,000, Q 3,000 (P, alliance, none); community 1,200 each
    assert [(p.practice_code, p.budget_pence) for p in y27.budget.by_practice] == [("F", 7200), ("P", 1200), ("Q", 4200)]
    assert [(h.hub, h.budget_pence) for h in y27.budget.by_hub] == [("H1", 8400), ("H2", 4200)]
    # 2029: all three full: 6,000 x 3 + 3,600 = 21,600, 7,200 each
    assert line(y29, "primary_medical") == 18000
    assert [(p.practice_code, p.budget_pence) for p in y29.budget.by_practice] == [("F", 7200), ("P", 7200), ("Q", 7200)]


def test_leaving_full_integration_off_window_is_an_exit(tmp_path):
    from wholepop.errors import InputError

    back = "F,2026-04-01,,full,\nP,2026-04-01,,partial,\nQ,2026-04-01,2027-09-30,partial,\nQ,2027-10-01,2028-09-30,full,2027-06-01\nQ,2028-10-01,,partial,"
    with pytest.raises(InputError, match="leaves on 2028-10-01, not at an exit window"):
        world(tmp_path, back)


def test_patients_follow_the_gp_for_two_years_from_full_integration(tmp_path):
    # Q (full from 1 October 2027) returns to alliance at the 2029 window, within two
    # years of its full integration: patient 3, registered with it on 1 October 2027,
    # goes with it (counted under Q, partial); patient 4, who registered after that day,
    # stays with the provider under Q-PROVIDER (full).
    back = "F,2026-04-01,,full,\nP,2026-04-01,,partial,\nQ,2026-04-01,2027-09-30,partial,\nQ,2027-10-01,2029-03-31,full,2028-01-01\nQ,2029-04-01,,partial,"
    regs = "patient_id,practice_code,from_date,to_date\n1,F,2020-01-01,\n2,P,2020-01-01,\n3,Q,2020-01-01,\n4,Q,2028-01-01,"
    s = statements(world(tmp_path, back, regs), [2029])[2029]
    # primary medical: F 1.0 + Q-PROVIDER 1.0 full heads x 6,000 = 12,000
    assert line(s, "primary_medical") == 12000
    assert [(p.practice_code, p.budget_pence) for p in s.budget.by_practice] == [
        ("F", 7200), ("P", 1200), ("Q", 1200), ("Q-PROVIDER", 7200)]


def test_a_late_return_to_alliance_leaves_the_patients_with_the_provider(tmp_path):
    # F, full from the start, returns to alliance at the 2031 window (four years on):
    # its patient stays with the provider (F-PROVIDER, full) and is not counted under F again.
    back = "F,2026-04-01,2031-03-31,full,2030-01-01\nF,2031-04-01,,partial,\nP,2026-04-01,,partial,\nQ,2026-04-01,,partial,"
    s = statements(world(tmp_path, back), [2031])[2031]
    assert line(s, "primary_medical") == 6000
    assert [(p.practice_code, p.budget_pence) for p in s.budget.by_practice] == [("F-PROVIDER", 7200), ("P", 1200), ("Q", 1200)]

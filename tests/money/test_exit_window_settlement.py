"""A practice leaving at an exit window, settled end to end (issue 4.5).

Two practices, one patient each, both registered throughout. Baseline 2026 community
spend is 1,200 p per patient, so the budget rate is 2,400 p / 2 weighted heads = 1,200 p
per weighted head-year (no need weighting, no uplift). Practice B (integration full)
leaves at a window: at the end of year 2 (1 April 2029) its patient leaves with it; at the
end of year 4 (1 April 2031) its patient stays with the provider.
"""

from __future__ import annotations

import pytest

from conftest import write_tables
from wholepop.pipeline import prepare, settle

CONTRACT = """
[contract]
name = "Exit MCP"
form = "full"
start_year = 2027
term_years = 5
baseline_year = 2026
min_population = 0

[scope]
services = ["community"]

[budget]
uplift = 0
efficiency = 0
need_weighting = "none"
unregistered = "none"

[contingency]
rate = 0
"""


def world(tmp_path, leaves_on: str, notice: str):
    folder = write_tables(tmp_path / "d", {
        "practices": "practice_code,practice_name,hub\nA,Alpha,H\nB,Beta,H",
        "memberships": f"practice_code,from_date,to_date,integration,notice_date\nA,2026-04-01,,full,\nB,2026-04-01,{leaves_on},full,{notice}",
        "patients": "patient_id,sex,birth_year\n1,F,1960\n2,M,1960",
        "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,\n2,B,2020-01-01,",
        # a contact in every contract year: a year without activity is not settled (issue 16.1)
        "activity": "patient_id,date,service,cost_pence\n1,2026-06-01,community,1200\n2,2026-06-01,community,1200\n"
                    + "".join(f"1,{y}-06-01,community,500\n" for y in range(2027, 2032)),
    })
    (folder / "contract.toml").write_text(CONTRACT)
    return prepare(folder, folder / "contract.toml")


def budgets(run, years):
    try:
        return [settle(run, y).budget.total_pence for y in years]
    finally:
        run.close()


def test_leaving_at_the_year_two_window_takes_the_patients(tmp_path):
    run = world(tmp_path, "2029-03-31", "2028-01-01")
    # 2027, 2028: both patients (2 x 1,200 p); 2029 on: only practice A's
    assert budgets(run, [2027, 2028, 2029, 2030]) == [2400, 2400, 1200, 1200]


def test_leaving_at_the_year_four_window_leaves_the_patients_with_the_provider(tmp_path):
    run = world(tmp_path, "2031-03-31", "2030-01-01")
    # B's patient stays, counted under B-PROVIDER: the budget keeps both heads
    assert budgets(run, [2030, 2031]) == [2400, 2400]
    run = world(tmp_path / "again", "2031-03-31", "2030-01-01")
    try:
        s = settle(run, 2031)
    finally:
        run.close()
    assert [p.practice_code for p in s.budget.by_practice] == ["A", "B-PROVIDER"]


def test_leaving_off_window_is_refused(tmp_path):
    from wholepop.errors import InputError

    with pytest.raises(InputError, match="memberships row 3 column to_date: leaves on 2028-10-01, not at an exit window"):
        world(tmp_path, "2028-09-30", "2027-01-01")

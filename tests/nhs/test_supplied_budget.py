"""Part 3's seam: a budget on NHS England's supplied weighted populations, worked by hand.

Two practices in one hub. A's overall weighted population is 1,200 for a registered list
of 1,000 (need weight 1.2); B's is 800 for 1,000 (0.8). Baseline 2026: two patients at
each practice all year, community spend 400,000p. Weighted population 2 x 1.2 + 2 x 0.8
= 4.0, so 100,000p per weighted head. In 2027 a fifth patient joins A: weighted
population 3 x 1.2 + 2 x 0.8 = 5.2, budget 5.2 x 100,000 = 520,000p (no uplift or
efficiency). Unweighted it would be 5 x 100,000 = 500,000p.
"""

from __future__ import annotations

import textwrap

import pytest

from tests.conftest import write_tables
from wholepop.pipeline import prepare, settle

TABLES = {
    "practices": "practice_code,practice_name,hub\nA,Alpha,H1\nB,Beta,H1\n",
    "memberships": "practice_code,from_date,to_date,integration\nA,2026-04-01,,full\nB,2026-04-01,,full\n",
    "patients": "patient_id,sex,birth_year,death_date\n1,F,1960,\n2,M,1970,\n3,F,1980,\n4,M,1990,\n5,F,2000,\n",
    "registrations": (
        "patient_id,practice_code,from_date,to_date\n"
        "1,A,2026-04-01,\n2,A,2026-04-01,\n3,B,2026-04-01,\n4,B,2026-04-01,\n5,A,2027-04-01,\n"
    ),
    "activity": (
        "patient_id,date,service,cost_pence\n"
        "1,2026-06-01,community,100000\n3,2026-07-01,community,300000\n5,2027-05-01,community,1000\n"
    ),
    "weights": (
        "practice_code,component,weighted_population,year\n"
        "A,overall,1200,2024\nA,registered,1000,2024\nB,overall,800,2024\nB,registered,1000,2024\n"
    ),
}


def contract_text(need_weighting: str) -> str:
    return textwrap.dedent(
        f"""
        [contract]
        name = "Two practices"
        form = "full"
        start_year = 2027
        baseline_year = 2026
        term_years = 2
        min_population = 0
        [scope]
        services = ["community"]
        [budget]
        uplift = 0
        efficiency = 0
        need_weighting = "{need_weighting}"
        unregistered = "none"
        [contingency]
        rate = 0
        """
    )


@pytest.mark.parametrize(("need_weighting", "expected_pence"), [("supplied", 520_000), ("none", 500_000)])
def test_two_practice_budget(tmp_path, need_weighting, expected_pence):
    folder = write_tables(tmp_path / "data", TABLES)
    (tmp_path / "contract.toml").write_text(contract_text(need_weighting))
    statement = settle(prepare(folder, tmp_path / "contract.toml"), 2027)
    community = [line for line in statement.lines if line.section == "budget" and line.item == "community"]
    assert [line.amount_pence for line in community] == [expected_pence]

"""Indirectly standardised rate metrics (issue 16.3), worked by hand.

A crude rate per 1,000 rewards a young population for being young. ``standardise =
"age_sex"`` scores the ratio of observed events to those the provider's own baseline
age-sex rates predict for this year's population, times 100.
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.contract import parse_contract
from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.money.performance import performance, standardised_ratio

CONTRACT = """
[contract]
name = "Standardised MCP"
form = "full"
start_year = 2027
term_years = 5
baseline_year = 2026

[scope]
services = ["community"]

[performance]
share = 0.1
[[performance.metrics]]
id = "emergency_admissions_per_1000"
weight = 1
lower = 110
upper = 80
standardise = "{standardise}"
"""

EA = "emergency_admission"

# Two cells. Baseline 2026: women 20-24, 1,000 person-years, 10 admissions (rate 0.01);
# men 75-79, 200 person-years, 40 admissions (rate 0.2).
# 2027: the population has aged: 500 young person-years with 6 admissions, 400 old with 70.
FACTS = MoneyFacts(
    practices=(
        PracticeYear(2026, "A", "H", "full", Decimal(14400), Decimal(1200)),
        PracticeYear(2027, "A", "H", "full", Decimal(10800), Decimal(900)),
    ),
    spend={},
    events={(2026, EA): 50, (2027, EA): 76},
    age_sex_events={(2026, EA, "20_24", "F"): 10, (2026, EA, "75_79", "M"): 40,
                    (2027, EA, "20_24", "F"): 6, (2027, EA, "75_79", "M"): 70},
    age_sex_person_years={(2026, "20_24", "F"): Decimal(1000), (2026, "75_79", "M"): Decimal(200),
                          (2027, "20_24", "F"): Decimal(500), (2027, "75_79", "M"): Decimal(400)},
)


def test_the_ratio_by_hand():
    st = standardised_ratio(FACTS, EA, 2027, 2026)
    # expected = 0.01 x 500 + 0.2 x 400 = 5 + 80 = 85; observed = 6 + 70 = 76
    assert st.expected == Decimal(85)
    assert st.observed == 76
    # ratio = 100 x 76 / 85 = 89.411764...: fewer admissions than this population predicts
    assert st.ratio == Decimal(7600) / Decimal(85)


def test_the_achievement_and_payment_by_hand():
    c = parse_contract(CONTRACT.format(standardise="age_sex"))
    r = performance(FACTS, c, 2027, 1_000_000)
    m = r.part.metrics[0]
    # achievement = (7600/85 - 110) / (80 - 110) = (-1750/85) / (-30) = 1750/2550 = 35/51
    assert r.achievement == (Decimal(7600) / 85 - 110) / (80 - 110)
    assert m.value == "89.4118"  # six significant places
    assert m.achievement == "0.686275"
    assert "observed 76 / expected 85.0000" in m.source
    # payment = 1,000,000 p x 35/51 = 686,274.5098 p -> 686,275 p (half up)
    assert r.part.payment_pence == 686_275


def test_the_crude_rate_scores_the_same_year_differently():
    """Unstandardised, the same data is 76 / 900 weighted heads x 1000 = 84.4444 per
    1,000: the older population is compared with a threshold set for no one in
    particular."""
    c = parse_contract(CONTRACT.format(standardise="none"))
    m = performance(FACTS, c, 2027, 1_000_000).part.metrics[0]
    assert m.value == "84.4444"
    assert m.source == "computed"


def test_a_cell_without_baseline_people_expects_nothing():
    facts = MoneyFacts(
        practices=FACTS.practices, spend={},
        age_sex_events={**FACTS.age_sex_events, (2027, EA, "95+", "F"): 3},
        age_sex_person_years={**FACTS.age_sex_person_years, (2027, "95+", "F"): Decimal(10)},
    )
    st = standardised_ratio(facts, EA, 2027, 2026)
    assert st.expected == Decimal(85) and st.observed == 79


def test_the_age_sex_cells_add_up_to_the_events_on_real_stage_tables(tmp_path):
    """``gather_facts`` counts each rate line's events by band and sex: they add up to
    the line's events, and the person-years to the person-months / 12."""
    from wholepop.inputs.contract_checks import RATE_METRICS
    from wholepop.pipeline import prepare
    from wholepop.synth import generate

    data = generate(tmp_path / "mcp", population=800, years=1, seed=2)
    run = prepare(data, data / "contract.toml")
    try:
        facts = run.facts((2026, 2027))
    finally:
        run.close()
    for year in (2026, 2027):
        for service in RATE_METRICS.values():
            cells = sum(v for (y, s, _, _), v in facts.age_sex_events.items() if (y, s) == (year, service))
            assert cells == facts.events[(year, service)] > 0
        py = sum((v for (y, _, _), v in facts.age_sex_person_years.items() if y == year), Decimal(0))
        assert abs(py - facts.person_months(year) / 12) < Decimal("1e-6")

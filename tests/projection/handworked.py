"""A projection small enough to work by hand (see test_deterministic.py for the sums).

1,000 women aged 95+ in the staying-well level (the open band: nobody ages out), with no
deaths, births or migration, so the list stays at 1,000 and weighs 1,000. Baseline 2026
spend: community 10,000,000 p (inside the budget), outpatient 20,000,000 p (the acute
share's basis). No cost trend. One lever removes 10% of outpatient spend, ramped over two
years (half in 2027), costing 5,000 pounds a year at full ramp-up.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from wholepop.contract import parse_contract
from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.projection.base import LEVELS, SERVICES, ProjectionBase
from wholepop.projection.demography import AGE_BANDS, SEXES
from wholepop.projection.scenario import parse_scenario
from wholepop.vocab import Segment, Service, Sex

CONTRACT = """
[contract]
name = "Hand MCP"
form = "full"
start_year = 2027
term_years = 2
baseline_year = 2026

[scope]
services = ["community"]

[budget]
uplift = 0.1
efficiency = 0
need_weighting = "none"
unregistered = "none"

[performance]
share = 0.1
mode = "withhold"
[[performance.metrics]]
id = "emergency_admissions_per_1000"
weight = 1
lower = 200
upper = 100

[risk_share]
basis = ["outpatient"]
target_growth = 0.05
corridor = 0.01
first_pound = true
bands = [ { upto = 1.0, provider_share = 0.5 } ]
cap_gain = 0.1
cap_loss = 0.02
quality_gate = 0.5
parties = { commissioner = 0.5, acute_provider = 0.5 }

[contingency]
rate = 0.005
"""

SCENARIO = """
[scenario]
name = "by hand"
expected_achievement = 0.8

[population]
mortality_scale = 0
birth_rate = 0
leaving_rate = 0
net_migration = 0

[trend]
rate = 0
sd = 0

[noise]
activity = false

[[levers]]
name = "fewer outpatient attendances"
kind = "reduce"
services = ["outpatient"]
effect = [0.1, 0.1]
fixed_cost = 5000
ramp_years = 2
"""


def hand_base() -> ProjectionBase:
    shape = (len(AGE_BANDS), len(SEXES), len(LEVELS))
    cell = (AGE_BANDS.index("95+"), SEXES.index(Sex.FEMALE), LEVELS.index(Segment.STAYING_WELL))
    people = np.zeros(shape)
    people[cell] = 1000.0
    spend = np.zeros(shape + (len(SERVICES),))
    spend[cell + (SERVICES.index(Service.COMMUNITY),)] = 10_000_000.0
    spend[cell + (SERVICES.index(Service.OUTPATIENT),)] = 20_000_000.0
    facts = MoneyFacts(
        practices=(PracticeYear(2026, "A", "H1", "full", Decimal(12000), Decimal(1000)),),
        spend={(2026, "community", "full"): 10_000_000, (2026, "outpatient", "full"): 20_000_000},
    )
    return ProjectionBase(
        2026, people, people.copy(), people.copy(), spend, np.zeros_like(spend),
        np.zeros(shape + (len(SERVICES), len(SERVICES))), facts,
    )


def hand_contract():
    return parse_contract(CONTRACT)


def hand_scenario():
    return parse_scenario(SCENARIO)

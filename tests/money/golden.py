"""A small hand-workable world for the money golden tests.

Two practices in one hub: A (integration full) and B (partial). Baseline year 2026,
first contract year 2027. Weighted populations: 2026 A 1000, B 1000; 2027 A 1100, B 900.
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.contract import parse_contract
from wholepop.money.facts import MoneyFacts, PracticeYear

BASE_CONTRACT = """
[contract]
name = "Golden MCP"
form = "{form}"
start_year = 2027
term_years = 5
baseline_year = 2026

[scope]
services = {services}

[budget]
uplift = 0.1
efficiency = 0
need_weighting = "none"
unregistered = "baseline"

[performance]
share = 0.1
mode = "{mode}"
[[performance.metrics]]
id = "patient_experience"
weight = 1
lower = 70
upper = 80
gateway = {gateway}

{risk}

[contingency]
rate = 0.005
"""

RISK = """
[risk_share]
basis = ["outpatient", "emergency_admission"]
target_growth = 0.05
corridor = {corridor}
first_pound = {first_pound}
bands = [ {{ upto = 0.03, provider_share = 0.5 }}, {{ upto = 1.0, provider_share = 0.25 }} ]
cap_gain = {cap_gain}
cap_loss = {cap_loss}
quality_gate = {gate}
parties = {{ commissioner = 0.5, acute_provider = 0.5 }}
"""


def contract(
    form="full",
    services='["primary_medical", "community"]',
    mode="withhold",
    gateway="false",
    risk=True,
    corridor="0.01",
    first_pound="true",
    cap_gain="0.02",
    cap_loss="0.02",
    gate="0.5",
    extra="",
):
    r = RISK.format(corridor=corridor, first_pound=first_pound, cap_gain=cap_gain, cap_loss=cap_loss, gate=gate) if risk else ""
    text = BASE_CONTRACT.format(form=form, services=services, mode=mode, gateway=gateway, risk=r) + extra
    return parse_contract(text)


def facts(acute_2027=38000, experience="75", practices=None, spend_2027=None):
    """Baseline spend: primary_medical A 50,000 p, B 40,000 p; community 30,000 p each;
    outpatient 20,000 p each (acute basis 40,000 p). Unregistered baseline: community
    1,000 p, primary_medical 500 p, outpatient 700 p. 2027 acute spend ``acute_2027``
    (all outpatient, at A)."""
    D = Decimal
    practices = practices or (
        PracticeYear(2026, "A", "H1", "full", D(12000), D(1000)),
        PracticeYear(2026, "B", "H1", "partial", D(12000), D(1000)),
        PracticeYear(2027, "A", "H1", "full", D(13200), D(1100)),
        PracticeYear(2027, "B", "H1", "partial", D(10800), D(900)),
    )
    spend = {
        (2026, "primary_medical", "full"): 50000,
        (2026, "primary_medical", "partial"): 40000,
        (2026, "community", "full"): 30000,
        (2026, "community", "partial"): 30000,
        (2026, "outpatient", "full"): 20000,
        (2026, "outpatient", "partial"): 20000,
        (2027, "outpatient", "full"): acute_2027,
        (2027, "community", "full"): 61000,
    }
    if spend_2027:
        spend.update(spend_2027)
    return MoneyFacts(
        practices=practices,
        spend=spend,
        events={(2027, "emergency_admission"): 210, (2027, "ae"): 800},
        unregistered={(2026, "community"): 1000, (2026, "primary_medical"): 500, (2026, "outpatient"): 700},
        measures={(2027, "patient_experience"): Decimal(experience)},
    )

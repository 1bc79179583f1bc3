"""The projection's savings on the API cash basis (issue 17 item 2: "the projection's
savings use the same basis").

Under ``[acute_payment] basis = "api"`` the commissioner pays the acute trusts outside the
budget a fixed element set before the year (money.acute_payment.fixed_element: baseline
spend on the fixed lines x ((1 + cost uplift) x (1 - efficiency))^n x MFF) and the
variable lines' activity x MFF. So in the projection:

- a lever on emergency admissions (a fixed line) moves the activity view (spend) but no
  cash: the commissioner pays the same each year, and the gross saving is 0;
- a lever on electives (a variable line) releases its spend x MFF in cash.

The hand arithmetic, for a year y (pence):
    commissioner paid = total payable + outside-budget cash + other parties' shares
    outside-budget cash = other outside lines' spend + F(y) + round((elective + day case) x MFF)
Emergency lever: only emergency spend changes; F(y) does not read it, the share's cash
actual (F(y) on its fixed lines + variable x MFF) does not read it, the budget does not
read it: every term is equal, so paid and the cash counterfactual are the no-lever run's.
Elective lever removing E pence of elective spend: the cash counterfactual - cash actual
= round(V0 x MFF) - round(V1 x MFF), V0 and V1 the variable lines' spend without and with.
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pytest

from wholepop.contract import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.money.acute_payment import fixed_element
from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.money.pence import to_pence
from wholepop.money.settle import settle
from wholepop.projection.deterministic import project
from wholepop.projection.montecarlo import simulate
from wholepop.projection.scenario import parse_scenario
from wholepop.vocab import Service

from .factory import synthetic_base

BASE = synthetic_base(20_000)
MFF = Decimal("1.05")
API = f'\n[acute_payment]\nbasis = "api"\nmarket_forces_factor = {MFF}\n'
CONTRACT = parse_contract(preset_text("full").replace("term_years = 15", "term_years = 3") + API)


def scenario(lever: str = "") -> object:
    lines = '''
[scenario]
name = "api test"
expected_achievement = 0.75
[trend]
rate = 0.02
sd = 0
[noise]
activity = false
''' + (f'''
[[levers]]
name = "lever"
kind = "reduce"
services = ["{lever}"]
effect = [0.2, 0.2]
fixed_cost = 1000.0
ramp_years = 0
''' if lever else "")
    return parse_scenario(lines)


@pytest.fixture(scope="module")
def runs():
    return {k: project(BASE, CONTRACT, scenario(k)) for k in ("", "emergency_admission", "elective")}


def test_an_emergency_lever_moves_activity_but_no_cash(runs):
    none, emergency = runs[""], runs["emergency_admission"]
    for a, b in zip(none.years, emergency.years):
        # the activity view: emergency spend fell by the lever's 20%
        assert b.spend_pence["emergency_admission"] < a.spend_pence["emergency_admission"]
        # the cash view: the commissioner pays the same, and the provider is paid the same
        assert b.commissioner_paid_pence == a.commissioner_paid_pence
        assert b.total_payable_pence == a.total_payable_pence
        assert b.gross_savings_pence == 0  # the fixed element is paid whatever the activity
        assert b.net_savings_pence == -b.lever_cost_pence


def test_an_elective_lever_releases_its_spend_times_mff_in_cash(runs):
    none, elective = runs[""], runs["elective"]
    for a, b in zip(none.years, elective.years):
        variable = ("elective", "day_case")
        v0 = sum(b.spend_without_levers_pence[s] for s in variable)
        v1 = sum(b.spend_pence[s] for s in variable)
        assert v1 < v0
        # cash released = round(V0 x MFF) - round(V1 x MFF); no other line moved
        assert b.gross_savings_pence == to_pence(Decimal(v0) * MFF) - to_pence(Decimal(v1) * MFF)
        assert b.commissioner_paid_pence < a.commissioner_paid_pence
        # the share compares cash: target - actual rose by the released cash
        released = (b.share_target_pence - b.share_actual_pence) - (a.share_target_pence - a.share_actual_pence)
        assert released == b.gross_savings_pence


def test_the_fixed_element_is_money_acute_payments(runs):
    none = runs[""]
    fixed_lines = CONTRACT.acute_payment.fixed
    for y in none.years:
        # share actual = F(y) on the basis's fixed lines + round(variable spend x MFF)
        variable = sum(y.spend_pence[s] for s in ("elective", "day_case"))
        facts = MoneyFacts(practices=BASE.facts.practices, spend=BASE.facts.spend)
        f = fixed_element(facts, CONTRACT, y.year, tuple(s for s in CONTRACT.risk_share.basis if s in fixed_lines))[0]
        assert y.share_actual_pence == f + to_pence(Decimal(variable) * MFF)


def test_monte_carlo_prices_drawn_spend_as_cash(runs):
    # without noise and with point effects every run is the deterministic projection
    for k, p in runs.items():
        mc = simulate(p, runs=4, seed=1)
        want = np.array([y.commissioner_position_pence for y in p.years], dtype=float)
        assert np.allclose(mc.commissioner, want[None, :], atol=len(Service) + 2), k
        want = np.array([y.provider_position_pence for y in p.years], dtype=float)
        assert np.allclose(mc.provider, want[None, :], atol=len(Service) + 2), k


def test_settled_years_equal_the_settlement_to_the_penny():
    # a first contract year of data: the baseline's practices and spend, grown 3%
    f = BASE.facts
    practices = f.practices + tuple(
        PracticeYear(2027, p.practice_code, p.hub, p.integration, p.person_months, p.weighted_population) for p in f.practices
    )
    spend = dict(f.spend)
    spend.update({(2027, line, m): v * 103 // 100 for (y, line, m), v in f.spend.items()})
    unregistered = dict(f.unregistered)
    unregistered.update({(2027, line): v for (y, line), v in f.unregistered.items()})
    settled = MoneyFacts(practices=practices, spend=spend, unregistered=unregistered,
                         measures={(2027, m.id): Decimal("0.5") for m in CONTRACT.performance.metrics})
    p = project(BASE, CONTRACT, scenario("elective"), settled)
    first = p.years[0]
    assert first.settled and not p.years[1].settled
    assert first.statement == settle(settled, CONTRACT, 2027)
    assert first.statement.extra["acute_payment"]["basis"] == "api"

"""The acute payment as it is paid (issue 17 item 2): what the commissioner's cash to the
acute trusts outside the budget is, and so what an acute gain/risk share compares.

``[acute_payment] basis = "activity"`` (the default): cash is activity x cost, so the
share's target and actual are today's (``money.risk``).

``basis = "api"`` (the 2025/26 NHS Payment Scheme's aligned payment and incentive, which
almost every NHS trust relationship with an ICB uses):

    fixed element F(y)   = baseline spend on the fixed lines
                           x ((1 + cost_uplift) x (1 - efficiency_factor))^(y - b)
                           x market_forces_factor                (or fixed_pounds, agreed)
    variable target      = baseline spend on the variable lines per weighted head
                           x weighted population of y x (1 + target_growth)^(y - b) x MFF
    variable actual      = the year's spend on the variable lines x MFF
    cash target = F(y) + variable target;  cash actual = F(y) + variable actual

The fixed element is set before the year and does not move with activity, so a fall in
emergency admissions moves no cash: the share sees only the variable lines' variance.
The costing's cost is taken to be activity at national unit prices, which the market
forces factor turns into the trust's cash (both elements). The activity view (today's
target and actual on every basis line) is shown beside the cash view, so "activity fell
but no cash moved" is visible in the statement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract
from wholepop.money.budget import target_growth
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, to_pence
from wholepop.money.statement import Section, StatementLine
from wholepop.vocab import Service

__all__ = ["AcuteCash", "acute_cash", "acute_payment_extra", "acute_views", "fixed_element"]


@dataclass(frozen=True)
class AcuteCash:
    """The cash view of the acute lines ``services`` in one year, with the activity view beside it."""

    fixed_pence: int
    variable_target_pence: int
    variable_actual_pence: int
    activity_target_pence: int
    activity_actual_pence: int
    basis: str

    @property
    def target_pence(self) -> int:
        return self.fixed_pence + self.variable_target_pence

    @property
    def actual_pence(self) -> int:
        return self.fixed_pence + self.variable_actual_pence


def fixed_element(facts: MoneyFacts, contract: Contract, year: int, services: tuple[Service, ...]) -> tuple[int, str]:
    """The year's fixed element on ``services`` (the fixed lines among them) and its basis."""
    ap = contract.acute_payment
    if ap.fixed_pounds is not None:
        return to_pence(ap.fixed_pounds * 100), f"fixed element agreed at {ap.fixed_pounds} pounds"
    base = contract.contract.baseline_year
    n = year - base
    net = ((ONE + ap.cost_uplift) * (ONE - ap.efficiency_factor)) ** n
    spend = facts.spend_on(base, services)
    amount = to_pence(Decimal(spend) * net * ap.market_forces_factor)
    return amount, (
        f"fixed element = baseline {base} spend on {', '.join(s.value for s in services)} {spend} p"
        f" x ((1 + cost uplift {ap.cost_uplift}) x (1 - efficiency {ap.efficiency_factor}))^{n}"
        f" x MFF {ap.market_forces_factor} = {amount} p"
    )


def acute_cash(facts: MoneyFacts, contract: Contract, year: int, services: tuple[Service, ...], growth_rate: Decimal) -> AcuteCash:
    """Cash and activity views of the acute lines ``services`` (an acute share's basis) under
    ``[acute_payment] basis = "api"``; ``growth_rate`` is the share's target growth."""
    ap = contract.acute_payment
    base = contract.contract.baseline_year
    factor = target_growth(growth_rate, contract, year)
    fixed_lines = tuple(s for s in services if s in ap.fixed)
    variable_lines = tuple(s for s in services if s in ap.variable)
    fixed, fixed_basis = fixed_element(facts, contract, year, fixed_lines)
    grown_variable = facts.grown(base, year, variable_lines, factor)
    variable_target = to_pence(Decimal(grown_variable.amount_pence) * ap.market_forces_factor)
    variable_spend = facts.spend_on(year, variable_lines)
    variable_actual = to_pence(Decimal(variable_spend) * ap.market_forces_factor)
    activity_target = facts.grown(base, year, services, factor).amount_pence
    activity_actual = facts.spend_on(year, services)
    basis = (
        f"aligned payment and incentive: {fixed_basis}, paid whatever the activity;"
        f" variable target {grown_variable.amount_pence} p x MFF = {variable_target} p"
        f" ({', '.join(s.value for s in variable_lines) or 'no lines'} at unit prices);"
        f" variable actual {variable_spend} p x MFF = {variable_actual} p;"
        f" cash target {fixed + variable_target} p, cash actual {fixed + variable_actual} p"
    )
    return AcuteCash(fixed, variable_target, variable_actual, activity_target, activity_actual, basis)


def acute_views(cash: AcuteCash) -> tuple[StatementLine, ...]:
    """Memo lines: the fixed element, then the activity view beside the cash view."""
    activity_variance = cash.activity_target_pence - cash.activity_actual_pence
    cash_variance = cash.target_pence - cash.actual_pence
    return (
        StatementLine(Section.RISK_SHARE, "acute payment: fixed element (memo)", cash.fixed_pence,
                      "paid to the acute trusts whatever the activity (aligned payment and incentive)"),
        StatementLine(Section.RISK_SHARE, "acute payment: cash variance, target - actual (memo)", cash_variance,
                      f"cash target {cash.target_pence} p - cash actual {cash.actual_pence} p: what the share compares"),
        StatementLine(Section.RISK_SHARE, "acute activity view: variance, target - actual (memo)", activity_variance,
                      f"activity target {cash.activity_target_pence} p - activity actual {cash.activity_actual_pence} p"
                      f" (activity x cost); {activity_variance - cash_variance} p of it moved no cash"),
    )


def acute_payment_extra(cash: AcuteCash) -> dict[str, object]:
    """The statement's ``extra["acute_payment"]``: both views, in pence."""
    return {
        "basis": "api",
        "fixed_pence": cash.fixed_pence,
        "cash": {"target_pence": cash.target_pence, "actual_pence": cash.actual_pence,
                 "variance_pence": cash.target_pence - cash.actual_pence},
        "activity": {"target_pence": cash.activity_target_pence, "actual_pence": cash.activity_actual_pence,
                     "variance_pence": cash.activity_target_pence - cash.activity_actual_pence},
    }

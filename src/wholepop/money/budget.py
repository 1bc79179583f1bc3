"""The whole-population budget of one contract year (DESIGN section 5, issue 4.1).

budget(y) = sum over in-scope services s of
    rate_s x WP_y(eligible_s) x growth(y)  +  unregistered allowance
where rate_s = baseline spend on s by eligible practices' patients / baseline WP of
those practices, WP is the weighted population, and growth(y) = product over each year k
after the baseline up to y of (1 + uplift_k) x (1 - efficiency_k). In a mixed economy
``primary_medical`` is eligible only for practices whose integration is ``full`` that
year (their GPs suspended GMS/PMS); every other line covers every member practice.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract
from wholepop.inputs.vocab import Integration, Service
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, ZERO, to_pence
from wholepop.money.statement import StatementLine

__all__ = ["BudgetResult", "budget", "growth", "target_growth"]


@dataclass(frozen=True)
class BudgetResult:
    total_pence: int
    lines: tuple[StatementLine, ...]
    growth: Decimal


def growth(contract: Contract, year: int) -> Decimal:
    """Product of (1 + uplift) x (1 - efficiency) over the years after the baseline up to ``year``."""
    g = ONE
    for k in range(year - contract.contract.baseline_year):
        g *= (ONE + contract.budget.rate("uplift", k)) * (ONE - contract.budget.rate("efficiency", k))
    return g


def target_growth(rate: Decimal, contract: Contract, year: int) -> Decimal:
    """(1 + rate) to the number of years after the baseline."""
    return (ONE + rate) ** (year - contract.contract.baseline_year)


def eligible(service: Service) -> tuple[str, ...] | None:
    """Integration modes whose patients a service line's budget covers (None: all)."""
    if service is Service.PRIMARY_MEDICAL:
        return (Integration.FULL.value,)
    return None


def _fmt(x: Decimal, places: int = 4) -> str:
    return f"{x:,.{places}f}"


def budget(facts: MoneyFacts, contract: Contract, year: int) -> BudgetResult:
    """The budget for ``year``: one payable line per in-scope service plus the unregistered allowance."""
    base = contract.contract.baseline_year
    g = growth(contract, year)
    lines = []
    for service in contract.budget_services:
        who = eligible(service)
        base_spend = facts.spend_on(base, (service,), who)
        base_wp = facts.weighted_population(base, who)
        wp = facts.weighted_population(year, who)
        rate = Decimal(base_spend) / base_wp if base_wp else ZERO
        amount = to_pence(rate * wp * g)
        scope_note = " (practices with full integration only)" if who else ""
        lines.append(
            StatementLine(
                section="budget",
                item=f"{service.value}",
                amount_pence=amount,
                basis=(
                    f"baseline {base} spend {base_spend} p / weighted population {_fmt(base_wp)}{scope_note}"
                    f" = {_fmt(rate)} p per weighted head; x weighted population {year} {_fmt(wp)}"
                    f" x growth {_fmt(g, 6)} (uplift and efficiency over {year - base} years)"
                ),
                payable=True,
            )
        )
    if contract.budget.unregistered == "baseline" and contract.budget_services:
        base_unreg = sum(facts.unregistered.get((base, s.value), 0) for s in contract.budget_services)
        lines.append(
            StatementLine(
                section="budget",
                item="unregistered population allowance",
                amount_pence=to_pence(Decimal(base_unreg) * g),
                basis=f"baseline {base} unregistered spend on in-scope services {base_unreg} p x growth {_fmt(g, 6)}",
                payable=True,
            )
        )
    return BudgetResult(total_pence=sum(line.amount_pence for line in lines), lines=tuple(lines), growth=g)

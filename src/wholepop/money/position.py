"""The provider's own position in a settled year (issue 16 item 2).

    surplus = total payable - in-scope cost - deficit repayment

* total payable: what the commissioner pays the provider (the statement's total);
* in-scope cost: the year's spend on the budget's lines by the population each line
  covers (``risk.in_scope_spend``: ``primary_medical`` only on the days a practice is
  full; the unregistered population's spend on those lines when the budget funds its
  allowance). Forms without a budget (``virtual``, ``aco``) have none, so their position
  is what the sharing pays;
* deficit repayment: the year's repayments of transferred deficits (``money.deficit``).

Levers cost nothing in a settled year. The projection's provider position is the same
function of a projected year's payable, in-scope cost and repayments (plus its levers'
costs), so a projected and a settled year compare like for like.
"""

from __future__ import annotations

from wholepop.contract.model import Contract
from wholepop.money.facts import MoneyFacts
from wholepop.money.risk import in_scope_spend
from wholepop.money.statement import ProviderPosition, Section, StatementLine
from wholepop.numbers import gbp

__all__ = ["position_lines", "provider_in_scope_cost", "provider_position"]


def provider_in_scope_cost(facts: MoneyFacts, contract: Contract, year: int) -> int:
    """Spend on the provider's scope lines by its population (0 for forms without a budget)."""
    return in_scope_spend(facts, contract, year) if contract.budget_services else 0


def provider_position(payable_pence: int, in_scope_cost_pence: int, deficit_repayment_pence: int) -> ProviderPosition:
    """The provider's surplus (+) or deficit (-) for the year from its three parts."""
    surplus = payable_pence - in_scope_cost_pence - deficit_repayment_pence
    return ProviderPosition(
        payable_pence=payable_pence,
        in_scope_cost_pence=in_scope_cost_pence,
        deficit_repayment_pence=deficit_repayment_pence,
        surplus_pence=surplus,
        basis=(f"total payable {gbp(payable_pence)} - in-scope cost {gbp(in_scope_cost_pence)}"
               f" - deficit repayment {gbp(deficit_repayment_pence)} = {gbp(surplus)}"),
    )


def position_lines(p: ProviderPosition) -> tuple[StatementLine, ...]:
    """The position as memo lines of section ``provider`` (they never add to the payable)."""
    return (
        StatementLine(Section.PROVIDER, "provider's in-scope cost (memo)", -p.in_scope_cost_pence,
                      "the year's spend on the budget's lines by the population each covers (none without a budget)"),
        StatementLine(Section.PROVIDER, "provider's deficit repayment (memo)", -p.deficit_repayment_pence,
                      "the deficit lines above: owed to the creditor, not the commissioner"),
        StatementLine(Section.PROVIDER, "provider's surplus (+) or deficit (-) for the year (memo)", p.surplus_pence, p.basis),
    )

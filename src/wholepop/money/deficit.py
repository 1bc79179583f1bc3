"""Transferred deficits (issue 15 rule 3): the provider's liability to a creditor.

A deficit transferred from a trust is owed by the provider to a creditor (by default the
transferring trust's lender), not to the commissioner: it never changes what the
commissioner pays. The statement shows each year's repayment as the provider's cost
(memo lines, section ``deficit``), and the provider's position carries it.

* recurrent part: ``share`` x ``amount`` in every contract year (the same nominal amount);
* historic part: ``share`` x ``amount`` repaid in ``years`` equal annual parts from
  ``first_year`` (default the first contract year), split by largest remainder so the
  parts sum exactly to the whole.
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.contract.model import Contract
from wholepop.money.pence import allocate, to_pence
from wholepop.money.statement import Section, StatementLine
from wholepop.numbers import gbp

__all__ = ["deficit_lines"]


def deficit_lines(contract: Contract, year: int) -> tuple[StatementLine, ...]:
    """The year's deficit repayments (memo lines, amounts negative: the provider's cost)."""
    d = contract.deficit
    if d is None:
        return ()
    lines = []
    if d.recurrent is not None:
        amount = to_pence(d.recurrent.amount * 100 * d.recurrent.share)
        if amount:
            lines.append(StatementLine(
                Section.DEFICIT, f"deficit repayment to {d.creditor}: recurrent part (memo)", -amount,
                f"recurrent deficit {gbp(to_pence(d.recurrent.amount * 100))} x share transferred {d.recurrent.share}"
                " in every contract year; the provider's cost, not deducted from the payable",
            ))
    h = d.historic_part
    if h is not None:
        first = h.first_year or contract.contract.start_year
        if first <= year < first + h.years:
            whole = to_pence(h.amount * 100 * h.share)
            part = allocate(whole, [Decimal(1)] * h.years)[year - first]
            if part:
                lines.append(StatementLine(
                    Section.DEFICIT, f"deficit repayment to {d.creditor}: historic part (memo)", -part,
                    f"historic deficit {gbp(to_pence(h.amount * 100))} x share transferred {h.share} = {gbp(whole)} repaid in"
                    f" {h.years} equal annual parts from {first} (part {year - first + 1}); the provider's cost, not deducted from the payable",
                ))
    return tuple(lines)

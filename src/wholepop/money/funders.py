"""Several funders (issue 17 item 4): who funds each line of the budget, and each funder's part.

``[[funders]]`` (default: one, the commissioner). The first funder is the commissioner
(the ICB): it funds every line no other funder lists and runs the performance element;
in the shares it is the ``commissioner`` party. Another funder (a local authority pooling
its social care and public health budgets) funds the lines it lists:

    its budget lines  = rate_s x WP_y x growth_f(y)    growth_f: its own uplift and efficiency
    its allowance     = baseline unregistered spend on its lines x growth_f(y)
    its contribution  = the sum of its lines (so the funders' contributions sum to the budget)
    its reserve       = its contingency rate x its contribution (0 where the provider bears
                        every pound of variance on its lines)
    its shares        = each share (acute, system) run on its own lines alone, with caps as
                        fractions of its contribution; the variance not kept by the provider
                        goes to it under its own name
    it pays           = its contribution + the provider's acute share on its lines + the system
                        share adjustment on its lines (+ the performance element, first funder)

so what the funders pay sums exactly to the total payable. This module says who funds
what and how each funder's lines grow (the budget reads it); ``money.funder_parts`` runs
the shares per funder and gives each funder's part of a settled year.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract, Funder
from wholepop.money.pence import ONE
from wholepop.vocab import Service

__all__ = ["COMMISSIONER", "FunderView", "funder_growth", "funder_of", "funders", "several"]

COMMISSIONER = "commissioner"


@dataclass(frozen=True)
class FunderView:
    """A funder resolved: the lines it funds, and its party name in the shares."""

    terms: Funder
    lines: tuple[Service, ...]
    first: bool

    @property
    def name(self) -> str:
        return self.terms.name

    @property
    def party(self) -> str:
        return COMMISSIONER if self.first else self.terms.name


def funders(contract: Contract) -> tuple[FunderView, ...]:
    """Every funder with the lines it funds (the first: every line no other funder lists)."""
    listed = contract.funders or (Funder(name=COMMISSIONER),)
    others = {s for f in listed[1:] for s in f.lines}
    first = FunderView(listed[0], tuple(s for s in Service if s not in others), True)
    return (first, *(FunderView(f, tuple(f.lines), False) for f in listed[1:]))


def several(contract: Contract) -> bool:
    """Whether the contract names more than one funder."""
    return len(contract.funders) > 1


def funder_of(contract: Contract, service: Service) -> FunderView:
    """The funder of a line."""
    return next(f for f in funders(contract) if service in f.lines)


def funder_growth(contract: Contract, funder: FunderView, year: int) -> Decimal:
    """growth_f(y): product over the years after the baseline of (1 + uplift) x (1 - efficiency),
    with the funder's own rates where it sets them and ``[budget]``'s otherwise."""
    g = ONE
    for k in range(year - contract.contract.baseline_year):
        g *= (ONE + _rate(contract, funder, "uplift", k)) * (ONE - _rate(contract, funder, "efficiency", k))
    return g


def _rate(contract: Contract, funder: FunderView, which: str, k: int) -> Decimal:
    own = getattr(funder.terms, which)
    if own is None:
        return contract.budget.rate(which, k)  # type: ignore[arg-type]
    if isinstance(own, tuple):
        return own[k] if k < len(own) else own[-1]
    return own


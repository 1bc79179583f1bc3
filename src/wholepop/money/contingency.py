"""The commissioner's contingency reserve (issue 15 rule 2): a memo line, held by the commissioner.

contingency = rate x base, except that it is zero exactly when the provider holds the
entire system utilisation risk: every pound of variance on every line the commissioner
funds (``[contingency] commissioner_funds``; social care and public health are the local
authority's by default). A line is held by the provider when

* it is inside the budget, and there is no ``[system_share]`` or that share hands nothing
  back (provider share 1.0 in every band, no caps); or
* it is outside the budget and in an acute ``[risk_share]`` basis with provider share 1.0
  in every band, no corridor and no caps.

(The quality gate and achievement scaling touch only the provider's gains, not who bears
the utilisation risk.)

The base is a contract choice: ``"budget"`` (the year's budget; a ``virtual`` contract has
none, so nothing) or ``"population_spend"``: the population's baseline-year spend on every
line the commissioner funds per weighted head x the year's weighted population x growth
like the acute target ((1 + risk_share.target_growth) per year; the budget's growth when
there is no acute share), the way the 0.5% reserve was set against CCG allocations.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract, _ShareTerms
from wholepop.money.budget import growth, target_growth
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, ZERO, to_pence
from wholepop.numbers import gbp
from wholepop.vocab import Service

__all__ = ["Contingency", "contingency", "provider_holds_all_risk"]


@dataclass(frozen=True)
class Contingency:
    pence: int
    rate: Decimal
    basis: str


def _hands_nothing_back(terms: _ShareTerms, corridor_matters: bool) -> bool:
    bands = (*terms.gains, *terms.losses)
    return (
        all(b.provider_share == ONE for b in bands)
        and terms.cap_gain is None
        and terms.cap_loss is None
        and (not corridor_matters or terms.corridor == ZERO)
    )


def provider_holds_all_risk(contract: Contract, funded: tuple[Service, ...] | None = None) -> tuple[bool, str]:
    """Whether the provider bears every pound of variance on every line the commissioner
    funds (or the lines ``funded`` by one of several funders, ``money.funders``), and why."""
    inside = set(contract.budget_services)
    rs = contract.risk_share
    shared = set(rs.basis) if rs is not None else set()
    for line in contract.contingency.commissioner_funds if funded is None else funded:
        if line in inside:
            ss = contract.system_share
            if ss is not None and not _hands_nothing_back(ss, corridor_matters=False):
                return False, "the system share hands part of the variance on the budget's lines back to the commissioner"
        elif line in shared:
            if not _hands_nothing_back(rs, corridor_matters=True):
                return False, f"the acute share leaves part of the variance on {line.value} with the commissioner (share, corridor or caps)"
        else:
            return False, f"the commissioner funds {line.value}, which is neither in the budget nor in a share borne wholly by the provider"
    return True, "the provider holds every pound of variance on every line the commissioner funds"


def contingency(facts: MoneyFacts, contract: Contract, year: int, budget_pence: int) -> Contingency:
    """The year's contingency reserve and the basis a reader needs to recompute it."""
    terms = contract.contingency
    holds, why = provider_holds_all_risk(contract)
    if holds:
        return Contingency(0, ZERO, f"zero: {why}")
    if terms.base == "budget":
        amount = to_pence(terms.rate * Decimal(budget_pence))
        return Contingency(amount, terms.rate, f"rate {terms.rate} x budget {gbp(budget_pence)}, since {why}; held by the commissioner")
    base = contract.contract.baseline_year
    rs = contract.risk_share
    factor = target_growth(rs.target_growth, contract, year) if rs is not None else growth(contract, year)
    grown = facts.grown(base, year, terms.commissioner_funds, factor)
    amount = to_pence(terms.rate * Decimal(grown.amount_pence))
    return Contingency(
        amount, terms.rate,
        f"rate {terms.rate} x population spend {gbp(grown.amount_pence)} ({grown.basis(base, year, 'the lines the commissioner funds')}"
        f" {'acute target growth' if rs is not None else 'budget growth'}), since {why}; held by the commissioner",
    )

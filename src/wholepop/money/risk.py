"""The gain/risk shares of the English forms (issues 4.3 and 15).

* **Acute share** (``[risk_share]``, lines outside the budget): target = baseline spend
  per weighted head on the basis lines x weighted population of the year x (1 +
  target_growth) per year after the baseline; actual = the year's spend on those lines;
  the provider gets its share of target - actual (``holder = "commissioner"``). A
  ``pacs`` may have one on lines outside its scope.
* **PACS system share** (``[system_share]``): a PACS keeps every pound it spends below
  its budget and bears every pound above it. The share can only hand part of that back
  to (or take it from) the commissioner: variance = the year's budget - the year's
  in-scope spend (lines outside the scope never enter it), shared by the same
  corridor/bands/caps machinery with ``holder = "provider"``; what the provider does not
  keep is a payable adjustment with the commissioner (negative when the commissioner
  takes part of a surplus, zero at provider share 1.0).

Both go through ``sharing.share_variance``; caps are fractions of the budget (``virtual``,
which has none: of the target).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract, _ShareTerms
from wholepop.money.acute_payment import AcuteCash, acute_cash
from wholepop.money.budget import eligible, target_growth
from wholepop.money.facts import MoneyFacts
from wholepop.money.sharing import ShareResult, ShareRule, share_variance
from wholepop.money.statement import PartyShare, RiskSharePart
from wholepop.numbers import gbp
from wholepop.vocab import Form, Service

__all__ = ["RiskResult", "in_scope_spend", "risk_share", "share_rule", "system_share"]


@dataclass(frozen=True)
class RiskResult:
    """A share's result: the statement part, the mechanism's steps, and the basis text.

    ``payable_pence`` is what the share adds to the total payable: the provider's amount
    for an acute share, the adjustment with the commissioner for a system share.
    """

    part: RiskSharePart
    share: ShareResult
    basis: str
    payable_pence: int
    cash: AcuteCash | None = None  # [acute_payment] basis "api": the cash and activity views


def share_rule(terms: _ShareTerms, cap_base_pence: int, holder: str = "commissioner") -> ShareRule:
    base = Decimal(cap_base_pence)
    return ShareRule(
        corridor=terms.corridor,
        first_pound=terms.first_pound,
        bands=tuple((b.upto, b.provider_share) for b in terms.gains),
        loss_bands=None if terms.loss_bands is None else tuple((b.upto, b.provider_share) for b in terms.losses),
        quality_gate=terms.quality_gate,
        scale_gains_by_achievement=terms.scale_gains_by_achievement,
        cap_gain=None if terms.cap_gain is None else terms.cap_gain * base,
        cap_loss=None if terms.cap_loss is None else terms.cap_loss * base,
        parties=dict(terms.parties),
        holder=holder,
    )


def risk_share(
    facts: MoneyFacts, contract: Contract, year: int, budget_pence: int, achievement: Decimal,
    services: tuple[Service, ...] | None = None,
) -> RiskResult | None:
    """The year's acute gain/risk share, or None when the contract has none.

    ``services``: the basis lines one funder funds (``money.funders``; default: every
    basis line), with ``budget_pence`` then that funder's contribution (the caps' base).
    """
    terms = contract.risk_share
    if terms is None:
        return None
    services = tuple(terms.basis) if services is None else services
    base = contract.contract.baseline_year
    factor = target_growth(terms.target_growth, contract, year)
    grown = facts.grown(base, year, services, factor)
    lines = ", ".join(s.value for s in services)
    cash = None
    if contract.acute_payment.basis == "api":  # the share compares the commissioner's cash
        cash = acute_cash(facts, contract, year, services, terms.target_growth)
        target, actual = cash.target_pence, cash.actual_pence
        what = f"cash target {gbp(target)} ({cash.basis}); cash actual {gbp(actual)}"
    else:
        target = grown.amount_pence
        actual = facts.spend_on(year, services)
        what = f"target = {grown.basis(base, year, lines)} (1 + {terms.target_growth})^{year - base} = {gbp(target)}; actual {gbp(actual)}"
    virtual = contract.form is Form.VIRTUAL
    cap_base = target if virtual else budget_pence
    result = share_variance(target, actual, share_rule(terms, cap_base), achievement)
    basis = f"{what}; caps x {'target' if virtual else 'budget'} {gbp(cap_base)}; " + "; ".join(result.steps)
    part = RiskSharePart(
        kind="acute",
        target_pence=target,
        actual_pence=actual,
        variance_pence=result.variance_pence,
        provider_pence=result.provider_pence,
        parties=tuple(PartyShare(party=n, amount_pence=a) for n, a in result.parties),
    )
    return RiskResult(part=part, share=result, basis=basis, payable_pence=result.provider_pence, cash=cash)


def in_scope_spend(facts: MoneyFacts, contract: Contract, year: int, lines: tuple[Service, ...] | None = None) -> int:
    """The year's spend on the budget's lines by the population each line covers, plus the
    unregistered population's spend on them when the budget funds its allowance.

    The cost side of the budget: what the provider's scope cost (``money.position``), and
    the actual of a ``pacs`` system share.
    """
    scoped = [s for s in contract.budget_services if lines is None or s in lines]  # lines: one funder's
    total = sum(facts.spend_on(year, (s,), eligible(s)) for s in scoped)
    if contract.budget.unregistered == "baseline":
        total += sum(facts.unregistered.get((year, s.value), 0) for s in scoped)
    return total


def system_share(
    facts: MoneyFacts, contract: Contract, year: int, budget_pence: int, achievement: Decimal,
    lines: tuple[Service, ...] | None = None,
) -> RiskResult | None:
    """A ``pacs``'s share of its own surplus or deficit with the commissioner, or None.

    ``lines``: one funder's lines (``money.funders``), ``budget_pence`` its contribution."""
    terms = contract.system_share
    if terms is None or contract.rules_form is not Form.PACS:
        return None
    spend = in_scope_spend(facts, contract, year, lines)
    result = share_variance(budget_pence, spend, share_rule(terms, budget_pence, holder="provider"), achievement)
    commissioner = result.variance_pence - result.provider_pence
    basis = (
        f"variance = budget {gbp(budget_pence)} - in-scope spend {gbp(spend)} (scope lines by the population each covers"
        + (", unregistered included" if contract.budget.unregistered == "baseline" else "")
        + f"); caps x budget; the provider keeps {gbp(result.provider_pence)} and the commissioner's part"
        f" {gbp(commissioner)} is the adjustment (- when it takes part of a surplus); "
        + "; ".join(result.steps)
    )
    part = RiskSharePart(
        kind="system",
        target_pence=budget_pence,
        actual_pence=spend,
        variance_pence=result.variance_pence,
        provider_pence=result.provider_pence,
        parties=(PartyShare(party="commissioner", amount_pence=commissioner),),
    )
    return RiskResult(part=part, share=result, basis=basis, payable_pence=-commissioner)

"""The acute gain/risk share and the pacs system-wide share (issue 4.3), and contingency.

target = baseline spend per weighted head on the basis lines x weighted population of
the year x (1 + target_growth) per year after the baseline; actual = the year's spend on
those lines for the population; the variance is then shared by ``share.share_variance``
(corridor, bands, quality gate, gain scaling by achievement, caps, parties).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Contract, _ShareTerms
from wholepop.inputs.vocab import Form, Service
from wholepop.money.budget import target_growth
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import ONE, ZERO, to_pence
from wholepop.money.share import ShareResult, ShareRule, share_variance
from wholepop.money.statement import PartyShare, RiskSharePart

__all__ = ["RiskResult", "contingency_rate", "risk_share", "share_rule"]


@dataclass(frozen=True)
class RiskResult:
    part: RiskSharePart
    share: ShareResult
    basis: str


def share_rule(terms: _ShareTerms, cap_base_pence: int) -> ShareRule:
    base = Decimal(cap_base_pence)
    return ShareRule(
        corridor=terms.corridor,
        first_pound=terms.first_pound,
        bands=tuple((b.upto, b.provider_share) for b in terms.bands),
        quality_gate=terms.quality_gate,
        cap_gain=None if terms.cap_gain is None else terms.cap_gain * base,
        cap_loss=None if terms.cap_loss is None else terms.cap_loss * base,
        parties=dict(terms.parties),
    )


def risk_share(
    facts: MoneyFacts, contract: Contract, year: int, budget_pence: int, achievement: Decimal
) -> RiskResult | None:
    """The year's gain/risk share, or None when the contract has none."""
    if contract.risk_share is not None and contract.form is not Form.PACS:
        terms: _ShareTerms = contract.risk_share
        services: tuple[Service, ...] = tuple(contract.risk_share.basis)
        kind = "acute"
    elif contract.system_share is not None and contract.form is Form.PACS:
        terms = contract.system_share
        services = tuple(Service)
        kind = "system"
    else:
        return None
    base = contract.contract.baseline_year
    base_spend = facts.spend_on(base, services)
    base_wp = facts.weighted_population(base)
    wp = facts.weighted_population(year)
    factor = target_growth(terms.target_growth, contract, year)
    target = to_pence(Decimal(base_spend) / base_wp * wp * factor) if base_wp else 0
    actual = facts.spend_on(year, services)
    cap_base = target if contract.form is Form.VIRTUAL else budget_pence
    result = share_variance(target, actual, share_rule(terms, cap_base), achievement)
    lines = "all service lines" if kind == "system" else ", ".join(s.value for s in services)
    basis = (
        f"target = baseline {base} spend on {lines} {base_spend} p / weighted population {base_wp:,.4f}"
        f" x weighted population {year} {wp:,.4f} x (1 + {terms.target_growth})^{year - base} = {target} p;"
        f" actual {actual} p; caps x {'target' if contract.form is Form.VIRTUAL else 'budget'} {cap_base} p; "
        + "; ".join(result.steps)
    )
    part = RiskSharePart(
        kind=kind,
        target_pence=target,
        actual_pence=actual,
        variance_pence=result.variance_pence,
        provider_pence=result.provider_pence,
        parties=tuple(PartyShare(party=n, amount_pence=a) for n, a in result.parties),
    )
    return RiskResult(part=part, share=result, basis=basis)


def contingency_rate(contract: Contract) -> Decimal:
    """The commissioner's reserve rate: zero where the provider holds all the utilisation risk.

    That is a ``pacs`` contract, or a risk share with provider share 1.0 in every band and
    no caps (the provider then bears every pound of variance).
    """
    if contract.form is Form.PACS:
        return ZERO
    rs = contract.risk_share
    if rs is not None and all(b.provider_share == ONE for b in rs.bands) and rs.cap_gain is None and rs.cap_loss is None:
        return ZERO
    return contract.contingency.rate


def contingency_pence(contract: Contract, budget_pence: int) -> int:
    return to_pence(contingency_rate(contract) * Decimal(budget_pence))

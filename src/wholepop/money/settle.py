"""Settling one contract year: the one entry point, ``settle(facts, contract, year)``.

The rule is chosen by the contract's form from ``SETTLERS``, a frozen mapping of form to
settler: the English forms (``virtual``, ``partial``, ``full``, ``pacs``) by
``settle_english``, ``aco`` by the Medicare Shared Savings Program
(``money.mssp.contract.settle_aco_year``). Every statement then gets the provider's
position (``money.position``) and, for the English forms, its deficit repayments.

English forms:

    total payable = budget - withhold + performance payment
                    + provider's acute risk share + pacs system-share adjustment

(``bonus`` mode has no withhold; ``virtual`` has no budget). A transferred deficit is the
provider's debt to its creditor: it is shown, and carried by the provider's position,
but never deducted from what the commissioner pays. Each step is a ``StatementLine``
with its basis; the ``Statement`` checks that the payable lines add up.

Today's forms (``snp``, ``mnp``, ``lco``, ``iho``) follow the rules of ``full`` or ``pacs``
and so the same settler. Under ``[acute_payment] basis = "api"`` the acute share compares
cash (``money.acute_payment``), with the activity view as memo lines; with several
``[[funders]]`` each share runs on each funder's own lines and each funder's part is
shown (``money.funder_parts``); what the funders pay must sum to the total payable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType

from wholepop.contract.model import Contract
from wholepop.money.acute_payment import acute_payment_extra, acute_views
from wholepop.money.budget import budget, growth
from wholepop.money.contingency import contingency
from wholepop.money.deficit import deficit_lines
from wholepop.money.facts import MoneyFacts
from wholepop.money.funder_parts import funder_lines, funder_parts, funder_shares, funders_extra
from wholepop.money.funders import several
from wholepop.money.mssp.contract import settle_aco_year
from wholepop.money.pence import allocate, to_pence
from wholepop.money.performance import performance
from wholepop.money.position import (
    position_lines,
    provider_in_scope_cost,
    provider_position,
)
from wholepop.money.risk import risk_share, system_share
from wholepop.money.statement import (
    BudgetPart,
    HubBudget,
    PracticeBudget,
    Section,
    Statement,
    StatementError,
    StatementLine,
)
from wholepop.numbers import gbp
from wholepop.vocab import Form, Service

__all__ = ["SETTLERS", "settle", "settle_english"]

Settler = Callable[[MoneyFacts, Contract, int], Statement]


def settle(facts: MoneyFacts, contract: Contract, year: int) -> Statement:
    """The settled statement of contract year ``year`` from aggregated facts, by the form's rules.

    Raises:
        ValueError: ``year`` is not a contract year (the CLI checks this first).
        UserError, ContractError: as the form's settler raises them (``aco``).
    """
    if year not in contract.contract.years:
        raise ValueError(f"{year} is not a contract year of {contract.name}")
    statement = SETTLERS[contract.form](facts, contract, year)
    deficits = () if contract.form is Form.ACO else deficit_lines(contract, year)
    repaid = -sum(line.amount_pence for line in deficits)
    position = provider_position(statement.total_payable_pence, provider_in_scope_cost(facts, contract, year), repaid)
    return dataclasses.replace(
        statement,
        deficit_pence=repaid,
        lines=(*statement.lines, *deficits, *position_lines(position)),
        provider_position=position,
    )


def settle_english(facts: MoneyFacts, contract: Contract, year: int) -> Statement:
    """A ``virtual``, ``partial``, ``full`` or ``pacs`` year: budget, performance, shares, contingency."""
    lines: list[StatementLine] = []
    budget_part = None
    budget_pence = 0
    budget_inputs: tuple = ()
    base = contract.contract.baseline_year
    if contract.form is not Form.VIRTUAL:
        b = budget(facts, contract, year)
        budget_inputs = b.parts
        lines.extend(b.lines)
        budget_pence = b.total_pence
        budget_part = BudgetPart(
            total_pence=budget_pence,
            by_hub=tuple(HubBudget(hub=h, weighted_population=f"{w:.4f}", budget_pence=p) for h, (w, p) in b.by_hub.items()),
            instalments_pence=tuple(allocate(budget_pence, [1] * 12)),
            by_practice=tuple(
                PracticeBudget(practice_code=c, hub=h, weighted_population=f"{w:.4f}", budget_pence=p)
                for c, (h, w, p) in b.by_practice.items()
            ),
        )
        lines.append(
            StatementLine(
                Section.BUDGET, "whole-population budget (memo)", budget_pence,
                f"sum of the {len(b.lines)} budget lines above; paid in 12 monthly instalments", payable=False,
            )
        )
        at_stake_base = budget_pence
        stake_basis = f"share {contract.performance.share} x budget {gbp(budget_pence)}"
    else:
        grown = facts.grown(base, year, tuple(Service), growth(contract, year))
        at_stake_base = grown.amount_pence
        stake_basis = (
            f"share {contract.performance.share} x alliance {grown.basis(base, year, 'every line')} growth"
            f" = {gbp(at_stake_base)}"
        )
    at_stake = to_pence(contract.performance.share * Decimal(at_stake_base))
    perf = performance(facts, contract, year, at_stake)
    p = perf.part
    metric_basis = "; ".join(
        f"{m.id} = {m.value} ({m.source}; thresholds {m.lower}->{m.upper}) achieves {m.achievement} x weight {m.weight}"
        for m in p.metrics
    )
    if p.mode == "withhold" and at_stake:
        lines.append(StatementLine(Section.PERFORMANCE, "performance withhold", -at_stake, stake_basis, payable=True))
    lines.append(
        StatementLine(
            Section.PERFORMANCE,
            "performance payment earned",
            p.payment_pence,
            f"{gbp(at_stake)} at stake x weighted achievement {p.achievement}"
            + (" - voided: a gateway metric is at or beyond its lower threshold" if p.gateway_failed else "")
            + (f" ({metric_basis})" if metric_basis else ""),
            payable=True,
        )
    )
    by_funder = b.by_funder if budget_part is not None else {}
    shares = funder_shares(facts, contract, year, by_funder, budget_pence, perf.achievement) if several(contract) else None
    acute = shares.acute if shares else risk_share(facts, contract, year, budget_pence, perf.achievement)
    if acute is not None:
        lines.append(StatementLine(Section.RISK_SHARE, "acute gain/risk share: provider", acute.payable_pence, acute.basis, payable=True))
        for party in acute.part.parties:
            lines.append(
                StatementLine(Section.RISK_SHARE, f"acute gain/risk share: {party.party} (memo)", party.amount_pence,
                              "the variance not kept or borne by the provider, split by the contract's parties", payable=False)
            )
    extra: dict[str, object] = {}
    if budget_inputs:  # each budget line's inputs, for the workbook's live formulas
        extra["budget_lines"] = list(budget_inputs)
    if acute is not None and acute.cash is not None:
        lines.extend(acute_views(acute.cash))
        extra["acute_payment"] = acute_payment_extra(acute.cash)
    system = shares.system if shares else system_share(facts, contract, year, budget_pence, perf.achievement)
    if system is not None:
        lines.append(StatementLine(Section.RISK_SHARE, "system share: provider keeps (memo)", system.part.provider_pence,
                                   "the part of the budget's surplus (+) or deficit (-) the provider keeps or bears", payable=False))
        lines.append(StatementLine(Section.RISK_SHARE, "system share: adjustment with the commissioner", system.payable_pence,
                                   system.basis, payable=True))
    parts = ()
    if shares is not None:
        performance_pence = sum(x.amount_pence for x in lines if x.section is Section.PERFORMANCE and x.payable)
        parts = funder_parts(contract, by_funder, shares, performance_pence)
        cont_pence = sum(p.contingency_pence for p in parts)
        lines.append(StatementLine(Section.CONTINGENCY, "funders' contingency reserves (memo)", cont_pence,
                                   "the sum of each funder's reserve (memo lines below)"))
    else:
        cont = contingency(facts, contract, year, budget_pence)
        cont_pence = cont.pence
        if budget_part is not None or contract.contingency.base == "population_spend":
            lines.append(StatementLine(Section.CONTINGENCY, "commissioner's contingency reserve (memo)", cont.pence, cont.basis))
    total = sum(line.amount_pence for line in lines if line.payable)
    lines.append(StatementLine(
        Section.TOTAL, "total payable to the provider (memo)", total,
        "sum of the payable lines: budget - withhold + performance payment + risk share (+ system share adjustment);"
        " deficit repayments are the provider's, not deducted",
    ))
    if parts:
        if sum(p.pays_pence for p in parts) != total:  # by construction; a broken rule must not settle
            raise StatementError("what the funders pay does not sum to the total payable")
        lines.extend(funder_lines(parts))
        extra["funders"] = funders_extra(parts)
    return Statement(
        contract=contract.name,
        form=contract.form.value,
        year=year,
        budget=budget_part,
        performance=p,
        risk_share=None if acute is None else acute.part,
        contingency_pence=cont_pence,
        deficit_pence=0,
        total_payable_pence=total,
        lines=tuple(lines),
        system_share=None if system is None else system.part,
        extra=extra,
    )


SETTLERS: Mapping[Form, Settler] = MappingProxyType({
    Form.VIRTUAL: settle_english,
    Form.PARTIAL: settle_english,
    Form.FULL: settle_english,
    Form.PACS: settle_english,
    Form.ACO: settle_aco_year,
    # Today's forms: the same rules as the form they follow (vocab.RULES_OF), so the same
    # settler; a form gets its own settler here only where a money rule differs.
    Form.SNP: settle_english,
    Form.MNP: settle_english,
    Form.LCO: settle_english,
    Form.IHO: settle_english,
})

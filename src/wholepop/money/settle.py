"""Settling one contract year: budget -> performance -> gain/risk share -> contingency -> statement.

total payable = budget - withhold + performance payment + provider's risk share
                - deficit repayment
(for ``bonus`` mode there is no withhold; ``virtual`` has no budget). Each step is a
``StatementLine`` with its basis; the ``Statement`` checks that the payable lines add up.
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.contract.model import Contract
from wholepop.inputs.vocab import Form, Service
from wholepop.money.budget import budget, growth
from wholepop.money.facts import MoneyFacts
from wholepop.money.pence import allocate, to_pence
from wholepop.money.performance import performance
from wholepop.money.risk import contingency_pence, contingency_rate, risk_share
from wholepop.money.statement import BudgetPart, HubBudget, Statement, StatementLine

__all__ = ["settle_year"]


def _split_by(facts: MoneyFacts, year: int, total: int, key: str) -> list[tuple[str, Decimal, int]]:
    """``total`` split by weighted population over ``key`` (hub or practice_code), exactly."""
    wp: dict[str, Decimal] = {}
    for p in facts.practices:
        if p.year == year:
            wp[getattr(p, key)] = wp.get(getattr(p, key), Decimal(0)) + p.weighted_population
    names = sorted(wp)
    shares = allocate(total, [wp[n] for n in names]) if names else []
    return [(n, wp[n], s) for n, s in zip(names, shares)]


def _by_hub(facts: MoneyFacts, year: int, total: int) -> tuple[HubBudget, ...]:
    return tuple(HubBudget(hub=h, weighted_population=f"{w:.4f}", budget_pence=s) for h, w, s in _split_by(facts, year, total, "hub"))


def _by_practice(facts: MoneyFacts, year: int, total: int) -> list[dict]:
    return [
        {"practice_code": c, "weighted_population": f"{w:.4f}", "budget_pence": s}
        for c, w, s in _split_by(facts, year, total, "practice_code")
    ]


def _deficit_line(contract: Contract, year: int) -> StatementLine | None:
    d = contract.deficit
    if d is None:
        return None
    first = d.first_year or contract.contract.start_year
    if not first <= year < first + d.years:
        return None
    total = to_pence(d.amount * 100)
    repayment = allocate(total, [1] * d.years)[year - first]
    return StatementLine(
        section="deficit",
        item="deficit repayment",
        amount_pence=-repayment,
        basis=f"deficit {total} p repaid in {d.years} equal annual parts from {first} (year {year - first + 1})",
        payable=True,
    )


def settle_year(facts: MoneyFacts, contract: Contract, year: int) -> Statement:
    """The settled statement of contract year ``year`` from aggregated facts.

    Raises:
        ValueError: ``year`` is not a contract year (the CLI checks this first).
    """
    if year not in contract.contract.years:
        raise ValueError(f"{year} is not a contract year of {contract.name}")
    lines: list[StatementLine] = []
    budget_part = None
    budget_pence = 0
    if contract.form is not Form.VIRTUAL:
        b = budget(facts, contract, year)
        lines.extend(b.lines)
        budget_pence = b.total_pence
        budget_part = BudgetPart(
            total_pence=budget_pence,
            by_hub=_by_hub(facts, year, budget_pence),
            instalments_pence=tuple(allocate(budget_pence, [1] * 12)),
        )
        lines.append(
            StatementLine(
                "budget", "whole-population budget (memo)", budget_pence,
                f"sum of the {len(b.lines)} budget lines above; paid in 12 monthly instalments", payable=False,
            )
        )
        at_stake_base = budget_pence
        stake_basis = f"share {contract.performance.share} x budget {budget_pence} p"
    else:
        base = contract.contract.baseline_year
        base_spend = facts.spend_on(base, tuple(Service))
        base_wp = facts.weighted_population(base)
        wp = facts.weighted_population(year)
        g = growth(contract, year)
        at_stake_base = to_pence(Decimal(base_spend) / base_wp * wp * g) if base_wp else 0
        stake_basis = (
            f"share {contract.performance.share} x alliance baseline spend {base_spend} p / weighted population "
            f"{base_wp:,.4f} x weighted population {year} {wp:,.4f} x growth {g:.6f} = {at_stake_base} p"
        )
    at_stake = to_pence(contract.performance.share * Decimal(at_stake_base))
    perf = performance(facts, contract, year, at_stake)
    p = perf.part
    metric_basis = "; ".join(f"{m.id} = {m.value} ({m.source}; thresholds {m.lower}->{m.upper}) achieves {m.achievement} x weight {m.weight}" for m in p.metrics)
    if p.mode == "withhold" and at_stake:
        lines.append(StatementLine("performance", "performance withhold", -at_stake, stake_basis, payable=True))
    lines.append(
        StatementLine(
            "performance",
            "performance payment earned",
            p.payment_pence,
            f"{at_stake} p at stake x weighted achievement {p.achievement}"
            + (" - voided: a gateway metric is at or beyond its lower threshold" if p.gateway_failed else "")
            + (f" ({metric_basis})" if metric_basis else ""),
            payable=True,
        )
    )
    risk = risk_share(facts, contract, year, budget_pence, perf.achievement)
    if risk is not None:
        lines.append(
            StatementLine("risk_share", f"{risk.part.kind} gain/risk share: provider", risk.part.provider_pence, risk.basis, payable=True)
        )
        for party in risk.part.parties:
            lines.append(
                StatementLine("risk_share", f"{risk.part.kind} gain/risk share: {party.party} (memo)", party.amount_pence,
                              "the variance not kept or borne by the provider, split by the contract's parties", payable=False)
            )
    cont = contingency_pence(contract, budget_pence) if budget_part else 0
    if budget_part:
        lines.append(
            StatementLine("contingency", "commissioner's contingency reserve (memo)", cont,
                          f"rate {contingency_rate(contract)} x budget {budget_pence} p; held by the commissioner", payable=False)
        )
    deficit = _deficit_line(contract, year)
    if deficit is not None:
        lines.append(deficit)
    total = sum(line.amount_pence for line in lines if line.payable)
    lines.append(StatementLine("total", "total payable to the provider (memo)", total,
                               "sum of the payable lines: budget - withhold + performance payment + risk share - deficit", payable=False))
    return Statement(
        contract=contract.name,
        form=contract.form.value,
        year=year,
        budget=budget_part,
        performance=p,
        risk_share=None if risk is None else risk.part,
        contingency_pence=cont,
        deficit_pence=0 if deficit is None else -deficit.amount_pence,
        total_payable_pence=total,
        lines=tuple(lines),
        extra={"by_practice": _by_practice(facts, year, budget_pence)} if budget_part else {},
    )

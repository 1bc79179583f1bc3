"""The whole-population budget of one contract year (DESIGN section 5, issues 4.1 and 15).

budget(y) = sum over in-scope services s of
    rate_s x WP_y(eligible_s) x growth(y)  +  unregistered allowance
where rate_s = baseline spend on s by eligible practices' patients / baseline WP of
those practices, WP is the weighted population, and growth(y) = product over each year k
after the baseline up to y of (1 + uplift_k) x (1 - efficiency_k).

``uplift`` is growth in funding *per weighted head*: population growth already enters
through WP_y, so an ICB's allocation growth must have its weighted population growth
taken out before it becomes ``uplift`` (docs/money.md).

In a mixed economy ``primary_medical`` is eligible only on the days a practice's
integration is ``full`` (its GPs suspended GMS/PMS); every other line, and the
unregistered allowance, covers every member practice. The primary medical rate comes
from the baseline of the practices that are full on the first contract day (the
baseline counts each practice with its integration on that day); where none is, from
every member practice's baseline primary medical spend, so the rate is never zero for
lack of a full practice at the start.

Each line is split to practices only over the practices it covers, by their weighted
population of those days (largest remainder), and hubs are the sums of their practices,
so practice and hub budgets sum exactly to the budget.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType

from wholepop.contract.model import Contract
from wholepop.money.components import component_of
from wholepop.money.facts import MoneyFacts
from wholepop.money.funders import funder_growth, funder_of, funders, several
from wholepop.money.pence import ONE, allocate, to_pence
from wholepop.money.statement import Section, StatementLine
from wholepop.numbers import gbp, significant
from wholepop.vocab import Integration, Service

__all__ = ["BudgetResult", "budget", "eligible", "growth", "target_growth"]


@dataclass(frozen=True)
class BudgetResult:
    """The budget of one year.

    Attributes:
        total_pence: the budget.
        lines: one payable line per in-scope service, then the unregistered allowance.
        growth: growth(y).
        by_practice: practice code -> (hub, weighted population of the year, pence);
            the pence sum exactly to ``total_pence``.
        by_hub: hub -> (weighted population, pence), the sums of its practices.
        parts: each line's inputs (item, baseline spend in pence, baseline and year
            weighted populations and growth as exact text, None where a line has no
            population), so a workbook can hold each line as a live formula.
        by_funder: funder -> its contribution (``money.funders``), summing to ``total_pence``.
    """

    total_pence: int
    lines: tuple[StatementLine, ...]
    growth: Decimal
    by_practice: Mapping[str, tuple[str, Decimal, int]]
    by_hub: Mapping[str, tuple[Decimal, int]]
    parts: tuple[Mapping[str, object], ...] = ()
    by_funder: Mapping[str, int] = field(default_factory=lambda: MappingProxyType({}))  # funder -> its contribution; sums to total_pence


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


def _split(
    facts: MoneyFacts, year: int, amount: int, who: tuple[str, ...] | None, into: dict[str, list], component=None
) -> None:
    """Add ``amount`` split over the practice rows of ``year`` that ``who`` covers, by weighted
    population (the line's need ``component``, when lines are weighted by component)."""
    rows = [p for p in facts.practices if p.year == year and (who is None or p.integration in who)]
    if not rows:
        if amount:
            rows = [p for p in facts.practices if p.year == year]  # nothing covered: every member
        if not rows:
            return
    weights = [p.weighted_population * facts.component_ratio(p.practice_code, component) for p in rows]
    for p, share in zip(rows, allocate(amount, weights)):
        entry = into.setdefault(p.practice_code, [p.hub, 0])
        entry[1] += share


def budget(facts: MoneyFacts, contract: Contract, year: int) -> BudgetResult:
    """The budget for ``year``: one payable line per in-scope service plus the unregistered allowance."""
    base = contract.contract.baseline_year
    g = growth(contract, year)
    lines = []
    parts: list[dict] = []
    practices: dict[str, list] = {}
    by_funder: dict[str, int] = {f.name: 0 for f in funders(contract)}
    for service in contract.budget_services:
        funder = funder_of(contract, service)
        g_line = funder_growth(contract, funder, year)  # = g, unless a funder sets its own rates
        who = eligible(service)
        full_at_start = who is None or facts.weighted_population(base, who) > 0
        rate_who = who if full_at_start else tuple(i.value for i in Integration)  # every member practice
        component = component_of(contract, service)
        grown = facts.grown(base, year, (service,), g_line, who, rate_who, component)
        by_funder[funder.name] += grown.amount_pence
        scope_note = ""
        if who is not None:
            scope_note = (" (rate from practices with full integration on the first contract day;"
                          if full_at_start else
                          " (no practice full on the first contract day: rate from every member practice;")
            scope_note += " population of the days practices are full)"
        if component is not None:
            scope_note += f" (weighted by the {component.value} component)"
        if several(contract):
            scope_note += f"; funded by {funder.name}"
        lines.append(
            StatementLine(
                section=Section.BUDGET,
                item=service.value,
                amount_pence=grown.amount_pence,
                basis=grown.basis(base, year, service.value) + f" growth (uplift and efficiency over {year - base} years){scope_note}",
                payable=True,
            )
        )
        _split(facts, year, grown.amount_pence, who, practices, component)
        parts.append({"item": service.value, "baseline_spend_pence": grown.base_spend_pence,
                      "baseline_weighted_population": str(grown.base_weighted_population),
                      "weighted_population": str(grown.weighted_population), "growth": str(grown.factor),
                      "amount_pence": grown.amount_pence})
    if contract.budget.unregistered == "baseline" and contract.budget_services:
        for funder in funders(contract):  # one allowance, or one per funder of several
            scoped = [s for s in contract.budget_services if s in funder.lines]
            if several(contract) and not scoped:
                continue
            g_f = funder_growth(contract, funder, year)
            base_unreg = sum(facts.unregistered.get((base, s.value), 0) for s in scoped)
            amount = to_pence(Decimal(base_unreg) * g_f)
            by_funder[funder.name] += amount
            item = "unregistered population allowance" + (f" ({funder.name})" if several(contract) else "")
            lines.append(
                StatementLine(
                    section=Section.BUDGET,
                    item=item,
                    amount_pence=amount,
                    basis=(f"baseline {base} unregistered spend on in-scope services"
                           + (f" {funder.name} funds" if several(contract) else "")
                           + f" {gbp(base_unreg)} x growth {significant(g_f, 12)}; split over every member practice"),
                    payable=True,
                )
            )
            _split(facts, year, amount, None, practices)
            parts.append({"item": item, "baseline_spend_pence": base_unreg,
                          "baseline_weighted_population": None, "weighted_population": None, "growth": str(g_f),
                          "amount_pence": amount})
    wp: dict[str, Decimal] = {}
    for p in facts.practices:
        if p.year == year:
            wp[p.practice_code] = wp.get(p.practice_code, Decimal(0)) + p.weighted_population
    hubs: dict[str, list] = {}
    for code in sorted(practices):
        hub, pence = practices[code]
        h = hubs.setdefault(hub, [Decimal(0), 0])
        h[0] += wp[code]
        h[1] += pence
    return BudgetResult(
        total_pence=sum(line.amount_pence for line in lines),
        lines=tuple(lines),
        growth=g,
        by_practice=MappingProxyType({c: (practices[c][0], wp[c], practices[c][1]) for c in sorted(practices)}),
        by_hub=MappingProxyType({h: (hubs[h][0], hubs[h][1]) for h in sorted(hubs)}),
        parts=tuple(parts),
        by_funder=MappingProxyType(by_funder),
    )

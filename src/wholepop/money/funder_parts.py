"""Each funder's part of a settled year (issue 17 item 4; the rules in ``money.funders``).

With several funders each share is run on each funder's own lines (caps x its
contribution), its ``commissioner`` party renamed to the funder; each funder keeps its own
reserve on its contribution; and what each pays (its contribution + the provider's acute
share on its lines + the system share adjustment on its lines + the performance element
for the first funder) sums exactly to the total payable.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

from wholepop.contract.model import Contract
from wholepop.money.acute_payment import AcuteCash
from wholepop.money.contingency import provider_holds_all_risk
from wholepop.money.facts import MoneyFacts
from wholepop.money.funders import COMMISSIONER, FunderView, funders
from wholepop.money.pence import to_pence
from wholepop.money.risk import RiskResult, risk_share, system_share
from wholepop.money.statement import PartyShare, Section, StatementLine

__all__ = ["FunderPart", "FunderShares", "funder_lines", "funder_parts", "funder_shares", "funders_extra"]



@dataclass(frozen=True)
class FunderPart:
    """One funder's part of a settled year (pence)."""

    name: str
    lines: tuple[str, ...]
    contribution_pence: int
    acute_share_pence: int  # the provider's acute share on its lines (what it pays for it)
    system_adjustment_pence: int  # the system share adjustment on its lines (payable)
    performance_pence: int  # - withhold + payment (the first funder's)
    party_pence: int  # its own part of the variance on its lines (+ it gains)
    contingency_pence: int
    contingency_basis: str

    @property
    def pays_pence(self) -> int:
        return self.contribution_pence + self.acute_share_pence + self.system_adjustment_pence + self.performance_pence


@dataclass(frozen=True)
class FunderShares:
    """The shares run per funder, and the whole (as one acute and one system result)."""

    acute: RiskResult | None
    system: RiskResult | None
    acute_by_funder: Mapping[str, RiskResult]
    system_by_funder: Mapping[str, RiskResult]


def _renamed(result: RiskResult, party: str) -> RiskResult:
    parts = tuple(PartyShare(party if p.party == COMMISSIONER else p.party, p.amount_pence) for p in result.part.parties)
    return dataclasses.replace(result, part=dataclasses.replace(result.part, parties=parts))


def _combined(results: list[tuple[FunderView, RiskResult]]) -> RiskResult | None:
    if not results:
        return None
    parties: dict[str, int] = {}
    for _, r in results:
        for p in r.part.parties:
            parties[p.party] = parties.get(p.party, 0) + p.amount_pence
    first = results[0][1]
    part = dataclasses.replace(
        first.part,
        target_pence=sum(r.part.target_pence for _, r in results),
        actual_pence=sum(r.part.actual_pence for _, r in results),
        variance_pence=sum(r.part.variance_pence for _, r in results),
        provider_pence=sum(r.part.provider_pence for _, r in results),
        parties=tuple(PartyShare(n, a) for n, a in parties.items()),
    )
    cash = None
    if all(r.cash is not None for _, r in results):
        cs = [r.cash for _, r in results]
        cash = AcuteCash(*(sum(getattr(c, f.name) for c in cs) for f in dataclasses.fields(AcuteCash) if f.name != "basis"),
                         basis="; ".join(c.basis for c in cs))
    return RiskResult(
        part=part, share=first.share, cash=cash,
        basis=" | ".join(f"{f.name}'s lines: {r.basis}" for f, r in results),
        payable_pence=sum(r.payable_pence for _, r in results),
    )


def funder_shares(
    facts: MoneyFacts, contract: Contract, year: int, by_funder: Mapping[str, int], budget_pence: int, achievement: Decimal
) -> FunderShares:
    """Each share run on each funder's own lines (caps x its contribution, or x the budget
    for a funder that contributes nothing), its commissioner party renamed to the funder."""
    acute, system = [], []
    basis = set(contract.risk_share.basis) if contract.risk_share is not None else set()
    for f in funders(contract):
        cap_base = by_funder.get(f.name, 0) or budget_pence
        mine = tuple(s for s in (contract.risk_share.basis if contract.risk_share else ()) if s in f.lines)
        if mine and basis:
            r = risk_share(facts, contract, year, cap_base, achievement, mine)
            if r is not None:
                acute.append((f, _renamed(r, f.party)))
        if any(s in f.lines for s in contract.budget_services):
            r = system_share(facts, contract, year, by_funder.get(f.name, 0), achievement, f.lines)
            if r is not None:
                system.append((f, _renamed(r, f.party)))
    return FunderShares(
        acute=_combined(acute), system=_combined(system),
        acute_by_funder=MappingProxyType({f.name: r for f, r in acute}),
        system_by_funder=MappingProxyType({f.name: r for f, r in system}),
    )


def funder_parts(
    contract: Contract, by_funder: Mapping[str, int], shares: FunderShares, performance_pence: int
) -> tuple[FunderPart, ...]:
    """Each funder's contribution, what it pays, its part of the variance and its reserve;
    what they pay sums to the total payable (``Statement`` checks the payable lines)."""
    out = []
    for f in funders(contract):
        contribution = by_funder.get(f.name, 0)
        a = shares.acute_by_funder.get(f.name)
        s = shares.system_by_funder.get(f.name)
        party = sum(p.amount_pence for r in (a, s) if r is not None for p in r.part.parties if p.party == f.party)
        funded = tuple(line for line in f.lines if line in contract.contingency.commissioner_funds) if f.first else f.lines
        holds, why = provider_holds_all_risk(contract, funded)
        rate = f.terms.contingency if f.terms.contingency is not None else contract.contingency.rate
        if holds:
            cont, cont_basis = 0, f"zero: {why.replace('the commissioner funds', f'{f.name} funds')}"
        else:
            cont = to_pence(rate * Decimal(contribution))
            cont_basis = f"rate {rate} x its contribution {contribution} p, since {why}"
        out.append(FunderPart(
            name=f.name, lines=tuple(s.value for s in f.lines if s in contract.budget_services),
            contribution_pence=contribution,
            acute_share_pence=0 if a is None else a.payable_pence,
            system_adjustment_pence=0 if s is None else s.payable_pence,
            performance_pence=performance_pence if f.first else 0,
            party_pence=party, contingency_pence=cont, contingency_basis=cont_basis,
        ))
    return tuple(out)


def funder_lines(parts: tuple[FunderPart, ...]) -> tuple[StatementLine, ...]:
    """Memo lines: each funder's contribution, what it pays, its part of the variance, its reserve."""
    out = []
    for p in parts:
        out += [
            StatementLine(Section.MEMO, f"funder {p.name}: contribution to the budget (memo)", p.contribution_pence,
                          f"its lines {', '.join(p.lines) or '(none in the budget)'} and their unregistered allowance"),
            StatementLine(Section.MEMO, f"funder {p.name}: pays the provider (memo)", p.pays_pence,
                          f"contribution {p.contribution_pence} p + acute share on its lines {p.acute_share_pence} p"
                          f" + system share adjustment {p.system_adjustment_pence} p + performance element {p.performance_pence} p"),
            StatementLine(Section.MEMO, f"funder {p.name}: its part of the variance on its lines (memo)", p.party_pence,
                          "the variance the provider does not keep or bear, on this funder's lines (+ it gains)"),
            StatementLine(Section.MEMO, f"funder {p.name}: contingency reserve (memo)", p.contingency_pence, p.contingency_basis),
        ]
    return tuple(out)


def funders_extra(parts: tuple[FunderPart, ...]) -> list[dict[str, object]]:
    """The statement's ``extra["funders"]``."""
    return [
        {"name": p.name, "lines": list(p.lines), "contribution_pence": p.contribution_pence, "pays_pence": p.pays_pence,
         "acute_share_pence": p.acute_share_pence, "system_adjustment_pence": p.system_adjustment_pence,
         "performance_pence": p.performance_pence, "party_pence": p.party_pence, "contingency_pence": p.contingency_pence}
        for p in parts
    ]

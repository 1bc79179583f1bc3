"""The settled statement: one immutable value, its lines, and its JSON.

A statement is checked when it is built: the lines marked ``payable`` add up, to the
penny, to ``total_payable_pence``; budget instalments and hub allocations add up to the
budget. Every line carries its basis, the numbers and formula it came from, so a finance
analyst can recompute it by hand.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = [
    "BudgetPart",
    "MetricResult",
    "PartyShare",
    "PerformancePart",
    "RiskSharePart",
    "Statement",
    "StatementError",
    "StatementLine",
]


class StatementError(ValueError):
    """A statement that does not add up: always a bug, never a user error."""


@dataclass(frozen=True)
class StatementLine:
    """One line of the statement.

    Attributes:
        section: budget, performance, risk_share, contingency, deficit, total, ...
        item: what the line is, in a finance reader's words.
        amount_pence: whole pence; + is paid to the provider.
        basis: the inputs and formula that produce the amount.
        payable: whether the line adds to ``total_payable_pence`` (memo lines do not).
    """

    section: str
    item: str
    amount_pence: int
    basis: str
    payable: bool = False


@dataclass(frozen=True)
class HubBudget:
    hub: str
    weighted_population: str  # Decimal as text: exact, JSON-safe
    budget_pence: int


@dataclass(frozen=True)
class BudgetPart:
    total_pence: int
    by_hub: tuple[HubBudget, ...]
    instalments_pence: tuple[int, ...]


@dataclass(frozen=True)
class MetricResult:
    id: str
    value: str | None  # Decimal as text
    lower: str
    upper: str
    weight: str
    achievement: str
    gateway: bool
    source: str  # "computed" or "measures"


@dataclass(frozen=True)
class PerformancePart:
    at_stake_pence: int
    achievement: str
    payment_pence: int
    mode: str
    gateway_failed: bool
    metrics: tuple[MetricResult, ...]


@dataclass(frozen=True)
class PartyShare:
    party: str
    amount_pence: int  # + = the party gains (receives), - = it bears a loss


@dataclass(frozen=True)
class RiskSharePart:
    kind: str  # "acute" or "system"
    target_pence: int
    actual_pence: int
    variance_pence: int  # target - actual: + = under target (a gain)
    provider_pence: int  # + = paid to the provider, - = owed by it
    parties: tuple[PartyShare, ...]


@dataclass(frozen=True)
class Statement:
    """A settled contract year (the JSON of ``wholepop settle``)."""

    contract: str
    form: str
    year: int
    budget: BudgetPart | None
    performance: PerformancePart
    risk_share: RiskSharePart | None
    contingency_pence: int
    deficit_pence: int
    total_payable_pence: int
    lines: tuple[StatementLine, ...]
    extra: dict[str, Any] = field(default_factory=dict)  # form-specific detail (e.g. MSSP steps)

    def __post_init__(self) -> None:
        payable = sum(line.amount_pence for line in self.lines if line.payable)
        if payable != self.total_payable_pence:
            raise StatementError(
                f"payable lines sum to {payable} pence, total payable is {self.total_payable_pence}"
            )
        if self.budget is not None:
            if sum(self.budget.instalments_pence) != self.budget.total_pence:
                raise StatementError("budget instalments do not sum to the budget")
            if self.budget.by_hub and sum(h.budget_pence for h in self.budget.by_hub) != self.budget.total_pence:
                raise StatementError("hub budgets do not sum to the budget")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def to_json(self) -> str:
        """Canonical JSON: the same statement always gives the same bytes."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "Statement":
        budget = d["budget"]
        if budget is not None:
            budget = BudgetPart(
                total_pence=budget["total_pence"],
                by_hub=tuple(HubBudget(**h) for h in budget["by_hub"]),
                instalments_pence=tuple(budget["instalments_pence"]),
            )
        p = d["performance"]
        performance = PerformancePart(
            **{**p, "metrics": tuple(MetricResult(**m) for m in p["metrics"])}
        )
        rs = d["risk_share"]
        if rs is not None:
            rs = RiskSharePart(**{**rs, "parties": tuple(PartyShare(**x) for x in rs["parties"])})
        return cls(
            **{
                **d,
                "budget": budget,
                "performance": performance,
                "risk_share": rs,
                "lines": tuple(StatementLine(**line) for line in d["lines"]),
            }
        )

    @classmethod
    def from_json(cls, text: str) -> "Statement":
        return cls.from_dict(json.loads(text))

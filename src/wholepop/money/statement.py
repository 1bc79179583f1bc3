"""The settled statement: one immutable value, its lines, and its JSON.

A statement is checked when it is built: the lines marked ``payable`` add up, to the
penny, to ``total_payable_pence``; budget instalments and hub allocations add up to the
budget. Every line carries its basis, the numbers and formula it came from, so a finance
analyst can recompute it by hand.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields, is_dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any

__all__ = [
    "BudgetPart",
    "HubBudget",
    "MetricResult",
    "PartyShare",
    "PerformancePart",
    "PracticeBudget",
    "ProviderPosition",
    "RiskSharePart",
    "Section",
    "Statement",
    "StatementError",
    "StatementLine",
]


class Section(StrEnum):
    """The sections of a statement, in the order they appear."""

    BUDGET = "budget"
    PERFORMANCE = "performance"
    RISK_SHARE = "risk_share"
    MSSP = "mssp"
    CONTINGENCY = "contingency"
    DEFICIT = "deficit"
    TOTAL = "total"
    PROVIDER = "provider"
    MEMO = "memo"  # a note outside the sections above (e.g. the population a statement was settled for)


class StatementError(ValueError):
    """A statement that does not add up: always a bug, never a user error."""


@dataclass(frozen=True)
class StatementLine:
    """One line of the statement.

    Attributes:
        section: a ``Section`` (text given is checked against it).
        item: what the line is, in a finance reader's words.
        amount_pence: whole pence; + is paid to the provider.
        basis: the inputs and formula that produce the amount.
        payable: whether the line adds to ``total_payable_pence`` (memo lines do not).
    """

    section: Section
    item: str
    amount_pence: int
    basis: str
    payable: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "section", Section(self.section))


@dataclass(frozen=True)
class HubBudget:
    hub: str
    weighted_population: str  # Decimal as text: exact, JSON-safe
    budget_pence: int


@dataclass(frozen=True)
class PracticeBudget:
    practice_code: str
    hub: str
    weighted_population: str  # Decimal as text: the practice's whole year
    budget_pence: int  # its share of each line it is covered by, on the days it is covered


@dataclass(frozen=True)
class BudgetPart:
    total_pence: int
    by_hub: tuple[HubBudget, ...]
    instalments_pence: tuple[int, ...]
    by_practice: tuple[PracticeBudget, ...] = ()


@dataclass(frozen=True)
class ProviderPosition:
    """The provider's own surplus or deficit for the year (issue 16 item 2).

    ``surplus_pence = payable_pence - in_scope_cost_pence - deficit_repayment_pence``:
    what the commissioner pays it, less what its population's care on its scope lines
    cost, less what it repays on transferred deficits. Forms without a budget
    (``virtual``, ``aco``) have no in-scope cost: their position is what the sharing pays.
    Levers cost nothing in a settled year. ``money.position.provider_position`` makes it.
    """

    payable_pence: int
    in_scope_cost_pence: int
    deficit_repayment_pence: int
    surplus_pence: int  # + surplus, - deficit
    basis: str

    def __post_init__(self) -> None:
        if self.surplus_pence != self.payable_pence - self.in_scope_cost_pence - self.deficit_repayment_pence:
            raise StatementError("provider surplus is not payable - in-scope cost - deficit repayment")


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
    kind: str  # "acute", "system" (pacs: target = budget, actual = in-scope spend) or "mssp"
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
    deficit_pence: int  # the provider's deficit repayment this year (to its creditor; not in the payable)
    total_payable_pence: int
    lines: tuple[StatementLine, ...]
    extra: Mapping[str, Any] = field(default_factory=dict)  # form-specific detail (e.g. MSSP steps), frozen
    provider_position: ProviderPosition | None = None  # the provider's own surplus or deficit (money.position)
    system_share: RiskSharePart | None = None  # a pacs's share of its surplus or deficit with the commissioner

    def __post_init__(self) -> None:
        object.__setattr__(self, "extra", _freeze(self.extra))
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
            if self.budget.by_practice and sum(p.budget_pence for p in self.budget.by_practice) != self.budget.total_pence:
                raise StatementError("practice budgets do not sum to the budget")
        if self.provider_position is not None and self.provider_position.payable_pence != self.total_payable_pence:
            raise StatementError("the provider position does not start from the total payable")

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "extra":
                value = _thaw(value)
            elif f.name == "lines":
                value = [{**asdict(line), "section": str(line.section)} for line in value]
            elif is_dataclass(value):
                value = asdict(value)
            out[f.name] = value
        return out

    def to_json(self) -> str:
        """Canonical JSON: the same statement always gives the same bytes."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Statement:
        budget = d["budget"]
        if budget is not None:
            budget = BudgetPart(
                total_pence=budget["total_pence"],
                by_hub=tuple(HubBudget(**h) for h in budget["by_hub"]),
                instalments_pence=tuple(budget["instalments_pence"]),
                by_practice=tuple(PracticeBudget(**p) for p in budget.get("by_practice", ())),
            )
        p = d["performance"]
        performance = PerformancePart(
            **{**p, "metrics": tuple(MetricResult(**m) for m in p["metrics"])}
        )
        rs = d["risk_share"]
        if rs is not None:
            rs = RiskSharePart(**{**rs, "parties": tuple(PartyShare(**x) for x in rs["parties"])})
        position = d.get("provider_position")  # absent from statements stored before issues 15 and 16
        ss = d.get("system_share")
        if ss is not None:
            ss = RiskSharePart(**{**ss, "parties": tuple(PartyShare(**x) for x in ss["parties"])})
        return cls(
            **{
                **d,
                "budget": budget,
                "performance": performance,
                "risk_share": rs,
                "lines": tuple(StatementLine(**line) for line in d["lines"]),
                "provider_position": None if position is None else ProviderPosition(**position),
                "system_share": ss,
            }
        )

    @classmethod
    def from_json(cls, text: str) -> Statement:
        return cls.from_dict(json.loads(text))


def _freeze(value: Any) -> Any:
    """JSON-like data made immutable: dicts become read-only mappings, lists tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({k: _freeze(v) for k, v in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    """The JSON form of ``_freeze``'d data (plain dicts and lists)."""
    if isinstance(value, Mapping):
        return {k: _thaw(v) for k, v in value.items()}
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    return value

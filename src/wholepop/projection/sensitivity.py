"""What moves the result: each assumption and contract term moved by a stated amount.

On the deterministic path (levers at their midpoints, no noise), each scenario
assumption and contract term is moved down and up by the amount in ``MOVES`` (a lever:
to the low and the high end of its range), everything else held, and the provider's and
the commissioner's positions are summed over the term. Rows are ranked by the swing of
the provider's position (|high - low|): the tornado chart's order. Years already settled
from data do not move (they happened); only projected years do.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from wholepop.contract.model import Band, Contract
from wholepop.money.facts import MoneyFacts
from wholepop.projection.base import ProjectionBase
from wholepop.projection.deterministic import project, share_terms
from wholepop.projection.scenario import Scenario
from wholepop.vocab import Form

__all__ = ["MOVES", "Sensitivity", "SensitivityRow", "sensitivity"]

ZERO, ONE = Decimal(0), Decimal(1)

# How far each assumption is moved each way (rates in absolute terms: 0.005 = 0.5 points).
MOVES: dict[str, Decimal] = {
    "budget uplift": Decimal("0.005"),
    "efficiency requirement": Decimal("0.005"),
    "cost trend (every line)": Decimal("0.005"),
    "performance achievement": Decimal("0.10"),
    "gain/risk share target growth": Decimal("0.005"),
    "gain/risk share corridor": Decimal("0.01"),
    "gain/risk share caps": Decimal("0.01"),
    "provider's share of the variance": Decimal("0.10"),
    "net migration": Decimal("0.002"),
}


@dataclass(frozen=True)
class SensitivityRow:
    """One assumption moved down and up: positions summed over the term, pence."""

    name: str
    low_label: str
    high_label: str
    provider_low_pence: int
    provider_high_pence: int
    commissioner_low_pence: int
    commissioner_high_pence: int

    @property
    def provider_swing_pence(self) -> int:
        return abs(self.provider_high_pence - self.provider_low_pence)


@dataclass(frozen=True)
class Sensitivity:
    """The base case and each move, ranked by the provider's swing (largest first)."""

    provider_base_pence: int
    commissioner_base_pence: int
    rows: tuple[SensitivityRow, ...]


def _pts(d: Decimal) -> str:
    """A rate move in percentage points: 0.005 -> '0.5 pts'."""
    return f"{float(d * 100):g} pts"


def _clip(x: Decimal, lo: Decimal = ZERO, hi: Decimal = ONE) -> Decimal:
    return min(max(x, lo), hi)


def _rate(value, delta: Decimal):
    return tuple(v + delta for v in value) if isinstance(value, tuple) else value + delta


def _with_budget(c: Contract, key: str, delta: Decimal) -> Contract:
    return c.model_copy(update={"budget": c.budget.model_copy(update={key: _rate(getattr(c.budget, key), delta)})})


def _with_share(c: Contract, update: Callable) -> Contract | None:
    shared = share_terms(c)
    if shared is None:
        return None
    terms = shared[0]
    moved = terms.model_copy(update=update(terms))
    return c.model_copy(update={"system_share" if c.rules_form is Form.PACS else "risk_share": moved})


def _moves(contract: Contract, scenario: Scenario) -> Iterator[tuple[str, str, str, tuple, tuple]]:
    """(name, low label, high label, (contract, scenario) low, (contract, scenario) high) for each move."""
    sc = scenario
    d = MOVES["budget uplift"]
    yield ("budget uplift", f"-{_pts(d)}", f"+{_pts(d)}",
           (_with_budget(contract, "uplift", -d), sc), (_with_budget(contract, "uplift", d), sc))
    d = MOVES["efficiency requirement"]
    yield ("efficiency requirement", f"-{_pts(d)}", f"+{_pts(d)}",
           (_with_budget(contract, "efficiency", -d), sc), (_with_budget(contract, "efficiency", d), sc))
    d = MOVES["cost trend (every line)"]

    def trend(delta):
        t = sc.trend
        return sc.model_copy(update={"trend": t.model_copy(update={
            "rate": t.rate + delta, "services": {k: v + delta for k, v in t.services.items()}})})
    yield ("cost trend (every line)", f"-{_pts(d)}", f"+{_pts(d)}", (contract, trend(-d)), (contract, trend(d)))
    d = MOVES["performance achievement"]

    def achieve(delta):
        return sc.model_copy(update={"scenario": sc.scenario.model_copy(update={
            "expected_achievement": _clip(sc.scenario.expected_achievement + delta)})})
    yield ("performance achievement", f"-{d}", f"+{d}", (contract, achieve(-d)), (contract, achieve(d)))
    d = MOVES["net migration"]

    def migrate(delta):
        p = sc.population
        return sc.model_copy(update={"population": p.model_copy(update={
            "net_migration": max(p.net_migration + delta, -p.leaving_rate)})})
    yield ("net migration", f"-{_pts(d)}", f"+{_pts(d)}", (contract, migrate(-d)), (contract, migrate(d)))
    for i, lever in enumerate(sc.levers):  # a handful of levers
        def at(value, i=i):
            levers = list(sc.levers)
            levers[i] = levers[i].model_copy(update={"effect": (value, value)})
            return sc.model_copy(update={"levers": tuple(levers)})
        yield (f"lever: {lever.name}", f"effect {lever.low}", f"effect {lever.high}",
               (contract, at(lever.low)), (contract, at(lever.high)))
    shared = share_terms(contract)
    if shared is None:
        return
    terms = shared[0]
    if contract.rules_form is not Form.PACS:
        d = MOVES["gain/risk share target growth"]
        yield ("gain/risk share target growth", f"-{_pts(d)}", f"+{_pts(d)}",
               (_with_share(contract, lambda t: {"target_growth": t.target_growth - d}), sc),
               (_with_share(contract, lambda t: {"target_growth": t.target_growth + d}), sc))
    d = MOVES["gain/risk share corridor"]
    yield ("gain/risk share corridor", f"{float(_clip(terms.corridor - d)):g}", f"{float(_clip(terms.corridor + d)):g}",
           (_with_share(contract, lambda t: {"corridor": _clip(t.corridor - d)}), sc),
           (_with_share(contract, lambda t: {"corridor": _clip(t.corridor + d)}), sc))
    if terms.cap_gain is not None or terms.cap_loss is not None:
        d = MOVES["gain/risk share caps"]

        def caps(delta):
            return lambda t: {
                "cap_gain": None if t.cap_gain is None else _clip(t.cap_gain + delta),
                "cap_loss": None if t.cap_loss is None else _clip(t.cap_loss + delta),
            }
        yield ("gain/risk share caps", f"-{_pts(d)}", f"+{_pts(d)}",
               (_with_share(contract, caps(-d)), sc), (_with_share(contract, caps(d)), sc))
    d = MOVES["provider's share of the variance"]

    def bands(delta):
        return lambda t: {"bands": tuple(Band(upto=b.upto, provider_share=_clip(b.provider_share + delta)) for b in t.bands)}
    yield ("provider's share of the variance", f"-{d}", f"+{d}",
           (_with_share(contract, bands(-d)), sc), (_with_share(contract, bands(d)), sc))


def _totals(base: ProjectionBase, contract: Contract, scenario: Scenario, settled: MoneyFacts | None) -> tuple[int, int]:
    p = project(base, contract, scenario, settled)
    return sum(y.provider_position_pence for y in p.years), sum(y.commissioner_position_pence for y in p.years)


def sensitivity(
    base: ProjectionBase,
    contract: Contract,
    scenario: Scenario,
    settled: MoneyFacts | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Sensitivity:
    """Each move of ``MOVES`` (and each lever's range) on the deterministic path, ranked by the provider's swing."""
    provider0, commissioner0 = _totals(base, contract, scenario, settled)
    moves = list(_moves(contract, scenario))
    rows = []
    for i, (name, low_label, high_label, low, high) in enumerate(moves):  # a dozen moves
        pl, cl = _totals(base, *low, settled)
        ph, ch = _totals(base, *high, settled)
        rows.append(SensitivityRow(name, low_label, high_label, pl, ph, cl, ch))
        if progress is not None:
            progress(i + 1, len(moves))
    rows.sort(key=lambda r: (-r.provider_swing_pence, r.name))
    return Sensitivity(provider0, commissioner0, tuple(rows))

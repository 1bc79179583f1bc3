"""Tiny hand-built statements and provenances for the ledger tests (and their subprocesses).

Kept free of pytest so the crash and concurrency writer scripts can import it too.
"""

from __future__ import annotations

from wholepop.ledger import InputHash, Provenance
from wholepop.money.statement import PerformancePart, Statement, StatementLine

CONTRACT_TEXT = '[contract]\nname = "northfield"\n'


def statement(year: int = 2027, amounts: tuple[int, ...] = (1_000_000, 250_050), contract: str = "northfield") -> Statement:
    """A statement whose payable lines are ``amounts`` (pence), plus one memo line."""
    lines = tuple(
        StatementLine("budget", f"instalment {i}", a, f"budget / 12 x {i}", payable=True) for i, a in enumerate(amounts, start=1)
    ) + (StatementLine("memo", "population", 123_456, "registered list, weighted", payable=False),)
    return Statement(
        contract=contract,
        form="full",
        year=year,
        budget=None,
        performance=PerformancePart(
            at_stake_pence=0, achievement="0", payment_pence=0, mode="none", gateway_failed=False, metrics=()
        ),
        risk_share=None,
        contingency_pence=0,
        deficit_pence=0,
        total_payable_pence=sum(amounts),
        lines=lines,
    )


def provenance(activity: str = "a", contract_text: str = CONTRACT_TEXT, engine: str = "0.1.0") -> Provenance:
    """A provenance whose activity file hash is ``activity`` repeated (a stand-in for real bytes)."""
    import hashlib

    return Provenance(
        inputs=(InputHash("activity", (activity * 64)[:64]), InputHash("registrations", "r" * 64)),
        contract_hash=hashlib.sha256(contract_text.encode()).hexdigest(),
        contract_text=contract_text,
        engine_version=engine,
    )

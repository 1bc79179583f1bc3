"""Settling an ``aco`` contract year on our own data: the ``Statement`` ``wholepop settle`` prints.

benchmark per person-year = the contract's, or the baseline year's spend per person-year
trended to the year; actual = the year's spend per person-year; person-years = the
registered population's person-months / 12. Spend is every service line: Medicare's
Parts A and B fee-for-service spending stands for the whole of it. The MSSP rules then
give the earned savings (or losses owed), the only payable line: an ACO keeps its
fee-for-service income, so there is no budget, and the rest of the variance stays with
the payer (Medicare).
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.contract.model import Contract
from wholepop.contract.mssp_rules import track_rules
from wholepop.contract.mssp_terms import mssp_terms
from wholepop.errors import UserError
from wholepop.money.facts import MoneyFacts
from wholepop.money.mssp.settle import benchmark_per_capita, settle_aco_outcome
from wholepop.money.statement import PartyShare, PerformancePart, RiskSharePart, Statement, StatementLine
from wholepop.vocab import Service

__all__ = ["settle_aco_year"]


def settle_aco_year(facts: MoneyFacts, contract: Contract, year: int) -> Statement:
    """The settled statement of an ``aco`` contract's year ``year``.

    Reads: ``facts`` for the baseline year and ``year`` (person-months, spend on every line).

    Raises:
        ValueError: ``year`` is not a contract year (the CLI checks this first).
        UserError: no population in the baseline year or in ``year``.
        ContractError: the ``[mssp]`` table is invalid.
    """
    if year not in contract.contract.years:
        raise ValueError(f"{year} is not a contract year of {contract.name}")
    terms = mssp_terms(contract)
    base = contract.contract.baseline_year
    services = tuple(Service)
    base_years = facts.person_months(base) / 12
    person_years = facts.person_months(year) / 12
    if not base_years or not person_years:
        raise UserError(f"no registered population in {'the baseline year ' + str(base) if not base_years else str(year)}")
    base_spend = facts.spend_on(base, services)
    spend = facts.spend_on(year, services)
    baseline_pc = Decimal(base_spend) / 100 / base_years
    bench_pc, bench_basis = benchmark_per_capita(contract, baseline_pc, year=year)
    actual_pc = Decimal(spend) / 100 / person_years
    lines, outcome = settle_aco_outcome(contract, bench_pc, actual_pc, person_years)
    benchmark, expenditure = lines[0].amount_pence, lines[1].amount_pence
    lines = (
        StatementLine("mssp", "baseline spend (memo)", base_spend,
                      f"baseline {base}: spend on every service line over {base_years} person-years = {baseline_pc} per person-year; {bench_basis}"),
        *lines,
    )
    earned = outcome.earned_pence
    total = StatementLine("total", "total payable to the ACO (memo)", earned,
                          "the earned shared savings (+) or shared losses owed (-); fee-for-service income is outside the statement")
    factor = outcome.final_share_rate / track_rules(terms.track).max_share
    return Statement(
        contract=contract.name,
        form=contract.form.value,
        year=year,
        budget=None,
        performance=PerformancePart(
            at_stake_pence=0, achievement=str(factor), payment_pence=0, mode="bonus", gateway_failed=False, metrics=(),
        ),
        risk_share=RiskSharePart(
            kind="mssp",
            target_pence=benchmark,
            actual_pence=expenditure,
            variance_pence=outcome.gross_pence,
            provider_pence=earned,
            parties=(PartyShare(party="medicare", amount_pence=outcome.gross_pence - earned),),
        ),
        contingency_pence=0,
        deficit_pence=0,
        total_payable_pence=earned,
        lines=(*lines, total),
        extra={
            "mssp": {
                "track": terms.track.value,
                "performance_year": terms.performance_year,
                "savings_rate": str(outcome.savings_rate),
                "gate_met": outcome.gate_met,
                "generated_pence": outcome.generated_pence,
                "final_share_rate": str(outcome.final_share_rate),
                "loss_rate": str(outcome.loss_rate),
                "reduced_savings": outcome.reduced_savings,
                "shared_pence": outcome.shared_pence,
                "disaster_pence": outcome.disaster_pence,
                "steps": [list(step) for step in outcome.steps],
            }
        },
    )

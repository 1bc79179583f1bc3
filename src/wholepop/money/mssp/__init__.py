"""The US Medicare Shared Savings Program (the ``aco`` form): rules as data, settlement, CMS files.

Public surface: ``mssp_terms(contract)`` validates a contract's ``[mssp]`` table;
``settle_aco(contract, benchmark_pc, actual_pc, person_years)`` settles it into statement
lines; ``settle_mssp(AcoYear)`` is the arithmetic on totals; ``reconcile(path, year)``
recomputes a CMS per-ACO results file, whose layout ``recognise(header)`` finds among
``layouts.LAYOUTS``. The rules themselves are tables in ``rules``.
"""

from wholepop.contract.mssp_rules import QualityRegime, Track, pay_for_reporting, track_rules, variable_msr, year_rules
from wholepop.contract.mssp_terms import MsspTerms, mssp_terms
from wholepop.money.mssp.layouts import LAYOUTS, Layout, recognise
from wholepop.money.mssp.puf import ReconcileRow, Reconciliation, Status, reconcile, reconcile_text
from wholepop.money.mssp.settle import AcoYear, MsspOutcome, benchmark_per_capita, resolve_msr, settle_aco, settle_mssp

__all__ = [
    "LAYOUTS",
    "AcoYear",
    "Layout",
    "MsspOutcome",
    "MsspTerms",
    "QualityRegime",
    "Status",
    "Reconciliation",
    "ReconcileRow",
    "Track",
    "benchmark_per_capita",
    "mssp_terms",
    "pay_for_reporting",
    "recognise",
    "reconcile",
    "reconcile_text",
    "resolve_msr",
    "settle_aco",
    "settle_mssp",
    "track_rules",
    "variable_msr",
    "year_rules",
]

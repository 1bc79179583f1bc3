"""Money: budget -> performance -> gain/risk share -> contingency -> the settled statement.

Public surface: ``settle(inputs, contract, year)`` runs the earlier stages and returns the
``Statement``; ``settle_year(facts, contract, year)`` applies the rules to facts already
aggregated (what the golden tests call directly).
"""

from wholepop.money.facts import MoneyFacts, PracticeYear, gather_facts
from wholepop.money.settle import settle_year
from wholepop.money.statement import Statement, StatementLine

__all__ = ["MoneyFacts", "PracticeYear", "Statement", "StatementLine", "gather_facts", "settle_year"]

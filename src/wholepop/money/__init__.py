"""Money: budget -> performance -> gain/risk share -> contingency -> the settled statement.

Public surface: ``gather_facts(...)`` reduces the patient-level tables to ``MoneyFacts``
(the only relational step), and ``settle_year(facts, contract, year)`` applies the rules
and returns the ``Statement`` (what the golden tests call directly). ``wholepop.pipeline``
runs the stages in order and calls both.
"""

from wholepop.money.facts import MoneyFacts, PracticeYear, gather_facts
from wholepop.money.settle import settle_year
from wholepop.money.statement import Statement, StatementLine

__all__ = ["MoneyFacts", "PracticeYear", "Statement", "StatementLine", "gather_facts", "settle_year"]

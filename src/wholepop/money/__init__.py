"""Money: budget -> performance -> gain/risk share -> contingency -> the settled statement.

Public surface: ``gather_facts(...)`` reduces the patient-level tables to ``MoneyFacts``
(the only relational step), and ``settle(facts, contract, year)`` applies the rules of
the contract's form and returns the ``Statement`` (what the golden tests call directly),
with the provider's own position (``Statement.provider_position``, ``money.position``).
``wholepop.pipeline`` runs the stages in order and calls both.
"""

from wholepop.money.facts import GrownSpend, MoneyFacts, PracticeYear, gather_facts
from wholepop.money.position import provider_in_scope_cost, provider_position
from wholepop.money.settle import settle
from wholepop.money.statement import ProviderPosition, Section, Statement, StatementLine

__all__ = [
    "GrownSpend",
    "MoneyFacts",
    "PracticeYear",
    "ProviderPosition",
    "Section",
    "Statement",
    "StatementLine",
    "gather_facts",
    "provider_in_scope_cost",
    "provider_position",
    "settle",
]

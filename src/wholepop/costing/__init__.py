"""The costing stage: attributed spend per person, year and service line.

Public surface: ``cost`` (the stage's table), ``unregistered`` (spend on the unregistered
population), and the spend-concentration summaries ``concentration`` and ``lorenz``.
"""

from wholepop.costing.concentration import Concentration, concentration, lorenz
from wholepop.costing.spend import cost, unregistered

__all__ = ["Concentration", "concentration", "cost", "lorenz", "unregistered"]

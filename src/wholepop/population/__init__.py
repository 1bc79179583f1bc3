"""The population stage: who counts, for how long, with which practice, and at what need.

Public surface: ``counted_spans`` (the days each person counts, shared with costing),
``person_months`` (the stage's table) and ``unattributed`` (activity that no counted day
explains). The rules live in ``spans`` (membership, baseline, death and exit), ``months``
(person-month arithmetic, age bands) and ``weights`` (need weighting).
"""

from wholepop.population.count import person_months, unattributed
from wholepop.population.spans import counted_spans

__all__ = ["counted_spans", "person_months", "unattributed"]

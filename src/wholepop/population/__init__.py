"""The population stage: who counts, for how long, with which practice, and at what need.

Public surface: ``person_months`` (the stage's table) and ``unattributed`` (activity that
no counted day explains). The rules live in ``spans`` (membership, baseline, death and
exit), ``months`` (person-month arithmetic, age bands) and ``weights`` (need weighting).
"""

from wholepop.population.count import person_months, unattributed

__all__ = ["person_months", "unattributed"]

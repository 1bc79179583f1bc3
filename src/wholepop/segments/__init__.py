"""The segmentation stage: care-model level and need score per person-year.

Public surface: ``segment`` (the stage's table), ``prospective_power`` (how well the
very-high-needs cohort predicts next year's cost) and ``caseload`` (the restricted
extensive-care list per hub). The formula is documented in ``levels`` and docs/segments.md.
"""

from wholepop.segments.levels import ProspectivePower, caseload, prospective_power, segment

__all__ = ["ProspectivePower", "caseload", "prospective_power", "segment"]

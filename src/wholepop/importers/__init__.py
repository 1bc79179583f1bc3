"""Importers of outside formats into the input layer, kept apart from it (issue 19).

``inputs`` is the validated input layer and imports nothing above it; an importer reads a
format someone else defined (HES / SUS+ hospital activity, NHS England's list and
practice files, Synthea) and writes an input folder that ``wholepop check`` then judges.

- ``hes``: HES / SUS+ admitted care, outpatients and A&E -> ``activity`` (and a population
  of hospital users when no registered lists are given).
- ``nhs``: NHS England's "Patients Registered at a GP Practice" files, the practice map,
  weighted populations and IMD -> ``list_counts``, ``practices``, ``weights``.
- ``synthea``: a Synthea CSV export -> the input layer and a fitted contract.
- ``template``: a blank input folder (header-only CSVs and a README) to fill by hand.
"""

from wholepop.importers.hes import HesReport, import_hes

__all__ = ["HesReport", "import_hes"]

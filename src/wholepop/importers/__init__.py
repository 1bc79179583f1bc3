"""Importers of outside formats into the input layer, kept apart from it (issue 19).

``inputs`` is the validated input layer and imports nothing above it; an importer reads a
format someone else defined (HES / SUS+ hospital activity, NHS England's list and
practice files, Synthea) and writes an input folder that ``wholepop check`` then judges.

- ``hes``: HES / SUS+ admitted care, outpatients and A&E -> ``activity`` (and a population
  of hospital users when no registered lists are given).
"""

from wholepop.importers.hes import HesReport, import_hes

__all__ = ["HesReport", "import_hes"]

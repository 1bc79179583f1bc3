"""Registered population per practice, the size a hub plan works with.

Grain: one row per practice (practice_code, patients). The source, in order of preference:
``list_counts`` (the latest extract of each practice), else the ``registered`` component
of ``weights``, else the open registrations (no ``to_date``) of ``registrations``.
"""

from __future__ import annotations

import ibis

from wholepop.inputs.load import Inputs
from wholepop.vocab import WeightComponent

__all__ = ["practice_populations"]


def practice_populations(inputs: Inputs) -> tuple[ibis.Table, str]:
    """Patients per practice and the table they came from.

    Returns:
        (table, source): table with columns practice_code (string) and patients (int64);
        source is ``list_counts``, ``weights`` or ``registrations``.
    """
    if inputs.has("list_counts"):
        lc = inputs.list_counts
        latest = lc.group_by("practice_code").aggregate(latest=lc.extract_date.max())
        joined = lc.left_join(latest, "practice_code")
        # A null extract date is an undated list: keep it when the practice has no dated one.
        keep = joined.latest.isnull() | (joined.extract_date == joined.latest)
        counted = joined.filter(keep).group_by("practice_code").aggregate(patients=joined.patients.sum().cast("int64"))
        return counted, "list_counts"
    if inputs.has("weights"):
        w = inputs.weights
        reg = w.filter(w.component == WeightComponent.REGISTERED.value)
        counted = reg.group_by("practice_code").aggregate(patients=(reg.weighted_population.sum() + 0.5).floor().cast("int64"))
        return counted, "weights"
    r = inputs.registrations
    open_ = r.filter(r.to_date.isnull())
    return open_.group_by("practice_code").aggregate(patients=open_.patient_id.nunique().cast("int64")), "registrations"

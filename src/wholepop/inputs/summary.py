"""A short description of a validated input folder: who is in it and what they cost.

``summarise(inputs)`` is what ``wholepop check`` prints when the data is clean: counts of
people, practices, hubs and activity rows, and spend per head per contract year by
service line. Aggregates only; no patient-level output.
"""

from __future__ import annotations

from dataclasses import dataclass

from wholepop.contract.calendar import year_end, year_start
from wholepop.inputs.load import Inputs
from wholepop.vocab import Service

__all__ = ["InputSummary", "YearSpend", "summarise"]


@dataclass(frozen=True)
class YearSpend:
    """Spend of one contract year.

    Attributes:
        year: contract (financial) year, April-March, named by its first year.
        heads: people registered on any day of the year.
        pence: service line -> spend in whole pence (lines with no activity omitted).
    """

    year: int
    heads: int
    pence: tuple[tuple[Service, int], ...]


@dataclass(frozen=True)
class InputSummary:
    """Counts and spend of an input folder.

    Attributes:
        people: rows of ``patients``.
        practices: rows of ``practices``.
        hubs: distinct hubs of ``practices``.
        activity_rows: rows of ``activity``.
        years: spend per contract year, first to last.
    """

    people: int
    practices: int
    hubs: int
    activity_rows: int
    years: tuple[YearSpend, ...]


def summarise(inputs: Inputs) -> InputSummary:
    """Counts and spend per contract year of validated ``inputs``.

    Reads: patients, practices, registrations, activity. Grain of ``years``: one entry per
    contract year with activity; heads are people with a registration overlapping it.
    """
    be = inputs.backend
    act = inputs.activity
    year = act.date.year() - (act.date.month() < 4).cast("int64")
    spend = be.to_pyarrow(
        act.filter(act.date.notnull())
        .group_by(year=year, service=act.service)
        .agg(pence=act.cost_pence.sum())
    ).to_pylist()
    years = sorted({r["year"] for r in spend})
    reg = inputs.registrations
    out = []
    for y in years:  # a loop over contract years, not rows
        during = reg.filter(reg.from_date <= year_end(y), reg.to_date.isnull() | (reg.to_date >= year_start(y)))
        heads = int(be.execute(during.patient_id.nunique()))
        by_line = {r["service"]: int(r["pence"] or 0) for r in spend if r["year"] == y}
        lines = tuple((s, by_line[s.value]) for s in Service if s.value in by_line)
        out.append(YearSpend(y, heads, lines))
    pr = inputs.practices
    counts = be.to_pyarrow(pr.aggregate(practices=pr.count(), hubs=pr.hub.nunique())).to_pylist()[0]
    return InputSummary(
        people=int(be.execute(inputs.patients.count())),
        practices=int(counts["practices"]),
        hubs=int(counts["hubs"]),
        activity_rows=int(be.execute(act.count())),
        years=tuple(out),
    )

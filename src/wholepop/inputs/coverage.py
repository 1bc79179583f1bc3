"""Input coverage as a checked fact: which months of which contract years the data covers.

A statement settled on data that stops in October shows half a year of spend as if it
were the year. So before money is settled, the activity is counted by contract year,
month and service line (one small group-by), and each year is judged:

- **no data**: the year has no activity rows at all;
- **partial**: the ``coverage`` table declares activity complete only up to a day inside
  the year, or the data itself stops: a month with no activity on a service line whose
  baseline had at least ``[coverage] min_rows`` rows in the same month (the threshold,
  30 rows by default, is in the contract). Below the threshold a month cannot be judged,
  so small hand-made folders whose months are sparse by nature stay settleable, and
  ``check`` says which months it could not judge;
- **complete**: otherwise.

The same rule catches a declaration the data contradicts (declared complete while the
activity stops). ``refusals`` gives the reasons a year cannot be settled, each naming
the months; ``observed_months`` how many leading months of a part-year are in hand (an
in-year forecast, ``wholepop.money.forecast``, reads them).

Months are counted within the contract year: month 1 is April, month 12 is March.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

import pyarrow as pa

from wholepop.inputs.load import Inputs
from wholepop.vocab import DatedTable

__all__ = ["Coverage", "YearCoverage", "assess", "declared_table", "measure", "month_end", "month_name", "months_text"]

_MONTHS = ("April", "May", "June", "July", "August", "September", "October", "November", "December",
           "January", "February", "March")


def month_end(year: int, month: int) -> dt.date:
    """The last day of month ``month`` (1 = April) of contract year ``year``."""
    first = dt.date(year if month <= 9 else year + 1, (month + 2) % 12 + 1, 1)
    following = dt.date(first.year + (first.month == 12), first.month % 12 + 1, 1)
    return following - dt.timedelta(days=1)


def month_name(year: int, month: int) -> str:
    """Month ``month`` (1 = April) of contract year ``year``, e.g. ``October 2028``."""
    return f"{_MONTHS[month - 1]} {year if month <= 9 else year + 1}"


def months_text(year: int, months: tuple[int, ...]) -> str:
    """``months 7-12 (October 2028-March 2029)`` for a run of months; runs joined by commas."""
    if not months:
        return "no months"
    runs: list[tuple[int, int]] = []
    for m in sorted(months):
        if runs and m == runs[-1][1] + 1:
            runs[-1] = (runs[-1][0], m)
        else:
            runs.append((m, m))
    parts = []
    for lo, hi in runs:
        if lo == hi:
            parts.append(f"month {lo} ({month_name(year, lo)})")
        else:
            parts.append(f"months {lo}-{hi} ({month_name(year, lo)}-{month_name(year, hi)})")
    return ", ".join(parts)


@dataclass(frozen=True)
class Coverage:
    """What the activity covers, counted once.

    Attributes:
        declared: the period the ``coverage`` table declares activity complete for,
            or None when the folder declares none.
        rows: (contract year, month 1-12, service) -> activity rows.
        spend: (contract year, month 1-12, service) -> activity cost in pence.
        last_date: the last activity date (None: no activity).
    """

    declared: tuple[dt.date, dt.date] | None
    rows: Mapping[tuple[int, int, str], int]
    spend: Mapping[tuple[int, int, str], int] = field(default_factory=dict)
    last_date: dt.date | None = None

    def year_rows(self, year: int) -> int:
        return sum(n for (y, _, _), n in self.rows.items() if y == year)

    def services(self) -> tuple[str, ...]:
        return tuple(sorted({s for (_, _, s) in self.rows}))


@dataclass(frozen=True)
class YearCoverage:
    """One contract year judged against the baseline and the declaration.

    Attributes:
        year: the contract year.
        status: ``complete``, ``partial`` or ``no data``.
        observed: months 1..observed are in hand (12 when complete, 0 without data).
        undeclared: months the declared coverage does not reach.
        gaps: (service, month, baseline rows) with no activity where the baseline had
            at least the threshold's rows.
        unjudged: months in which some line with activity in the year had fewer than
            the threshold's rows in the baseline, so an empty month there is not a gap.
        empty: months of the year with no activity on any line, that are gaps.
    """

    year: int
    status: str
    observed: int
    undeclared: tuple[int, ...] = ()
    gaps: tuple[tuple[str, int, int], ...] = ()
    unjudged: tuple[int, ...] = ()
    empty: tuple[int, ...] = ()

    @property
    def gap_months(self) -> tuple[int, ...]:
        return tuple(sorted({m for _, m, _ in self.gaps}))

    def describe(self) -> str:
        """``2027 complete``; ``2028 months 1-6``; ``2029 no data``."""
        if self.status == "no data":
            return f"{self.year} no data"
        if self.status == "complete":
            return f"{self.year} complete"
        return f"{self.year} months 1-{self.observed}" if self.observed else f"{self.year} partial"

    def refusals(self) -> tuple[str, ...]:
        """Why this year cannot be settled (empty: it can), each naming the months."""
        y = self.year
        if self.status == "no data":
            return (f"contract year {y} has no activity: the data does not cover it",)
        out = []
        if self.undeclared:
            out.append(f"contract year {y} runs past the declared coverage of activity: "
                       f"{months_text(y, self.undeclared)} not covered")
        if self.empty:
            out.append(f"contract year {y} has no activity at all in {months_text(y, self.empty)}")
        by_line: dict[str, list[tuple[int, int]]] = {}
        for service, m, base_rows in self.gaps:
            if m not in self.empty:
                by_line.setdefault(service, []).append((m, base_rows))
        for service, found in sorted(by_line.items()):
            months = tuple(m for m, _ in found)
            least = min(n for _, n in found)
            out.append(f"contract year {y} has no {service} activity in {months_text(y, months)}, "
                       f"where the baseline had {least:,} or more rows a month")
        return tuple(out)


def measure(inputs: Inputs) -> Coverage:
    """Count the activity by contract year, month and service line, and read the
    declaration: one group-by over the activity, whose result has at most 12 x 15 rows a
    year."""
    a = inputs.activity
    month = a.date.month()
    fy = a.date.year() - (month < 4).cast("int64")
    m = ((month + 8) % 12 + 1).cast("int64")
    counted = a.group_by(year=fy.cast("int64"), month=m, service=a.service).agg(
        rows=a.count(), spend=a.cost_pence.sum(), last=a.date.max()
    )
    rows: dict[tuple[int, int, str], int] = {}
    spend: dict[tuple[int, int, str], int] = {}
    last = None
    for r in inputs.backend.to_pyarrow(counted).to_pylist():
        if r["year"] is None or r["service"] is None:
            continue
        key = (int(r["year"]), int(r["month"]), r["service"])
        rows[key] = int(r["rows"])
        spend[key] = int(r["spend"] or 0)
        last = r["last"] if last is None or (r["last"] is not None and r["last"] > last) else last
    declared = None
    if inputs.has("coverage"):
        c = inputs.coverage
        found = inputs.backend.to_pyarrow(
            c.filter(c.table_name == DatedTable.ACTIVITY.value).select("from_date", "to_date")
        ).to_pylist()
        if found and found[0]["from_date"] is not None and found[0]["to_date"] is not None:
            declared = (found[0]["from_date"], found[0]["to_date"])
    return Coverage(declared=declared, rows=rows, spend=spend, last_date=last)


def _months_declared(declared: tuple[dt.date, dt.date] | None, year: int) -> tuple[int, ...]:
    """Months of ``year`` wholly inside the declared period (all 12 when nothing is declared)."""
    if declared is None:
        return tuple(range(1, 13))
    lo, hi = declared
    out = []
    for m in range(1, 13):
        last = month_end(year, m)
        if lo <= last.replace(day=1) and last <= hi:
            out.append(m)
    return tuple(out)


def assess(cov: Coverage, year: int, baseline_year: int, min_rows: int) -> YearCoverage:
    """Judge contract year ``year`` (see the module docstring)."""
    if cov.year_rows(year) == 0:
        return YearCoverage(year, "no data", 0)
    declared = _months_declared(cov.declared, year)
    undeclared = tuple(m for m in range(1, 13) if m not in declared)
    gaps: list[tuple[str, int, int]] = []
    unjudged: set[int] = set()
    if year == baseline_year:  # the baseline cannot be judged against itself
        bad = set(undeclared)
        observed = next((m - 1 for m in range(1, 13) if m in bad), 12)
        return YearCoverage(year, "partial" if bad else "complete", observed, undeclared)
    present_lines = {s for (y, _, s) in cov.rows if y == year}
    for service in cov.services():
        for m in range(1, 13):
            base = cov.rows.get((baseline_year, m, service), 0)
            here = cov.rows.get((year, m, service), 0)
            if base >= min_rows:
                if here == 0:
                    gaps.append((service, m, base))
            elif service in present_lines and here == 0:
                unjudged.add(m)
    # Months in hand: the leading run of months that are declared and without gaps.
    bad = set(undeclared) | {m for _, m, _ in gaps}
    observed = 0
    while observed < 12 and observed + 1 not in bad:
        observed += 1
    status = "complete" if not bad else "partial"
    gap_months = {m for _, m, _ in gaps}
    empty = tuple(m for m in sorted(gap_months) if not any(cov.rows.get((year, m, s), 0) for s in present_lines))
    return YearCoverage(year, status, observed, undeclared, tuple(gaps), tuple(sorted(unjudged)), empty)


def declared_table(start: dt.date, end: dt.date, note: str = "activity complete for these days") -> pa.Table:
    """The ``coverage`` table a writer (``synth``, ``build``, importers) declares for
    activity complete from ``start`` to ``end``, in the declared column types."""
    return pa.table({
        "table_name": pa.array([DatedTable.ACTIVITY.value], pa.string()),
        "from_date": pa.array([start], pa.date32()),
        "to_date": pa.array([end], pa.date32()),
        "note": pa.array([note], pa.string()),
    })


"""Exit windows (issue 4.5): when a practice may leave the provider, and with what notice.

A membership that ends and is followed the next day by a membership of the same
practice is a *change of integration*. Moving into full integration (suspending its own
GMS/PMS contract), or any change that does not leave full integration, is accepted on any
day. Leaving full integration (reactivating its own contract) and leaving the provider
are *exits*: only at an exit window, every ``exit_window_years`` from ``start_year``, on
1 April, with at least ``exit_notice_months`` months' notice, and only once. What happens
to its patients (they follow the GP for two years from the day it became fully
integrated, and stay with the provider after) is the population stage's rule.

Memberships are one row per practice span (tens of rows), so this check reads them into
Python; it never touches patient or activity rows.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

import ibis

from wholepop.inputs.problems import Problem, Severity
from wholepop.vocab import Integration

if TYPE_CHECKING:
    from wholepop.contract.model import Contract

__all__ = ["exit_window_problems", "exit_windows", "exit_windows_check"]

BLOCKS = ("population", "money")


def exit_windows(contract: Contract) -> tuple[dt.date, ...]:
    """The days a practice may leave on: 1 April every ``exit_window_years`` after the start."""
    c = contract.contract
    last = c.start_year + c.term_years
    return tuple(dt.date(y, 4, 1) for y in range(c.start_year + c.exit_window_years, last + 1, c.exit_window_years))


def _months_between(earlier: dt.date, later: dt.date) -> int:
    months = (later.year - earlier.year) * 12 + later.month - earlier.month
    return months - (1 if later.day < earlier.day else 0)


def exit_windows_check(raw, contract: Contract | None) -> list[Problem]:
    """The check-registry form: memberships of the staged inputs, with their row numbers."""
    if contract is None or not raw.has("memberships", "practice_code", "from_date", "to_date", "integration"):
        return []
    return exit_window_problems(raw["memberships"].values, contract)


def exit_window_problems(memberships: ibis.Table, contract: Contract) -> list[Problem]:
    """Every membership ending inside the term that is off-window, under notice, or a second exit.

    Row numbers are those of the memberships file when ``memberships`` carries a ``_row``
    column (the validator's raw table does); otherwise problems name the practice code,
    which is not a patient identifier.
    """
    cols = ["practice_code", "from_date", "to_date", "integration"]
    optional = [c for c in ("notice_date", "_row") if c in memberships.columns]
    every = memberships.select(*cols, *optional).to_pyarrow().to_pylist()
    rows = [r for r in every if r["to_date"] is not None]
    starts = {(r["practice_code"], r["from_date"]): r["integration"] for r in every}
    c = contract.contract
    term_end = dt.date(c.start_year + c.term_years, 3, 31)
    windows = set(exit_windows(contract))
    exits_by_practice: dict[str, int] = {}
    problems = []
    for r in sorted(rows, key=lambda r: (r["practice_code"], r["from_date"] or dt.date.min)):
        end = r["to_date"]
        if end is None or not (dt.date(c.start_year, 4, 1) <= end < term_end):
            continue
        row = r.get("_row")
        label = "" if row is not None else f"practice {r['practice_code']}: "
        leave_day = end + dt.timedelta(days=1)
        then = starts.get((r["practice_code"], leave_day))
        if then is not None and not (r["integration"] == Integration.FULL.value and then != Integration.FULL.value):
            continue  # a change of integration that does not leave full integration: any day
        if leave_day not in windows:
            allowed = ", ".join(d.isoformat() for d in sorted(windows)) or "none in this term"
            problems.append(Problem("memberships", row, "to_date",
                                    f"{label}leaves on {leave_day.isoformat()}, not at an exit window (allowed: the day before {allowed})",
                                    Severity.ERROR, BLOCKS))
        notice = r.get("notice_date")
        if notice is None:
            problems.append(Problem("memberships", row, "notice_date",
                                    f"{label}leaves on {leave_day.isoformat()} but no notice_date is given "
                                    f"(expected at least {c.exit_notice_months} months' notice)", Severity.ERROR, BLOCKS))
        elif _months_between(notice, leave_day) < c.exit_notice_months:
            problems.append(Problem("memberships", row, "notice_date",
                                    f"{label}notice given {notice.isoformat()} is under {c.exit_notice_months} months "
                                    f"before leaving on {leave_day.isoformat()}", Severity.ERROR, BLOCKS))
        exits_by_practice[r["practice_code"]] = exits_by_practice.get(r["practice_code"], 0) + 1
        if exits_by_practice[r["practice_code"]] > 1:
            problems.append(Problem("memberships", row, "to_date",
                                    f"{label}leaves a second time; a practice may reactivate its own contract only once",
                                    Severity.ERROR, BLOCKS))
    return problems

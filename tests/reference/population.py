"""A slow, obvious twin of ``wholepop.population.person_months`` (tests only).

It walks every registered day, one at a time, and applies the rules as the issue states
them: membership on the day (or, before the first contract day, the membership on that
day), death, and the exit rule for full practices. Lists of dicts in, lists of dicts out.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections import defaultdict

ONE_DAY = dt.timedelta(days=1)


def _contract_year(day: dt.date) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _covers(m: dict, day: dt.date) -> bool:
    return m["from_date"] <= day and (m["to_date"] is None or day <= m["to_date"])


def _membership_on(memberships: list[dict], code: str, day: dt.date) -> dict | None:
    for m in memberships:
        if m["practice_code"] == code and _covers(m, day):
            return m
    return None


def _left_late(memberships: list[dict], code: str, day: dt.date, start_year: int, term_years: int) -> bool:
    """Whether ``code`` was a full member that left late (after the two-year window) before ``day``."""
    window = dt.date(start_year + 2, 4, 1)
    last_day = dt.date(start_year + term_years, 3, 31)
    for m in memberships:
        if m["practice_code"] != code or m["integration"] != "full" or m["to_date"] is None:
            continue
        end = m["to_date"]
        followed = any(o["practice_code"] == code and o["from_date"] == end + ONE_DAY for o in memberships)
        if window <= end < last_day and not followed and day > end:
            return True
    return False


def person_months(
    patients: list[dict],
    registrations: list[dict],
    memberships: list[dict],
    start_year: int,
    term_years: int,
    years: tuple[int, ...],
) -> list[dict]:
    """Rows of (patient_id, practice_code, year, integration, person_months)."""
    start = dt.date(start_year, 4, 1)
    deaths = {p["patient_id"]: p["death_date"] for p in patients}
    totals: dict[tuple, float] = defaultdict(float)
    for r in registrations:
        if r["patient_id"] not in deaths:
            continue
        first = max(r["from_date"], dt.date(min(years), 4, 1))
        last = dt.date(max(years) + 1, 3, 31)
        if r["to_date"] is not None:
            last = min(last, r["to_date"])
        death = deaths[r["patient_id"]]
        if death is not None:
            last = min(last, death)
        day = first
        while day <= last:
            year = _contract_year(day)
            if year in years:
                m = _membership_on(memberships, r["practice_code"], day if day >= start else start)
                key = None
                if m is not None:
                    key = (r["patient_id"], r["practice_code"], year, m["integration"])
                elif day >= start and _left_late(memberships, r["practice_code"], day, start_year, term_years):
                    key = (r["patient_id"], r["practice_code"] + "-PROVIDER", year, "full")
                if key is not None:
                    totals[key] += 1 / calendar.monthrange(day.year, day.month)[1]
            day += ONE_DAY
    return [
        {"patient_id": k[0], "practice_code": k[1], "year": k[2], "integration": k[3], "person_months": v}
        for k, v in totals.items()
    ]

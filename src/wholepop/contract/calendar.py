"""Financial years: the one home of calendar logic.

A contract year is an NHS financial year, 1 April to 31 March, named by its first
calendar year ("2027" = 2027-04-01 .. 2028-03-31).
"""

from __future__ import annotations

import datetime as dt

__all__ = ["financial_year", "year_end", "year_start"]


def year_start(year: int) -> dt.date:
    """First day of contract year ``year`` (1 April)."""
    return dt.date(year, 4, 1)


def year_end(year: int) -> dt.date:
    """Last day of contract year ``year`` (31 March of the next calendar year)."""
    return dt.date(year + 1, 3, 31)


def financial_year(day: dt.date) -> int:
    """The contract year a date falls in."""
    return day.year if day.month >= 4 else day.year - 1

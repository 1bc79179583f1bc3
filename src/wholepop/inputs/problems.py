"""Problems found in input data: values with a source, collected before anything is reported."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

__all__ = ["MAX_LISTED", "Problem", "Severity", "format_problem"]

MAX_LISTED = 20  # problems listed per kind (per check, per table) before "... and N more"


class Severity(StrEnum):
    ERROR = "error"  # nothing is computed or written while any error stands
    WARNING = "warning"  # reported; the run goes on


@dataclass(frozen=True)
class Problem:
    """One problem in the input data.

    Attributes:
        table: input table (or file) it was found in.
        row: spreadsheet-style row number (header = row 1, first data row = row 2), if any.
        column: column it concerns, if any.
        message: what was found and what was expected.
        severity: error or warning.
        blocks: the stages whose outputs it endangers (Tuva's "dqi" tags).
        also_rows: further rows the same problem spans, e.g. the second of two overlapping
            registration spans (printed ``rows 15, 16``).
    """

    table: str
    row: int | None
    column: str | None
    message: str
    severity: Severity = Severity.ERROR
    blocks: tuple[str, ...] = ()
    also_rows: tuple[int, ...] = ()

    def __str__(self) -> str:
        return format_problem(self)


def format_problem(p: Problem) -> str:
    """``<table>[ row <n>][ column <c>]: <message>``, the one line format users see."""
    where = p.table
    if p.row is not None and p.also_rows:
        where += " rows " + ", ".join(str(r) for r in (p.row, *p.also_rows))
    elif p.row is not None:
        where += f" row {p.row}"
    if p.column is not None:
        where += f" column {p.column}"
    return f"{where}: {p.message}"

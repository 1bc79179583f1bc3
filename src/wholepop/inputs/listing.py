"""Turning a check's offending rows into problem lines: at most 20, then a count.

A check builds an Ibis expression selecting the rows at fault (with ``_row``, and
``_other`` for problems that span two rows); ``listed`` runs it, lists the first 20 in
row order as ``Problem``s, and adds one line ``... and N more`` for the rest. Nothing
here loops over data: at most 21 rows ever reach Python.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import ibis

from wholepop.inputs.problems import MAX_LISTED, Problem, Severity
from wholepop.inputs.raw import PART, ROW, RawInputs

__all__ = ["MAX_LISTED", "OTHER", "count_each", "listed", "quoted"]

OTHER = "_other"  # the second row of a two-row problem (a duplicate, an overlap)


def quoted(value: object, limit: int = 40) -> str:
    """A user's value as it appears in a message: quoted, cut short if long."""
    text = str(value)
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return f'"{text}"'


def count_each(raw: RawInputs, offending: Mapping[str, ibis.Table]) -> dict[str, int]:
    """Rows of each expression of ``offending``, counted in one query.

    A check with several candidate problems (one per column, per reference...) counts
    them all at once, then lists only those with rows: clean data costs one query per
    check, whatever the number of tables and columns.
    """
    if not offending:
        return {}
    parts = [expr.aggregate(_n=expr.count()).mutate(_k=ibis.literal(key)) for key, expr in offending.items()]
    table = parts[0] if len(parts) == 1 else ibis.union(*parts)
    found = {r["_k"]: int(r["_n"]) for r in raw.backend.to_pyarrow(table).to_pylist()}
    return {key: found.get(key, 0) for key in offending}


def listed(
    raw: RawInputs,
    table: str,
    offending: ibis.Table,
    *,
    column: str | None,
    message: str | Callable[[Mapping[str, Any]], str],
    severity: Severity,
    blocks: tuple[str, ...],
    noun: str = "rows",
    count: int | None = None,
) -> list[Problem]:
    """Problems for the rows of ``offending``: the first ``MAX_LISTED``, then a count.

    Args:
        raw: the staged inputs (their backend runs the query).
        table: the table the rows belong to.
        offending: rows at fault, with ``_row`` (and ``_other``, ``_part`` when they apply)
            and any columns ``message`` reads.
        column: the column the problem concerns, if one.
        message: the message, or a function of one offending row that returns it.
        severity: error or warning.
        blocks: the stages the problem endangers.
        noun: what the "... and N more" line counts.
        count: the number of offending rows, when already known (saves a query).

    Returns:
        The problem lines, in row order.
    """
    n = int(raw.backend.execute(offending.count())) if count is None else count
    if n == 0:
        return []
    keys = [k for k in (PART, ROW, OTHER) if k in offending.columns]
    rows = raw.backend.to_pyarrow(offending.order_by(keys).limit(MAX_LISTED)).to_pylist()
    problems = [
        Problem(
            table=f"{table}/{r[PART]}" if r.get(PART) else table,
            row=int(r[ROW]),
            also_rows=(int(r[OTHER]),) if r.get(OTHER) is not None else (),
            column=column,
            message=message(r) if callable(message) else message,
            severity=severity,
            blocks=blocks,
        )
        for r in rows
    ]
    if n > MAX_LISTED:
        problems.append(
            Problem(
                table=table,
                row=None,
                column=column,
                message=f"... and {n - MAX_LISTED:,} more {noun} like these",
                severity=severity,
                blocks=blocks,
            )
        )
    return problems

"""The one way to make and round money (Beancount's ``D()`` habit).

Tables hold money as ``int`` pence; statements use ``Decimal`` pounds or pence. Only this
module rounds money: a test fails if ``round(`` or ``.quantize(`` is used on money anywhere
else. The rounding mode is half-up, as finance readers expect of a penny.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["D", "ONE", "ROUNDING", "ZERO", "allocate", "pounds", "pounds_text_to_pence_sql", "to_pence"]

ROUNDING = ROUND_HALF_UP
ZERO = Decimal(0)
ONE = Decimal(1)


def D(value: object) -> Decimal:
    """A Decimal from an int, str or Decimal; floats go through ``str`` so 0.1 stays 0.1."""
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    return Decimal(value)  # type: ignore[arg-type]


def to_pence(amount: Decimal) -> int:
    """Round an amount *in pence* to whole pence, half up."""
    return int(D(amount).quantize(ONE, rounding=ROUNDING))


def pounds_text_to_pence_sql(column_sql: str) -> str:
    """DuckDB SQL for whole pence from an amount in pounds (or dollars) held as text.

    The same rule as ``to_pence``, applied to a whole column at once by an importer: the
    text is cast to an exact DECIMAL (18 decimal places, so no binary fraction creeps in),
    multiplied by 100 and rounded to whole pence half away from zero, which is
    ``ROUND_HALF_UP`` (DuckDB's ROUND on a DECIMAL rounds ties away from zero).
    """
    return f"CAST(ROUND(CAST({column_sql} AS DECIMAL(38, 18)) * 100, 0) AS BIGINT)"


def pounds(pence: int) -> Decimal:
    """Whole pence as exact pounds (for display and statements)."""
    return (Decimal(pence) / 100).quantize(Decimal("0.01"))


def allocate(total_pence: int, weights: Sequence[Decimal | int | float]) -> list[int]:
    """Split ``total_pence`` in proportion to ``weights``, summing exactly (largest remainder).

    Each share starts at the floor of its exact share; the pence left over go one each to
    the largest fractional remainders (ties to the earlier position), so the result is
    deterministic and sums to the total. Negative totals are split as the negation of the
    positive split. All weights zero: split equally.
    """
    n = len(weights)
    if n == 0:
        if total_pence != 0:
            raise ValueError("cannot allocate a non-zero total over no weights")
        return []
    if total_pence < 0:
        return [-x for x in allocate(-total_pence, weights)]
    w = [D(x) for x in weights]
    if any(x < 0 for x in w):
        raise ValueError("allocation weights must not be negative")
    total_w = sum(w, ZERO)
    if total_w == 0:
        w = [ONE] * n
        total_w = D(n)
    exact = [D(total_pence) * x / total_w for x in w]
    floors = [int(e) for e in exact]  # int() truncates toward zero; all non-negative here
    left = total_pence - sum(floors)
    order = sorted(range(n), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors

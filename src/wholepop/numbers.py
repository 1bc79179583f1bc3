"""How numbers are written for a reader: one home, so the CLI, the statement's bases, the
report and the workbook all spell a number the same way.

- money: pounds with separators and the sign before the pound sign, ``£144,754,277.78``,
  ``-£816,699.25`` (exact: pence are split, never rounded);
- ratios and achievements: six significant places, ``102.346``, ``0.500000``;
- weighted populations: four decimals with separators, ``12,345.6789`` (enough to
  recompute every penny of a budget line by hand).

Imports nothing of wholepop, so every layer may use it.
"""

from __future__ import annotations

from decimal import Decimal

__all__ = ["gbp", "population", "significant"]


def gbp(pence: int) -> str:
    """Whole pence as pounds: ``£1,234.50``, ``-£816,699.25``."""
    pounds, p = divmod(abs(int(pence)), 100)
    return f"{'-' if pence < 0 else ''}£{pounds:,}.{p:02d}"


def significant(x: Decimal | int | float, places: int = 6) -> str:
    """``x`` to ``places`` significant places, trailing zeros kept: 102.346, 0.500000."""
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    if not d.is_finite():
        return str(d)
    decimals = max(0, places - 1 - (d.adjusted() if d else 0))
    return f"{d:.{decimals}f}"


def population(x: Decimal | int | float, decimals: int = 4) -> str:
    """A (weighted) population to four decimals, with separators: ``12,345.6789``."""
    d = x if isinstance(x, Decimal) else Decimal(str(x))
    return f"{d:,.{decimals}f}"

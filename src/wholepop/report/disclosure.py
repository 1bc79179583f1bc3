"""Disclosure control: the one gate every published count of people or events passes.

The rules (DESIGN section 6, issue 6):

* 0 stays ``"0"``: an empty cell reveals nothing about any person.
* 1 to 7 becomes ``"*"``: small numbers can identify people.
* Anything else is rounded to the nearest 5. Counts are whole numbers, so an integer is
  never exactly between two multiples of 5 (n mod 5 is 1 or 2: down; 3 or 4: up). A
  non-integer count (a weighted population, say) is first taken to the nearest whole
  number, half up, and then treated as an integer; ``12.5`` therefore becomes 13 and
  then 15. This is the one tie rule, stated once here.
* A total is computed from the *unrounded* values and then disclosed by the same rules,
  never by adding rounded parts (which would drift and could be differenced).
* Money is never rounded here: it is not a count of people.

``restricted=True`` switches the rounding off for internal use; every page and sheet of a
restricted output then carries :data:`RESTRICTED_STAMP`. Patient identifiers never appear
in any report, restricted or not (see :mod:`wholepop.report.data`).

Disclosed values are text (``"*"``, ``"0"``, ``"1235"``); :meth:`Disclosure.cell` gives the
spreadsheet form, where a rounded count is an ``int`` so it still sums in Excel.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = [
    "Disclosure",
    "PUBLISHED",
    "RESTRICTED",
    "RESTRICTED_STAMP",
    "SMALL_MAX",
    "SUPPRESSED",
    "disclose",
    "disclose_total",
    "is_disclosed",
]

SUPPRESSED = "*"
SMALL_MAX = 7  # 1..SMALL_MAX are suppressed
ROUND_TO = 5
RESTRICTED_STAMP = "RESTRICTED: contains unrounded small numbers"

Count = int | Decimal


def _whole(n: Count) -> int:
    """A count as a non-negative whole number (half up for non-integers)."""
    if isinstance(n, bool) or not isinstance(n, (int, Decimal)):
        # floats are refused so that a count never passes through binary rounding
        raise TypeError(f"a count must be an int or Decimal, got {type(n).__name__}")
    if n < 0:
        raise ValueError(f"a count cannot be negative, got {n}")
    if isinstance(n, Decimal):
        return int(n.quantize(Decimal(1), rounding=ROUND_HALF_UP))
    return n


def _rounded(n: int) -> int | str:
    if n == 0:
        return 0
    if n <= SMALL_MAX:
        return SUPPRESSED
    low = n - n % ROUND_TO
    return low + ROUND_TO if n % ROUND_TO >= 3 else low  # integers have no tie (see module doc)


def disclose(n: Count) -> str:
    """A count of people or events as publishable text.

    Args:
        n: a non-negative ``int`` (or ``Decimal`` for a weighted count).

    Returns:
        ``"0"`` for 0, ``"*"`` for 1-7, otherwise the nearest multiple of 5 as digits.

    Raises:
        ValueError: a negative count (always a bug upstream).
        TypeError: a float or other non-count value.
    """
    return str(_rounded(_whole(n)))


def disclose_total(values: Iterable[Count]) -> str:
    """The total of unrounded counts, then disclosed (never the sum of disclosed parts)."""
    values = tuple(values)
    for v in values:
        _whole(v)  # type and sign checks on each part
    return disclose(sum(values, 0))


def is_disclosed(text: str) -> bool:
    """Whether ``text`` (digits, optionally with thousands commas) is a publishable count."""
    if text == SUPPRESSED or text == "0":
        return True
    digits = text.replace(",", "")
    if not digits.isdigit():
        return False
    n = int(digits)
    return n > SMALL_MAX and n % ROUND_TO == 0


@dataclass(frozen=True)
class Disclosure:
    """The disclosure policy of one output: published (rounded) or restricted (exact).

    Attributes:
        restricted: ``True`` switches rounding off; the output must then carry
            :attr:`stamp` on every page and sheet.
    """

    restricted: bool = False

    @property
    def stamp(self) -> str | None:
        """The text every page/sheet must show, or ``None`` for a published output."""
        return RESTRICTED_STAMP if self.restricted else None

    def count(self, n: Count) -> str:
        """A count as text under this policy."""
        if self.restricted:
            return str(_whole(n))
        return disclose(n)

    def total(self, values: Iterable[Count]) -> str:
        """A total of unrounded counts as text under this policy."""
        values = tuple(values)
        if self.restricted:
            for v in values:
                _whole(v)
            return str(_whole(sum(values, 0)))
        return disclose_total(values)

    def value(self, n: Count) -> int | None:
        """The number to *plot* for a count: the rounded count, or 0 where suppressed.

        A chart bar would reveal a suppressed value by its length, so suppressed counts
        plot as 0 and their label says ``*``.
        """
        text = self.count(n)
        return 0 if text == SUPPRESSED else int(text)

    def cell(self, n: Count) -> int | str:
        """A count for a spreadsheet cell: an ``int`` (so it sums) or ``"*"``."""
        text = self.count(n)
        return text if text == SUPPRESSED else int(text)

    def rows(self, rows: Sequence[Mapping[str, object]], counts: Sequence[str]) -> tuple[dict[str, object], ...]:
        """Rows for a published CSV/JSON with the ``counts`` columns disclosed as text.

        Args:
            rows: plain rows (e.g. ``table.to_pylist()`` of an aggregate).
            counts: the names of the columns that count people or events.

        Returns:
            New rows; other columns are copied unchanged (money is never rounded).
        """
        missing = [c for c in counts if rows and c not in rows[0]]
        if missing:
            raise KeyError(f"count columns not in the rows: {', '.join(missing)}")
        return tuple({k: (self.count(v) if k in counts else v) for k, v in row.items()} for row in rows)


PUBLISHED = Disclosure(restricted=False)
RESTRICTED = Disclosure(restricted=True)

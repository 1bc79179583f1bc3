"""Disclosure control, rule by rule (DESIGN section 6, issue 6).

0 stays 0; 1-7 becomes *; anything else goes to the nearest 5; a total is disclosed from
the unrounded values; money is never touched; restricted mode switches rounding off.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, strategies as st

from wholepop.report.disclosure import (
    PUBLISHED,
    RESTRICTED,
    RESTRICTED_STAMP,
    Disclosure,
    disclose,
    disclose_total,
    is_disclosed,
)


def test_zero_stays_zero():
    """An empty cell reveals nobody: 0 is published as 0, not suppressed."""
    assert disclose(0) == "0"


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6, 7])
def test_one_to_seven_is_suppressed(n):
    assert disclose(n) == "*"


@pytest.mark.parametrize(
    ("n", "expected"),
    [(8, "10"), (10, "10"), (11, "10"), (12, "10"), (13, "15"), (14, "15"), (1232, "1230"), (1233, "1235"), (41883, "41885")],
)
def test_others_round_to_the_nearest_five(n, expected):
    """n mod 5 of 1 or 2 rounds down, 3 or 4 rounds up: integers have no tie."""
    assert disclose(n) == expected


@pytest.mark.parametrize(
    ("n", "expected"),
    [(Decimal("7.4"), "*"), (Decimal("7.5"), "10"), (Decimal("12.5"), "15"), (Decimal("12.49"), "10"), (Decimal("0.4"), "0")],
)
def test_non_integer_counts_go_to_a_whole_number_half_up_first(n, expected):
    """The one tie rule: a weighted count is taken to a whole number half up, then disclosed."""
    assert disclose(n) == expected


def test_total_is_rounded_from_unrounded_values():
    """Three cells of 3 are each *, but their total of 9 is published as 10."""
    assert [disclose(3)] * 3 == ["*", "*", "*"]
    assert disclose_total([3, 3, 3]) == "10"


def test_total_is_not_the_sum_of_rounded_parts():
    """12 + 12 = 24 -> 25; adding the rounded parts (10 + 10) would give 20."""
    assert disclose_total([12, 12]) == "25"


def test_total_of_small_values_is_itself_suppressed():
    assert disclose_total([2, 3]) == "*"


def test_total_of_weighted_counts_sums_exactly_before_rounding():
    """0.4 + 0.4 + ... summed exactly (8.0) then disclosed, not each rounded to 0 first."""
    assert disclose_total([Decimal("0.4")] * 20) == "10"


def test_negative_count_is_a_bug():
    with pytest.raises(ValueError, match="cannot be negative"):
        disclose(-1)


def test_float_counts_are_refused():
    with pytest.raises(TypeError, match="int or Decimal"):
        disclose(3.0)  # type: ignore[arg-type]


def test_restricted_mode_shows_exact_counts_and_carries_the_stamp():
    assert RESTRICTED.count(3) == "3"
    assert RESTRICTED.count(1233) == "1233"
    assert RESTRICTED.total([3, 3, 3]) == "9"
    assert RESTRICTED.stamp == RESTRICTED_STAMP == "RESTRICTED: contains unrounded small numbers"
    assert PUBLISHED.stamp is None


def test_spreadsheet_cells_are_numbers_or_a_star():
    """Rounded counts stay numbers so Excel can still sum them; suppressed ones are text."""
    assert PUBLISHED.cell(1233) == 1235
    assert PUBLISHED.cell(4) == "*"
    assert RESTRICTED.cell(4) == 4


def test_plotted_value_of_a_suppressed_count_is_zero():
    """A bar's length must not reveal a suppressed count."""
    assert PUBLISHED.value(4) == 0
    assert PUBLISHED.value(13) == 15


def test_published_rows_disclose_counts_and_leave_money_exact():
    rows = [{"hub": "North", "people": 6, "spend_pence": 123_456_789}, {"hub": "South", "people": 1233, "spend_pence": 7}]
    assert Disclosure().rows(rows, ["people"]) == (
        {"hub": "North", "people": "*", "spend_pence": 123_456_789},
        {"hub": "South", "people": "1235", "spend_pence": 7},
    )


def test_published_rows_name_a_missing_count_column():
    with pytest.raises(KeyError, match="people"):
        Disclosure().rows([{"hub": "North"}], ["people"])


@pytest.mark.parametrize(
    ("text", "ok"), [("0", True), ("*", True), ("10", True), ("1,235", True), ("5", False), ("3", False), ("1,233", False), ("n/a", False)]
)
def test_is_disclosed_recognises_publishable_counts(text, ok):
    assert is_disclosed(text) is ok


@given(st.integers(min_value=8, max_value=10**9))
def test_rounded_counts_are_within_two_of_the_truth(n):
    out = int(disclose(n))
    assert out % 5 == 0 and abs(out - n) <= 2 and is_disclosed(f"{out:,}")

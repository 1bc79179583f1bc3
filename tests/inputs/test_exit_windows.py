"""Exit windows: leaving only on a window, with notice, once."""

from __future__ import annotations

from conftest import write_tables
from wholepop.contract import parse_contract
from wholepop.engine import connect
from wholepop.inputs.exits import exit_window_problems, exit_windows
from wholepop.inputs.load import open_inputs


def contract():
    """A five-year term from 2027; windows every 2 years; 12 months' notice (the defaults)."""
    return parse_contract('''
[contract]
name = "Exit test"
form = "full"
start_year = 2027
term_years = 5
baseline_year = 2026
''')


def problems(tmp_path, memberships: str):
    folder = write_tables(tmp_path / "d", {"memberships": memberships})
    inputs = open_inputs(folder, connect("duckdb"))
    return [str(p) for p in exit_window_problems(inputs.memberships, contract())]


def test_windows_every_two_years_from_the_start():
    # start 2027, term 5 years: windows on 1 April 2029 and 2031 (2032 is past the term end)
    assert [d.isoformat() for d in exit_windows(contract())] == ["2029-04-01", "2031-04-01"]


def test_leaving_at_a_window_with_notice_is_clean(tmp_path):
    assert problems(tmp_path, """
        practice_code,from_date,to_date,integration,notice_date
        A,2026-04-01,2029-03-31,full,2028-03-01
        B,2026-04-01,,full,
    """) == []


def test_leaving_off_window(tmp_path):
    assert problems(tmp_path, """
        practice_code,from_date,to_date,integration,notice_date
        A,2026-04-01,2028-09-30,full,2027-01-01
    """) == ["memberships column to_date: practice A: leaves on 2028-10-01, not at an exit window "
             "(allowed: the day before 2029-04-01, 2031-04-01)"]


def test_short_notice_and_missing_notice(tmp_path):
    assert problems(tmp_path, """
        practice_code,from_date,to_date,integration,notice_date
        A,2026-04-01,2029-03-31,full,2028-06-01
        B,2026-04-01,2029-03-31,full,
    """) == [
        "memberships column notice_date: practice A: notice given 2028-06-01 is under 12 months before leaving on 2029-04-01",
        "memberships column notice_date: practice B: leaves on 2029-04-01 but no notice_date is given (expected at least 12 months' notice)",
    ]


def test_only_one_exit(tmp_path):
    assert problems(tmp_path, """
        practice_code,from_date,to_date,integration,notice_date
        A,2026-04-01,2029-03-31,full,2028-01-01
        A,2029-04-01,2031-03-31,partial,2030-01-01
    """) == ["memberships column to_date: practice A: leaves a second time; a practice may reactivate its own contract only once"]


def test_moving_into_full_integration_is_accepted_on_any_day(tmp_path):
    # a change of integration that does not leave full integration needs no window or notice
    assert problems(tmp_path, """
        practice_code,from_date,to_date,integration,notice_date
        A,2026-04-01,2027-09-30,partial,
        A,2027-10-01,,full,
        B,2026-04-01,2028-01-14,virtual,
        B,2028-01-15,,partial,
    """) == []


def test_leaving_full_integration_is_an_exit(tmp_path):
    # back to an alliance off-window and without notice: both reported
    assert problems(tmp_path, """
        practice_code,from_date,to_date,integration,notice_date
        A,2026-04-01,2028-09-30,full,
        A,2028-10-01,,partial,
    """) == [
        "memberships column to_date: practice A: leaves on 2028-10-01, not at an exit window (allowed: the day before 2029-04-01, 2031-04-01)",
        "memberships column notice_date: practice A: leaves on 2028-10-01 but no notice_date is given (expected at least 12 months' notice)",
    ]

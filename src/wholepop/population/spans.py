"""Counted spans: the days on which a person counts in the provider's population.

A *counted span* is an unbroken run of days on which one person was registered with one
practice while that practice (or, after a late exit, the provider) held them. It is the
one place the membership, baseline and exit rules live; person-months (``months.py``) and
activity attribution (``attribute`` below, used by costing) both read these spans, so a
contact is attributed exactly when its day counts in the population.

Grain of ``counted_spans``: one row per (patient_id, registration, membership span)
intersection; spans of one person never overlap when registrations do not overlap and a
practice's membership spans do not overlap (both checked by the input validator).

Rules (DESIGN sections 1 and 5; issue 3):

* **Membership.** A registration counts only on days its practice is a member: the
  registration span is intersected with each membership span, and the integration is the
  membership's.
* **Baseline.** Before the first contract day S = ``start_year``-04-01 (the baseline year
  and any earlier year) a practice counts as a member, with the integration it has on S,
  exactly when it has a membership covering S. So the baseline population is the
  population of the practices that form the provider at the start.
* **Death.** Spans end on the death date (the death day counts).
* **Change of integration.** A membership followed the next day by another membership of
  the same practice is a change of integration (the days count with each span's own
  integration); moving *into* full integration may happen on any day.
* **Leaving full integration.** A ``full`` span that ends before the last day of the term
  and is not followed the next day by another ``full`` span of the same practice (the
  practice leaves the provider, or reactivates its own GMS/PMS contract and returns to an
  alliance) is a leave. "Patients follow the GP" for two years counted from the day the
  practice became fully integrated (its full span's first day, or the first contract day
  for a practice full at the start), and moves only the patients registered with it on
  that day: if it leaves within those two years those patients go with it (out of the
  provider, or on with its alliance span), while patients who registered after that day
  stay with the provider; if it leaves later, every patient registered with it when it
  leaves stays. Patients who stay count under ``<code>-PROVIDER`` (same hub,
  integration ``full``) until the registration ends, i.e. unless the data says they moved
  or died, and an alliance span that follows does not count them again. A practice that
  re-joins later is not expected; if it does, the re-joined membership and the
  ``-PROVIDER`` span would both count, so the validator should flag it.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator

import ibis

from wholepop.contract.calendar import year_end, year_start
from wholepop.contract.model import Contract
from wholepop.inputs.load import Inputs
from wholepop.vocab import Integration

__all__ = [
    "FAR_FUTURE", "PROVIDER_SUFFIX", "attribute", "counted_spans", "dated_in", "fy_of", "leaves_within_follow_gp", "members_on", "year_ranges",
]

# Open-ended spans (no to_date) run to this day, so every span has two real ends and the
# overlap tests need no null logic.
FAR_PAST = dt.date(1900, 1, 1)
FAR_FUTURE = dt.date(2999, 12, 31)
# "No bound" on the start of a registration a span counts (before any real date).
_NO_BOUND = dt.date(1800, 1, 1)
PROVIDER_SUFFIX = "-PROVIDER"

# Patients follow the GP this many years from the day its practice became fully integrated.
_FOLLOW_GP_YEARS = 2


def fy_of(day: ibis.DateValue) -> ibis.IntegerValue:
    """The contract year (April-March, named by its first year) of a date column."""
    return (day.year() - (day.month() < 4).cast("int64")).cast("int64")


def _lit(day: dt.date) -> ibis.DateValue:
    return ibis.literal(day, type="date")


def _day_after(day: ibis.DateValue) -> ibis.DateValue:
    # DuckDB types date + interval as a timestamp, which Ibis still calls a date (so a
    # plain cast to date is dropped); going through timestamp keeps the column a date,
    # and keeps every later comparison date-to-date.
    return (day + ibis.interval(days=1)).cast("timestamp").cast("date")


def _stg_memberships(inputs: Inputs) -> ibis.Table:
    m = inputs.memberships
    return m.select(
        practice_code=m.practice_code,
        from_date=m.from_date,
        to_date=m.to_date.fill_null(_lit(FAR_FUTURE)),
        integration=m.integration,
    )


def _ymd(day):
    """A date as the number yyyymmdd: adding 20000 is "two years later" on every backend.
    ``day``: a ``datetime.date`` or an Ibis date value (the same arithmetic on both)."""
    if isinstance(day, dt.date):
        return day.year * 10000 + day.month * 100 + day.day
    return day.year().cast("int64") * 10000 + day.month().cast("int64") * 100 + day.day().cast("int64")


def leaves_within_follow_gp(integrated, last_day):
    """Whether a full practice whose full span ends on ``last_day`` leaves within the
    "patients follow the GP" window: two years from ``integrated``, the day it became fully
    integrated (the first contract day for a practice full at the start). Then its
    patients registered with it on that day go with it; otherwise they stay (see "Leaving
    full integration" above). Dates or Ibis date values alike: the spans and the demo's
    account of an exit read this one rule."""
    return _ymd(last_day) < _ymd(integrated) + _FOLLOW_GP_YEARS * 10000


def members_on(memberships: ibis.Table, contract: Contract, day: dt.date) -> ibis.Table:
    """The memberships that make a practice a member on ``day`` (with their integration).

    The membership rule of the counted spans: a membership covering the day; before the
    first contract day, one covering the first contract day (the baseline rule). Also read
    by the budget-only mode (``money.per_head``).
    """
    on = max(day, year_start(contract.contract.start_year))
    return memberships.filter((memberships.from_date <= _lit(on)) & (memberships.to_date.isnull() | (memberships.to_date >= _lit(on))))


def _int_effective_memberships(inputs: Inputs, contract: Contract) -> ibis.Table:
    """Membership spans after the baseline, integration-change and exit rules.

    Columns: practice_code (the registered practice), counted_code (the code the days are
    counted under), from_date, to_date (both non-null), integration, and the bounds on
    the start of the registrations the span counts: reg_lo < from_date of the
    registration <= reg_hi, and not skip_lo < from_date <= skip_hi.
    """
    terms = contract.contract
    start = year_start(terms.start_year)
    term_last_day = year_end(terms.years[-1])
    m = _stg_memberships(inputs)
    full = Integration.FULL.value

    # Leaving full integration: a full span that ends inside the term and is not followed
    # the next day by another full span of the practice (it leaves the provider, or
    # returns to an alliance). Patients follow the GP for two years from the day it
    # became fully integrated (the first contract day for a practice full at the start),
    # and only those registered with it on that day: within two years they leave with
    # it (back to its own contract, or out of the provider), and those who registered
    # after that day stay with the provider; later, every patient registered with it
    # when it leaves stays.
    f = m.filter(m.integration == full)
    ends = f.filter((f.to_date >= _lit(start)) & (f.to_date < _lit(term_last_day)))
    ends = ends.mutate(next_day=_day_after(ends.to_date), integrated=ibis.greatest(ends.from_date, _lit(start)))
    followed = f.select(practice_code=f.practice_code, next_day=f.from_date)
    leaves = ends.anti_join(followed, ["practice_code", "next_day"])
    early = leaves_within_follow_gp(leaves.integrated, leaves.to_date)
    # (the last day is carried under its own name: Polars resolves a select's columns in
    # order, so ``to_date`` set below would otherwise be read by ``reg_hi``)
    leaves = leaves.mutate(moved_after=ibis.ifelse(early, leaves.integrated, _lit(_NO_BOUND)), last_day=leaves.to_date)
    stay = leaves.select(
        practice_code=leaves.practice_code,
        counted_code=leaves.practice_code + PROVIDER_SUFFIX,
        from_date=leaves.next_day,
        to_date=_lit(FAR_FUTURE),
        integration=ibis.literal(full, type="string"),
        reg_lo=leaves.moved_after,
        reg_hi=leaves.last_day,
        skip_lo=_lit(_NO_BOUND),
        skip_hi=_lit(_NO_BOUND),
    )
    # The span that follows a return to alliance does not count the patients who stayed.
    skips = leaves.select(
        practice_code=leaves.practice_code, next_day=leaves.next_day, s_lo=leaves.moved_after, s_hi=leaves.last_day
    )

    # Before the first contract day the membership on day one stands for all earlier
    # days, so a membership covering day one runs from FAR_PAST (one span, not a "before"
    # and a "during" part: half as many spans for activity to be joined against).
    current = m.filter(m.to_date >= _lit(start))
    current = current.left_join(skips, [current.practice_code == skips.practice_code, current.from_date == skips.next_day])
    covering = current.from_date <= _lit(start)
    during = current.select(
        practice_code=current.practice_code,
        counted_code=current.practice_code,
        from_date=ibis.ifelse(covering, _lit(FAR_PAST), current.from_date),
        to_date=current.to_date,
        integration=current.integration,
        reg_lo=_lit(_NO_BOUND),
        reg_hi=_lit(FAR_FUTURE),
        skip_lo=current.s_lo.fill_null(_lit(_NO_BOUND)),
        skip_hi=current.s_hi.fill_null(_lit(_NO_BOUND)),
    )
    return ibis.union(during, stay)


def counted_spans(inputs: Inputs, contract: Contract) -> ibis.Table:
    """The day spans on which each person counts in the provider's population.

    Reads registrations, memberships, patients (death_date) and practices (hub).

    Returns:
        Table with columns patient_id, practice_code (the code counted under, with the
        ``-PROVIDER`` suffix after a late exit), hub, integration, from_date and to_date
        (inclusive, never null; open spans run to ``FAR_FUTURE``), and the person's sex and
        birth_year (carried along so later steps need not join ``patients`` again).
        People absent from ``patients`` do not count (the validator reports them).
    """
    r = inputs.registrations
    reg = r.select(
        patient_id=r.patient_id,
        reg_practice=r.practice_code,
        reg_from=r.from_date,
        reg_to=r.to_date.fill_null(_lit(FAR_FUTURE)),
    )
    p = inputs.patients
    deaths = p.select(
        patient_id=p.patient_id,
        sex=p.sex,
        birth_year=p.birth_year,
        death_date=p.death_date.fill_null(_lit(FAR_FUTURE)),
    )
    em = _int_effective_memberships(inputs, contract)
    # Equality join then a filter: the Polars backend has no inequality joins.
    j = reg.join(em, reg.reg_practice == em.practice_code).join(deaths, "patient_id")
    j = j.filter(
        (j.reg_from <= j.to_date)
        & (j.from_date <= j.reg_to)
        & (j.reg_from > j.reg_lo)
        & (j.reg_from <= j.reg_hi)
        & ~((j.reg_from > j.skip_lo) & (j.reg_from <= j.skip_hi))
    )
    spans = j.select(
        patient_id=j.patient_id,
        sex=j.sex,
        birth_year=j.birth_year,
        registered_code=j.reg_practice,
        practice_code=j.counted_code,
        integration=j.integration,
        # No one is counted before the year they were born (inputs.checks.life_events
        # warns of activity dated earlier, which is then unattributed).
        from_date=ibis.greatest(j.reg_from, j.from_date, ibis.date(j.birth_year, 1, 1)),
        to_date=ibis.least(j.reg_to, j.to_date, j.death_date),
    )
    spans = spans.filter(spans.from_date <= spans.to_date)
    pr = inputs.practices.select("practice_code", "hub").rename(registered_code="practice_code")
    spans = spans.left_join(pr, "registered_code")
    return spans.select("patient_id", "practice_code", "hub", "integration", "from_date", "to_date", "sex", "birth_year")


def year_ranges(years) -> tuple[tuple[dt.date, dt.date], ...]:
    """The days of ``years`` as inclusive date ranges, consecutive years merged.

    (2026, 2027, 2029) gives 2026-04-01..2028-03-31 and 2029-04-01..2030-03-31, so a
    filter on them is one or two range tests, which DuckDB and Parquet readers turn into
    row-group skipping (an ``isin`` on a computed year is not).
    """
    ranges: list[list] = []
    for y in sorted(set(years)):
        if ranges and ranges[-1][2] == y - 1:
            ranges[-1][1], ranges[-1][2] = year_end(y), y
        else:
            ranges.append([year_start(y), year_end(y), y])
    return tuple((first, last) for first, last, _ in ranges)


def _any(tests: list[ibis.BooleanValue]) -> ibis.BooleanValue:
    return functools.reduce(operator.or_, tests) if tests else ibis.literal(False)


def dated_in(day: ibis.DateValue, years) -> ibis.BooleanValue:
    """True where the date column ``day`` falls in one of the contract ``years``."""
    return _any([(day >= _lit(first)) & (day <= _lit(last)) for first, last in year_ranges(years)])


def _overlaps(spans: ibis.Table, years) -> ibis.BooleanValue:
    return _any([(spans.to_date >= _lit(first)) & (spans.from_date <= _lit(last)) for first, last in year_ranges(years)])


_SPAN_COLUMNS = ("practice_code", "hub", "integration", "sex", "birth_year")


def attribute(activity: ibis.Table, spans: ibis.Table, years=None, extra: tuple[str, ...] = _SPAN_COLUMNS) -> ibis.Table:
    """Activity rows dated inside a counted span of their person, with that span's columns.

    Args:
        activity: the activity table.
        spans: ``counted_spans(...)``, or any table of patient_id, from_date, to_date
            and the ``extra`` columns.
        years: if given, only activity dated in these contract years is read, and only
            spans overlapping them are joined (a smaller hash table, and Parquet row
            groups outside the years are skipped).
        extra: the span columns carried to each activity row.

    Returns:
        One row per attributed activity row: patient_id, date, year (contract year of the
        date), service, cost_pence, then the ``extra`` columns (by default practice_code,
        hub, integration, sex, birth_year).
    """
    a = activity.select("patient_id", "date", "service", "cost_pence")
    s = spans.select("patient_id", "from_date", "to_date", *extra)
    if years is not None:
        a = a.filter(dated_in(a.date, years))
        s = s.filter(_overlaps(s, years))
    j = a.join(s, "patient_id")
    j = j.filter((j.date >= j.from_date) & (j.date <= j.to_date))
    return j.select(
        patient_id=j.patient_id,
        date=j.date,
        year=fy_of(j.date),
        service=j.service,
        cost_pence=j.cost_pence,
        **{c: j[c] for c in extra},
    )

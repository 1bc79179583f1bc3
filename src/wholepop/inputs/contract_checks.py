"""Checks that need the contract as well as the data (run only when one is given).

Same signature as the data checks (``wholepop.inputs.checks``)::

    def check(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]

Each returns nothing when ``contract`` is None. Later stages add their own
contract-dependent checks (hub sizes, exit windows, ...) by writing such a function and
adding it to ``CONTRACT_CHECKS`` (or to ``wholepop.inputs.validate.CHECKS``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from wholepop.contract.calendar import financial_year, year_end, year_start
from wholepop.inputs.checks import BLOCKS, FAR_FUTURE
from wholepop.inputs.listing import listed
from wholepop.inputs.problems import Problem, Severity
from wholepop.inputs.raw import ROW, RawInputs
from wholepop.vocab import FORM_SIZE, RATE_METRICS, BuiltInMetric

if TYPE_CHECKING:
    from wholepop.contract.model import Contract

__all__ = ["BuiltInMetric", "CONTRACT_CHECKS", "RATE_METRICS"]


# A care hub serves 30,000-50,000 people (DESIGN section 1).
HUB_MIN, HUB_MAX = 30_000, 50_000


def contract_years_in_data(raw: RawInputs, contract: Contract) -> tuple[int, ...]:
    """Contract years that the activity data reaches (from its first to its last date)."""
    if not raw.has("activity", "date"):
        return ()
    dates = raw["activity"].values.date
    span = raw.backend.to_pyarrow(
        raw["activity"].values.aggregate(first=dates.min(), last=dates.max())
    ).to_pylist()[0]
    if span["first"] is None:
        return ()
    first, last = financial_year(span["first"]), financial_year(span["last"])
    return tuple(y for y in contract.contract.years if first <= y <= last)


def metric_measures(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Each metric wholepop does not compute has a value in ``measures`` for each contract
    year the data reaches. Error (blocks money)."""
    if contract is None:
        return
    supplied = [m for m in contract.performance.metrics if m.id not in set(BuiltInMetric)]
    if not supplied:
        return
    years = contract_years_in_data(raw, contract)
    if not years:
        return
    have: set[tuple[int, str]] = set()
    if raw.has("measures", "year", "measure"):
        v = raw["measures"].values
        wanted = v.filter(v.measure.isin([m.id for m in supplied]) & v.year.isin(list(years)) & v.value.notnull())
        found = raw.backend.to_pyarrow(wanted.select("year", "measure").distinct()).to_pylist()
        have = {(r["year"], r["measure"]) for r in found}
    for m in supplied:
        for year in years:
            if (year, m.id) not in have:
                yield Problem(
                    "measures",
                    None,
                    "measure",
                    f"no value for metric {m.id!r} in contract year {year} "
                    "(wholepop does not compute it, so measures must supply it)",
                    Severity.ERROR,
                    BLOCKS["measures"],
                )


def memberships_cover_practices(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Every practice has a membership span during the contract term. Error."""
    if contract is None or not raw.has("practices", "practice_code") or not raw.has("memberships", "practice_code", "from_date"):
        return
    years = contract.contract.years
    start, end = year_start(years[0]), year_end(years[-1])
    m = raw["memberships"].values
    during = m.filter(m.from_date <= end, m.to_date.fill_null(FAR_FUTURE) >= start).select(
        practice_code=m.practice_code
    )
    p = raw["practices"].values
    bad = p.filter(p.practice_code.notnull()).anti_join(during, "practice_code").select(ROW)
    yield from listed(
        raw, "practices", bad, column="practice_code",
        message=f"no membership during the contract term, {start} to {end}: its patients are not counted",
        severity=Severity.WARNING, blocks=BLOCKS["memberships"],
    )


def population_size(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Hubs outside 30,000-50,000 people and a provider below ``min_population``, counted on
    the first day of the first contract year (or of the baseline year when the data ends
    before). Warnings (a size outside the model's range is a planning concern, not bad data).
    """
    if contract is None or not (
        raw.has("registrations", "patient_id", "practice_code", "from_date")
        and raw.has("practices", "practice_code", "hub")
        and raw.has("memberships", "practice_code", "from_date")
    ):
        return
    import datetime as dt

    r, p, m = raw["registrations"].values, raw["practices"].values, raw["memberships"].values

    def people_by_hub(day: dt.date) -> list[dict]:
        on_day = lambda t, lo, hi: (t[lo] <= day) & (t[hi].fill_null(FAR_FUTURE) >= day)  # noqa: E731
        members = m.filter(on_day(m, "from_date", "to_date")).select("practice_code").distinct()
        regs = r.filter(on_day(r, "from_date", "to_date")).select("patient_id", "practice_code")
        hubs = p.select("practice_code", "hub").distinct().inner_join(members, "practice_code")
        people = regs.inner_join(hubs, "practice_code")
        return raw.backend.to_pyarrow(people.group_by("hub").aggregate(people=people.patient_id.nunique())).to_pylist()

    day = dt.date(contract.contract.start_year, 4, 1)
    rows = people_by_hub(day)
    if not rows:  # the data ends before the contract starts: size it on its baseline year
        day = dt.date(contract.contract.baseline_year, 4, 1)
        rows = people_by_hub(day)
    total = sum(x["people"] for x in rows)
    for x in sorted(rows, key=lambda x: str(x["hub"])):
        if not HUB_MIN <= x["people"] <= HUB_MAX:
            yield Problem(
                "practices", None, "hub",
                f"hub {x['hub']} serves {x['people']:,} people on {day} (expected {HUB_MIN:,}-{HUB_MAX:,})",
                Severity.WARNING, ("population",),
            )
    size = FORM_SIZE.get(contract.form)
    if size is not None and not (size[0] <= total and (size[1] is None or total <= size[1])):
        expected = f"{size[0]:,}-{size[1]:,}" if size[1] is not None else f"{size[0]:,} or more"
        yield Problem(
            "registrations", None, None,
            f"the provider serves {total:,} people on {day}; a {contract.form.value} contract is designed for {expected}",
            Severity.WARNING, ("population", "money"),
        )
    if total < contract.contract.min_population:
        yield Problem(
            "registrations", None, None,
            f"the provider serves {total:,} people on {day}, below contract.min_population {contract.contract.min_population:,}",
            Severity.WARNING, ("population", "money"),
        )


def contract_file(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """What the contract asks of the data, and terms that cannot all apply.

    * ``need_weighting = "supplied"`` needs a ``weights`` table: error (never silently
      unweighted);
    * an exit window longer than the term: warning (no practice can ever leave).
    """
    if contract is None:
        return
    from wholepop.vocab import NeedWeighting

    if contract.budget.need_weighting is NeedWeighting.SUPPLIED and (
        "weights" not in raw.tables or raw.rows("weights") == 0
    ):
        yield Problem(
            "weights", None, None,
            'the contract sets budget.need_weighting = "supplied", but no weights table was given '
            "(expected weights.csv or weights.parquet: NHS England's weighted populations per practice)",
            Severity.ERROR, BLOCKS["weights"],
        )
    c = contract.contract
    # Only a window the contract states: the default of two years is no one's mistake.
    if "exit_window_years" in c.model_fields_set and c.exit_window_years > c.term_years:
        yield Problem(
            "contract", None, "contract.exit_window_years",
            f"{c.exit_window_years} years is longer than the term of {c.term_years} years, so no exit window "
            "falls inside it (expected at most term_years)",
            Severity.WARNING, ("money",),
        )


def _exit_windows(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    from wholepop.inputs.exits import exit_windows_check

    return exit_windows_check(raw, contract)


def contract_terms(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """The contract's own warnings (``Contract.warnings``): keys that no longer apply and
    values outside a plausible range, each naming its key path."""
    if contract is None:
        return
    for key, message in contract.warnings():
        yield Problem("contract", None, key, message, Severity.WARNING, ("money",))


CONTRACT_CHECKS = (contract_terms, contract_file, metric_measures, memberships_cover_practices, population_size, _exit_windows)

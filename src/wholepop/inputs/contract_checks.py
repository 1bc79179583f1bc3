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

from wholepop.inputs.checks import BLOCKS, FAR_FUTURE
from wholepop.inputs.listing import listed
from wholepop.inputs.problems import Problem, Severity
from wholepop.inputs.raw import ROW, RawInputs

if TYPE_CHECKING:
    from wholepop.contract.model import Contract

__all__ = ["BUILT_IN_METRICS", "CONTRACT_CHECKS"]

# Performance metrics wholepop computes from the data; any other metric id in a contract
# must be supplied, per contract year, in the `measures` table.
BUILT_IN_METRICS: tuple[str, ...] = (
    "emergency_admissions_per_1000",
    "ae_attendances_per_1000",
    "outpatient_attendances_per_1000",
    "extensive_care_contact_rate",
    "elective_spend_per_head",
)


def contract_years_in_data(raw: RawInputs, contract: Contract) -> tuple[int, ...]:
    """Contract years that the activity data reaches (from its first to its last date)."""
    from wholepop.contract.calendar import financial_year  # (wholepop.contract imports this package)

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
    supplied = [m for m in contract.performance.metrics if m.id not in BUILT_IN_METRICS]
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
    from wholepop.contract.calendar import year_end, year_start

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
        message=f"no membership during the contract term, {start} to {end} (expected a memberships row covering it)",
        severity=Severity.ERROR, blocks=BLOCKS["memberships"],
    )


CONTRACT_CHECKS = (metric_measures, memberships_cover_practices)

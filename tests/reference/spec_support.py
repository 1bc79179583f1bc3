"""Helpers of the population, costing and segments spec tests (imported, not a conftest).

Each spec test writes a few rows inline, makes one call and expects one answer; the root
``engine`` fixture runs it on DuckDB and on Polars. (A ``tests/spec/conftest.py`` would
shadow ``tests/conftest.py`` for tests that import from ``conftest``.)
"""

from __future__ import annotations

from wholepop.contract import Contract, parse_contract

# The practice tables almost every spec test needs: A and B in hub H1, C in hub H2; A is
# fully integrated from the first contract day, B partial, C full.
PRACTICES = """
    practice_code,practice_name,hub
    A,Alpha,H1
    B,Beta,H1
    C,Gamma,H2
"""
MEMBERSHIPS = """
    practice_code,from_date,to_date,integration
    A,2027-04-01,,full
    B,2027-04-01,,partial
    C,2027-04-01,,full
"""


def make_contract(
    need_weighting: str = "none",
    extensive_care_share: float = 0.0,
    start_year: int = 2027,
    baseline_year: int = 2026,
    term_years: int = 5,
) -> Contract:
    """A minimal full-form contract: start 2027, baseline 2026, five years, no weighting."""
    return parse_contract(
        f"""
        [contract]
        name = "Spec MCP"
        form = "full"
        start_year = {start_year}
        baseline_year = {baseline_year}
        term_years = {term_years}
        [budget]
        need_weighting = "{need_weighting}"
        [segments]
        extensive_care_share = {extensive_care_share}
        """.replace("\n        ", "\n")
    )



def collect(table, *columns: str, digits: int = 9) -> list[dict]:
    """Rows of ``table`` (only ``columns`` if given), sorted, floats rounded.

    ``table`` is an Ibis table (executed here) or a list of dicts (an expected answer,
    put in the same order).
    """
    got = table if isinstance(table, list) else table.to_pyarrow().to_pylist()
    out = []
    for r in got:
        r = {k: (round(v, digits) if isinstance(v, float) else v) for k, v in r.items() if not columns or k in columns}
        out.append(r)
    return sorted(out, key=lambda r: tuple(str(r[k]) for k in sorted(r)))


# The default practices and memberships, to extend with ``{**BASE, ...}``.
BASE = {"practices": PRACTICES, "memberships": MEMBERSHIPS}

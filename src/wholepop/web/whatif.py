"""Money on prepared facts: a statement or a projection for a contract, without rebuilding.

These are what make the What-if page answer in well under a second: the facts (and the
projection's baseline cells) come from ``workspace.Prepared``; only the money rules and a
reduced Monte Carlo run here. The full run (``FULL_RUNS``) is on request.
"""

from __future__ import annotations

from collections.abc import Mapping

from wholepop.contract import Contract
from wholepop.errors import UserError
from wholepop.money import settle as settle_money
from wholepop.money.facts import MoneyFacts
from wholepop.money.statement import Statement
from wholepop.web.terms import contract_to_form, errors_by_field, field_names, form_to_toml, validate

__all__ = ["FULL_RUNS", "QUICK_RUNS", "project", "settle", "with_terms"]

QUICK_RUNS = 200  # Monte Carlo runs while terms move (percentiles within a few per cent of the full run)
FULL_RUNS = 1000  # the CLI's default, on request
HORIZONS = (15,)  # the What-if page offers the contract's own term and these (an MCP runs 10-15 years)


def settle(facts: MoneyFacts, contract: Contract, year: int) -> Statement:
    """The statement of ``year`` under ``contract``, from facts already gathered (the same
    checks and rules as ``pipeline.settle``).

    Raises:
        UserError: ``year`` is not a contract year, or the facts hold no population in it
            or in the baseline year.
    """
    c = contract
    if year not in c.contract.years:
        raise UserError(f"--year: {year} is not a contract year of {c.name} ({c.contract.years[0]}-{c.contract.years[-1]})")
    if not any(p.year == year for p in facts.practices):
        raise UserError(f"--year: the data holds no registered population in contract year {year}")
    if not any(p.year == c.contract.baseline_year for p in facts.practices):
        raise UserError(f"the data holds no registered population in the baseline year {c.contract.baseline_year}")
    return settle_money(facts, c, year)


def project(base, contract: Contract, runs: int = QUICK_RUNS, seed: int = 0, scenario=None,
            horizon: int | None = None, settled: MoneyFacts | None = None) -> dict:
    """The projection (``wholepop project --json``'s document) from the baseline cells, with
    ``runs`` Monte Carlo runs, over the contract's term or ``horizon`` years from its start
    (the scenario's ``horizon_years``, as ``project --scenario`` sets it).

    ``settled``: the facts of the years ``settle`` would settle (``Prepared.facts``): those
    years are settled under ``contract`` and the projection continues from the last, as
    ``wholepop project`` does; None projects every year from the baseline."""
    from wholepop.projection import default_scenario, project as project_term, simulate
    from wholepop.projection.summary import summary

    scenario = scenario or default_scenario()
    if horizon is not None:
        scenario = scenario.model_copy(update={"scenario": scenario.scenario.model_copy(update={"horizon_years": horizon})})
    projection = project_term(base, contract, scenario, settled)
    mc = simulate(projection, runs, seed) if runs else None
    return summary(projection, mc)


def with_terms(contract: Contract, changes: Mapping[str, object]) -> tuple[Contract | None, dict[str, list[str]], str]:
    """``contract`` with the form fields ``changes`` set (key path -> typed text).

    Returns:
        (the new contract or None, its errors by field in ``check``'s words, its TOML).
    """
    values = contract_to_form(contract.model_dump(mode="python", exclude_none=True))
    values.update(changes)
    text = form_to_toml(values)
    new, lines = validate(text)
    return new, errors_by_field(lines, field_names(values)), text

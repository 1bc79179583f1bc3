"""``wholepop population`` and ``wholepop caseload``: who the provider covers, and its cohort.

``population`` prints (and writes as JSON) one year's person-months and weighted
population by hub and practice, the care-model segments, spend by service line, the
activity no registration explains, and how concentrated spend is.
``caseload`` writes the RESTRICTED patient-level extensive-care list.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import ibis
import pyarrow.parquet as pq
import typer
from rich.table import Table

from wholepop import costing, population, segments
from wholepop.cli.app import app, console, err_console
from wholepop.contract import Contract, load_contract
from wholepop.errors import InputError, UserError
from wholepop.inputs.problems import Severity
from wholepop.inputs.validate import load_inputs
from wholepop.vocab import Segment, Service
from wholepop.numbers import gbp

RESTRICTED_KEY = b"wholepop.restricted"
_DP = 4
_names = (f"population__step{i}" for i in itertools.count())


def _keep(backend, expr: ibis.Table) -> ibis.Table:
    """Compute ``expr`` once and hold the result, so later stages do not recompute it."""
    if backend.name == "duckdb":
        return backend.create_table(next(_names), expr, temp=True)
    return ibis.memtable(expr.to_pyarrow())


_STAGES = frozenset({"population", "segments", "costing"})


def _blocks_us(problem) -> bool:
    return not problem.blocks or bool(_STAGES & set(problem.blocks))


def _prepare(data: Path, contract_path: Path, engine: str, year: int):
    contract = load_contract(contract_path)
    c = contract.contract
    if year != c.baseline_year and year not in c.years:
        raise UserError(
            f"--year: {year} is neither the baseline year ({c.baseline_year}) nor a contract year "
            f"({c.years[0]}-{c.years[-1]})"
        )
    inputs, problems = load_inputs(data, contract, engine=engine)
    # An error that endangers only later stages (e.g. a missing performance measure
    # blocks only money) does not stop a population summary; it is still shown.
    errors = tuple(p for p in problems if p.severity is Severity.ERROR and _blocks_us(p))
    if errors:
        raise InputError(errors)
    for p in problems:
        label = "warning" if p.severity is Severity.WARNING else f"error (blocks {', '.join(p.blocks)})"
        err_console.print(f"{label}: {p}", highlight=False)
    b = inputs.backend
    spans = _keep(b, population.counted_spans(inputs, contract))
    costs = _keep(b, costing.cost(inputs, contract, (year,), spans))
    # Costs of a contract year do not hold the baseline the need weights read: then the
    # population stage attributes the baseline activity itself, to 60 cells, which is
    # cheaper than costing the baseline year per person.
    base_costs = costs if year == c.baseline_year else None
    pop = _keep(b, population.person_months(inputs, contract, years=(year,), spans=spans, costs=base_costs))
    segs = _keep(b, segments.segment(pop, costs, inputs, contract))
    return contract, inputs, pop, costs, segs


def _rows(expr: ibis.Table) -> list[dict]:
    return expr.to_pyarrow().to_pylist()


def summary(contract: Contract, inputs, pop: ibis.Table, costs: ibis.Table, segs: ibis.Table, year: int) -> dict:
    """The JSON document of ``wholepop population`` for one year (keys fixed by issue 3)."""
    p = pop.filter(pop.year == year)
    c = costs.filter(costs.year == year)
    totals = _rows(p.aggregate(person_months=p.person_months.sum(), weighted_population=p.weighted_population.sum()))[0]
    hubs = _rows(p.group_by("hub").agg(person_months=p.person_months.sum(), weighted_population=p.weighted_population.sum()))
    practices = _rows(
        p.group_by("practice_code", "hub").agg(
            person_months=p.person_months.sum(), weighted_population=p.weighted_population.sum()
        )
    )
    s = segs.filter(segs.year == year)
    spend = c.group_by("patient_id").agg(spend_pence=c.cost_pence.sum())
    sj = s.left_join(spend, "patient_id")
    by_segment = {
        r["segment"]: r
        for r in _rows(sj.group_by("segment").agg(people=sj.count(), spend_pence=sj.spend_pence.sum().fill_null(0)))
    }
    by_service = {r["service"]: r["spend_pence"] for r in _rows(c.group_by("service").agg(spend_pence=c.cost_pence.sum()))}
    u = population.unattributed(inputs, contract, years=(year,), costs=costs)
    unattributed_rows = _rows(u.aggregate(rows=u.rows.sum()))[0]["rows"] or 0
    conc = costing.concentration(costs, pop, year)

    def months(r: dict) -> dict:
        return {
            "person_months": round(r["person_months"] or 0.0, _DP),
            "weighted_population": round(r["weighted_population"] or 0.0, _DP),
        }

    return {
        "year": year,
        **months(totals),
        "hubs": [{"hub": r["hub"], **months(r)} for r in sorted(hubs, key=lambda r: str(r["hub"]))],
        "practices": [
            {"practice_code": r["practice_code"], "hub": r["hub"], **months(r)}
            for r in sorted(practices, key=lambda r: r["practice_code"])
        ],
        "segments": [
            {
                "segment": level.value,
                "people": int(by_segment.get(level.value, {}).get("people") or 0),
                "spend_pence": int(by_segment.get(level.value, {}).get("spend_pence") or 0),
            }
            for level in Segment
        ],
        "services": [{"service": sv.value, "spend_pence": int(by_service[sv.value])} for sv in Service if sv.value in by_service],
        "unattributed_activity_rows": int(unattributed_rows),
        "concentration": {k: round(v, _DP) for k, v in conc.as_dict().items()},
    }


def _print(doc: dict) -> None:
    y = doc["year"]
    console.print(
        f"Contract year {y}-{(y + 1) % 100:02d}: {doc['person_months']:,.1f} person-months, "
        f"weighted population {doc['weighted_population']:,.1f}",
        highlight=False,
    )
    t = Table(title="Hubs", title_justify="left")
    for col in ("hub", "person-months", "weighted population"):
        t.add_column(col, justify="left" if col == "hub" else "right")
    for r in doc["hubs"]:
        t.add_row(str(r["hub"]), f"{r['person_months']:,.1f}", f"{r['weighted_population']:,.1f}")
    console.print(t)
    t = Table(title="Practices", title_justify="left")
    for col in ("practice", "hub", "person-months", "weighted population"):
        t.add_column(col, justify="left" if col in ("practice", "hub") else "right")
    for r in doc["practices"]:
        t.add_row(r["practice_code"], str(r["hub"]), f"{r['person_months']:,.1f}", f"{r['weighted_population']:,.1f}")
    console.print(t)
    t = Table(title="Care-model segments", title_justify="left")
    for col in ("segment", "people", "spend £"):
        t.add_column(col, justify="left" if col == "segment" else "right")
    for r in doc["segments"]:
        t.add_row(r["segment"], f"{r['people']:,}", gbp(r['spend_pence']))
    console.print(t)
    t = Table(title="Spend by service line (attributed)", title_justify="left")
    t.add_column("service")
    t.add_column("spend £", justify="right")
    for r in doc["services"]:
        t.add_row(r["service"], gbp(r['spend_pence']))
    console.print(t)
    c = doc["concentration"]
    console.print(
        f"Costliest 1% / 2% / 5% / 20% of people: {c['top_1']:.1%} / {c['top_2']:.1%} / {c['top_5']:.1%} / {c['top_20']:.1%} of spend",
        highlight=False,
    )
    console.print(f"Activity rows outside every counted registration: {doc['unattributed_activity_rows']:,}", highlight=False)


@app.command("population")
def population_command(
    data: Path = typer.Option(..., "--data", help="input folder (Parquet or CSV files)"),
    contract: Path = typer.Option(..., "--contract", help="contract TOML file"),
    year: int = typer.Option(..., "--year", help="contract year (or the baseline year)"),
    json_out: Path = typer.Option(None, "--json", help="also write the summary as JSON here"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
) -> None:
    """Person-months, weighted population, segments and spend of one contract year."""
    c, inputs, pop, costs, segs = _prepare(data, contract, engine, year)
    doc = summary(c, inputs, pop, costs, segs, year)
    _print(doc)
    if json_out is not None:
        json_out.write_text(json.dumps(doc, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)


@app.command("caseload")
def caseload_command(
    data: Path = typer.Option(..., "--data", help="input folder (Parquet or CSV files)"),
    contract: Path = typer.Option(..., "--contract", help="contract TOML file"),
    year: int = typer.Option(..., "--year", help="contract year"),
    out: Path = typer.Option(..., "--out", help="Parquet file to write (RESTRICTED: patient-level)"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
) -> None:
    """Write the extensive-care caseload (very-high-needs people per hub): RESTRICTED."""
    if not out.parent.is_dir():
        raise UserError(f"--out: folder {out.parent} does not exist")
    c, inputs, pop, costs, segs = _prepare(data, contract, engine, year)
    table = segments.caseload(segs, pop, inputs, year).to_pyarrow()
    table = table.sort_by([("hub", "ascending"), ("need_score", "descending"), ("patient_id", "ascending")])
    meta = dict(table.schema.metadata or {})
    meta[RESTRICTED_KEY] = b"true"
    pq.write_table(table.replace_schema_metadata(meta), out)
    hubs = len(set(table.column("hub").to_pylist()))
    err_console.print(
        "[bold red]RESTRICTED[/]: patient-level extensive-care caseload (pseudonymised ids). "
        "Share only with the care teams entitled to see it; never publish.",
        highlight=False,
    )
    console.print(f"wrote {out}: {table.num_rows:,} people in {hubs} hubs, year {year}", highlight=False)


__all__ = ["caseload_command", "population_command", "summary"]

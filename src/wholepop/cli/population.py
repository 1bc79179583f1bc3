"""``wholepop population`` and ``wholepop caseload``: who the provider covers, and its cohort.

``population`` prints (and writes as JSON) one year's person-months and weighted
population by hub and practice, the care-model segments, spend by service line, the
activity no registration explains, and how concentrated spend is.
``caseload`` writes the RESTRICTED patient-level extensive-care list.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pyarrow.parquet as pq
import typer
from rich.table import Table

from wholepop import segments
from wholepop.cli.app import app, console, err_console
from wholepop.contract import load_contract
from wholepop.errors import UserError
from wholepop.inputs.problems import Severity
from wholepop.numbers import gbp
from wholepop.pipeline import Run, prepared, year_aggregates
from wholepop.vocab import Service

RESTRICTED_KEY = b"wholepop.restricted"
_DP = 4
# The stages a population summary reads: an error that blocks only later ones (e.g. a
# missing performance measure blocks only money) does not stop it; it is still shown.
_NEEDS = frozenset({"population", "segments", "costing"})


@contextmanager
def _prepared(data: Path, contract_path: Path, engine: str, year: int) -> Iterator[Run]:
    """The pipeline's run for ``year`` (and the baseline it needs), its problems printed."""
    c = load_contract(contract_path).contract
    if year != c.baseline_year and year not in c.years:
        raise UserError(
            f"--year: {year} is neither the baseline year ({c.baseline_year}) nor a contract year "
            f"({c.years[0]}-{c.years[-1]})"
        )
    with prepared(data, contract_path, engine, (year,), needs=_NEEDS) as run:
        for p in run.problems:
            label = "warning" if p.severity is Severity.WARNING else f"error (blocks {', '.join(p.blocks)})"
            err_console.print(f"{label}: {p}", highlight=False)
        yield run


def summary(run: Run, year: int) -> dict:
    """The JSON document of ``wholepop population`` for one year (keys fixed by issue 3),
    from ``pipeline.year_aggregates`` (which the report reads too)."""
    a = year_aggregates(run, year)

    def months(r) -> dict:
        return {
            "person_months": round(r["person_months"] or 0.0, _DP),
            "weighted_population": round(r["weighted_population"] or 0.0, _DP),
        }

    return {
        "year": year,
        **months({"person_months": a.person_months, "weighted_population": a.weighted_population}),
        "hubs": [{"hub": r["hub"], **months(r)} for r in a.hubs],
        "practices": [{"practice_code": r["practice_code"], "hub": r["hub"], **months(r)} for r in a.practices],
        "segments": list(a.segments),
        "services": [{"service": sv.value, "spend_pence": a.services[sv.value]} for sv in Service if sv.value in a.services],
        "unattributed_activity_rows": a.unattributed_rows,
        "concentration": {k: round(v, _DP) for k, v in a.concentration.as_dict().items()},
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
    with _prepared(data, contract, engine, year) as run:
        doc = summary(run, year)
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
    with _prepared(data, contract, engine, year) as run:
        table = segments.caseload(run.segments, run.population, run.inputs, year).to_pyarrow()
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

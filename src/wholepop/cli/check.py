"""``wholepop check --data DIR [--contract FILE]``: validate an input folder, list every problem.

Prints each problem on its own line (errors red, warnings yellow) and a count; exits 1
when any is an error. When the data is clean, prints a short summary: people, practices,
hubs, activity rows, and spend per head per contract year by service line.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from wholepop.cli.app import app, console
from wholepop.engine import ALL_ENGINES
from wholepop.errors import InputError, UserError
from wholepop.inputs import load_inputs
from wholepop.inputs.problems import Severity
from wholepop.inputs.summary import InputSummary, summarise
from wholepop.inputs.vocab import Service
from wholepop.money.pence import D, pounds, to_pence

_STYLE = {Severity.ERROR: "red", Severity.WARNING: "yellow"}


@app.command()
def check(
    data: Path = typer.Option(..., "--data", help="data folder: one Parquet or CSV file per input table"),
    contract: Path | None = typer.Option(None, "--contract", help="contract file: also check it, and the data against it"),
    engine: str = typer.Option("duckdb", "--engine", help=f"engine: {', '.join(ALL_ENGINES)}"),
) -> None:
    """Validate the input folder DATA (and a contract) and list every problem at once."""
    if engine not in ALL_ENGINES:
        raise UserError(f"--engine: unknown engine {engine!r}; expected one of {', '.join(ALL_ENGINES)}")
    if not data.is_dir():
        raise UserError(f"--data: {data} is not a folder")
    inputs, problems = load_inputs(data, contract, engine=engine)
    for p in problems:
        console.print(f"[{_STYLE[p.severity]}]{escape(str(p))}[/]", highlight=False, soft_wrap=True)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    console.print(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}", highlight=False)
    if errors:
        raise InputError(tuple(p for p in problems if p.severity is Severity.ERROR),
                         f"the input data has {_plural(errors, 'error')} (listed above)")
    _print_summary(summarise(inputs))


def _plural(n: int, noun: str, nouns: str | None = None) -> str:
    return f"{n:,} {noun if n == 1 else (nouns or noun + 's')}"


def _print_summary(s: InputSummary) -> None:
    console.print(
        f"{_plural(s.people, 'person', 'people')}, {_plural(s.practices, 'practice')}, {_plural(s.hubs, 'hub')}, "
        f"{_plural(s.activity_rows, 'activity row')}",
        highlight=False,
    )
    if not s.years:
        return
    table = Table(title="spend per head (£) by contract year (April-March)", title_justify="left")
    table.add_column("service", no_wrap=True)
    for y in s.years:
        table.add_column(str(y.year), justify="right")
    table.add_row("people registered", *[f"{y.heads:,}" for y in s.years], style="dim")
    present = {svc for y in s.years for svc, _ in y.pence}
    services = [svc for svc in Service if svc in present]
    for svc in services:
        cells = []
        for y in s.years:
            pence = dict(y.pence).get(svc)
            cells.append("" if pence is None or not y.heads else f"{pounds(to_pence(D(pence) / y.heads)):,}")
        table.add_row(svc.value, *cells)
    totals = [f"{pounds(to_pence(D(sum(p for _, p in y.pence)) / y.heads)):,}" if y.heads else "" for y in s.years]
    table.add_row("total", *totals, style="bold")
    console.print(table)

"""``wholepop check --data DIR [--contract FILE]``: validate an input folder, list every problem.

Prints each problem on its own line (errors red, warnings yellow) and a count; exits 2
when the contract is invalid (as ``settle`` does), 1 when the data has an error. When the
data is clean, prints a short summary: people, practices, hubs, activity rows, spend per
head per contract year by service line, and the coverage of the activity: by contract
year ("2027 complete; 2028 months 1-6; 2029-2041 no data") and rows by month and line.
"""

from __future__ import annotations

from pathlib import Path

import typer
from rich import box
from rich.markup import escape
from rich.table import Table

from wholepop.cli.app import app, console
from wholepop.contract import load_contract
from wholepop.engine import ALL_ENGINES
from wholepop.errors import ContractError, InputError, UserError
from wholepop.inputs import load_inputs
from wholepop.inputs.coverage import Coverage, assess, measure, months_text
from wholepop.inputs.problems import Severity
from wholepop.inputs.summary import InputSummary, summarise
from wholepop.inputs.validate import contract_problems
from wholepop.money.pence import D, to_pence
from wholepop.numbers import gbp
from wholepop.vocab import Service

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
    terms = None
    contract_error = None
    if contract is not None:
        try:
            terms = load_contract(contract)
        except ContractError as e:
            contract_error = e
    inputs, problems = load_inputs(data, terms, engine=engine)
    if contract_error is not None:
        problems = contract_problems(contract_error) + tuple(problems)
    for p in problems:
        console.print(f"[{_STYLE[p.severity]}]{escape(str(p))}[/]", highlight=False, soft_wrap=True)
    errors = sum(p.severity is Severity.ERROR for p in problems)
    warnings = len(problems) - errors
    console.print(f"{_plural(errors, 'error')}, {_plural(warnings, 'warning')}", highlight=False)
    if contract_error is not None:
        raise ContractError(f"the contract {contract} is invalid (listed above)")
    if errors:
        raise InputError(tuple(p for p in problems if p.severity is Severity.ERROR),
                         f"the input data has {_plural(errors, 'error')} (listed above)")
    _print_summary(summarise(inputs))
    if terms is not None:
        _print_coverage(measure(inputs), terms)


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
            cells.append("" if pence is None or not y.heads else gbp(to_pence(D(pence) / y.heads)))
        table.add_row(svc.value, *cells)
    totals = [gbp(to_pence(D(sum(p for _, p in y.pence)) / y.heads)) if y.heads else "" for y in s.years]
    table.add_row("total", *totals, style="bold")
    console.print(table)


_MONTH_HEADS = ("Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec", "Jan", "Feb", "Mar")


def _print_coverage(cov: Coverage, terms) -> None:
    """Coverage by contract year, then activity rows by month and service line for the
    baseline and each year with data (a gap in red, a month that cannot be judged dim)."""
    base = terms.contract.baseline_year
    threshold = terms.coverage.min_rows
    judged = {y: assess(cov, y, base, threshold) for y in (base, *terms.contract.years)}
    words: list[str] = []
    run: list[int] = []  # a run of years without data, written "2029-2041 no data"

    def flush() -> None:
        if run:
            words.append(f"{run[0]}{'-' + str(run[-1]) if len(run) > 1 else ''} no data")
            run.clear()

    for y, jc in judged.items():
        if jc.status == "no data":
            run.append(y)
            continue
        flush()
        words.append(jc.describe() + (" (baseline)" if y == base else ""))
    flush()
    declared = f"declared {cov.declared[0]} to {cov.declared[1]}" if cov.declared else "no coverage declared"
    console.print(f"coverage of activity by contract year ({declared}): " + "; ".join(words), highlight=False, soft_wrap=True)
    for jc in judged.values():
        for reason in jc.refusals() if jc.status == "partial" else ():
            console.print(f"[yellow]  {escape(reason)}[/]", highlight=False, soft_wrap=True)
        unjudged = [m for m in jc.unjudged if m not in jc.gap_months]
        if unjudged and jc.status != "no data":
            console.print(
                f"  {jc.year}: {months_text(jc.year, tuple(unjudged))}: a line with no activity had fewer than "
                f"{threshold} rows in the baseline's same month, too few to judge (\\[coverage] min_rows)",
                highlight=False, soft_wrap=True, style="dim",
            )
    services = [s.value for s in Service if s.value in cov.services()]
    for jc in judged.values():
        if jc.status == "no data":
            continue
        gaps = {(s, m) for s, m, _ in jc.gaps}
        # Two half-years of six months each, so the table fits an 80-column terminal.
        for months in (range(1, 7), range(7, 13)):
            table = Table(title=f"activity rows by month, contract year {jc.year} ({_MONTH_HEADS[months[0] - 1]}-"
                          f"{_MONTH_HEADS[months[-1] - 1]}; a gap in red)", title_justify="left", box=box.SIMPLE_HEAD)
            table.add_column("service", overflow="fold")
            for m in months:
                table.add_column(_MONTH_HEADS[m - 1], justify="right", no_wrap=True)
            for svc in services:
                cells = []
                for m in months:
                    n = cov.rows.get((jc.year, m, svc), 0)
                    cells.append(f"[red]{n:,}[/]" if (svc, m) in gaps else f"{n:,}")
                table.add_row(svc, *cells)
            console.print(table)

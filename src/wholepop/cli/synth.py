"""``wholepop synth``: write a synthetic, England-shaped MCP data set and its contract."""

from __future__ import annotations

import time
from pathlib import Path

import pyarrow.parquet as pq
import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from wholepop.cli.app import app, console
from wholepop.errors import UserError
from wholepop.synth import generate


def _rows(folder: Path, table: str) -> int:
    """Rows of ``table``, one file or a folder of parts (read from the Parquet footers)."""
    single = folder / f"{table}.parquet"
    files = [single] if single.is_file() else sorted((folder / table).rglob("*.parquet"))
    return sum(pq.ParquetFile(f).metadata.num_rows for f in files)


@app.command()
def synth(
    out: Path = typer.Option(..., "--out", help="folder to write the Parquet tables and contract.toml into"),
    population: int = typer.Option(300_000, "--population", help="people registered on 1 April of the baseline year"),
    years: int = typer.Option(3, "--years", help="contract years with data (one baseline year more is written)"),
    term: int = typer.Option(15, "--term", help="the contract's term in years (MCP contracts run 10-15); years after the data are projected"),
    start_year: int = typer.Option(2027, "--start-year", help="first contract year (April-March)"),
    seed: int = typer.Option(42, "--seed", help="random seed: the same seed writes the same bytes"),
) -> None:
    """Write every input table as Parquet plus a matching contract.toml (form full, a ``--term``-year term)."""
    if population < 1:
        raise UserError(f"--population: must be at least 1, got {population}")
    if years < 1:
        raise UserError(f"--years: must be at least 1, got {years}")
    if not years <= term <= 30:
        raise UserError(f"--term: must be between --years ({years}) and 30, got {term}")
    if not 2001 <= start_year <= 2100:
        raise UserError(f"--start-year: must be between 2001 and 2100, got {start_year}")
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} exists and is not a folder")
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]synth[/] {task.description:<36}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        transient=False,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def progress(done: int, total: int, description: str) -> None:
            bar.update(task, completed=done, total=total, description=description)

        folder = generate(out, population=population, years=years, start_year=start_year, seed=seed, progress=progress, term=term)
    seconds = time.perf_counter() - started
    rows, people = _rows(folder, "activity"), _rows(folder, "patients")
    console.print(
        f"wrote {folder} : {people:,} people, {rows:,} activity rows, "
        f"baseline {start_year - 1} + {years} contract year{'s' if years != 1 else ''} of a {term}-year term, "
        f"in {seconds:.1f} s ({rows / seconds:,.0f} rows/s)",
        highlight=False,
        soft_wrap=True,
    )

"""``wholepop build`` and ``wholepop budget``: a provider from real practices (issue 8).

- ``wholepop build --lists FILE --map FILE [--weights F] [--imd F] (--practices C,... |
  --pcn C,... | --sub-icb C | --icb C) --out DIR [--years Y --start-year YYYY --seed S]``:
  an input folder for those practices, its synthetic patients matching the published
  lists exactly (``wholepop.synth.lists``).
- ``wholepop budget --data DIR --contract FILE --per-head FILE.toml [--year Y]``: a
  whole-population budget from the lists and per-head prices alone
  (``wholepop.money.per_head``).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wholepop.cli.app import app, console, err_console
from wholepop.contract import load_contract
from wholepop.engine import connect
from wholepop.errors import InputError, UserError
from wholepop.inputs.load import open_inputs
from wholepop.inputs.problems import Problem
from wholepop.ledger.append import LEDGER_FILE
from wholepop.money.pence import to_pence
from wholepop.money.per_head import load_prices, per_head_budget
from wholepop.numbers import gbp
from wholepop.synth.lists import Selection, build as build_folder


def _split(values: list[str], option: str = "") -> tuple[str, ...]:
    """Comma-separated codes, upper-cased, each once; a repeated code is warned about."""
    codes = [c.strip().upper() for v in values for c in v.split(",") if c.strip()]
    repeated = sorted({c for c in codes if codes.count(c) > 1})  # a handful of codes typed by hand
    if repeated:
        err_console.print(f"[yellow]warning:[/] {option}: {', '.join(repeated)} given more than once; counted once",
                          highlight=False, soft_wrap=True)
    return tuple(dict.fromkeys(codes))


def _refuse_non_empty(out: Path) -> None:
    """``build`` writes a fresh folder: one already holding files (data, a contract, a
    ledger) would mix two providers' inputs, or put a ledger's settlements beside data
    they were not settled on."""
    if not out.is_dir():
        return
    held = sorted(p.name for p in out.iterdir() if not p.name.startswith(".build-"))
    if held:
        ledger = [n for n in held if n == LEDGER_FILE or n.endswith((".duckdb", ".duckdb.wal"))]
        what = f"a ledger ({', '.join(ledger)})" if ledger else f"{len(held)} file(s) ({', '.join(held[:5])}{', ...' if len(held) > 5 else ''})"
        raise UserError(f"--out: {out} already holds {what}; write to an empty folder, or add --force to write into it anyway")


@app.command()
def build(
    lists: list[Path] = typer.Option(..., "--lists", help="Patients Registered at a GP Practice file(s), .csv or .zip (repeatable)"),
    map_file: Path = typer.Option(..., "--map", help="practice -> PCN / sub-ICB / ICB map (gp-reg-pat-prac-map), .csv or .zip"),
    out: Path = typer.Option(..., "--out", help="folder to write the input tables and contract.toml into"),
    weights: Path | None = typer.Option(None, "--weights", help="NHS England weighted populations per practice (CSV): need_weighting = supplied"),
    imd: Path | None = typer.Option(None, "--imd", help="IMD score per practice (CSV): activity rates follow deprivation"),
    practices: list[str] = typer.Option([], "--practices", help="practice codes, comma-separated"),
    pcn: list[str] = typer.Option([], "--pcn", help="PCN codes, comma-separated"),
    sub_icb: str | None = typer.Option(None, "--sub-icb", help="a sub-ICB location code"),
    icb: str | None = typer.Option(None, "--icb", help="an ICB code"),
    years: int = typer.Option(3, "--years", help="contract years (one baseline year more is written)"),
    start_year: int | None = typer.Option(None, "--start-year", help="first contract year (default: the year after the lists' extract)"),
    seed: int = typer.Option(42, "--seed", help="random seed"),
    force: bool = typer.Option(False, "--force", metavar="", help="write into a folder that already holds files (data or a ledger)"),
) -> None:
    """Write an input folder for real practices: real lists, synthetic patients that match them exactly.

    The --out folder must be new or empty unless --force is given."""
    selection = Selection(
        practices=_split(practices, "--practices"), pcns=_split(pcn, "--pcn"),
        sub_icb=sub_icb.strip().upper() if sub_icb else None, icb=icb.strip().upper() if icb else None,
    )
    if out.exists() and not out.is_dir():
        raise UserError(f"--out: {out} exists and is not a folder")
    if not force:
        _refuse_non_empty(out)
    started = time.perf_counter()
    with Progress(
        TextColumn("[bold]build[/] {task.description:<40}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=False,
    ) as bar:
        task = bar.add_task("starting", total=None)

        def progress(done: int, total: int, description: str) -> None:
            bar.update(task, completed=done, total=total, description=description)

        report = build_folder(out, lists, map_file, selection, weights=weights, imd=imd, years=years,
                              start_year=start_year, seed=seed, progress=progress)
    seconds = time.perf_counter() - started
    console.print(
        f"wrote {report.out}: {report.practices} practices ({selection.label}), {report.registered:,} registered on "
        f"{report.census_date} (the published counts of {report.extract_date}, exactly), {report.people:,} people, "
        f"{report.activity_rows:,} synthetic activity rows, in {seconds:.1f} s",
        highlight=False, soft_wrap=True,
    )
    for note in report.notes:
        err_console.print(f"[yellow]note:[/] {note}", highlight=False, soft_wrap=True)
    console.print(f"next: wholepop check --data {report.out} --contract {report.out / 'contract.toml'}", highlight=False, soft_wrap=True)


def _arrow(inputs, name: str):
    return inputs.tables[name].to_pyarrow() if inputs.has(name) else None


@app.command()
def budget(
    data: Path = typer.Option(..., "--data", help="input folder with list_counts and practices (weights and memberships optional)"),
    contract: Path = typer.Option(..., "--contract", help="contract TOML file"),
    per_head: str = typer.Option(..., "--per-head", help="per-head price table (TOML), or 'illustrative' for the shipped ILLUSTRATIVE one"),
    year: int | None = typer.Option(None, "--year", help="contract year (default: the first)"),
    scale_by_weights: bool = typer.Option(False, "--scale-by-weights", metavar="", help="multiply by each practice's supplied need weight (use flat prices)"),
    json_out: Path | None = typer.Option(None, "--json", help="write the budget as JSON here"),
    show: int = typer.Option(10, "--show", help="practices to list (0: none)"),
) -> None:
    """Budget-only mode: a whole-population budget from published lists and per-head prices."""
    terms = load_contract(contract)
    y = year if year is not None else terms.contract.start_year
    if y not in terms.contract.years:
        raise UserError(f"--year: {y} is not a contract year ({terms.contract.years[0]}-{terms.contract.years[-1]})")
    prices = load_prices(per_head)
    if not data.is_dir():
        raise UserError(f"--data: {data} is not a folder")
    inputs = open_inputs(data, connect("duckdb"))
    lc = _arrow(inputs, "list_counts")
    if lc is None or lc.num_rows == 0:
        raise InputError((Problem("list_counts", None, None, f"{data} has no list_counts; import one with `wholepop import nhs-lists`"),))
    practices = _arrow(inputs, "practices")
    if practices is None:
        raise InputError((Problem("practices", None, None, f"{data} has no practices; import them with `wholepop import nhs-map`"),))
    result = per_head_budget(lc, practices, prices, terms, y, _arrow(inputs, "weights"), _arrow(inputs, "memberships"), scale_by_weights)

    if prices.status.upper() == "ILLUSTRATIVE":
        err_console.print(f"[yellow]warning:[/] {Path(prices.source).name} holds ILLUSTRATIVE prices, not a tariff", highlight=False, soft_wrap=True)
    t = Table(title=f"{terms.name}: budget-only, contract year {y}-{(y + 1) % 100:02d} (prices {prices.price_year}, uplift {result.uplift:.4f})",
              title_justify="left")
    t.add_column("service", overflow="fold")
    t.add_column("£", justify="right", no_wrap=True)
    t.add_column("£ per head", justify="right", no_wrap=True)
    t.add_column("£ per weighted head", justify="right", no_wrap=True)
    for s in result.services:
        t.add_row(s.service.value, gbp(s.amount_pence), _per(s.amount_pence, result.registered), _per(s.amount_pence, result.weighted_population))
    t.add_row("total", gbp(result.total_pence), _per(result.total_pence, result.registered),
              _per(result.total_pence, result.weighted_population), style="bold")
    console.print(t)
    console.print(f"{result.registered:,} registered, weighted population {result.weighted_population:,.1f}"
                  + (" (need weights applied)" if scale_by_weights else ""), highlight=False)
    hubs = Table(title="by hub", title_justify="left")
    hubs.add_column("hub", overflow="fold")
    hubs.add_column("£", justify="right", no_wrap=True)
    for h, p in result.hubs.items():
        hubs.add_row(h, gbp(p))
    console.print(hubs)
    if show:
        listing = Table(title=f"by practice (first {min(show, len(result.practices))} of {len(result.practices)})", title_justify="left")
        for col in ("practice", "hub", "registered", "need weight", "£"):
            listing.add_column(col, justify="left" if col in ("practice", "hub") else "right")
        for p in result.practices[:show]:
            listing.add_row(p.practice_code, p.hub, f"{p.registered:,}", f"{p.need_weight:.4f}", gbp(p.amount_pence))
        console.print(listing)
    if json_out is not None:
        json_out.write_text(json.dumps(result.to_json(), indent=2), encoding="utf-8")
        console.print(f"wrote {json_out}", highlight=False)


def _per(pence: int, heads) -> str:
    from wholepop.money.pence import D

    return gbp(to_pence(D(pence) / D(heads))) if heads else ""

"""``wholepop project``, ``wholepop compare`` and ``wholepop init-scenario``: the term ahead."""

from __future__ import annotations

import json
import tempfile
from contextlib import ExitStack
from pathlib import Path

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from wholepop.cli.app import MEMORY_LIMIT, PARTS, WORK_DIR, app, building, console
from wholepop.errors import UserError
from wholepop.money.pence import pounds


def _m(pence: int) -> str:
    """Pounds in millions, for tables of whole-term figures."""
    return f"{pounds(pence) / 1_000_000:,.2f}"


def _progress() -> Progress:
    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True,
    )


def _scenario(path: Path | None):
    from wholepop.projection import default_scenario, load_scenario

    return default_scenario() if path is None else load_scenario(path)


def _baseline(contract: Path) -> tuple[int]:
    """The years a projection builds: its baseline year only (``projection.base_from_run``)."""
    from wholepop.contract import load_contract

    return (load_contract(contract).contract.baseline_year,)


@app.command("init-scenario")
def init_scenario() -> None:
    """Print the commented default projection scenario (redirect it to scenario.toml)."""
    from wholepop.projection import default_scenario_text

    typer.echo(default_scenario_text(), nl=False)


@app.command()
def project(
    data: Path = typer.Option(..., "--data", help="input folder (Parquet or CSV files)"),
    contract: Path = typer.Option(..., "--contract", help="contract TOML file"),
    scenario: Path = typer.Option(None, "--scenario", help="scenario TOML file (default: `wholepop init-scenario`)"),
    runs: int = typer.Option(1000, "--runs", help="Monte Carlo runs (0: deterministic only)"),
    seed: int = typer.Option(0, "--seed", help="random seed; the same seed gives the same results"),
    json_out: Path = typer.Option(None, "--json", help="write the projection JSON here"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
    memory_limit: str = MEMORY_LIMIT,
    work_dir: Path = WORK_DIR,
    parts: int = PARTS,
) -> None:
    """Project the contract term: population, budget, acute target, positions, ROI and NPV."""
    from wholepop.pipeline import Scale, prepared
    from wholepop.projection import base_from_run, project as project_term, simulate
    from wholepop.projection.summary import summary

    if runs < 0:
        raise UserError(f"--runs: must be 0 or more, got {runs}")
    sc = _scenario(scenario)
    with ExitStack() as stack:
        with building() as stage:
            # The projection starts from the baseline year: nothing else is built.
            run = stack.enter_context(prepared(data, contract, engine, _baseline(contract), Scale(memory_limit, work_dir, parts), stage))
        with console.status("reducing the baseline to cells..."):
            base = base_from_run(run)
    projection = project_term(base, run.contract, sc)
    mc = None
    if runs:
        with _progress() as bar:
            task = bar.add_task(f"Monte Carlo ({runs:,} runs)", total=runs)
            mc = simulate(projection, runs, seed, lambda done, total: bar.update(task, completed=done))
    out = summary(projection, mc)
    for table in _year_tables(projection, out):
        console.print(table)
    roi = "n/a" if out["roi"] is None else f"{out['roi']:.2f}"
    console.print(
        f"ROI (cumulative net savings / lever costs) {roi}; NPV at {sc.scenario.discount_rate:%} £{_m(out['npv_pence'])}m; "
        f"P(provider hits its loss cap in any year) {out['p_loss_cap']:.1%}"
        + (f" over {runs:,} runs (seed {seed})" if runs else " (deterministic)"),
        highlight=False,
    )
    if json_out is not None:
        json_out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")


def _year_tables(projection, out: dict) -> tuple[Table, Table]:
    """Two tables that fit an 80-column terminal: the money of each year, then the positions."""
    p = projection
    money = Table(title=f"{p.contract.name} ({p.contract.form.value}) under {p.scenario.name}: £m per contract year",
                  title_justify="left")
    for name in ("year", "people", "budget", "share target", "payable", "in-scope cost", "lever cost"):
        money.add_column(name, justify="right", no_wrap=True)
    positions = Table(title="Positions (£m): provider p10 / p50 / p90 over the runs, commissioner median",
                      title_justify="left")
    for name in ("year", "provider p10", "p50", "p90", "commissioner p50", "cum. net savings"):
        positions.add_column(name, justify="right", no_wrap=True)
    for y, row in zip(p.years, out["years"]):
        pp, cp = row["provider_position_pence"], row["commissioner_position_pence"]
        money.add_row(
            str(y.year), f"{row['people']:,}", _m(y.budget_pence), _m(y.share_target_pence),
            _m(y.total_payable_pence), _m(y.in_scope_cost_pence), _m(y.lever_cost_pence),
        )
        positions.add_row(str(y.year), _m(pp["p10"]), _m(pp["p50"]), _m(pp["p90"]), _m(cp["p50"]),
                          _m(y.cumulative_net_savings_pence))
    return money, positions


@app.command()
def compare(
    data: Path = typer.Option(..., "--data", help="input folder (Parquet or CSV files)"),
    scenario: Path = typer.Option(None, "--scenario", help="scenario TOML file (default: `wholepop init-scenario`)"),
    forms: str = typer.Option("virtual,partial,full,pacs", "--forms", help="comma-separated contract forms"),
    contract: Path = typer.Option(None, "--contract", help="take the calendar (start, baseline, term) from this contract; default the full preset's"),
    runs: int = typer.Option(1000, "--runs", help="Monte Carlo runs per form"),
    seed: int = typer.Option(0, "--seed", help="random seed (the same draws for every form)"),
    json_out: Path = typer.Option(None, "--json", help="write the comparison JSON here"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
) -> None:
    """Project the same population and scenario under each contract form's preset, side by side."""
    from wholepop.contract.presets import preset_text
    from wholepop.pipeline import prepare
    from wholepop.projection import base_from_run, compare_forms
    from wholepop.projection.compare import COMPARABLE_FORMS

    names = [f.strip() for f in forms.split(",") if f.strip()]
    known = {f.value for f in COMPARABLE_FORMS}
    for name in names:
        if name not in known:
            raise UserError(f"--forms: unknown or not comparable form {name!r}; expected some of {', '.join(sorted(known))}")
    if not names:
        raise UserError("--forms: name at least one form")
    if runs < 0:
        raise UserError(f"--runs: must be 0 or more, got {runs}")
    sc = _scenario(scenario)
    with building() as stage, tempfile.TemporaryDirectory() as tmp:
        path = contract
        if path is None:
            # The full preset only sets the calendar and need weighting here; every form's
            # money comes from its own preset below.
            path = Path(tmp) / "full.toml"
            path.write_text(preset_text("full"), encoding="utf-8")
        run = prepare(data, path, engine, _baseline(path), stage=stage)
        try:
            base = base_from_run(run)
        finally:
            run.close()
    with _progress() as bar:
        tasks = {}

        def tick(form, done, total):
            if form not in tasks:
                tasks[form] = bar.add_task(f"{form.value}: Monte Carlo", total=total)
            bar.update(tasks[form], completed=done)

        rows = compare_forms(base, names, run.contract, sc, runs, seed, tick)
    first, last = run.contract.contract.start_year, run.contract.contract.start_year + (sc.scenario.horizon_years or run.contract.contract.term_years) - 1
    t = Table(title=f"Contract forms compared under {sc.name}, {first}-{last} (£m, summed over the years)", title_justify="left")
    for name in ("form", "provider expected", "provider p10", "P(loss cap)", "commissioner expected", "deterministic"):
        t.add_column(name, justify="right")
    for r in rows:
        t.add_row(r.form.value, _m(r.provider_expected_pence), _m(r.provider_p10_pence), f"{r.p_loss_cap:.1%}",
                  _m(r.commissioner_expected_pence), _m(r.provider_deterministic_pence))
    console.print(t)
    if json_out is not None:
        payload = {
            "scenario": sc.name, "runs": runs, "seed": seed, "years": [first, last],
            "forms": [
                {"form": r.form.value, "provider_expected_pence": r.provider_expected_pence,
                 "provider_p10_pence": r.provider_p10_pence, "p_loss_cap": r.p_loss_cap,
                 "commissioner_expected_pence": r.commissioner_expected_pence,
                 "provider_deterministic_pence": r.provider_deterministic_pence}
                for r in rows
            ],
        }
        json_out.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")

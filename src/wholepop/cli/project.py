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


def _gbp(pence: int) -> str:
    """Pounds in millions with the sign before the pound sign: -£1.23m."""
    m = _m(abs(pence))
    return f"-£{m}m" if pence < 0 else f"£{m}m"


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
    sensitivity: bool = typer.Option(False, "--sensitivity", help="also move each assumption and contract term and rank what moves the result"),
    from_baseline: bool = typer.Option(False, "--from-baseline", help="project every contract year from the baseline, ignoring years with data (a back-test)"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
    memory_limit: str = MEMORY_LIMIT,
    work_dir: Path = WORK_DIR,
    parts: int = PARTS,
) -> None:
    """Project the contract term: contract years with data are settled, the rest projected; the provider's risk against its reserves."""
    from wholepop.contract import load_contract
    from wholepop.pipeline import Scale, prepared, settleable
    from wholepop.population.count import table_years
    from wholepop.projection import base_from_run, project as project_term, simulate
    from wholepop.projection.base import segment_years
    from wholepop.projection.sensitivity import sensitivity as sensitivity_run
    from wholepop.projection.summary import summary

    if runs < 0:
        raise UserError(f"--runs: must be 0 or more, got {runs}")
    sc = _scenario(scenario)
    with ExitStack() as stack:
        with building() as stage:
            # From the baseline only nothing else is built; otherwise every year with data
            # (segments only of the years the projection reads them for).
            years = _baseline(contract) if from_baseline else None
            segmented = segment_years(load_contract(contract))
            run = stack.enter_context(prepared(data, contract, engine, years, Scale(memory_limit, work_dir, parts), stage,
                                               segmented=segmented))
        with console.status("reducing the baseline to cells..."):
            settled = None
            if not from_baseline:
                have = table_years(run.population)
                # settled only where `settle` would settle (the coverage rule); a part-year is projected
                base_year = run.contract.contract.baseline_year
                settled = run.facts(tuple(y for y in have if y == base_year) + settleable(run, have))
            # the baseline's facts are among the settled years' (gathered once)
            base = base_from_run(run, facts=settled)
    projection = project_term(base, run.contract, sc, settled)
    mc = None
    if runs:
        with _progress() as bar:
            task = bar.add_task(f"Monte Carlo ({runs:,} runs)", total=runs)
            mc = simulate(projection, runs, seed, lambda done, total: bar.update(task, completed=done))
    out = summary(projection, mc)
    for table in _year_tables(projection, out):
        console.print(table)
    for line in headline_lines(out, runs, seed, sc.scenario.discount_rate):
        console.print(line, highlight=False, soft_wrap=True)
    if sensitivity:
        with _progress() as bar:
            task = bar.add_task("sensitivity (deterministic path)", total=None)
            sens = sensitivity_run(base, run.contract, sc, settled, lambda done, total: bar.update(task, completed=done, total=total))
        console.print(_sensitivity_table(sens))
        out["sensitivity"] = sensitivity_json(sens)
    if json_out is not None:
        json_out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
        console.print(f"wrote {json_out}")


def sensitivity_json(sens) -> dict:
    """The JSON of a ``projection.sensitivity.Sensitivity`` (pence summed over the term)."""
    return {
        "provider_base_pence": sens.provider_base_pence,
        "commissioner_base_pence": sens.commissioner_base_pence,
        "rows": [
            {"name": r.name, "low": r.low_label, "high": r.high_label,
             "provider_low_pence": r.provider_low_pence, "provider_high_pence": r.provider_high_pence,
             "commissioner_low_pence": r.commissioner_low_pence, "commissioner_high_pence": r.commissioner_high_pence}
            for r in sens.rows
        ],
    }


def _sensitivity_table(sens) -> Table:
    t = Table(title=f"What moves the result: change in £m over the term, low / high (base: provider "
                    f"{_gbp(sens.provider_base_pence)}, commissioner {_gbp(sens.commissioner_base_pence)})", title_justify="left")
    for name, justify in (("assumption", "left"), ("moved", "right"), ("provider", "right"), ("commissioner", "right")):
        t.add_column(name, justify=justify, overflow="fold")
    for r in sens.rows:
        t.add_row(r.name, f"{r.low_label} / {r.high_label}",
                  f"{_m(r.provider_low_pence - sens.provider_base_pence)} / {_m(r.provider_high_pence - sens.provider_base_pence)}",
                  f"{_m(r.commissioner_low_pence - sens.commissioner_base_pence)} / {_m(r.commissioner_high_pence - sens.commissioner_base_pence)}")
    return t


def headline_lines(out: dict, runs: int, seed: int, discount_rate) -> list[str]:
    """The board's headlines, in words (``summary``'s ``headlines``)."""
    h = out["headlines"]
    over = f"over {runs:,} runs (seed {seed})" if runs else "(deterministic: no runs)"
    settled, projected = h["settled_years"], h["projected_years"]
    span = lambda ys: "none" if not ys else (str(ys[0]) if len(ys) == 1 else f"{ys[0]}-{ys[-1]}")  # noqa: E731
    cp = h["cumulative_position_pence"]
    lines = [
        f"Settled from data: {span(settled)}; projected: {span(projected)}.",
        f"Provider's cumulative position over the term {over}: median {_gbp(cp['p50'])} (P10 {_gbp(cp['p10'])}, "
        f"P90 {_gbp(cp['p90'])})"
        + (f"; the median is {h['median_cumulative_position_share_of_budget']:+.1%} of the cumulative budget "
           f"{_gbp(h['cumulative_budget_pence'])}." if h["median_cumulative_position_share_of_budget"] is not None else "."),
    ]
    if h["reserves_pence"] is None:
        lines.append("Reserves: not declared (add [provider] reserves to the contract to test them).")
    else:
        first = h["first_year_median_loss_exceeds_reserves"]
        lines.append(
            f"P(cumulative loss exceeds reserves of {_gbp(h['reserves_pence'])} at any point) {h['p_loss_exceeds_reserves']:.1%}; "
            + (f"the median loss first exceeds them in {first}." if first else "the median loss never does.")
        )
    wc = h["working_capital_pence"]
    lines.append(
        f"Largest in-year cash shortfall, P10 (10% of runs fall short by more): {_gbp(h['cash_shortfall_p10_pence'])}"
        + ("; working capital not declared." if wc is None else
           f" against working capital {_gbp(wc)} (P(shortfall exceeds it) {h['p_cash_shortfall_exceeds_working_capital']:.1%}).")
    )
    lines.append(f"{h['loss_cap_label']}: {h['p_loss_cap']:.1%}.")
    roi = "n/a (no lever costs)" if h["roi"] is None else ("-" if h["roi"] < 0 else "") + f"£{abs(h['roi']):.2f}"
    lines.append(f"Net return per £1 invested in the levers: {roi} ({h['roi_definition']}). "
                 f"NPV of net savings at {discount_rate:%}: {_gbp(out['npv_pence'])}.")
    return lines


def _year_tables(projection, out: dict) -> tuple[Table, Table]:
    """Two tables that fit an 80-column terminal: the money of each year, then the positions."""
    p = projection
    money = Table(title=f"{p.contract.name} ({p.contract.form.value}) under {p.scenario.name}: £m per contract year "
                        "(s = settled from data, p = projected)", title_justify="left")
    for name in ("year", "people", "budget", "target", "payable", "in scope", "levers"):
        money.add_column(name, justify="right", no_wrap=True)
    positions = Table(title="Provider's position (£m): the year's p10 / p50 / p90 over the runs, the cumulative median; "
                            "the commissioner's median",
                      title_justify="left")
    for name in ("year", "p10", "p50", "p90", "cum. p50", "comm. p50"):
        positions.add_column(name, justify="right", no_wrap=True)
    for y, row in zip(p.years, out["years"]):
        pp, cp = row["provider_position_pence"], row["commissioner_position_pence"]
        label = f"{y.year} {'s' if y.settled else 'p'}"
        money.add_row(
            label, f"{row['people']:,}", _m(y.budget_pence), _m(y.share_target_pence),
            _m(y.total_payable_pence), _m(y.in_scope_cost_pence), _m(y.lever_cost_pence),
        )
        positions.add_row(label, _m(pp["p10"]), _m(pp["p50"]), _m(pp["p90"]),
                          _m(row["cumulative_provider_position_pence"]["p50"]), _m(cp["p50"]))
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
    chart: Path = typer.Option(None, "--chart", help="write the comparison chart here (SVG)"),
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
    if chart is not None:
        from wholepop.report.charts import compare_svg

        chart.write_text(compare_svg(rows) + "\n", encoding="utf-8")
        console.print(f"wrote {chart}")

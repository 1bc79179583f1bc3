"""Time ``wholepop project`` end to end, step by step, and the Monte Carlo step on its own (issue 18, item 8).

    PYTHONPATH=src python benchmarks/projection_mc.py --data demo/data [--runs 10000] [--seed 7] [--no-levers]

1. End to end: runs the ``project`` command's own function in this process (as ``make
   demo`` does; console output discarded, the JSON written to a temporary file) and
   prints where the seconds go, wall and CPU (all threads): the CLI's imports, each
   pipeline stage (``pipeline.StageHook``: validation, counted spans, costing,
   population, segments), then the settled years' coverage and money facts, the
   baseline's cells, the deterministic projection, the Monte Carlo runs, the summary,
   and the rest (tables, headlines, JSON). The steps are timed by wrapping the
   functions the command calls, so the command itself is what is measured.
2. The floor, in the same process: the plain DuckDB aggregate over the same files that
   ``benchmarks/scale.py`` uses (activity joined to the registered ids, summed per
   patient and service line, materialised), best of 3; the end-to-end ratio to it.
3. The Monte Carlo step alone on a fresh preparation: ``simulate`` plus ``summary``
   (percentiles, cumulative positions, reserves, cash). With ``--no-levers`` it also
   prints the provider's median cumulative position with the default scenario's levers
   removed, as a share of the cumulative budget (issue 18, item 6).

Wall time on the shared 2-core machine depends on what else runs: the load average is
printed before and after; CPU-seconds are the figure to compare between commits.
"""

from __future__ import annotations

import argparse
import functools
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

T_START, C_START = time.perf_counter(), time.process_time()
import wholepop.cli  # noqa: E402, F401  (the CLI's imports, timed: every command registers)

IMPORTS = (time.perf_counter() - T_START, time.process_time() - C_START)


class Steps:
    """Wall and CPU seconds per named step, in the order first seen; a step inside another
    (money facts gathered while reducing the baseline) counts in its own row only."""

    def __init__(self) -> None:
        self.rows: dict[str, list[float]] = {}
        self._inner: list[list[float]] = []  # per open step: time spent in steps inside it

    @contextmanager
    def step(self, name: str):
        w, c = time.perf_counter(), time.process_time()
        self._inner.append([0.0, 0.0])
        try:
            yield
        finally:
            inner = self._inner.pop()
            dw, dc = time.perf_counter() - w, time.process_time() - c
            row = self.rows.setdefault(name, [0.0, 0.0])
            row[0] += dw - inner[0]
            row[1] += dc - inner[1]
            if self._inner:
                self._inner[-1][0] += dw
                self._inner[-1][1] += dc

    def wrap(self, owner, attr: str, name: str) -> None:
        fn = getattr(owner, attr)

        @functools.wraps(fn)
        def timed(*args, **kwargs):
            with self.step(name):
                return fn(*args, **kwargs)

        setattr(owner, attr, timed)


def end_to_end(data: Path, runs: int, seed: int) -> tuple[Steps, float, float]:
    """Run ``wholepop project --data DATA --contract DATA/contract.toml --runs RUNS --seed SEED
    --json TMP`` in this process; return the steps and the command's wall and CPU seconds."""
    import importlib

    from wholepop import pipeline, projection
    from wholepop.projection import summary

    cli_app = importlib.import_module("wholepop.cli.app")  # the module (the package exports the Typer app by that name)
    cli_project = importlib.import_module("wholepop.cli.project")

    steps = Steps()

    @contextmanager
    def building(what: str = ""):
        yield steps.step  # each pipeline stage, by the name the pipeline gives it

    cli_project.building = building
    steps.wrap(pipeline, "settleable", "settled years: coverage rule")
    steps.wrap(pipeline.Run, "facts", "settled years: money facts")
    steps.wrap(projection, "base_from_run", "baseline to cells")
    steps.wrap(projection, "project", "deterministic projection")
    steps.wrap(projection, "simulate", f"Monte Carlo ({runs:,} runs)")
    steps.wrap(summary, "summary", "summary and headlines")
    quiet = cli_app.console.quiet
    cli_app.console.quiet = True
    try:
        with tempfile.TemporaryDirectory() as tmp:
            w, c = time.perf_counter(), time.process_time()
            cli_project.project(
                data=data, contract=data / "contract.toml", scenario=None, runs=runs, seed=seed,
                json_out=Path(tmp) / "projection.json", sensitivity=False, from_baseline=False, engine="duckdb",
                memory_limit=None, work_dir=None, parts=1,
            )
            wall, cpu = time.perf_counter() - w, time.process_time() - c
    finally:
        cli_app.console.quiet = quiet
    return steps, wall, cpu


def floor_seconds(data: Path, repeat: int = 3) -> float:
    """Best of ``repeat``: the plain DuckDB aggregate ``benchmarks/scale.py`` calls the floor."""
    import duckdb

    def files(table: str) -> str:
        single = data / f"{table}.parquet"
        return f"'{single}'" if single.is_file() else f"'{data / table}/**/*.parquet'"

    con = duckdb.connect()
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        con.execute(
            f"""CREATE OR REPLACE TEMP TABLE floor AS
            SELECT a.patient_id, a.service, sum(a.cost_pence) AS cost_pence
            FROM read_parquet({files('activity')}) a
            JOIN (SELECT DISTINCT patient_id FROM read_parquet({files('registrations')})) r USING (patient_id)
            GROUP BY ALL"""
        )
        best = min(best, time.perf_counter() - t0)
    con.close()
    return best


def monte_carlo_alone(data: Path, runs: int, no_levers: bool) -> None:
    from wholepop.contract import load_contract
    from wholepop.pipeline import prepare, settleable
    from wholepop.population.count import table_years
    from wholepop.projection import base_from_run, default_scenario, project, simulate
    from wholepop.projection.base import segment_years
    from wholepop.projection.summary import summary

    contract = data / "contract.toml"
    run = prepare(data, contract, segmented=segment_years(load_contract(contract)))
    try:
        have = table_years(run.population)
        base_year = run.contract.contract.baseline_year
        settled = run.facts(tuple(y for y in have if y == base_year) + settleable(run, have))
        base = base_from_run(run, facts=settled)
        sc = default_scenario()
        p = project(base, run.contract, sc, settled)
        t0 = time.perf_counter()
        out = summary(p, simulate(p, runs, seed=1))
        print(f"Monte Carlo alone: {runs:,} runs x {len(p.years)} years ({len(p.settled_years)} settled) with headlines: "
              f"{time.perf_counter() - t0:.2f} s")
        print(f"  median cumulative position / cumulative budget (default levers): "
              f"{out['headlines']['median_cumulative_position_share_of_budget']:+.2%}")
        if no_levers:
            bare = sc.model_copy(update={"levers": ()})
            q = project(base, run.contract, bare, settled)
            h = summary(q, simulate(q, runs, seed=1))["headlines"]
            print(f"  no levers: median cumulative position {h['cumulative_position_pence']['p50'] / 100:,.2f} pounds "
                  f"= {h['median_cumulative_position_share_of_budget']:+.2%} of the cumulative budget "
                  f"{h['cumulative_budget_pence'] / 100:,.2f} pounds")
            for y in q.years:
                print(f"    {y.year} {'settled' if y.settled else 'projected'}: budget {y.budget_pence / 100:,.0f}, "
                      f"payable {y.total_payable_pence / 100:,.0f}, in scope {y.in_scope_cost_pence / 100:,.0f}, "
                      f"risk share {y.risk_share_pence / 100:,.0f}, performance {y.performance_pence / 100:,.0f}, "
                      f"position {y.provider_position_pence / 100:,.0f}")
    finally:
        run.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("demo/data"))
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--no-levers", action="store_true")
    parser.add_argument("--skip-alone", action="store_true", help="skip part 3 (the Monte Carlo step on a fresh preparation)")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    steps, wall, cpu = end_to_end(args.data, args.runs, args.seed)
    load_after = os.getloadavg()[0]
    print(f"wholepop project --data {args.data} --contract {args.data / 'contract.toml'} --runs {args.runs} "
          f"--seed {args.seed} --json TMP, in this process (load average {load:.1f} before, {load_after:.1f} after):")
    print(f"  {'step':36s} {'wall s':>7s} {'CPU s':>7s}")
    print(f"  {'imports (wholepop.cli)':36s} {IMPORTS[0]:7.2f} {IMPORTS[1]:7.2f}")
    timed_w = timed_c = 0.0
    for name, (w, c) in steps.rows.items():
        print(f"  {name:36s} {w:7.2f} {c:7.2f}")
        timed_w, timed_c = timed_w + w, timed_c + c
    print(f"  {'the rest (tables, headlines, JSON)':36s} {wall - timed_w:7.2f} {cpu - timed_c:7.2f}")
    total_w, total_c = wall + IMPORTS[0], cpu + IMPORTS[1]
    print(f"  {'total':36s} {total_w:7.2f} {total_c:7.2f}")
    floor = floor_seconds(args.data)
    print(f"floor (plain DuckDB aggregate of the activity per registered patient and line, best of 3): {floor:.2f} s; "
          f"end to end = {total_w / floor:.1f} x the floor")
    if not args.skip_alone:
        monte_carlo_alone(args.data, args.runs, args.no_levers)


if __name__ == "__main__":
    main()

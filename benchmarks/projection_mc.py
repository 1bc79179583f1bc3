"""Time 10,000 Monte Carlo runs of a 15-year term with the board's headlines (issue 18, item 8).

    PYTHONPATH=src python benchmarks/projection_mc.py --data demo/data [--runs 10000]

Prepares the data folder (not timed), reduces the baseline to cells, projects the term
(the years with data settled, the rest projected), then times ``simulate`` plus
``summary`` (percentiles, cumulative positions, reserves, cash) and prints the seconds.
With ``--no-levers`` it also prints the provider's median cumulative position with the
default scenario's levers removed, as a share of the cumulative budget (issue 18, item 6).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from wholepop.pipeline import prepare
from wholepop.population.count import table_years
from wholepop.projection import base_from_run, default_scenario, project, simulate
from wholepop.projection.summary import summary


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", type=Path, default=Path("demo/data"))
    parser.add_argument("--runs", type=int, default=10_000)
    parser.add_argument("--no-levers", action="store_true")
    args = parser.parse_args()
    run = prepare(args.data, args.data / "contract.toml")
    try:
        t0 = time.perf_counter()
        base = base_from_run(run)
        years = tuple(y for y in table_years(run.population)
                      if y == run.contract.contract.baseline_year or y in run.contract.contract.years)
        settled = run.facts(years)
        print(f"baseline to cells and settled facts: {time.perf_counter() - t0:.1f} s")
        sc = default_scenario()
        t0 = time.perf_counter()
        p = project(base, run.contract, sc, settled)
        print(f"deterministic projection ({len(p.years)} years, {len(p.settled_years)} settled): {time.perf_counter() - t0:.2f} s")
        t0 = time.perf_counter()
        out = summary(p, simulate(p, args.runs, seed=1))
        print(f"Monte Carlo {args.runs:,} runs x {len(p.years)} years with headlines: {time.perf_counter() - t0:.2f} s")
        print(f"  median cumulative position / cumulative budget (default levers): "
              f"{out['headlines']['median_cumulative_position_share_of_budget']:+.2%}")
        if args.no_levers:
            bare = sc.model_copy(update={"levers": ()})
            q = project(base, run.contract, bare, settled)
            h = summary(q, simulate(q, args.runs, seed=1))["headlines"]
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


if __name__ == "__main__":
    main()

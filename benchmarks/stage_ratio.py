"""Time one contract year of population + costing + segments against one plain scan.

DESIGN section 7: a stage is measured as a ratio to a plain DuckDB aggregate over the same
Parquet files, in the same run. The floor is

    SELECT service, sum(cost_pence) FROM read_parquet('<data>/activity.parquet') GROUP BY service

and the stages are ``person_months`` (one year, need weights included), ``cost`` and
``segment``, each materialised as a DuckDB temporary table (so each is computed once, as
the CLI does). Both are timed in this process after imports and a warm-up; best of N.
The last line printed is ``ratio <x>``.

For scale, the line before it, ``per-person <x>``, is the same ratio for the least any
per-person costing of the year must do: the year's activity summed per patient and
service line, materialised, with no registration join at all,

    CREATE TEMP TABLE t AS SELECT patient_id, service, sum(cost_pence)
    FROM read_parquet('<data>/activity.parquet') WHERE date BETWEEN <year> GROUP BY ALL

Usage:
    python benchmarks/stage_ratio.py --data DIR --year 2027 [--contract FILE] [--repeat 3]
"""

from __future__ import annotations

import argparse
import itertools
import time
from pathlib import Path

from wholepop import costing, population, segments
from wholepop.contract import load_contract
from wholepop.contract.calendar import year_end, year_start
from wholepop.engine import connect
from wholepop.inputs.load import find_file, open_inputs

_names = (f"bench_{i}" for i in itertools.count())


def _stages(con, data: Path, contract, year: int) -> dict[str, int]:
    inputs = open_inputs(data, con)
    spans = con.create_table(next(_names), population.counted_spans(inputs, contract), temp=True)
    costs = con.create_table(next(_names), costing.cost(inputs, contract, (year,), spans), temp=True)
    base_costs = costs if year == contract.contract.baseline_year else None
    pop = con.create_table(
        next(_names), population.person_months(inputs, contract, (year,), spans=spans, costs=base_costs), temp=True
    )
    segs = con.create_table(next(_names), segments.segment(pop, costs, inputs, contract), temp=True)
    return {"population": pop.count().execute(), "costs": costs.count().execute(), "segments": segs.count().execute()}


def _floor(con, activity: Path) -> int:
    rel = con.con.sql(f"SELECT service, sum(cost_pence) FROM read_parquet('{activity}') GROUP BY service")
    return len(rel.fetchall())


def _per_person(con, activity: Path, year: int) -> int:
    first, last = year_start(year), year_end(year)
    con.con.execute(
        f"CREATE OR REPLACE TEMP TABLE per_person AS SELECT patient_id, service, sum(cost_pence) AS cost_pence "
        f"FROM read_parquet('{activity}') WHERE date BETWEEN DATE '{first}' AND DATE '{last}' GROUP BY ALL"
    )
    return con.con.execute("SELECT count(*) FROM per_person").fetchone()[0]


def _best(fn, repeat: int) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--year", type=int, required=True)
    ap.add_argument("--contract", type=Path, default=None, help="default: DATA/contract.toml")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    contract = load_contract(args.contract or args.data / "contract.toml")
    activity = find_file(args.data, "activity")
    if activity is None or activity.suffix != ".parquet":
        raise SystemExit(f"{args.data}: needs activity.parquet")
    con = connect("duckdb")
    _floor(con, activity)  # warm-up: file metadata and OS cache
    _stages(con, args.data, contract, args.year)
    floor_s, groups = _best(lambda: _floor(con, activity), args.repeat)
    stage_s, counts = _best(lambda: _stages(con, args.data, contract, args.year), args.repeat)
    person_s, person_rows = _best(lambda: _per_person(con, activity, args.year), args.repeat)
    print(f"floor  {floor_s * 1000:8.1f} ms  (plain DuckDB group-by over activity: {groups} service lines)")
    print(f"stages {stage_s * 1000:8.1f} ms  (population + costing + segments for {args.year}: {counts})")
    print(f"person {person_s * 1000:8.1f} ms  (the year's activity per patient and service, no join: {person_rows} rows)")
    print(f"per-person {person_s / floor_s:.2f}")
    print(f"ratio {stage_s / floor_s:.2f}")


if __name__ == "__main__":
    main()

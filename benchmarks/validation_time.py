"""Time `load_inputs` (every input check, with the contract) against a plain DuckDB scan,
and each check on its own.

Usage: .venv/bin/python benchmarks/validation_time.py DATA_DIR [--repeat N]   (best of N, default 3)

DATA_DIR holds one file per table or, for a partitioned data set (tiers M and L), a folder
of parts per table. The last lines give each check's time in one more run.
"""

import argparse
import time
from pathlib import Path

import duckdb

from wholepop.contract import load_contract
from wholepop.inputs import load_inputs, validate


def best(fn, n):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


def timed_checks(data: Path) -> list[tuple[str, float]]:
    """Each check of ``validate.CHECKS`` timed while ``load_inputs`` runs them."""
    spent = []
    plain = validate.CHECKS

    def timing(check):
        def run(raw, contract):
            t0 = time.perf_counter()
            found = list(check(raw, contract))
            spent.append((check.__name__, time.perf_counter() - t0))
            return found
        return run

    validate.CHECKS = tuple(timing(c) for c in plain)
    try:
        load_inputs(data, load_contract(data / "contract.toml"))
    finally:
        validate.CHECKS = plain
    return spent


ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("data", type=Path, nargs="?", default=Path("demo/data"))
ap.add_argument("--repeat", type=int, default=3)
args = ap.parse_args()
data = args.data
single = data / "activity.parquet"
activity = str(single) if single.is_file() else f"{data}/activity/**/*.parquet"
checks = best(lambda: load_inputs(data, data / "contract.toml"), args.repeat)
con = duckdb.connect()
floor = best(lambda: con.execute(
    f"SELECT service, sum(cost_pence) FROM read_parquet('{activity}') GROUP BY service").fetchall(), args.repeat)
print(f"load_inputs (every check, with the contract) {checks:.2f} s; DuckDB group-by floor {floor * 1000:.0f} ms; "
      f"ratio {checks / floor:.1f}")
for name, seconds in timed_checks(data):
    print(f"  {name:32s} {seconds:6.2f} s")

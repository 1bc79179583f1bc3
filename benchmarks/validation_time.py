"""Time `load_inputs` (every input check, with the contract) against a plain DuckDB scan.

Usage: .venv/bin/python benchmarks/validation_time.py DATA_DIR   (best of 3 each)
"""

import sys
import time

import duckdb

from wholepop.inputs import load_inputs


def best(fn, n=3):
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return min(times)


data = sys.argv[1] if len(sys.argv) > 1 else "demo/data"
checks = best(lambda: load_inputs(data, f"{data}/contract.toml"))
con = duckdb.connect()
floor = best(lambda: con.execute(
    f"SELECT service, sum(cost_pence) FROM read_parquet('{data}/activity.parquet') GROUP BY service").fetchall())
print(f"load_inputs (every check, with the contract) {checks:.2f} s; DuckDB group-by floor {floor * 1000:.0f} ms; "
      f"ratio {checks / floor:.1f}")

"""Throughput of the synthetic generator: activity rows written per second.

Usage:
    .venv/bin/python benchmarks/synth_throughput.py [--population 300000] [--years 3] [--repeat 3]

Generates into a temporary folder (deleted afterwards) and prints, for the best of
``--repeat`` runs, the wall time, the CPU time of the process (all threads) and activity
rows per second of each, with the load average (the machine may be shared).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq

from wholepop.synth import generate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--population", type=int, default=300_000)
    parser.add_argument("--years", type=int, default=3)
    parser.add_argument("--start-year", type=int, default=2027)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    best = None
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="wholepop-synth-") as tmp:
            wall0, cpu0 = time.perf_counter(), time.process_time()
            folder = generate(Path(tmp) / "data", args.population, args.years, args.start_year, args.seed)
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            rows = pq.ParquetFile(folder / "activity.parquet").metadata.num_rows
            size = sum(p.stat().st_size for p in folder.iterdir())
        if best is None or wall < best[0]:
            best = (wall, cpu, rows, size)
    wall, cpu, rows, size = best
    print(f"population {args.population:,}, {args.years} contract years (+ baseline), seed {args.seed}, cpus {os.cpu_count()}")
    print(f"activity rows   {rows:,}")
    print(f"files           {size / 1e6:,.1f} MB")
    print(f"wall            {wall:.2f} s   -> {rows / wall:,.0f} activity rows/s")
    print(f"cpu (all threads) {cpu:.2f} s -> {rows / cpu:,.0f} activity rows per cpu-second")
    print(f"load average    {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()

"""`wholepop import hes` on a generated admitted-care file of a few million rows: wall
time, peak memory (RSS of the importing process) and the ratio to a plain DuckDB scan of
the same file.

Usage: .venv/bin/python benchmarks/hes_import.py [--rows 2000000] [--work DIR] [--memory-limit 1GB]

The file is generated once into DIR (default /tmp/wholepop-hes-bench) from the artificial
HES sample (../shared/data/hes/artificial_hes_apc_0102.csv): its rows drawn with
replacement, in the same layout (every one of its 200+ columns), with patient ids drawn
from a pool of rows/4 people, admission dates spread over 2027/28 and EPIORDER 1-3, so
spells of several episodes occur. The import runs in a child process (`wholepop import hes
--apc FILE --out DIR --memory-limit ...`) and its peak RSS is read from the kernel
(``getrusage(RUSAGE_CHILDREN)``).
"""

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb

SAMPLE = Path(__file__).resolve().parents[2] / "shared" / "data" / "hes" / "artificial_hes_apc_0102.csv"

ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
ap.add_argument("--rows", type=int, default=2_000_000)
ap.add_argument("--work", type=Path, default=Path("/tmp/wholepop-hes-bench"))
ap.add_argument("--memory-limit", default="1GB")
args = ap.parse_args()
args.work.mkdir(parents=True, exist_ok=True)
big = args.work / f"apc_{args.rows}.csv"

if not big.exists():
    t0 = time.perf_counter()
    con = duckdb.connect()
    con.execute("SET memory_limit = '2GB'")
    con.execute(f"CREATE TABLE sample AS SELECT *, row_number() OVER () - 1 AS _i FROM read_csv('{SAMPLE}', all_varchar = true)")
    n = con.execute("SELECT count(*) FROM sample").fetchone()[0]
    cols = [c for c in con.execute("SELECT * FROM sample LIMIT 0").fetchdf().columns if c != "_i"]
    override = {
        "PSEUDO_HESID": f"'BENCH' || CAST(hash(g.i * 7) % {max(args.rows // 4, 1)} AS VARCHAR)",
        "ADMIDATE": "CAST(DATE '2027-04-01' + CAST(hash(g.i * 11) % 365 AS INTEGER) AS VARCHAR)",
        "EPIORDER": "CAST(1 + hash(g.i * 13) % 3 AS VARCHAR)",
        "EPIKEY": "CAST(g.i AS VARCHAR)",
    }
    select = ", ".join(f"{override[c]} AS \"{c}\"" if c in override else f"s.\"{c}\"" for c in cols)
    con.execute(
        f"COPY (SELECT {select} FROM range({args.rows}) g(i) JOIN sample s ON s._i = hash(g.i) % {n}) "
        f"TO '{big}' (HEADER, DELIMITER ',')"
    )
    print(f"generated {big} ({args.rows:,} rows, {big.stat().st_size / 1e9:.2f} GB) in {time.perf_counter() - t0:.1f} s")

out = args.work / "out"
subprocess.run(["rm", "-rf", str(out)], check=True)
t0 = time.perf_counter()
subprocess.run(
    [sys.executable, "-m", "wholepop.cli", "import", "hes", "--apc", str(big), "--out", str(out), "--memory-limit", args.memory_limit],
    check=True,
)
wall = time.perf_counter() - t0
peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6  # ru_maxrss is in KB on Linux

con = duckdb.connect()
t0 = time.perf_counter()
con.execute(f"SELECT count(*), count(DISTINCT PSEUDO_HESID) FROM read_csv('{big}', all_varchar = true)").fetchall()
scan = time.perf_counter() - t0
print(f"rows {args.rows:,}: import {wall:.1f} s, peak RSS {peak_gb:.2f} GB (--memory-limit {args.memory_limit}); "
      f"plain DuckDB scan {scan:.1f} s; ratio {wall / scan:.1f}x")

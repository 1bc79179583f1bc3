"""Where settlement time goes: the floor and the activity-reading pieces, timed apart.

Each piece is materialised (DuckDB temporary table) on one connection, in this order:
the plain aggregate floor, the floor with the registrations join, ``counted_spans``,
``attribute`` of the baseline year (as the need weights do), ``attribute`` of every data
year with costing's group-by, and the prior-year use of ``segments``.

    .venv/bin/python benchmarks/profile_stages.py benchmarks/data/S
"""

from __future__ import annotations

import sys
import time
import warnings
from pathlib import Path

from wholepop.contract import load_contract
from wholepop.contract.calendar import year_end, year_start
from wholepop.engine import connect
from wholepop.inputs.load import open_inputs
from wholepop.population.spans import attribute, counted_spans
from wholepop.segments.levels import _int_prior


def _files(folder: Path, table: str) -> str:
    single = folder / f"{table}.parquet"
    return str(single) if single.is_file() else f"{folder / table}/**/*.parquet"


def main(folder: Path) -> None:
    warnings.filterwarnings("ignore")
    con = connect("duckdb")
    inputs = open_inputs(folder, con)
    contract = load_contract(folder / "contract.toml")
    base = contract.contract.baseline_year
    years = (base, *contract.contract.years)
    window = (year_start(min(years)), year_end(max(years)))

    def timed(name, fn):
        t0 = time.perf_counter()
        result = fn()
        print(f"{name:40s} {time.perf_counter() - t0:7.2f} s", flush=True)
        return result

    activity, registrations = _files(folder, "activity"), _files(folder, "registrations")
    timed("floor (scan + group)", lambda: con.raw_sql(
        f"CREATE TEMP TABLE f1 AS SELECT patient_id, service, sum(cost_pence) FROM read_parquet('{activity}') GROUP BY ALL"))
    timed("floor with the registrations join", lambda: con.raw_sql(
        f"CREATE TEMP TABLE f2 AS SELECT a.patient_id, a.service, sum(a.cost_pence) FROM read_parquet('{activity}') a "
        f"JOIN (SELECT DISTINCT patient_id FROM read_parquet('{registrations}')) r USING (patient_id) GROUP BY ALL"))
    spans = timed("counted_spans", lambda: counted_spans(inputs, contract).cache())
    timed("attribute, baseline year (weights)", lambda: attribute(
        inputs.activity, spans, (year_start(base), year_end(base))).count().execute())

    def costing():
        a = attribute(inputs.activity, spans, window)
        return a.group_by("patient_id", "year", "service", "practice_code", "hub", "integration").agg(
            cost_pence=a.cost_pence.sum()).cache()

    timed("attribute, every year + costing group-by", costing)
    timed("segments prior-year use", lambda: _int_prior(inputs, years).cache())


if __name__ == "__main__":
    main(Path(sys.argv[1]))

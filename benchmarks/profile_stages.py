"""Where settlement time goes: the floor and each piece of the stages, timed apart.

Runs what ``pipeline.prepare(years=(YEAR,))`` builds (the baseline and YEAR), one piece
at a time, each materialised as a DuckDB temporary table on one connection, after the
floor of ``scale.py`` (activity joined to the registered patients, summed per patient
and service line). Pieces marked ``(part)`` are also inside the stage after them, so the
stage lines, not the parts, add up to a settlement.

    .venv/bin/python benchmarks/profile_stages.py benchmarks/data/S [--year 2027]
"""

from __future__ import annotations

import argparse
import itertools
import time
import warnings
from pathlib import Path

from wholepop import costing, population, segments
from wholepop.contract import load_contract
from wholepop.engine import connect
from wholepop.inputs.load import open_inputs
from wholepop.money.facts import gather_facts
from wholepop.population.count import _int_person_months
from wholepop.population.weights import _int_cells
from wholepop.segments.levels import _int_condition_flags, _int_contacts, _int_first_conditions, _int_prior


def _files(folder: Path, table: str) -> str:
    single = folder / f"{table}.parquet"
    return str(single) if single.is_file() else f"{folder / table}/**/*.parquet"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("folder", type=Path)
    ap.add_argument("--year", type=int, default=2027)
    args = ap.parse_args()
    warnings.filterwarnings("ignore")
    folder = args.folder
    con = connect("duckdb")
    con.raw_sql("SET preserve_insertion_order = false")
    inputs = open_inputs(folder, con)
    contract = load_contract(folder / "contract.toml")
    years = (contract.contract.baseline_year, args.year)
    names = (f"piece_{i}" for i in itertools.count())

    def timed(name, fn):
        t0 = time.perf_counter()
        result = fn()
        print(f"{name:40s} {time.perf_counter() - t0:7.2f} s", flush=True)
        return result

    def keep(expr):
        return con.create_table(next(names), expr, temp=True)

    activity, registrations = _files(folder, "activity"), _files(folder, "registrations")
    timed("floor", lambda: con.raw_sql(
        f"CREATE TEMP TABLE floor AS SELECT a.patient_id, a.service, sum(a.cost_pence) FROM read_parquet('{activity}') a "
        f"JOIN (SELECT DISTINCT patient_id FROM read_parquet('{registrations}')) r USING (patient_id) GROUP BY ALL"))
    spans = timed("counted spans", lambda: keep(population.counted_spans(inputs, contract)))
    costs = timed("costing", lambda: keep(costing.cost(inputs, contract, years, spans)))
    timed("  (part) need-weight cells", lambda: _int_cells(inputs, contract, spans, costs).to_pyarrow())
    timed("  (part) person-month rows", lambda: keep(_int_person_months(spans, years)))
    pop = timed("population", lambda: keep(population.person_months(inputs, contract, years, spans=spans, costs=costs)))
    # Segments work one year at a time; the parts are timed for the settled year.
    timed("  (part) prior-year use (the year)", lambda: keep(_int_prior(inputs, args.year)))
    timed("  (part) condition flags (the year)", lambda: keep(_int_condition_flags(_int_first_conditions(inputs), args.year)))
    timed("  (part) contacts (the year)", lambda: keep(_int_contacts(costs, args.year)))
    segs = timed("segments", lambda: keep(segments.segment(pop, costs, inputs, contract)))
    timed("money facts", lambda: gather_facts(pop, costs, segs, inputs.unregistered, inputs.measures, years))


if __name__ == "__main__":
    main()

"""``make demo``: a synthetic MCP taken through its 15-year contract term and its report.

Steps: synth a 300,000-person MCP with a 15-year contract and data for its first 3
years (once; kept in ``demo/data``), check it and print it next to England's reference
figures, print each year's population and segments, settle the 3 years with data into
``demo/wholepop.duckdb`` (a second run finds the same inputs and writes nothing),
project the term (the 3 settled years continued by 12 projected ones, 1,000 Monte Carlo
runs, and what moves the result), check that the projection's settled years equal the
ledger's to the penny, and write ``demo/report.html`` and ``demo/statement.xlsx``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import time
from pathlib import Path

import duckdb
import ibis
from rich.rule import Rule
from rich.table import Table

from wholepop import __version__
from wholepop.cli.app import console
from wholepop.contract.calendar import year_start
from wholepop.numbers import gbp
from wholepop.population.spans import leaves_within_follow_gp
from wholepop.vocab import Condition, Service

POPULATION, YEARS, TERM, START, SEED = 300_000, 3, 15, 2027, 42

# England's reference figures (issue 2): what the synthetic MCP is drawn to resemble.
REFERENCE = (
    ("practice list size, median", "median_list", 8_800),
    ("practice list size, mean", "mean_list", 10_300),
    ("aged 0-14 (%)", "pct_0_14", 15.7),
    ("aged 65+ (%)", "pct_65", 18.5),
    ("aged 85+ (%)", "pct_85", 2.4),
    ("diabetes (% of all ages)", "pct_diabetes", 7.5),
    ("hypertension (%)", "pct_hypertension", 14.0),
    ("any long-term condition (%)", "pct_any_ltc", 25.0),
    ("GP contacts per 1,000 a year", "gp_per_1000", 5_800),
    ("A&E attendances per 1,000", "ae_per_1000", 420),
    ("emergency admissions per 1,000", "ea_per_1000", 105),
    ("outpatient attendances per 1,000", "op_per_1000", 1_600),
    ("cost per emergency admission (£)", "ea_cost", 2_600),
    ("costliest 5% share of spend (%)", "top5", 50.0),
)


def measured(folder: Path, year: int) -> dict[str, float]:
    """The reference figures measured on the data of contract ``year`` (plain DuckDB SQL)."""
    f = lambda name: f"read_parquet('{folder / name}.parquet')"  # noqa: E731
    start, end = f"DATE '{year}-04-01'", f"DATE '{year + 1}-03-31'"
    con = duckdb.connect()
    q = lambda sql: con.execute(sql).fetchone()  # noqa: E731
    people = f"""(SELECT DISTINCT r.patient_id, p.birth_year FROM {f('registrations')} r JOIN {f('patients')} p USING (patient_id)
                  WHERE r.from_date <= {start} AND coalesce(r.to_date, {start}) >= {start}
                  AND (p.death_date IS NULL OR p.death_date >= {start}))"""
    n, p014, p65, p85 = q(f"""SELECT count(*), avg((({year} - birth_year) < 15)::INT)*100, avg((({year} - birth_year) >= 65)::INT)*100,
                             avg((({year} - birth_year) >= 85)::INT)*100 FROM {people}""")
    lists = f"""(SELECT r.practice_code, count(*) n FROM {f('registrations')} r WHERE r.from_date <= {start}
                 AND coalesce(r.to_date, {start}) >= {start} GROUP BY 1)"""
    med, mean = q(f"SELECT median(n), avg(n) FROM {lists}")
    cond = lambda c: q(f"""SELECT count(DISTINCT c.patient_id) FROM {f('conditions')} c JOIN {people} x USING (patient_id)
                           WHERE c.from_date <= {start} {"AND c.condition = '" + c + "'" if c else ""}""")[0] * 100 / n  # noqa: E731
    act = f"(SELECT * FROM {f('activity')} WHERE date BETWEEN {start} AND {end})"
    per = lambda s: q(f"SELECT count(*) FROM {act} WHERE service = '{s}'")[0] * 1000 / n  # noqa: E731
    ea_cost = q(f"SELECT avg(cost_pence) / 100 FROM {act} WHERE service = '{Service.EMERGENCY_ADMISSION}'")[0]
    top5 = q(f"""WITH s AS (SELECT patient_id, sum(cost_pence) c FROM {act} GROUP BY 1),
                 r AS (SELECT c, row_number() OVER (ORDER BY c DESC) k FROM s)
                 SELECT sum(c) FILTER (WHERE k <= {n} * 0.05) * 100.0 / sum(c) FROM r""")[0]
    return {
        "median_list": med, "mean_list": mean, "pct_0_14": p014, "pct_65": p65, "pct_85": p85,
        "pct_diabetes": cond(Condition.DIABETES), "pct_hypertension": cond(Condition.HYPERTENSION), "pct_any_ltc": cond(None),
        "gp_per_1000": per(Service.PRIMARY_MEDICAL), "ae_per_1000": per(Service.AE),
        "ea_per_1000": per(Service.EMERGENCY_ADMISSION), "op_per_1000": per(Service.OUTPATIENT), "ea_cost": ea_cost, "top5": top5,
    }


def _synth(data: Path, population: int) -> None:
    stamp = data / ".demo-stamp"
    wanted = json.dumps({"population": population, "years": YEARS, "term": TERM, "start": START, "seed": SEED, "version": __version__})
    if stamp.exists() and stamp.read_text() == wanted:
        console.print(f"synthetic MCP already in {data} (same seed and size): reusing it", highlight=False)
        return
    from wholepop.cli.synth import synth

    synth(out=data, population=population, years=YEARS, term=TERM, start_year=START, seed=SEED)
    stamp.write_text(wanted)


def _stored_engine(ledger: Path, statement) -> str | None:
    """The wholepop version that stored the latest version of ``statement``'s year, if any."""
    from wholepop.errors import LedgerError
    from wholepop.ledger import get_statement

    if not ledger.exists():
        return None
    try:
        return get_statement(ledger, statement.contract, statement.year)[0].engine_version
    except LedgerError:
        return None


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="make demo")
    parser.add_argument("--out", type=Path, default=Path("demo"))
    parser.add_argument("--population", type=int, default=POPULATION, help="people (default 300,000)")
    args = parser.parse_args(argv)
    out: Path = args.out
    data, contract, ledger = out / "data", out / "data" / "contract.toml", out / "wholepop.duckdb"
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()

    console.print(Rule("1. a synthetic, England-shaped MCP"))
    _synth(data, args.population)

    console.print(Rule("2. wholepop check"))
    from wholepop.cli.check import check

    check(data=data, contract=contract, engine="duckdb")
    m = measured(data, START)
    t = Table(title=f"the synthetic MCP in {START} next to England's figures", title_justify="left")
    for col, j in (("figure", "left"), ("this MCP", "right"), ("England", "right")):
        t.add_column(col, justify=j)
    for label, key, ref in REFERENCE:
        t.add_row(label, f"{m[key]:,.1f}", f"{ref:,}")
    console.print(t)

    console.print(Rule("3. population and care-model segments by contract year"))
    from wholepop.pipeline import prepare, settle

    run = prepare(data, contract)
    try:
        from wholepop.cli.population import summary

        years = run.contract.contract.years[:YEARS]
        docs = [summary(run, y) for y in years]
        console.print(_population_table(docs))

        c = run.contract.contract
        console.print(Rule(f"4. settle the {YEARS} contract years with data, {c.start_year}-{c.start_year + YEARS - 1}, "
                           f"of the {c.term_years}-year term (ledger: demo/wholepop.duckdb)"))
        _exits(run)
        from wholepop.cli.settle import _practices, headline, rules_changed, statement_table
        from wholepop.ledger import append, provenance

        prov = provenance(dict(run.inputs.files), contract, __version__)
        for year in run.contract.contract.years[:YEARS]:
            s = settle(run, year)
            if year == START:
                console.print(statement_table(s))
            console.print(headline(s), highlight=False)
            # A demo folder settled by an earlier wholepop (whose rules, or whose synthetic
            # data and preset, gave other figures): say so and supersede it, as
            # `settle --correct` would; the same statement again writes nothing.
            correct = None
            older = _stored_engine(ledger, s)
            if older is not None and older != __version__:
                why = rules_changed(ledger, s, prov)
                console.print(f"  {why.split(';')[0] if why else f'{s.contract} {s.year} was settled by wholepop {older}'}: correcting",
                              highlight=False)
                correct = f"the demo re-settled by wholepop {__version__} (stored by wholepop {older})"
            result = append(ledger, s, prov, correct=correct, contract_id=run.contract.id, practices=_practices(run, year))
            console.print(f"  ledger: {result.message}", highlight=False)

        from wholepop.report import write_excel, write_html
        from wholepop.report.gather import gather_run, with_projection

        rd = gather_run(run, ledger)
    finally:
        run.close()
    _projection(out, data, contract)
    _same_as_settled(out / "projection.json", rd.statements)
    rd = with_projection(rd, out / "projection.json")
    html, xlsx = write_html(rd, out / "report.html"), write_excel(rd, out / "statement.xlsx")
    console.print(Rule("6. the report"))
    console.print(f"wrote {html}\nwrote {xlsx}", highlight=False)
    console.print(f"demo done in {time.perf_counter() - t0:.0f} s", highlight=False)


def _exits(run) -> None:
    """Say which practices leave at an exit window, and what happens to their patients."""
    m = run.inputs.memberships
    c = run.contract.contract
    term_end = f"{c.start_year + c.term_years}-03-31"
    leaving = m.filter(m.to_date.notnull() & (m.to_date < ibis.date(term_end))).to_pyarrow().to_pylist()
    for r in leaving:
        leave = r["to_date"] + dt.timedelta(days=1)
        integrated = max(r["from_date"], year_start(c.start_year))  # full from this day (population.spans)
        with_it = leaves_within_follow_gp(integrated, r["to_date"])
        console.print(
            f"practice {r['practice_code']} ({r['integration']}) leaves at the exit window on {leave}, notice given "
            f"{r['notice_date']}; {'its patients leave with it (within two years of its full integration)' if with_it else 'its patients stay with the provider'}",
            highlight=False,
        )


def _population_table(docs: list[dict]) -> Table:
    t = Table(title="population and care-model segments (`wholepop population --year Y` shows one year in full)",
              title_justify="left")
    t.add_column("")
    for d in docs:
        t.add_column(f"{d['year']}-{(d['year'] + 1) % 100:02d}", justify="right")
    t.add_row("person-months", *[f"{d['person_months']:,.0f}" for d in docs])
    t.add_row("weighted population", *[f"{d['weighted_population']:,.0f}" for d in docs])
    t.add_row("hubs / practices", *[f"{len(d['hubs'])} / {len(d['practices'])}" for d in docs])
    for i, seg in enumerate(docs[0]["segments"]):
        t.add_row(f"people: {seg['segment']}", *[f"{d['segments'][i]['people']:,}" for d in docs])
    for i, seg in enumerate(docs[0]["segments"]):
        t.add_row(f"spend £: {seg['segment']}", *[gbp(d['segments'][i]['spend_pence']) for d in docs])
    t.add_row("costliest 5% share of spend", *[f"{d['concentration']['top_5']:.1%}" for d in docs])
    t.add_row("unattributed activity rows", *[f"{d['unattributed_activity_rows']:,}" for d in docs])
    return t


def _projection(out: Path, data: Path, contract: Path) -> None:
    from wholepop.cli.project import project

    # which years are settled is the projection's to say (the years `settle` would settle, by coverage)
    console.print(Rule(f"5. the whole {TERM}-year term: years with full data settled, the rest projected (1,000 Monte Carlo runs)"))
    project(data=data, contract=contract, scenario=None, runs=1000, seed=1,
            json_out=out / "projection.json", sensitivity=True, from_baseline=False, engine="duckdb",
            memory_limit=None, work_dir=None, parts=1)


def _same_as_settled(path: Path, statements) -> None:
    """Say (and check) that the projection's settled years are the ledger's statements, to the penny."""
    years = {y["year"]: y for y in json.loads(path.read_text())["years"] if y["settled"]}
    for s in statements:
        y = years.get(s.year)
        if y is None:
            continue
        budget = s.budget.total_pence if s.budget else 0
        if (y["total_payable_pence"], y["budget_pence"]) != (s.total_payable_pence, budget):
            raise RuntimeError(f"the projection's {s.year} differs from its settlement")  # a bug, not bad input
    console.print(f"the projection's settled years {', '.join(map(str, sorted(years)))} equal the ledger's statements "
                  "to the penny (total payable and budget)", highlight=False)


if __name__ == "__main__":
    import sys

    from rich.markup import escape

    from wholepop.cli.app import err_console, exit_code
    from wholepop.errors import UserError

    try:
        main()
    except UserError as e:
        err_console.print(f"[bold red]error:[/] {escape(str(e))}", highlight=False, soft_wrap=True)
        sys.exit(exit_code(e))

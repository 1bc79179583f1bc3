"""``wholepop settle``: settle contract years, print each statement, optionally record it."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table

from wholepop import __version__
from wholepop.cli.app import MEMORY_LIMIT, PARTS, WORK_DIR, app, building, console, err_console
from wholepop.errors import UserError
from wholepop.money.statement import Statement
from wholepop.numbers import gbp


def is_forecast(s: Statement) -> bool:
    return s.extra.get("kind") == "forecast"


def statement_table(s: Statement) -> Table:
    """A statement as a finance reader expects it: sections, items, pounds, the total.
    Labels fold rather than being cut in a narrow (80-column) terminal."""
    what = "FORECAST outturn (not a settlement)" if is_forecast(s) else "statement"
    t = Table(title=f"{s.contract} ({s.form}): {what} for contract year {s.year}-{(s.year + 1) % 100:02d}",
              title_justify="left")
    t.add_column("section", overflow="fold")
    t.add_column("item", overflow="fold", ratio=1)
    t.add_column("£", justify="right", no_wrap=True)
    t.add_column("", justify="center", no_wrap=True)
    for line in s.lines:
        style = "bold" if line.section == "total" else None
        t.add_row(line.section, line.item, gbp(line.amount_pence), "" if line.payable else "memo", style=style)
    return t


def headline(s: Statement) -> str:
    parts = []
    if s.budget is not None:
        parts.append(f"budget {gbp(s.budget.total_pence)}")
    parts.append(f"performance {gbp(s.performance.payment_pence)} of {gbp(s.performance.at_stake_pence)}")
    if s.risk_share is not None:
        parts.append(f"risk share {gbp(s.risk_share.provider_pence)}")
    if s.system_share is not None:
        parts.append(f"system share adjustment {gbp(-s.system_share.parties[0].amount_pence)}")
    parts.append(f"total payable {gbp(s.total_payable_pence)}")
    if s.provider_position is not None:
        p = s.provider_position
        parts.append(
            f"provider's in-scope cost {gbp(p.in_scope_cost_pence)}, deficit repayment {gbp(p.deficit_repayment_pence)},"
            f" {'surplus' if p.surplus_pence >= 0 else 'deficit'} {gbp(abs(p.surplus_pence))}"
        )
    return f"{s.year}{' FORECAST' if is_forecast(s) else ''}: " + ", ".join(parts)


def rules_changed(ledger, statement: Statement, prov) -> str | None:
    """A plain reason to refuse when ``ledger`` holds ``statement``'s year from the same inputs
    and contract, settled by another wholepop whose rules gave a different statement.

    Read from what the ledger already stores (each version's engine version, input and
    contract hashes and statement JSON); None when that is not the case (then ``append``
    decides as always).
    """
    from wholepop.errors import LedgerError
    from wholepop.ledger import get_statement, is_url

    if not is_url(ledger) and not Path(ledger).exists():
        return None
    try:
        record, _, stored = get_statement(ledger, prov.contract_id or statement.contract, statement.year)
    except LedgerError:
        return None
    same_inputs = {h.name: h.sha256 for h in record.inputs} == prov.input_map() and record.contract_hash == prov.contract_hash
    if not same_inputs or stored == statement.to_json() or record.engine_version == prov.engine_version:
        return None
    return (
        f"{statement.contract} {statement.year}: the money rules changed since version {record.version} was stored "
        f"(settled by wholepop {record.engine_version}; this is wholepop {prov.engine_version}), so the same inputs "
        f'and contract now give a different statement; rerun with --correct "rules changed in wholepop '
        f'{prov.engine_version}" to supersede it (`wholepop ledger diff` shows what changed)'
    )


@app.command()
def settle(
    data: Path = typer.Option(..., "--data", help="input folder (Parquet or CSV files)"),
    contract: Path = typer.Option(..., "--contract", help="contract TOML file"),
    year: list[int] = typer.Option(None, "--year", help="contract year to settle (repeatable; default every year the data covers whole)"),
    in_year: bool = typer.Option(False, "--in-year", metavar="", help="a part-year: forecast the outturn from the months in hand (with --ledger, recorded as a forecast, never a settlement)"),
    json_out: Path = typer.Option(None, "--json", help="write the statement JSON here (one year) or to FILE-<year>.json"),
    ledger: str = typer.Option(None, "--ledger", help="record the settlement in this ledger: a DuckDB file or a postgresql:// URL"),
    correct: str = typer.Option(None, "--correct", help="reason for superseding a settled year with different inputs"),
    new_contract: bool = typer.Option(
        False, "--new-contract",
        help="record under a new contract id even though another id already settled these practices and year",
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb, polars or spark (needs Java and pyspark)"),
    quiet: bool = typer.Option(False, "--quiet", metavar="", help="print only the headline of each year"),
    memory_limit: str = MEMORY_LIMIT,
    work_dir: Path = WORK_DIR,
    parts: int = PARTS,
) -> None:
    """Settle contract years: budget, performance, gain/risk share, contingency, total payable.

    A year the data does not cover (no activity, past the declared coverage, or a month
    missing on a line the baseline had enough rows of) is refused and nothing is written;
    with no --year, a partial last year is skipped. --in-year forecasts a part-year instead.
    """
    from wholepop.pipeline import Scale, prepared

    if in_year and not year:
        raise UserError("--in-year: name the year to forecast with --year")
    # Only the years being settled (and the baseline) are built.
    years = tuple(year) if year else None
    where, prov = _before_reading(data, contract, ledger, json_out)
    with ExitStack() as stack:
        with building() as stage:
            run = stack.enter_context(prepared(data, contract, engine, years, Scale(memory_limit, work_dir, parts), stage))
        _settle_and_print(run, year, json_out, where, correct, contract, quiet, in_year, prov=prov, data=data,
                          new_contract=new_contract)


def _before_reading(data: Path, contract: Path, ledger: str | None, json_out: Path | None):
    """Fail on unwritable outputs before any work; hash the inputs (for the ledger) before
    they are read, so ``recheck`` can prove they did not change while being read.

    Returns:
        The ledger location (None without --ledger) and the ``Provenance`` (or None).
    """
    from wholepop.errors import LedgerError, UserError

    if json_out is not None and str(json_out) != "-" and not json_out.resolve().parent.is_dir():
        raise UserError(f"--json: folder {json_out.parent} does not exist")
    if ledger is None:
        return None, None
    from wholepop.cli.ledger import location
    from wholepop.contract import load_contract
    from wholepop.ledger import input_files, provenance

    where = location(ledger)
    if isinstance(where, Path) and not where.resolve().parent.is_dir():
        raise LedgerError(f"{where}: cannot create the ledger: folder {where.parent} does not exist")
    load_contract(contract)  # a bad contract file is a contract error (exit 2), not a hashing one
    return where, provenance(input_files(data), contract, __version__)


def default_years(run) -> list[int]:
    """Every contract year with data that the data covers whole; each partial year is
    skipped, and said so."""
    from wholepop.population.count import table_years

    out = []
    for y in [y for y in run.contract.contract.years if y in table_years(run.population)]:
        cov = run.year_coverage(y)
        if cov.status == "complete":
            out.append(y)
        elif cov.status == "partial":
            err_console.print(
                f"[yellow]skipped {y}:[/] a partial year ({cov.describe()}): "
                + "; ".join(cov.refusals())
                + (f". `settle --year {y} --in-year` forecasts its outturn" if cov.observed else ""),
                highlight=False, soft_wrap=True,
            )
    return out


def _settle_and_print(run, year, json_out, ledger, correct, contract, quiet, in_year=False, *, prov=None, data=None,
                      new_contract=False) -> None:
    """Settle (or, ``in_year``, forecast) and print each year; with a ledger, record every
    settlement in one transaction (all the years or none) and print the chain's head.

    With a ledger, ``prov`` is the provenance taken before reading (``_before_reading``):
    the inputs are hashed again after the last read, and a change refuses the whole run
    before anything is recorded. A --json file is written only once the ledger has
    accepted its statement, so a refusal leaves no JSON behind either.
    """
    from wholepop.pipeline import forecast, settle as settle_one

    years = year or default_years(run)
    statements = []
    for y in years:
        with console.status(f"{'forecasting' if in_year else 'settling'} {y}..."):
            statements.append(forecast(run, y) if in_year else settle_one(run, y))
    results = [None] * len(statements)
    if ledger is not None:
        from wholepop.ledger import append_all, provenance, recheck

        if prov is None:  # a caller that did not hash before reading: hash now (weaker, said in the docs)
            prov = provenance(dict(run.inputs.files), contract, __version__)
        else:
            recheck(prov, data if data is not None else run.inputs.folder, contract)
        if run.contract.contract.id is None:
            from rich.markup import escape

            console.print(
                "[yellow]warning:[/] " + escape(
                    f"{contract} has no [contract] id; the ledger keys this contract on its name {run.contract.name!r}, "
                    f'so renaming it would start a new contract: add id = "{_suggest_id(run.contract.name)}" under [contract]'
                ),
                highlight=False, soft_wrap=True,
            )
        # a forecast never supersedes a settlement, so a rules change does not concern it
        for s in statements if not in_year and correct is None else ():
            if (why := rules_changed(ledger, s, prov)) is not None:
                from wholepop.errors import LedgerError

                raise LedgerError(why)
        # every year in one transaction: a year the ledger refuses leaves none written
        if statements:
            results = append_all(ledger, [(s, _practices(run, s.year)) for s in statements], prov, correct=correct,
                                 contract_id=run.contract.id, kind="forecast" if in_year else "settlement",
                                 new_contract=new_contract)
    result = None
    for s, result in zip(statements, results):
        if not quiet:
            console.print(statement_table(s))
        console.print(headline(s), highlight=False)
        if result is not None:
            console.print(f"  ledger: {result.message}", highlight=False)
        if json_out is not None:
            path = json_out if len(statements) == 1 else json_out.with_name(f"{json_out.stem}-{s.year}{json_out.suffix}")
            path.write_text(s.to_json(), encoding="utf-8")
            console.print(f"  wrote {path}")
    if result is not None:
        console.print(f"ledger chain head {result.head} (keep it: `wholepop ledger verify --head HASH` proves it later)",
                      highlight=False, soft_wrap=True)


def _practices(run, year: int) -> list[str]:
    """The practice codes with a registered population in ``year`` (what the statement covers)."""
    p = run.population
    return sorted(r["practice_code"] for r in p.filter(p.year == year).select("practice_code").distinct().to_pyarrow().to_pylist())


def _suggest_id(name: str) -> str:
    import re

    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:64] or "contract"

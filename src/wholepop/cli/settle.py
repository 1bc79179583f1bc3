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


def rules_changed(ledger: Path, statement: Statement, prov) -> str | None:
    """A plain reason to refuse when ``ledger`` holds ``statement``'s year from the same inputs
    and contract, settled by another wholepop whose rules gave a different statement.

    Read from what the ledger already stores (each version's engine version, input and
    contract hashes and statement JSON); None when that is not the case (then ``append``
    decides as always).
    """
    from wholepop.errors import LedgerError
    from wholepop.ledger import get_statement

    if not ledger.exists():
        return None
    try:
        record, _, stored = get_statement(ledger, statement.contract, statement.year)
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
    in_year: bool = typer.Option(False, "--in-year", metavar="", help="a part-year: forecast the outturn from the months in hand (never recorded as a settlement)"),
    json_out: Path = typer.Option(None, "--json", help="write the statement JSON here (one year) or to FILE-<year>.json"),
    ledger: Path = typer.Option(None, "--ledger", help="record the settlement in this ledger file"),
    correct: str = typer.Option(None, "--correct", help="reason for superseding a settled year with different inputs"),
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
    if in_year and ledger is not None:
        raise UserError("--in-year: a forecast is never recorded as a settlement; drop --ledger (use --json to keep it)")
    # Only the years being settled (and the baseline) are built.
    years = tuple(year) if year else None
    with ExitStack() as stack:
        with building() as stage:
            run = stack.enter_context(prepared(data, contract, engine, years, Scale(memory_limit, work_dir, parts), stage))
        _settle_and_print(run, year, json_out, ledger, correct, contract, quiet, in_year)


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


def _settle_and_print(run, year, json_out, ledger, correct, contract, quiet, in_year=False) -> None:
    from wholepop.pipeline import forecast
    from wholepop.pipeline import settle as settle_one

    years = year or default_years(run)
    statements = []
    for y in years:
        with console.status(f"{'forecasting' if in_year else 'settling'} {y}..."):
            statements.append(forecast(run, y) if in_year else settle_one(run, y))
    if ledger is not None:
        from wholepop.ledger import append, provenance

        prov = provenance(dict(run.inputs.files), contract, __version__)
    for s in statements:
        if not quiet:
            console.print(statement_table(s))
        console.print(headline(s), highlight=False)
        if json_out is not None:
            path = json_out if len(statements) == 1 else json_out.with_name(f"{json_out.stem}-{s.year}{json_out.suffix}")
            path.write_text(s.to_json(), encoding="utf-8")
            console.print(f"  wrote {path}")
        if ledger is not None:
            if correct is None and (why := rules_changed(ledger, s, prov)) is not None:
                from wholepop.errors import LedgerError

                raise LedgerError(why)
            result = append(ledger, s, prov, correct=correct)
            console.print(f"  ledger: {result.message}", highlight=False)

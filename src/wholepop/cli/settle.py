"""``wholepop settle``: settle contract years, print each statement, optionally record it."""

from __future__ import annotations

from contextlib import ExitStack
from pathlib import Path

import typer
from rich.table import Table

from wholepop import __version__
from wholepop.cli.app import MEMORY_LIMIT, PARTS, WORK_DIR, app, building, console
from wholepop.money.pence import pounds
from wholepop.money.statement import Statement


def statement_table(s: Statement) -> Table:
    """A statement as a finance reader expects it: sections, items, pounds, the total."""
    t = Table(title=f"{s.contract} ({s.form}): statement for contract year {s.year}-{(s.year + 1) % 100:02d}",
              title_justify="left")
    t.add_column("section")
    t.add_column("item")
    t.add_column("£", justify="right")
    t.add_column("", justify="center")
    for line in s.lines:
        style = "bold" if line.section == "total" else None
        t.add_row(line.section, line.item, f"{pounds(line.amount_pence):,}", "" if line.payable else "memo", style=style)
    return t


def headline(s: Statement) -> str:
    parts = []
    if s.budget is not None:
        parts.append(f"budget £{pounds(s.budget.total_pence):,}")
    parts.append(f"performance £{pounds(s.performance.payment_pence):,} of £{pounds(s.performance.at_stake_pence):,}")
    if s.risk_share is not None:
        parts.append(f"risk share £{pounds(s.risk_share.provider_pence):,}")
    if s.system_share is not None:
        parts.append(f"system share adjustment £{pounds(-s.system_share.parties[0].amount_pence):,}")
    parts.append(f"total payable £{pounds(s.total_payable_pence):,}")
    if s.provider_position is not None:
        p = s.provider_position
        parts.append(
            f"provider's in-scope cost £{pounds(p.in_scope_cost_pence):,}, deficit repayment £{pounds(p.deficit_repayment_pence):,},"
            f" {'surplus' if p.surplus_pence >= 0 else 'deficit'} £{pounds(abs(p.surplus_pence)):,}"
        )
    return f"{s.year}: " + ", ".join(parts)


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
    year: list[int] = typer.Option(None, "--year", help="contract year to settle (repeatable; default every year with data)"),
    json_out: Path = typer.Option(None, "--json", help="write the statement JSON here (one year) or to FILE-<year>.json"),
    ledger: Path = typer.Option(None, "--ledger", help="record the settlement in this ledger file"),
    correct: str = typer.Option(None, "--correct", help="reason for superseding a settled year with different inputs"),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb, polars or spark (needs Java and pyspark)"),
    quiet: bool = typer.Option(False, "--quiet", help="print only the headline of each year"),
    memory_limit: str = MEMORY_LIMIT,
    work_dir: Path = WORK_DIR,
    parts: int = PARTS,
) -> None:
    """Settle contract years: budget, performance, gain/risk share, contingency, total payable."""
    from wholepop.pipeline import Scale, prepared

    # Only the years being settled (and the baseline) are built.
    years = tuple(year) if year else None
    with ExitStack() as stack:
        with building() as stage:
            run = stack.enter_context(prepared(data, contract, engine, years, Scale(memory_limit, work_dir, parts), stage))
        _settle_and_print(run, year, json_out, ledger, correct, contract, quiet)


def _settle_and_print(run, year, json_out, ledger, correct, contract, quiet) -> None:
    from wholepop.pipeline import settle as settle_one
    from wholepop.population.count import table_years

    years = year or [y for y in run.contract.contract.years if y in table_years(run.population)]
    statements = []
    for y in years:
        with console.status(f"settling {y}..."):
            statements.append(settle_one(run, y))
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


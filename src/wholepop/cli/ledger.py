"""``wholepop ledger list|show|diff|verify``: read and check the settlement ledger.

Writing to the ledger is ``wholepop settle --ledger FILE``; these commands only read.
"""

from __future__ import annotations

import sys
from decimal import Decimal
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from wholepop import ledger as ledger_
from wholepop.cli.app import app, console
from wholepop.errors import LedgerError
from wholepop.ledger.records import SettlementRecord
from wholepop.money.pence import pounds

ledger_app = typer.Typer(
    name="ledger",
    help="Read and check the settlement ledger (settle --ledger FILE writes it).",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")

_LEDGER_HELP = f"the ledger file (default: {ledger_.LEDGER_FILE} in the current folder)"


def _money(pence: int | None, *, sign: bool = False) -> str:
    if pence is None:
        return "-"
    value: Decimal = pounds(pence)
    text = f"£{abs(value):,}"
    if value < 0:
        return "-" + text
    return "+" + text if sign else text


def _state(r: SettlementRecord) -> str:
    return "current" if r.current else "superseded"


@ledger_app.command("list")
def list_(
    ledger: Path = typer.Option(Path(ledger_.LEDGER_FILE), "--ledger", help=_LEDGER_HELP),
) -> None:
    """List every settled contract year and version."""
    records = ledger_.list_settlements(ledger)
    if not records:
        console.print(f"{escape(str(ledger))}: no settlements yet")
        return
    table = Table(title=escape(str(ledger)))
    for col, justify in (("contract", "left"), ("year", "right"), ("version", "right"), ("state", "left"),
                         ("written (UTC)", "left"), ("total payable", "right")):
        # Amounts, years and times are never cut short; a long contract name wraps instead.
        table.add_column(
            col,
            justify=justify,
            no_wrap=col != "contract",
            min_width=min(24, max(len(r.contract) for r in records)) if col == "contract" else None,
        )
    for r in records:
        table.add_row(
            escape(r.contract), str(r.year), str(r.version), _state(r), r.created_at[:16].replace("T", " "),
            _money(r.total_payable_pence),
        )
    console.print(table)
    # Reasons are free text of any length: printed under the table rather than squeezed into it.
    for r in records:
        if r.supersedes:
            console.print(
                f"{escape(r.contract)} {r.year} version {r.version} supersedes version {r.supersedes}: {escape(r.reason or '')}",
                soft_wrap=True,
            )


@ledger_app.command()
def show(
    contract: str = typer.Argument(..., help="the contract name (as in the statement)"),
    year: int = typer.Argument(..., help="the contract year (April-March, named by its first year)"),
    version: int | None = typer.Option(None, "--version", help="the version (default: the current one)"),
    json_file: Path | None = typer.Option(None, "--json", help="write the stored statement JSON here, byte for byte ('-' for stdout)"),
    ledger: Path = typer.Option(Path(ledger_.LEDGER_FILE), "--ledger", help=_LEDGER_HELP),
) -> None:
    """Show a stored statement (the current version unless --version N)."""
    record, statement, json_text = ledger_.get_statement(ledger, contract, year, version)
    if json_file is not None and str(json_file) == "-":
        sys.stdout.buffer.write(json_text.encode("utf-8"))
        sys.stdout.flush()
        return
    console.print(
        f"[bold]{escape(record.contract)} {record.year}[/] version {record.version} ({record.status}, {_state(record)}), "
        f"written {record.created_at} by wholepop {escape(record.engine_version)}",
        soft_wrap=True,
    )
    if record.supersedes:
        console.print(f"supersedes version {record.supersedes}: {escape(record.reason or '')}", soft_wrap=True)
    console.print(f"contract sha256 {record.contract_hash}", soft_wrap=True)
    for i in record.inputs:
        console.print(f"input {escape(i.name)} sha256 {i.sha256}", soft_wrap=True)
    table = Table()
    for col, justify in (("section", "left"), ("item", "left"), ("amount", "right"), ("payable", "center"), ("basis", "left")):
        table.add_column(col, justify=justify, no_wrap=col in ("amount", "payable"))
    for line in statement.lines:
        table.add_row(escape(line.section), escape(line.item), _money(line.amount_pence), "yes" if line.payable else "", escape(line.basis))
    console.print(table)
    console.print(f"total payable {_money(statement.total_payable_pence)}")
    if json_file is not None:
        try:
            json_file.write_bytes(json_text.encode("utf-8"))
        except OSError as e:
            raise LedgerError(f"{json_file}: cannot write the statement JSON ({e.strerror})") from None
        console.print(f"wrote {escape(str(json_file))}")


@ledger_app.command()
def diff(
    contract: str = typer.Argument(..., help="the contract name"),
    year: int = typer.Argument(..., help="the contract year"),
    v1: int = typer.Argument(..., help="the earlier version"),
    v2: int = typer.Argument(..., help="the later version"),
    ledger: Path = typer.Option(Path(ledger_.LEDGER_FILE), "--ledger", help=_LEDGER_HELP),
) -> None:
    """Compare two versions of a contract year, line by line, in pounds."""
    d = ledger_.diff(ledger, contract, year, v1, v2)
    console.print(f"[bold]{escape(contract)} {year}[/]: version {v1} -> version {v2}")
    for r in (d.v1, d.v2):
        if r.supersedes:
            console.print(f"version {r.version} supersedes version {r.supersedes}: {escape(r.reason or '')}")
    console.print(f"changed files: {escape(', '.join(d.changed_inputs)) if d.changed_inputs else 'none'}")
    table = Table()
    for col, justify in (("section", "left"), ("item", "left"), (f"v{v1}", "right"), (f"v{v2}", "right"), ("change", "right")):
        table.add_column(col, justify=justify, no_wrap=justify == "right")
    for row in d.rows:
        change = _money(row.change_pence, sign=True) if row.change_pence else ""
        table.add_row(escape(row.section), escape(row.item), _money(row.v1_pence), _money(row.v2_pence), change)
    table.add_section()
    table.add_row(
        "total payable", "", _money(d.v1.total_payable_pence), _money(d.v2.total_payable_pence),
        _money(d.total_change_pence, sign=True),
    )
    console.print(table)


@ledger_app.command()
def verify(
    ledger: Path = typer.Option(Path(ledger_.LEDGER_FILE), "--ledger", help=_LEDGER_HELP),
) -> None:
    """Recompute every stored statement's totals and check every hash (exit 3 on any mismatch)."""
    count, problems = ledger_.verify_count(ledger)
    if problems:
        raise LedgerError(f"{ledger}: {len(problems)} problem(s) found\n" + "\n".join(problems))
    console.print(f"ledger ok: {count} settlements verified")

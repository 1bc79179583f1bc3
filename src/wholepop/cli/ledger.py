"""``wholepop ledger list|show|diff|verify|head``: read and check the settlement ledger.

Writing to the ledger is ``wholepop settle --ledger FILE|URL``; these commands only read.
``--ledger`` takes a DuckDB file or a ``postgresql://`` URL everywhere.
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
from wholepop.errors import LedgerError, UserError
from wholepop.ledger.records import SettlementRecord
from wholepop.money.pence import pounds

ledger_app = typer.Typer(
    name="ledger",
    help="Read and check the settlement ledger (settle --ledger FILE|URL writes it).",
    no_args_is_help=True,
)
app.add_typer(ledger_app, name="ledger")

_LEDGER_HELP = f"the ledger: a DuckDB file or a postgresql:// URL (default: {ledger_.LEDGER_FILE} in the current folder)"


def location(text: str) -> ledger_.Location:
    """``--ledger`` as given: a ``postgresql://`` URL stays text, anything else is a file path."""
    return text if ledger_.is_url(text) else Path(text)


# The ``--ledger`` option of every ``ledger`` command.
LEDGER = typer.Option(ledger_.LEDGER_FILE, "--ledger", help=_LEDGER_HELP)


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
def list_(ledger: str = LEDGER) -> None:
    """List every settled contract year and version, then the in-year forecasts apart."""
    where = location(ledger)
    records = ledger_.list_settlements(where)
    forecasts = ledger_.list_forecasts(where)
    name = escape(ledger_.describe(where))
    if not records:
        console.print(f"{name}: no settlements yet")
    else:
        _list_table(records, name, "version")
        # Reasons are free text of any length: printed under the table rather than squeezed into it.
        for r in records:
            if r.supersedes:
                console.print(
                    f"{escape(r.contract)} {r.year} version {r.version} supersedes version {r.supersedes}: {escape(r.reason or '')}",
                    soft_wrap=True,
                )
    if forecasts:
        console.print("In-year forecasts (forecast outturns: never settlements, not in the settled versions above):", soft_wrap=True)
        _list_table(forecasts, f"{name}: forecasts", "forecast")


def _list_table(records, title: str, noun: str) -> None:
    table = Table(title=title)
    columns = [("contract", "left"), ("year", "right"), (noun, "right"), ("state", "left"), ("written (UTC)", "left"),
               ("total payable", "right")]
    for col, justify in columns:
        # Amounts, years and versions are never cut short; in a narrow terminal the contract
        # name (and its id, under it where the two differ) wraps, and the time folds under its date.
        table.add_column(
            col,
            justify=justify,
            no_wrap=col not in ("contract", "written (UTC)"),
            overflow="fold",
            min_width={"contract": min(12, max(len(r.contract) for r in records)), "written (UTC)": 10}.get(col),
        )
    for r in records:
        state = ("latest" if r.current else "earlier") if r.kind == "forecast" else _state(r)
        name = escape(r.contract) + (f"\n(id {escape(r.contract_id)})" if r.contract_id != r.contract else "")
        table.add_row(
            name, str(r.year), str(r.version), state, r.created_at[:16].replace("T", " "), _money(r.total_payable_pence),
        )
    console.print(table)


@ledger_app.command()
def show(
    contract: str = typer.Argument(..., help="the contract id ([contract] id), or its name"),
    year: int = typer.Argument(..., help="the contract year (April-March, named by its first year)"),
    version: int | None = typer.Option(None, "--version", help="the version (default: the current one)"),
    json_file: Path | None = typer.Option(None, "--json", help="write the stored statement JSON here, byte for byte ('-' for stdout)"),
    data: Path | None = typer.Option(
        None, "--data", help="the input folder as it is now: mark each settled year whose recorded input hashes differ from it"
    ),
    ledger: str = LEDGER,
) -> None:
    """Show a stored statement (the current version unless --version N)."""
    if data is not None and not data.is_dir():
        raise UserError(f"--data: {data} is not a folder")
    where = location(ledger)
    record, statement, json_text = ledger_.get_statement(where, contract, year, version)
    stale = ledger_.stale_years(where, record.contract_id, ledger_.input_hashes(ledger_.input_files(data))) if data else ()
    if json_file is not None and str(json_file) == "-":
        sys.stdout.buffer.write(json_text.encode("utf-8"))
        sys.stdout.flush()
        return
    names = f" (id {escape(record.contract_id)})" if record.contract_id != record.contract else ""
    console.print(
        f"[bold]{escape(record.contract)}{names} {record.year}[/] version {record.version} ({record.status}, {_state(record)}), "
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
    if data is not None:
        if not stale:
            console.print(f"inputs: every settled year of {escape(record.contract_id)} matches {escape(str(data))} as it is now")
        for y in stale:
            console.print(
                f"[bold yellow]stale:[/] {y.year} version {y.version} was settled on inputs that have changed since: "
                f"{escape(', '.join(y.changed))}",
                soft_wrap=True,
            )
    if json_file is not None:
        try:
            json_file.write_bytes(json_text.encode("utf-8"))
        except OSError as e:
            raise LedgerError(f"{json_file}: cannot write the statement JSON ({e.strerror})") from None
        console.print(f"wrote {escape(str(json_file))}")


@ledger_app.command()
def diff(
    contract: str = typer.Argument(..., help="the contract id, or its name"),
    year: int = typer.Argument(..., help="the contract year"),
    v1: int = typer.Argument(..., help="the earlier version"),
    v2: int = typer.Argument(..., help="the later version"),
    ledger: str = LEDGER,
) -> None:
    """Compare two versions of a contract year, line by line, in pounds."""
    d = ledger_.diff(location(ledger), contract, year, v1, v2)
    console.print(f"[bold]{escape(contract)} {year}[/]: version {v1} -> version {v2}")
    for r in (d.v1, d.v2):
        if r.supersedes:
            console.print(f"version {r.version} supersedes version {r.supersedes}: {escape(r.reason or '')}")
    if d.v1.contract != d.v2.contract:
        console.print(f"renamed: {escape(d.v1.contract)} -> {escape(d.v2.contract)}")
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
    head: str | None = typer.Option(
        None, "--head", help="a chain head printed earlier (settle, report, ledger head): prove the chain still holds it"
    ),
    ledger: str = LEDGER,
) -> None:
    """Recompute every stored statement's totals and check every hash (exit 3 on any mismatch).

    With --head HASH, also prove that nothing up to that head was removed or rewritten.
    """
    where = location(ledger)
    count, problems = ledger_.verify_count(where, head=head)
    if problems:
        raise LedgerError(f"{ledger_.describe(where)}: {len(problems)} problem(s) found\n" + "\n".join(problems))
    console.print(f"ledger ok: {count} settlements verified", highlight=False)
    if head is not None:
        console.print(f"the chain still holds head {head.strip().lower()} and every settlement before it", highlight=False,
                      soft_wrap=True)


@ledger_app.command("head")
def head_(ledger: str = LEDGER) -> None:
    """Print the chain's head: keep it, and `ledger verify --head HASH` proves later that
    no settlement up to it was removed or rewritten."""
    h = ledger_.head(location(ledger))
    console.print(f"chain head {h.hash} (row {h.seq})", highlight=False, soft_wrap=True)

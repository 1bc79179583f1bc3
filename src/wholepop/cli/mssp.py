"""``wholepop mssp``: the US Medicare Shared Savings Program tools.

``wholepop mssp reconcile PUF.csv --performance-year 2023 --out OUT.csv`` recognises the
layout of a CMS per-ACO results file from its header, recomputes every ACO under that
year's rules and compares the earned savings or losses with CMS's: it prints the layout,
the counts per track and, for each ACO that differs, the first step where ours and CMS's
part. A file whose own year disagrees with ``--performance-year`` gets a warning.
"""

from __future__ import annotations

from pathlib import Path

import typer

from wholepop.cli.app import app, console, err_console
from wholepop.errors import UserError
from wholepop.money.mssp.puf import reconcile as reconcile_file

mssp_app = typer.Typer(help="US Medicare Shared Savings Program: reconcile CMS's per-ACO results.", no_args_is_help=True)
app.add_typer(mssp_app, name="mssp")


@mssp_app.command()
def reconcile(
    puf: Path = typer.Argument(..., help="CMS per-ACO 'Performance Year Financial and Quality Results' CSV"),
    performance_year: int = typer.Option(..., "--performance-year", help="the year the file reports (2013-2024)"),
    out: Path = typer.Option(..., "--out", help="where to write the per-ACO CSV"),
) -> None:
    """Recompute each ACO's savings or losses and compare with CMS's published amounts."""
    result = reconcile_file(puf, performance_year)
    for warning in result.warnings:
        err_console.print(f"warning: {warning}", highlight=False, markup=False, soft_wrap=True)
    try:
        out.write_text(result.to_csv(), encoding="utf-8")
    except OSError as e:
        raise UserError(f"--out: cannot write {out} ({e.strerror})") from None
    for line in result.report():
        console.print(line, highlight=False, markup=False, soft_wrap=True)

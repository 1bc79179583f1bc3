"""``wholepop template --out DIR``: a blank input folder to fill from local extracts.

Writes ``<table>.csv`` (header only) for every input table and a ``README.md`` with each
table's columns, types, allowed values and an example row (``importers.template``).
"""

from __future__ import annotations

from pathlib import Path

import typer

from wholepop.cli.app import app, console
from wholepop.importers.template import write_template


@app.command()
def template(
    out: Path = typer.Option(..., "--out", help="empty folder to write one header-only CSV per input table and README.md to"),
) -> None:
    """Write a blank input folder (a header-only CSV per table and a README) to fill by hand."""
    files = write_template(out)
    console.print(f"wrote {len(files) - 1} header-only CSV files and {out / 'README.md'}", highlight=False, soft_wrap=True)
    console.print(f"fill them (README.md says how), then: wholepop check --data {out}", highlight=False, soft_wrap=True)

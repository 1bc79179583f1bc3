"""``wholepop report``: the self-contained HTML report and the Excel statement workbook."""

from __future__ import annotations

from pathlib import Path

import typer

from wholepop.cli.app import MEMORY_LIMIT, PARTS, WORK_DIR, app

__all__ = ["report"]


@app.command()
def report(
    data: Path = typer.Option(..., "--data", help="input folder (one file per table)"),
    contract: Path = typer.Option(..., "--contract", help="contract TOML file"),
    ledger: str = typer.Option(..., "--ledger", help="the ledger holding the settled years: a DuckDB file or a postgresql:// URL"),
    out: Path = typer.Option(..., "--out", help="HTML report to write"),
    xlsx: Path | None = typer.Option(None, "--xlsx", help="also write the statement workbook here"),
    year: int | None = typer.Option(None, "--year", help="contract year of the population sections (default: latest settled)"),
    restricted: bool = typer.Option(
        False, "--restricted", metavar="", help="unrounded counts for internal use; every page and sheet is stamped RESTRICTED"
    ),
    engine: str = typer.Option("duckdb", "--engine", help="duckdb or polars"),
    projection: Path | None = typer.Option(None, "--projection", help="add the projection written by `wholepop project --json`"),
    memory_limit: str = MEMORY_LIMIT,
    work_dir: Path = WORK_DIR,
    parts: int = PARTS,
) -> None:
    """Write the self-contained HTML report (and optionally the Excel statement workbook).

    Counts of people and events are disclosure-controlled (1-7 as *, others to the
    nearest 5) unless --restricted is given. Nothing is written if gathering fails.
    """
    from wholepop.cli.app import building, console
    from wholepop.cli.ledger import location
    from wholepop.pipeline import Scale
    from wholepop.report.excel import write_excel
    from wholepop.report.gather import gather, with_projection
    from wholepop.report.html import write_html

    with building("gathering the report") as stage:
        report_data = gather(data=data, contract=contract, ledger=location(ledger), year=year, restricted=restricted,
                             engine=engine, scale=Scale(memory_limit, work_dir, parts), stage=stage)
    if projection is not None:
        report_data = with_projection(report_data, projection)
    written = [write_html(report_data, out)]
    if xlsx is not None:
        written.append(write_excel(report_data, xlsx))
    years = ", ".join(str(s.year) for s in report_data.statements) or "none"
    for path in written:
        console.print(f"wrote {path}", highlight=False)
    console.print(f"settled years: {years}; population year {report_data.year}", highlight=False)
    for y in report_data.stale_years:
        console.print(f"stale: {y.year} version {y.version} was settled on inputs that have changed since: {y.changed}",
                      highlight=False, soft_wrap=True)
    console.print(f"ledger chain head {report_data.ledger_head}", highlight=False, soft_wrap=True)
    if restricted:
        console.print("[bold red]RESTRICTED: contains unrounded small numbers[/]")

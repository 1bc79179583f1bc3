"""``wholepop import ...`` (NHS files, Synthea) and ``wholepop hubs`` (the hub planner).

- ``wholepop import nhs-lists FILE... --out DIR``: registered patients by practice, sex
  and age (any header generation, zipped or not) -> ``list_counts``.
- ``wholepop import nhs-map MAP --out DIR [--weights F] [--imd F] [--icb C] [--sub-icb C]``:
  the practice map (+ weighted populations, IMD) -> ``practices`` (+ ``weights``).
- ``wholepop import synthea DIR --out DIR``: a Synthea CSV export -> the input layer and a
  fitted ``contract.toml``.
- ``wholepop import hes --apc F --op F --ae F --out DIR``: HES / SUS+ hospital activity ->
  ``activity`` (and, without ``--lists-from``, a population of hospital users), with a
  report accounting for every row.
- ``wholepop hubs --data DIR [--min 30000 --max 50000]``: propose hubs for the practices of
  a data folder and compare them with the hubs the folder already has (the PCNs).
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import typer
from rich.table import Table

from wholepop import hubs as hub_planner
from wholepop.cli.app import app, building, console, err_console
from wholepop.engine import connect
from wholepop.errors import UserError
from wholepop.importers.hes import REASON_TEXT, HesReport, Reason, import_hes, parse_years
from wholepop.importers.nhs import ImportReport, import_nhs_lists, import_nhs_map
from wholepop.importers.synthea import import_synthea
from wholepop.inputs.load import open_inputs, read_raw

import_app = typer.Typer(name="import", help="Import outside formats (HES/SUS+ activity, NHS Digital files, Synthea CSV) into an input folder.", no_args_is_help=True)
app.add_typer(import_app, name="import")


def _report(report: ImportReport) -> None:
    for source, layout in report.layouts.items():
        console.print(f"read {source} (layout: {layout})", highlight=False, soft_wrap=True)
    for name, path in report.written.items():
        rows = report.rows.get(name)
        console.print(f"wrote {path}" + (f" ({rows:,} rows)" if rows is not None else ""), highlight=False, soft_wrap=True)
    for w in report.warnings:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)


@import_app.command("nhs-lists")
def nhs_lists(
    files: list[Path] = typer.Argument(..., help="gp-reg-pat-prac-*.csv or .zip files (5-year bands, single years or totals)"),
    out: Path = typer.Option(..., "--out", help="data folder to write list_counts.parquet to"),
) -> None:
    """Import "Patients Registered at a GP Practice" files as the list_counts table."""
    _report(import_nhs_lists(files, out))


@import_app.command("nhs-map")
def nhs_map(
    map_file: Path = typer.Argument(..., help="gp-reg-pat-prac-map.csv or .zip"),
    out: Path = typer.Option(..., "--out", help="data folder to write practices.parquet (and weights.parquet) to"),
    weights: Path | None = typer.Option(None, "--weights", help="NHS England weighted populations per practice (CSV)"),
    imd: Path | None = typer.Option(None, "--imd", help="deprivation score per practice (CSV)"),
    icb: list[str] = typer.Option([], "--icb", help="keep only practices of this ICB code (repeatable)"),
    sub_icb: list[str] = typer.Option([], "--sub-icb", help="keep only practices of this sub-ICB code (repeatable)"),
) -> None:
    """Import the practice -> PCN map as the practices table (hub = PCN)."""
    _report(import_nhs_map(map_file, out, weights, imd, icb=icb, sub_icb=sub_icb))


@import_app.command("synthea")
def synthea(
    folder: Path = typer.Argument(..., help="folder of a Synthea CSV export (patients.csv, encounters.csv, ...)"),
    out: Path = typer.Option(..., "--out", help="data folder to write the input layer and contract.toml to"),
) -> None:
    """Import a Synthea CSV export as an input folder with a fitted contract.toml."""
    _report(import_synthea(folder, out))


@import_app.command("hes")
def hes(
    apc: Path | None = typer.Option(None, "--apc", help="admitted patient care extract (HES APC or SUS+ APCE): CSV or Parquet, zipped or not"),
    op: Path | None = typer.Option(None, "--op", help="outpatient extract (HES OP or SUS+ OPA)"),
    ae: Path | None = typer.Option(None, "--ae", help="A&E extract (HES A&E or SUS+ AE)"),
    out: Path = typer.Option(..., "--out", help="data folder to write activity (and a population) and the import report to"),
    prices: Path | None = typer.Option(None, "--prices", help="CSV of unit costs: pod, unit_cost_pence or unit_cost (pounds), optional hrg / treatment_function, mff"),
    years: str | None = typer.Option(None, "--years", help="contract years to keep, e.g. 2027-2029 (April-March); default: all"),
    lists_from: Path | None = typer.Option(None, "--lists-from", help="folder holding registered patients and registrations to link the activity to"),
    mapping: Path | None = typer.Option(None, "--mapping", help="TOML overriding the column mapping (docs/real-data.md)"),
    patient_id: str | None = typer.Option(None, "--patient-id", help="source column of the patient id in every file (default PSEUDO_HESID)"),
    memory_limit: str | None = typer.Option(None, "--memory-limit", help="DuckDB memory limit, e.g. 2GB; past it DuckDB spills to disk"),
) -> None:
    """Import HES / SUS+ hospital activity; report every row read: written or excluded, and why."""
    files = {ds: f for ds, f in (("apc", apc), ("op", op), ("ae", ae)) if f is not None}
    with building("importing hospital activity") as stage:
        report = import_hes(
            files, out, prices=prices, years=parse_years(years), lists_from=lists_from,
            mapping=mapping, patient_id=patient_id, memory_limit=memory_limit, stage=stage,
        )
    _hes_report(report)


def _hes_report(report: HesReport) -> None:
    table = Table(title="rows read, written and excluded (hes_import_report.json has the same)", title_justify="left")
    table.add_column("reason")
    for d in report.datasets:
        table.add_column(d.dataset, justify="right")
    for reason in Reason:
        cells = [d.reasons.get(reason.value, 0) for d in report.datasets]
        if any(cells) or reason is Reason.WRITTEN:
            table.add_row(reason.value, *[f"{c:,}" for c in cells],
                          style="bold" if reason is Reason.WRITTEN else None)
    table.add_row("rows read", *[f"{d.rows_read:,}" for d in report.datasets], style="dim")
    console.print(table)
    for reason in Reason:
        if reason is not Reason.WRITTEN and any(d.reasons.get(reason.value) for d in report.datasets):
            console.print(f"  {reason.value}: {REASON_TEXT[reason]}", highlight=False, soft_wrap=True)
    lines = Table(title="activity written by service line", title_justify="left")
    lines.add_column("service")
    for d in report.datasets:
        lines.add_column(d.dataset, justify="right")
    services = sorted({s for d in report.datasets for s in d.services})
    for s in services:
        lines.add_row(s, *[f"{d.services.get(s, 0):,}" for d in report.datasets])
    console.print(lines)
    if report.period:
        console.print(f"period covered: {report.period[0]} to {report.period[1]}; population: {report.population}", highlight=False, soft_wrap=True)
    for name, path in report.written.items():
        rows = report.rows.get(name)
        console.print(f"wrote {path}" + (f" ({rows:,} rows)" if rows is not None else ""), highlight=False, soft_wrap=True)
    for w in report.warnings:
        err_console.print(f"[yellow]warning:[/] {w}", highlight=False, soft_wrap=True)


def _practice_table(data: Path) -> tuple[pa.Table, str]:
    """Practices of ``data`` with coordinates and population (practice_code, hub, lat, lon, patients, ...)."""
    backend = connect("duckdb")
    inputs = open_inputs(data, backend)
    if not inputs.has("practices"):
        raise UserError(f"{data}: no practices table (practices.parquet or practices.csv); import one with `wholepop import nhs-map`")
    pops, source = hub_planner.practice_populations(inputs)
    practices = inputs.practices
    # The ICB / sub-ICB columns are extras the typed table drops; read them from the file.
    raw = read_raw(backend, inputs.files["practices"], "practices")
    extras = [c for c in ("icb_code", "sub_icb_code") if c in raw.columns]
    joined = practices.left_join(pops, "practice_code").select(
        practices.practice_code, practices.hub, practices.lat, practices.lon, patients=pops.patients.fill_null(0)
    )
    if extras:
        joined = joined.left_join(raw.select("practice_code", *extras), "practice_code")
    return joined.to_pyarrow(), source


@app.command()
def hubs(
    data: Path = typer.Option(..., "--data", help="data folder with practices (lat, lon) and list_counts or weights"),
    min_size: int = typer.Option(30_000, "--min", help="smallest hub (people)"),
    max_size: int = typer.Option(50_000, "--max", help="largest hub (people)"),
    within: str | None = typer.Option(None, "--within", help="plan separately within each icb_code or sub_icb_code"),
    icb: list[str] = typer.Option([], "--icb", help="plan only the practices of this ICB code (repeatable)"),
    out: Path | None = typer.Option(None, "--out", help="write practice_code,hub,proposed_hub to this CSV"),
    show: int = typer.Option(20, "--show", help="hubs to list (0: none)"),
) -> None:
    """Propose hubs within the size band from practice locations; compare with existing hubs."""
    if within not in (None, "icb_code", "sub_icb_code"):
        raise UserError(f"--within: expected icb_code or sub_icb_code, got {within!r}")
    t, source = _practice_table(data)
    if icb:
        if "icb_code" not in t.column_names:
            raise UserError(f"--icb: {data} practices have no icb_code column (import them with `wholepop import nhs-map`)")
        t = t.filter(pc.is_in(t["icb_code"], value_set=pa.array([c.upper() for c in icb])))
    located = pc.and_(pc.is_valid(t["lat"]), pc.is_valid(t["lon"]))
    missing = t.filter(pc.invert(located))
    t = t.filter(located)
    if t.num_rows == 0:
        raise UserError(f"{data}: no practice has coordinates (lat, lon); import the weighted populations file with `wholepop import nhs-map --weights`")
    if within and within not in t.column_names:
        raise UserError(f"--within: {data} practices have no {within} column")
    groups = pc.unique(t[within]).to_pylist() if within else [None]
    planned_hubs, reasons, assignment = [], [], []
    for g in sorted(groups, key=str):  # over ICBs or sub-ICBs, not practices
        part = t if g is None else t.filter(pc.equal(t[within], g))
        prefix = "HUB" if g is None else f"{g}-HUB"
        result = hub_planner.plan(
            part["practice_code"].to_pylist(), part["lat"].to_numpy(), part["lon"].to_numpy(), part["patients"].to_numpy(), min_size, max_size, prefix
        )
        planned_hubs.extend(result.hubs)
        reasons.extend(result.reasons)
        assignment.extend(result.assignment)
    existing = hub_planner.describe(
        t["practice_code"].to_pylist(), t["lat"].to_numpy(), t["lon"].to_numpy(), t["patients"].to_numpy(), t["hub"].to_pylist(), min_size, max_size
    )
    console.print(
        f"{t.num_rows:,} practices, {int(pc.sum(t['patients']).as_py()):,} patients (from {source}); band {min_size:,}-{max_size:,}",
        highlight=False,
    )
    if missing.num_rows:
        err_console.print(f"[yellow]warning:[/] {missing.num_rows} practice(s) have no coordinates and were not planned", highlight=False, soft_wrap=True)
    summary = Table(title="proposed hubs against existing hubs (spread: farthest practice from the hub's centre)")
    # Short headers: the table must fit an 80-column terminal.
    for col in ("", "hubs", "in band", "below", "above", "median", "min", "max", "spread km", "p90 km", "nearer other %"):
        summary.add_column(col, justify="right" if col else "left")
    for name, group in (("proposed", planned_hubs), ("existing", existing)):
        s = hub_planner.hub_stats(group, min_size, max_size)
        summary.add_row(
            name, f"{s.hubs:,}", f"{s.in_band:,}", f"{s.below:,}", f"{s.above:,}", f"{s.median_population:,.0f}",
            f"{s.min_population:,}", f"{s.max_population:,}", f"{s.median_spread_km:.1f}", f"{s.p90_spread_km:.1f}",
            f"{100 * s.nearer_elsewhere_share:.1f}",
        )
    console.print(summary)
    if show:
        listing = Table(title=f"proposed hubs (first {min(show, len(planned_hubs))} of {len(planned_hubs)})")
        for col in ("hub", "practices", "patients", "spread km", "in band"):
            listing.add_column(col)
        for h in planned_hubs[:show]:
            listing.add_row(h.hub, str(len(h.practices)), f"{h.population:,}", f"{h.spread_km:.1f}", "yes" if h.in_band else "no")
        console.print(listing)
    for r in reasons:
        console.print(f"outside the band: {r}", highlight=False, soft_wrap=True)
    if out is not None:
        proposed = dict(assignment)
        codes = t["practice_code"].to_pylist()
        table = pa.table(
            {"practice_code": codes, "hub": t["hub"], "proposed_hub": [proposed[c] for c in codes]}
        )
        out.parent.mkdir(parents=True, exist_ok=True)
        pacsv.write_csv(table, out)
        console.print(f"wrote {out}", highlight=False, soft_wrap=True)

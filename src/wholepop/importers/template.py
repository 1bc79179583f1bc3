"""A blank input folder for an analyst to fill by hand (``wholepop template``, issue 19).

``write_template(out)`` writes, for every declared input table, ``<table>.csv`` holding
the header only, and ``README.md``: what each table is, its columns, types, required
columns and allowed values (the same text as docs/inputs.md, generated from
``inputs.schema``), and one example row per table. The examples of all tables agree with
one another (one patient, registered at one practice, with one outpatient attendance),
so a folder filled with them alone passes ``wholepop check``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from pathlib import Path

from wholepop.errors import UserError
from wholepop.inputs.reference import markdown_reference
from wholepop.inputs.schema import TABLES, Column, DType, Table

__all__ = ["EXAMPLES", "example_row", "write_template"]

# One example row per table, column by column; they agree across tables.
EXAMPLES: Mapping[str, Mapping[str, str]] = {
    "practices": {"practice_code": "A81001", "practice_name": "The Example Surgery", "hub": "HUB-NORTH",
                  "lat": "54.5742", "lon": "-1.2350", "postcode": "TS18 1HU", "imd_score": "25.3"},
    "memberships": {"practice_code": "A81001", "from_date": "2027-04-01", "to_date": "", "integration": "partial",
                    "notice_date": ""},
    "patients": {"patient_id": "P000001", "sex": "F", "birth_year": "1956", "death_date": "", "lsoa": "E01012345",
                 "imd_decile": "3"},
    "registrations": {"patient_id": "P000001", "practice_code": "A81001", "from_date": "2027-04-01", "to_date": ""},
    "activity": {"patient_id": "P000001", "date": "2027-06-14", "service": "community", "cost_pence": "4500",
                 "pod": "district_nursing", "code": "N02AF", "admission_method": "", "provider": "RXX",
                 "data_source": "community_extract"},
    "conditions": {"patient_id": "P000001", "condition": "diabetes", "from_date": "2019-03-02"},
    "unregistered": {"year": "2027", "service": "urgent_care", "cost_pence": "1500000"},
    "measures": {"year": "2027", "measure": "patient_experience", "value": "0.82", "denominator": "1200"},
    "list_counts": {"practice_code": "A81001", "sex": "F", "age_band": "70_74", "patients": "412",
                    "extract_date": "2027-04-01"},
    "weights": {"practice_code": "A81001", "component": "overall", "weighted_population": "10234.5", "year": "2027"},
}

_GENERIC = {DType.STRING: "", DType.INT: "0", DType.FLOAT: "0.0", DType.DATE: "2027-04-01"}


def _example_value(table: Table, column: Column) -> str:
    given = EXAMPLES.get(table.name, {})
    if column.name in given:
        return given[column.name]
    if column.vocab is not None:
        return next(iter(column.vocab)).value
    return _GENERIC[column.dtype] if column.required else ""


def example_row(table: Table) -> dict[str, str]:
    """The example row of ``table``: every declared column, in order (optional ones may be empty)."""
    return {c.name: _example_value(table, c) for c in table.columns}


def _csv_text(rows: list[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def _readme() -> str:
    parts = [
        "# Input folder template",
        "",
        "One CSV per input table of wholepop, each holding its header only. Fill each from your",
        "local extracts (community, mental health, primary care, social care, ...), one row per",
        "line, dates as YYYY-MM-DD and money as whole pence. Then run",
        "",
        "    wholepop check --data THIS_FOLDER",
        "",
        "which lists every problem at once, by table, row (the header is row 1) and column.",
        "",
        "- Required tables: " + ", ".join(f"`{t.name}`" for t in TABLES if t.required) + ". Each needs at least one row.",
        "- Optional tables: " + ", ".join(f"`{t.name}`" for t in TABLES if not t.required)
        + ". Delete the file of an optional table you do not fill.",
        "- Optional columns may be left empty. Columns you add are kept but not read.",
        "- Hospital activity in the HES or SUS+ layout need not be typed in: `wholepop import hes`",
        "  writes the `activity` table (and, without registered lists, a population) from the extracts.",
        "",
        "## Example rows",
        "",
        "One row per table; together they describe one patient registered at one practice, and",
        "a folder holding just these rows passes `wholepop check`.",
        "",
    ]
    for t in TABLES:
        row = example_row(t)
        parts += [f"`{t.name}.csv`:", "", "```", _csv_text([list(row), list(row.values())]).rstrip("\n"), "```", ""]
    parts += ["## Tables and columns", "", markdown_reference(), ""]
    return "\n".join(parts)


def write_template(out: Path) -> list[Path]:
    """Write ``<table>.csv`` (header only) per declared table and ``README.md`` to ``out``.

    Raises: ``UserError`` when ``out`` already holds any of these files (nothing written).
    """
    out = Path(out)
    files = [out / f"{t.name}.csv" for t in TABLES] + [out / "README.md"]
    present = [f.name for f in files if f.exists()]
    if present:
        raise UserError(f"--out {out} already holds {', '.join(present)}; give an empty folder")
    out.mkdir(parents=True, exist_ok=True)
    for t in TABLES:
        (out / f"{t.name}.csv").write_text(_csv_text([[c.name for c in t.columns]]), encoding="utf-8")
    (out / "README.md").write_text(_readme(), encoding="utf-8")
    return files

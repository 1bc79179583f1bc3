"""Importer for Synthea CSV output into the input layer (issue 8, part 6; DESIGN section 3).

Public surface: ``read_synthea(folder) -> SyntheaImport`` (the input-layer tables as
pyarrow tables, plus a fitted contract) and ``import_synthea(folder, out)`` (reads,
checks, then writes Parquet and ``contract.toml`` to ``out``, all or nothing).

The mapping (docs/real-data.md has the full story):

- ``patients.csv`` -> ``patients``: ``Id`` -> patient_id, ``GENDER`` (M/F) -> sex, year of
  ``BIRTHDATE`` -> birth_year, ``DEATHDATE`` -> death_date.
- ``encounters.csv`` -> ``activity``: one row per encounter; date = the UTC date of
  ``START``; service from ``ENCOUNTERCLASS`` through ``data/synthea_encounter_class.csv``;
  cost_pence = ``TOTAL_CLAIM_COST`` x 100, exactly (DECIMAL) and rounded half up to whole
  pence (Synthea's dollars are taken as pounds: they are US prices, not NHS tariffs);
  pod = the encounter class, code = the SNOMED encounter code, provider = the
  organisation, data_source = ``synthea``.
- ``conditions.csv`` -> ``conditions``: SNOMED CT codes mapped to the long-term-condition
  vocabulary through ``data/snomed_conditions.csv``; one row per patient and condition,
  dated at its first record. Unmapped codes (social findings, acute illness) are left out.
- The practice: a patient is registered from birth (to death, or still) with the
  organisation of their first encounter; ``organizations.csv`` gives those practices'
  names, coordinates and ZIP. All practices of one state form one hub,
  ``SYNTHEA-<STATE>`` (a Synthea sample is far too small for real hubs).
- ``memberships``: every practice a member, integration ``full``, from the start of the
  financial year of the earliest activity.
- ``contract.toml``: the ``full`` preset with the baseline year set to the last complete
  financial year of activity and the start year to the one after it; the
  patient-experience metric (which needs a survey in ``measures``) is dropped and its
  weight shared over the two metrics computed from activity (0.6 and 0.4).

The row work is SQL run by DuckDB over Arrow tables; no Python loop walks rows.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import duckdb
import pyarrow as pa

from wholepop.contract.calendar import financial_year, year_start
from wholepop.contract.load import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.errors import InputError
from wholepop.importers.nhs import ImportReport, _read_csv_bytes, _read_sources, write_tables
from wholepop.inputs.coverage import declared_table
from wholepop.inputs.problems import Problem
from wholepop.money.pence import pounds_text_to_pence_sql
from wholepop.vocab import Form, Integration, Sex

__all__ = ["SyntheaImport", "condition_map", "encounter_class_map", "import_synthea", "read_synthea"]

DATA_SOURCE = "synthea"

_NEEDED: Mapping[str, tuple[str, ...]] = {
    "patients": ("Id", "BIRTHDATE", "DEATHDATE", "GENDER"),
    "encounters": ("Id", "START", "PATIENT", "ORGANIZATION", "ENCOUNTERCLASS", "CODE", "TOTAL_CLAIM_COST"),
    "conditions": ("START", "PATIENT", "CODE"),
    "organizations": ("Id", "NAME", "STATE"),
}
_OPTIONAL: Mapping[str, tuple[str, ...]] = {"organizations": ("LAT", "LON", "ZIP", "CITY")}


@dataclass(frozen=True)
class SyntheaImport:
    """The input layer built from a Synthea export.

    Attributes:
        tables: input table name -> pyarrow table (patients, registrations, activity,
            conditions, practices, memberships).
        contract_text: the fitted ``contract.toml``.
        warnings: what was left out and why.
    """

    tables: Mapping[str, pa.Table]
    contract_text: str
    warnings: tuple[str, ...]


def _mapping(filename: str) -> pa.Table:
    data = (resources.files("wholepop.importers") / "data" / filename).read_bytes()
    return _read_csv_bytes(filename, data).table


def encounter_class_map() -> pa.Table:
    """The package's ENCOUNTERCLASS -> service line table (encounterclass, service, why)."""
    return _mapping("synthea_encounter_class.csv")


def condition_map() -> pa.Table:
    """The package's SNOMED CT -> long-term condition table (snomed_code, condition, description)."""
    return _mapping("snomed_conditions.csv")


def _read(folder: Path, name: str) -> pa.Table:
    path = folder / f"{name}.csv"
    if not path.is_file():
        raise InputError((Problem(f"{name}.csv", None, None, f"not found in {folder}: a Synthea CSV export holds {', '.join(f'{n}.csv' for n in _NEEDED)}"),))
    (source,) = _read_sources(path)
    t = source.table
    missing = [c for c in _NEEDED[name] if c not in t.column_names]
    if missing:
        raise InputError(
            (
                Problem(
                    f"{name}.csv",
                    1,
                    None,
                    f"unrecognised layout: expected the Synthea columns {', '.join(_NEEDED[name])} "
                    f"(missing {', '.join(missing)}). Found: {', '.join(t.column_names)}",
                ),
            )
        )
    keep = [c for c in (*_NEEDED[name], *_OPTIONAL.get(name, ())) if c in t.column_names]
    t = t.select(keep)
    for c in _OPTIONAL.get(name, ()):
        if c not in t.column_names:
            t = t.append_column(c, pa.array([""] * t.num_rows, pa.string()))
    return t.append_column("_row", pa.array(range(2, t.num_rows + 2), pa.int64()))


def _first_bad(con: duckdb.DuckDBPyConnection, sql: str, file: str, column: str, expected: str) -> None:
    """Raise naming the first row that ``sql`` (selecting _row, value) returns."""
    bad = con.sql(f"SELECT * FROM ({sql}) ORDER BY 1 LIMIT 1").fetchall()
    if bad:
        row, value = bad[0]
        raise InputError((Problem(file, row, column, f"{value!r}: expected {expected}"),))


def read_synthea(folder: Path | str) -> SyntheaImport:
    """Map a Synthea CSV export in ``folder`` to the input layer (see the module doc).

    Raises:
        InputError: a file or column missing, an unknown encounter class, a date or cost
            that cannot be read (naming file, row and column).
    """
    folder = Path(folder)
    con = duckdb.connect()
    for name in _NEEDED:
        con.register(f"raw_{name}", _read(folder, name))
    con.register("class_map", encounter_class_map())
    con.register("snomed_map", condition_map())

    _first_bad(
        con,
        "SELECT _row, ENCOUNTERCLASS FROM raw_encounters WHERE lower(trim(ENCOUNTERCLASS)) NOT IN (SELECT encounterclass FROM class_map)",
        "encounters.csv",
        "ENCOUNTERCLASS",
        "an encounter class of data/synthea_encounter_class.csv ("
        + ", ".join(encounter_class_map()["encounterclass"].to_pylist())
        + ")",
    )
    _first_bad(
        con,
        "SELECT _row, TOTAL_CLAIM_COST FROM raw_encounters "
        "WHERE NOT regexp_full_match(trim(TOTAL_CLAIM_COST), '\\d+(\\.\\d{1,18})?')",
        "encounters.csv",
        "TOTAL_CLAIM_COST",
        "an amount of 0 or more, such as 129.16",
    )
    for file, table, column, required in (
        ("encounters.csv", "raw_encounters", "START", True),
        ("patients.csv", "raw_patients", "BIRTHDATE", True),
        ("patients.csv", "raw_patients", "DEATHDATE", False),
        ("conditions.csv", "raw_conditions", "START", True),
    ):
        empty_ok = "" if required else f"trim({column}) <> '' AND "
        _first_bad(
            con,
            f"SELECT _row, {column} FROM {table} WHERE {empty_ok}try_cast(left(trim({column}), 10) AS DATE) IS NULL",
            file,
            column,
            "a date such as 2023-01-27 (or 2023-01-27T16:17:47Z)",
        )

    con.sql(
        f"""
        CREATE TABLE patients AS
        SELECT trim(Id) AS patient_id,
               CASE upper(trim(GENDER)) WHEN 'F' THEN '{Sex.FEMALE.value}' WHEN 'M' THEN '{Sex.MALE.value}'
                    ELSE '{Sex.UNKNOWN.value}' END AS sex,
               CAST(year(CAST(left(trim(BIRTHDATE), 10) AS DATE)) AS BIGINT) AS birth_year,
               CAST(nullif(left(trim(DEATHDATE), 10), '') AS DATE) AS death_date,
               CAST(NULL AS VARCHAR) AS lsoa,
               CAST(NULL AS BIGINT) AS imd_decile,
               CAST(left(trim(BIRTHDATE), 10) AS DATE) AS _birth
        FROM raw_patients
        """
    )
    con.sql(
        f"""
        CREATE TABLE activity AS
        SELECT trim(e.PATIENT) AS patient_id,
               CAST(left(trim(e.START), 10) AS DATE) AS date,
               m.service AS service,
               {pounds_text_to_pence_sql("trim(e.TOTAL_CLAIM_COST)")} AS cost_pence,
               lower(trim(e.ENCOUNTERCLASS)) AS pod,
               trim(e.CODE) AS code,
               CAST(NULL AS VARCHAR) AS admission_method,
               trim(e.ORGANIZATION) AS provider,
               '{DATA_SOURCE}' AS data_source,
               trim(e.START) AS _start, trim(e.Id) AS _id, e._row AS _row
        FROM raw_encounters e JOIN class_map m ON lower(trim(e.ENCOUNTERCLASS)) = m.encounterclass
        """
    )
    _first_bad(
        con,
        "SELECT _row, patient_id FROM activity WHERE patient_id NOT IN (SELECT patient_id FROM patients)",
        "encounters.csv",
        "PATIENT",
        "a patient of patients.csv",
    )
    con.sql(
        """
        CREATE TABLE registrations AS
        WITH first_encounter AS (
            SELECT patient_id, arg_min(provider, (_start, _id)) AS practice_code
            FROM activity GROUP BY patient_id
        )
        SELECT p.patient_id, f.practice_code, p._birth AS from_date, p.death_date AS to_date
        FROM patients p JOIN first_encounter f USING (patient_id)
        """
    )
    con.sql(
        """
        CREATE TABLE conditions AS
        SELECT trim(c.PATIENT) AS patient_id, m.condition,
               min(CAST(left(trim(c.START), 10) AS DATE)) AS from_date
        FROM raw_conditions c JOIN snomed_map m ON trim(c.CODE) = m.snomed_code
        GROUP BY ALL
        """
    )
    con.sql(
        """
        CREATE TABLE practices AS
        SELECT trim(o.Id) AS practice_code, trim(o.NAME) AS practice_name,
               'SYNTHEA-' || upper(trim(o.STATE)) AS hub,
               try_cast(nullif(trim(o.LAT), '') AS DOUBLE) AS lat,
               try_cast(nullif(trim(o.LON), '') AS DOUBLE) AS lon,
               nullif(trim(o.ZIP), '') AS postcode,
               CAST(NULL AS DOUBLE) AS imd_score,
               nullif(trim(o.CITY), '') AS city
        FROM raw_organizations o
        WHERE trim(o.Id) IN (SELECT practice_code FROM registrations)
        """
    )
    _first_bad(
        con,
        "SELECT min(a._row), r.practice_code FROM activity a JOIN registrations r ON a.provider = r.practice_code "
        "WHERE r.practice_code NOT IN (SELECT practice_code FROM practices) GROUP BY r.practice_code",
        "encounters.csv",
        "ORGANIZATION",
        "an organisation of organizations.csv",
    )
    first_date, last_date = con.sql("SELECT min(date), max(date) FROM activity").fetchall()[0]
    if first_date is None:
        raise InputError((Problem("encounters.csv", None, None, "holds no encounters: nothing to import"),))
    member_from = year_start(financial_year(first_date))
    con.sql(
        f"""
        CREATE TABLE memberships AS
        SELECT practice_code, DATE '{member_from.isoformat()}' AS from_date, CAST(NULL AS DATE) AS to_date,
               '{Integration.FULL.value}' AS integration, CAST(NULL AS DATE) AS notice_date
        FROM practices ORDER BY practice_code
        """
    )

    tables = {
        "patients": con.sql("SELECT * EXCLUDE (_birth) FROM patients ORDER BY patient_id").to_arrow_table(),
        "registrations": con.sql("SELECT * FROM registrations ORDER BY patient_id").to_arrow_table(),
        "activity": con.sql("SELECT * EXCLUDE (_start, _id, _row) FROM activity ORDER BY patient_id, date, code").to_arrow_table(),
        "conditions": con.sql("SELECT * FROM conditions ORDER BY patient_id, condition").to_arrow_table(),
        "practices": con.sql("SELECT * FROM practices ORDER BY practice_code").to_arrow_table(),
        "memberships": con.sql("SELECT * FROM memberships").to_arrow_table(),
        # Synthea simulates each life up to the export: its encounters are complete from
        # the start of the first financial year they reach to the last encounter's day.
        "coverage": declared_table(member_from, last_date, "Synthea export: every encounter up to the last one"),
    }

    n_patients = con.sql("SELECT count(*) FROM patients").fetchall()[0][0]
    unregistered = n_patients - tables["registrations"].num_rows
    unmapped = con.sql(
        "SELECT count(*), count(DISTINCT trim(CODE)) FROM raw_conditions WHERE trim(CODE) NOT IN (SELECT snomed_code FROM snomed_map)"
    ).fetchall()[0]
    warnings = []
    if unregistered:
        warnings.append(f"{unregistered} patient(s) have no encounter, so no practice: they are not registered anywhere")
    if unmapped[0]:
        warnings.append(
            f"{unmapped[0]} condition record(s) ({unmapped[1]} SNOMED codes) are not long-term conditions of "
            "data/snomed_conditions.csv and were left out"
        )
    contract = fitted_contract(last_date)
    return SyntheaImport(tables, contract, tuple(warnings))


def fitted_contract(last_activity: dt.date) -> str:
    """The ``full`` preset with its years fitted to data ending on ``last_activity``.

    The baseline is the last financial year wholly before the one ``last_activity`` falls
    in (so a complete year of spend), and the contract starts the year after it.
    """
    baseline = financial_year(last_activity) - 1
    text = preset_text(Form.FULL)
    text = re.sub(r'(?m)^name = ".*?"', 'name = "Synthea sample"', text, count=1)
    text = re.sub(r"(?m)^start_year = \d+", f"start_year = {baseline + 1}", text, count=1)
    text = re.sub(r"(?m)^baseline_year = \d+", f"baseline_year = {baseline}", text, count=1)
    # Synthea has no patient-experience survey, so the metric read from `measures` is
    # dropped and its weight shared over the two metrics computed from activity.
    text, dropped = re.subn(r'(?ms)^\[\[performance\.metrics\]\]\nid = "patient_experience".*?(?=^\[|\Z)', "", text)
    if dropped:
        text = re.sub(r'(?m)^(id = "emergency_admissions_per_1000"\nweight = )[0-9.]+', r"\g<1>0.6", text)
        text = re.sub(r'(?m)^(id = "ae_attendances_per_1000"\nweight = )[0-9.]+', r"\g<1>0.4", text)
    header = (
        "# Fitted by `wholepop import synthea`: the full preset, with the baseline year set to the\n"
        f"# last complete financial year of the Synthea activity (it ends {last_activity.isoformat()}).\n"
    )
    parse_contract(text)  # the preset edited must still validate
    return header + text


def import_synthea(folder: Path | str, out: Path | str) -> ImportReport:
    """Read a Synthea CSV export (``read_synthea``) and write the input layer to ``out``.

    Writes ``patients``, ``registrations``, ``activity``, ``conditions``, ``practices``,
    ``memberships`` and ``coverage`` as Parquet, and ``contract.toml``; nothing is written if any input is bad.
    """
    result = read_synthea(folder)
    written = write_tables(out, result.tables, texts={"contract.toml": result.contract_text})
    return ImportReport(written, {k: v.num_rows for k, v in result.tables.items()}, result.warnings, {})

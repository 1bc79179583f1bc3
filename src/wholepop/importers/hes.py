"""HES / SUS+ hospital activity into the input layer (``wholepop import hes``, issue 19).

Public surface:

- ``import_hes(files, out, ...)``: admitted patient care, outpatient and A&E extracts in
  the HES (or SUS+) layout -> ``activity`` and, without ``lists_from``, a complete folder
  (``patients``, ``registrations``, ``practices``, ``memberships``, a coverage
  declaration) that ``wholepop check`` passes. Returns a ``HesReport`` accounting for every
  row read: written, or excluded with one reason.
- ``load_mapping(path)``: the column mapping (``data/hes_mapping.toml``, overridable).
- ``read_prices(path)`` / ``shipped_prices()``: unit costs per point of delivery.

Grain of what is written: one ``activity`` row per admitted-care *spell* (not episode),
per attended outpatient appointment and per A&E attendance.

**A spell without ``PROVSPNO``.** The artificial HES files (like many extracts) carry no
provider spell number. Episodes of one spell share the patient, the provider and the
admission date (``ADMIDATE`` is the spell's start, repeated on every episode), so the
spell key is ``(patient, PROCODE3, ADMIDATE)``. The spell is counted once, on its first
episode: the lowest ``EPIORDER``, ties broken by ``EPISTART``, then ``EPIKEY``, then the
other fields. Every other episode of the key is excluded as ``later_episode``. Two
admissions of one patient to one provider on one day are, by this rule, one spell.

**Every row is accounted for.** Each row gets exactly one reason, the first that applies
in the order of ``Reason``: rows that cannot be read as an event (no patient, unfinished
episode, no date, not attended) first, then later episodes of a spell, then events outside
the years asked, with an unknown admission method, without a practice (only when the
population is built from the data) or of a patient outside the population. The report's
counts per file add up to its rows read; the tests check that.

All row work is Ibis on DuckDB: files are read by DuckDB (CSV streamed, every column as
text), narrowed to the mapped columns at once, classified in one query and written by
DuckDB straight to Parquet. Python touches only the mapping and the price table.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
import shutil
import tempfile
import tomllib
import zipfile
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import asdict, dataclass, field
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from importlib import resources
from pathlib import Path

import ibis
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from ibis.backends import BaseBackend

from wholepop.contract.calendar import financial_year, year_end, year_start
from wholepop.engine import connect
from wholepop.errors import InputError, UserError
from wholepop.inputs.load import find_file, read_raw
from wholepop.inputs.problems import Problem
from wholepop.inputs.schema import TABLES
from wholepop.money.pence import D, to_pence
from wholepop.vocab import Integration, Service, Sex

__all__ = [
    "DATASETS",
    "DatasetCount",
    "FieldMap",
    "HesReport",
    "Pod",
    "Reason",
    "import_hes",
    "load_mapping",
    "read_prices",
    "shipped_prices",
]

DATASETS: tuple[str, ...] = ("apc", "op", "ae")
DATA_SOURCE = {"apc": "hes_apc", "op": "hes_op", "ae": "hes_ae"}  # activity.data_source


class Reason(StrEnum):
    """Why a row was, or was not, written; the first that applies wins, in this order."""

    NO_PATIENT = "no_patient_id"
    UNFINISHED = "unfinished_episode"
    NO_DATE = "no_date"
    NOT_ATTENDED = "not_attended"
    LATER_EPISODE = "later_episode"
    OUTSIDE_YEARS = "outside_years"
    UNKNOWN_METHOD = "unknown_admission_method"
    NO_PRACTICE = "no_practice"
    NOT_IN_POPULATION = "not_in_population"
    NO_AGE = "no_age"
    WRITTEN = "written"


REASON_TEXT: Mapping[Reason, str] = {
    Reason.NO_PATIENT: "no patient id",
    Reason.UNFINISHED: "unfinished episode (EPISTAT not 3)",
    Reason.NO_DATE: "no readable date (HES null dates 1800-01-01 and 1801-01-01 count as none)",
    Reason.NOT_ATTENDED: "outpatient appointment not attended (ATTENDED not 5 or 6)",
    Reason.LATER_EPISODE: "a later episode of a spell already counted",
    Reason.OUTSIDE_YEARS: "outside the contract years asked (--years)",
    Reason.UNKNOWN_METHOD: "admission method unknown (not 11-13, 21-28, 2A-2D, 31-32, 81-83)",
    Reason.NO_PRACTICE: "no GP practice (empty, &, V81997, V81998, V81999)",
    Reason.NOT_IN_POPULATION: "patient not in the registered population (--lists-from)",
    Reason.NO_AGE: "patient's age unknown on every record (no birth year for patients)",
    Reason.WRITTEN: "written to activity",
}


class Pod(StrEnum):
    """Points of delivery the importer prices by (the ``pod`` column of a price table)."""

    ELECTIVE_INPATIENT = "elective_inpatient"
    DAY_CASE = "day_case"
    REGULAR_ATTENDER = "regular_attender"
    NON_ELECTIVE = "non_elective"
    MATERNITY = "maternity"
    OTHER_ADMISSION = "other_admission"
    OUTPATIENT_FIRST = "outpatient_first"
    OUTPATIENT_FOLLOW_UP = "outpatient_follow_up"
    AE = "ae"


# Service line of each point of delivery (issue 19): maternity and other admission methods
# go to ``other``; the vocabulary has no maternity line.
POD_SERVICE: Mapping[Pod, Service] = {
    Pod.ELECTIVE_INPATIENT: Service.ELECTIVE,
    Pod.DAY_CASE: Service.DAY_CASE,
    Pod.REGULAR_ATTENDER: Service.ELECTIVE,
    Pod.NON_ELECTIVE: Service.EMERGENCY_ADMISSION,
    Pod.MATERNITY: Service.OTHER,
    Pod.OTHER_ADMISSION: Service.OTHER,
    Pod.OUTPATIENT_FIRST: Service.OUTPATIENT,
    Pod.OUTPATIENT_FOLLOW_UP: Service.OUTPATIENT,
    Pod.AE: Service.AE,
}

# Admission methods (NHS Data Dictionary "admission method"), by group.
ELECTIVE_METHODS = ("11", "12", "13")
EMERGENCY_METHODS = ("21", "22", "23", "24", "25", "26", "27", "28", "2A", "2B", "2C", "2D")
MATERNITY_METHODS = ("31", "32")
OTHER_METHODS = ("81", "82", "83")
DAY_CASE_CLASS = "2"
REGULAR_ATTENDER_CLASSES = ("3", "4")
ATTENDED = ("5", "6")
FIRST_ATTENDANCE = ("1", "3")
FINISHED_EPISODE = "3"
NO_PRACTICE_CODES = ("", "&", "V81997", "V81998", "V81999")
INFANT_AGE_CODES = (7001, 7007)  # HES: ages under one year, in days/months bands
MAX_AGE = 120
HES_NULL_BEFORE = dt.date(1900, 1, 1)  # HES writes missing dates as 1800-01-01 / 1801-01-01

# The hub of practices built from the data: the extract names no PCN. `wholepop import
# nhs-map` writes the real one.
UNASSIGNED_HUB = "UNASSIGNED"
# Memberships built from the data: GPs keeping their own contracts is the common case.
DEFAULT_INTEGRATION = Integration.PARTIAL

HOSPITAL_USERS_ONLY = (
    "the population was built from the hospital records themselves: patients, registrations and "
    "practices hold only people with hospital activity, so every per-head figure rests on hospital "
    "users only, not on a registered list; give --lists-from a folder of registered lists for per-head figures"
)


# --------------------------------------------------------------------------------------
# The mapping
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldMap:
    """One field the importer reads: the source columns it accepts (first present wins)."""

    dataset: str
    name: str
    sources: tuple[str, ...]
    required: bool
    instructions: str


def load_mapping(override: Path | None = None, patient_id: str | None = None) -> dict[str, dict[str, FieldMap]]:
    """The column mapping: ``data/hes_mapping.toml``, then ``override`` (same shape; a
    field's ``source`` may be a string or a list), then ``patient_id`` for every data set.

    Returns: data set -> field name -> ``FieldMap``.
    Raises: ``UserError`` naming the override file and the key it does not know.
    """
    text = resources.files("wholepop.importers").joinpath("data/hes_mapping.toml").read_text(encoding="utf-8")
    base = tomllib.loads(text)
    mapping = {
        ds: {name: FieldMap(ds, name, tuple(spec["source"]), bool(spec["required"]), spec["instructions"]) for name, spec in fields.items()}
        for ds, fields in base.items()
    }
    if override is not None:
        try:
            extra = tomllib.loads(Path(override).read_text(encoding="utf-8"))
        except (OSError, tomllib.TOMLDecodeError) as e:
            raise UserError(f"--mapping {override}: cannot read it ({e})") from None
        for ds, fields in extra.items():
            if ds not in mapping or not isinstance(fields, dict):
                raise UserError(f"--mapping {override}: [{ds}] is not a data set (expected {', '.join(DATASETS)})")
            for name, spec in fields.items():
                if name not in mapping[ds]:
                    raise UserError(f"--mapping {override}: {ds}.{name} is not a field (expected one of {', '.join(mapping[ds])})")
                source = spec.get("source") if isinstance(spec, dict) else spec
                sources = (source,) if isinstance(source, str) else tuple(source or ())
                if not sources or not all(isinstance(s, str) and s for s in sources):
                    raise UserError(f"--mapping {override}: {ds}.{name}.source must be a column name or a list of them")
                old = mapping[ds][name]
                mapping[ds][name] = FieldMap(ds, name, sources, old.required, old.instructions)
    if patient_id:
        for ds in mapping:
            old = mapping[ds]["patient_id"]
            mapping[ds]["patient_id"] = FieldMap(ds, "patient_id", (patient_id,), True, old.instructions)
    return mapping


# --------------------------------------------------------------------------------------
# Prices
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Prices:
    """Unit costs: one row per point of delivery (and optional HRG or treatment function).

    Attributes:
        table: pod, hrg, treatment_function, cost_pence (MFF applied, whole pence).
        source: where they came from, for the report.
        illustrative: the shipped national averages rather than the user's prices.
    """

    table: pa.Table
    source: str
    illustrative: bool


def shipped_prices() -> Prices:
    """The shipped illustrative national average unit costs per point of delivery
    (``data/hes_unit_costs.csv``: NHS Improvement Reference Costs 2016/17)."""
    with resources.files("wholepop.importers").joinpath("data/hes_unit_costs.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    table = pa.table(
        {
            "pod": [r["pod"] for r in rows],
            "hrg": pa.nulls(len(rows), pa.string()),
            "treatment_function": pa.nulls(len(rows), pa.string()),
            "cost_pence": pa.array([int(r["unit_cost_pence"]) for r in rows], pa.int64()),
        }
    )
    year = rows[0]["year"]
    return Prices(table, f"ILLUSTRATIVE national average unit costs {year} (NHS Improvement Reference Costs {year}), not tariffs", True)


def read_prices(path: Path) -> Prices:
    """A price table: ``pod`` and ``unit_cost_pence`` (whole pence) or ``unit_cost``
    (pounds), optionally ``hrg`` or ``treatment_function`` (a more specific price) and
    ``mff`` (market forces factor, multiplies the price; default 1).

    A price list is a few thousand rows at most, so it is read in Python; the money is
    exact: pounds * 100 * MFF is rounded once, half up, by ``money.pence.to_pence``.

    Raises: ``InputError`` listing every bad row (file, row, column, what was expected).
    """
    name = Path(path).name
    try:
        with open(path, newline="", encoding="utf-8-sig") as f:
            reader = csv.DictReader(f)
            header = [h.strip() for h in reader.fieldnames or []]
            rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items()} for r in reader]
    except OSError as e:
        raise InputError((Problem(name, None, None, f"cannot read the price file ({e.strerror})"),)) from None
    problems: list[Problem] = []
    if "pod" not in header or not ({"unit_cost_pence", "unit_cost"} & set(header)):
        found = ", ".join(header) or "nothing"
        raise InputError((Problem(name, 1, None, f"expected columns pod and unit_cost_pence (or unit_cost in pounds), found {found}"),))
    out: dict[str, list] = {"pod": [], "hrg": [], "treatment_function": [], "cost_pence": []}
    seen: set[tuple] = set()
    for n, r in enumerate(rows, start=2):  # over price rows (a short list), not activity
        pod, hrg, tf = r.get("pod", ""), r.get("hrg") or None, r.get("treatment_function") or None
        if pod not in set(Pod):
            problems.append(Problem(name, n, "pod", f"{pod!r} is not a point of delivery (expected one of {', '.join(Pod)})"))
            continue
        if hrg and tf:
            problems.append(Problem(name, n, "hrg", "give an hrg or a treatment_function on one row, not both"))
            continue
        try:
            if r.get("unit_cost_pence"):
                amount = D(r["unit_cost_pence"])
                if amount != amount.to_integral_value():
                    raise InvalidOperation
            else:
                amount = D(r.get("unit_cost", "")) * 100
            mff = D(r["mff"]) if r.get("mff") else Decimal(1)
        except InvalidOperation:
            column = "unit_cost_pence" if r.get("unit_cost_pence") else "unit_cost"
            if r.get("mff"):
                try:
                    D(r["mff"])
                except InvalidOperation:
                    column = "mff"
            problems.append(Problem(name, n, column, "is not a number (expected whole pence, pounds like 1234.56, or an MFF like 1.05)"))
            continue
        if amount < 0 or mff <= 0:
            problems.append(Problem(name, n, "unit_cost" if amount < 0 else "mff", "must be 0 or more (an MFF more than 0)"))
            continue
        key = (pod, hrg, tf)
        if key in seen:
            problems.append(Problem(name, n, None, f"a second price for pod {pod}" + (f" hrg {hrg}" if hrg else "") + (f" treatment_function {tf}" if tf else "")))
            continue
        seen.add(key)
        out["pod"].append(pod)
        out["hrg"].append(hrg)
        out["treatment_function"].append(tf)
        out["cost_pence"].append(to_pence(amount * mff))
    if problems:
        raise InputError(tuple(problems))
    table = pa.table(out, schema=pa.schema([("pod", pa.string()), ("hrg", pa.string()), ("treatment_function", pa.string()), ("cost_pence", pa.int64())]))
    return Prices(table, f"{name} ({table.num_rows} prices)", False)


# --------------------------------------------------------------------------------------
# Reading and classifying
# --------------------------------------------------------------------------------------


def _read(con: BaseBackend, path: Path, tmp: Path) -> ibis.Table:
    """The file as DuckDB reads it: CSV streamed with every column as text, or Parquet;
    a zip's one data member is first copied out (by blocks) to ``tmp``."""
    path = Path(path)
    if not path.is_file():
        raise InputError((Problem(str(path), None, None, "no such file"),))
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            members = [n for n in z.namelist() if n.lower().endswith((".csv", ".parquet", ".txt")) and not n.endswith("/")]
            if len(members) != 1:
                raise InputError((Problem(path.name, None, None, f"expected one .csv or .parquet file in the zip, found {', '.join(z.namelist()) or 'none'}"),))
            target = tmp / f"{path.stem}-{Path(members[0]).name}"
            with z.open(members[0]) as src, open(target, "wb") as dst:
                shutil.copyfileobj(src, dst, 1 << 24)
            path = target
    try:
        if path.suffix.lower() == ".parquet":
            return con.read_parquet(path)
        return con.read_csv(path, all_varchar=True, header=True, delim=",", quote='"')
    except Exception as e:  # noqa: BLE001  (DuckDB's reader errors have no common class)
        raise InputError((Problem(path.name, None, None, f"not a readable CSV or Parquet file ({str(e).splitlines()[0]})"),)) from None


def _staged(con: BaseBackend, raw: ibis.Table, fields: Mapping[str, FieldMap], file: str, name: str) -> ibis.Table:
    """Table ``name``: each mapped field by its first source present (header matched
    ignoring case), as text trimmed of spaces with empty strings null; a missing optional
    field is null. The file is read once, here; every later query reads this narrow table.

    Written as one DuckDB statement rather than an Ibis select: Ibis spells ``strip`` as a
    TRIM over a set of characters, which took DuckDB twice as long over a 300,000-row
    extract as the plain TRIM (the whole read then took 8.5 s instead of 4.5 s).
    """
    by_upper = {c.upper(): c for c in raw.columns}
    cols, missing = [], []
    for field_name, fm in fields.items():
        found = next((by_upper[s.upper()] for s in fm.sources if s.upper() in by_upper), None)
        if found is None:
            if fm.required:
                missing.append(f"{field_name} (tried {', '.join(fm.sources)})")
            cols.append(f"CAST(NULL AS VARCHAR) AS {_quoted(field_name)}")
        else:
            cols.append(f"NULLIF(TRIM(CAST({_quoted(found)} AS VARCHAR)), '') AS {_quoted(field_name)}")
    if missing:
        raise InputError((Problem(file, 1, None, f"no column for {'; '.join(missing)}; map it with --mapping"),))
    con.raw_sql(f"CREATE TEMP TABLE {_quoted(name)} AS SELECT {', '.join(cols)} FROM {_quoted(raw.get_name())}")
    return con.table(name)


def _quoted(identifier: str) -> str:
    return '"' + identifier.replace('"', '""') + '"'


def _date(text: ibis.StringValue) -> ibis.DateValue:
    """YYYY-MM-DD, DD/MM/YYYY or YYYYMMDD; impossible dates and HES null dates -> null."""
    iso = text.re_replace(r"^(\d{4})-(\d{2})-(\d{2}).*$", r"\1-\2-\3")
    iso = iso.re_replace(r"^(\d{2})/(\d{2})/(\d{4})$", r"\3-\2-\1")
    iso = iso.re_replace(r"^(\d{4})(\d{2})(\d{2})$", r"\1-\2-\3")
    d = iso.try_cast("date")
    return ibis.ifelse(d < ibis.date(HES_NULL_BEFORE), ibis.null("date"), d)


def _age(text: ibis.StringValue) -> ibis.IntegerValue:
    """Whole years; 7001-7007 (under one year) -> 0; not a whole number 0-120 -> null."""
    x = text.try_cast("float64")
    lo, hi = INFANT_AGE_CODES
    whole = (x == x.floor()) & (x >= 0) & (x <= MAX_AGE)
    return ibis.cases((x.between(lo, hi), 0), (whole, x.cast("int64")), else_=ibis.null("int64"))


def _sex(text: ibis.StringValue) -> ibis.StringValue:
    return ibis.cases((text == "1", Sex.MALE.value), (text == "2", Sex.FEMALE.value), else_=Sex.UNKNOWN.value)


def _practice(text: ibis.StringValue) -> ibis.StringValue:
    code = text.upper()
    return ibis.ifelse(code.isin(NO_PRACTICE_CODES) | code.isnull(), ibis.null("string"), code)


def _events(ds: str, s: ibis.Table, window: tuple[dt.date, dt.date] | None) -> ibis.Table:
    """One data set's rows as events with the row-level reason, if any (null: eligible so far).

    Columns: dataset, patient_id, date, pod, admission_method, provider, hrg,
    treatment_function, age, sex, practice, reason.
    """
    date = _date(s.date)
    common = dict(
        dataset=ibis.literal(ds),
        patient_id=s.patient_id,
        date=date,
        provider=s.provider,
        hrg=s.hrg,
        treatment_function=s.treatment_function if "treatment_function" in s.columns else ibis.null("string"),
        age=_age(s.age),
        sex=_sex(s.sex),
        practice=_practice(s.practice),
    )
    outside = (date < ibis.date(window[0])) | (date > ibis.date(window[1])) if window else ibis.literal(False)
    if ds == "apc":
        method = s.admission_method.upper()
        elective = method.isin(ELECTIVE_METHODS)
        pod = ibis.cases(
            (elective & (s.patient_class == DAY_CASE_CLASS), Pod.DAY_CASE.value),
            (elective & s.patient_class.isin(REGULAR_ATTENDER_CLASSES), Pod.REGULAR_ATTENDER.value),
            (elective, Pod.ELECTIVE_INPATIENT.value),
            (method.isin(EMERGENCY_METHODS), Pod.NON_ELECTIVE.value),
            (method.isin(MATERNITY_METHODS), Pod.MATERNITY.value),
            (method.isin(OTHER_METHODS), Pod.OTHER_ADMISSION.value),
            else_=ibis.null("string"),
        )
        row_reason = ibis.cases(
            (s.patient_id.isnull(), Reason.NO_PATIENT.value),
            (s.episode_status.notnull() & (s.episode_status != FINISHED_EPISODE), Reason.UNFINISHED.value),
            (date.isnull(), Reason.NO_DATE.value),
            else_=ibis.null("string"),
        )
        t = s.mutate(**common, pod=pod, admission_method=method, _row_reason=row_reason,
                     _order=s.episode_order.try_cast("float64"), _start=_date(s.episode_start))
        # The spell: (patient, provider, admission date); its first episode counts.
        spell = ibis.window(
            group_by=[t._row_reason.isnull(), t.patient_id, t.provider, t.date],
            order_by=[t._order.asc(nulls_first=False), t._start.asc(nulls_first=False), t.episode_key,
                      t.practice, t.admission_method, t.patient_class, t.age, t.sex, t.hrg, t.treatment_function],
        )
        t = t.mutate(_episode=ibis.row_number().over(spell))
        reason = ibis.cases(
            (t._row_reason.notnull(), t._row_reason),
            (t._episode > 0, Reason.LATER_EPISODE.value),
            (outside, Reason.OUTSIDE_YEARS.value),
            (t.pod.isnull(), Reason.UNKNOWN_METHOD.value),
            else_=ibis.null("string"),
        )
        return t.select(*_EVENT_COLUMNS[:-1], reason=reason)
    if ds == "op":
        pod = ibis.ifelse(s.first_attendance.isin(FIRST_ATTENDANCE), Pod.OUTPATIENT_FIRST.value, Pod.OUTPATIENT_FOLLOW_UP.value)
        attended = s.attended.try_cast("float64").cast("int64").cast("string").isin(ATTENDED)
    else:
        pod = ibis.literal(Pod.AE.value)
        attended = ibis.literal(True)
    reason = ibis.cases(
        (s.patient_id.isnull(), Reason.NO_PATIENT.value),
        (date.isnull(), Reason.NO_DATE.value),
        (~attended.fill_null(False), Reason.NOT_ATTENDED.value),
        (outside, Reason.OUTSIDE_YEARS.value),
        else_=ibis.null("string"),
    )
    return s.select(**common, pod=pod, admission_method=ibis.null("string"), reason=reason).select(*_EVENT_COLUMNS)


_EVENT_COLUMNS = ("dataset", "patient_id", "date", "pod", "admission_method", "provider", "hrg",
                  "treatment_function", "age", "sex", "practice", "reason")


def _classified(events: ibis.Table, population: ibis.Table | None) -> ibis.Table:
    """Every event with its final reason (``written`` when none applies)."""
    open_ = events.reason.isnull()
    if population is None:
        # Practice from the record; the patient's age from any eligible record of theirs.
        reason = ibis.ifelse(open_ & events.practice.isnull(), Reason.NO_PRACTICE.value, events.reason)
        events = events.mutate(reason=reason)
        aged = events.filter(events.reason.isnull() & events.age.notnull()).select("patient_id").distinct()
        aged = aged.mutate(_aged=True)
        events = events.left_join(aged, "patient_id").drop("patient_id_right")
        reason = ibis.ifelse(events.reason.isnull() & events._aged.isnull(), Reason.NO_AGE.value, events.reason)
    else:
        known = population.select("patient_id").distinct().mutate(_known=True)
        events = events.left_join(known, "patient_id").drop("patient_id_right")
        reason = ibis.ifelse(events.reason.isnull() & events._known.isnull(), Reason.NOT_IN_POPULATION.value, events.reason)
    return events.mutate(reason=reason.fill_null(Reason.WRITTEN.value)).select(*_EVENT_COLUMNS)


# --------------------------------------------------------------------------------------
# The tables written
# --------------------------------------------------------------------------------------


def _activity(written: ibis.Table, prices: ibis.Table) -> ibis.Table:
    """``activity``: service line from the point of delivery, cost from the most specific
    price (pod + HRG, else pod + treatment function, else pod)."""
    service = ibis.cases(*[(written.pod == pod.value, svc.value) for pod, svc in POD_SERVICE.items()], else_=ibis.null("string"))
    by_hrg = prices.filter(prices.hrg.notnull()).select(_pod_h="pod", _hrg="hrg", _p_hrg="cost_pence")
    by_tf = prices.filter(prices.treatment_function.notnull()).select(_pod_t="pod", _tf="treatment_function", _p_tf="cost_pence")
    by_pod = prices.filter(prices.hrg.isnull() & prices.treatment_function.isnull()).select(_pod_p="pod", _p_pod="cost_pence")
    t = written.left_join(by_hrg, (written.pod == by_hrg._pod_h) & (written.hrg == by_hrg._hrg))
    t = t.left_join(by_tf, (t.pod == by_tf._pod_t) & (t.treatment_function == by_tf._tf))
    t = t.left_join(by_pod, t.pod == by_pod._pod_p)
    return t.select(
        patient_id=t.patient_id,
        date=t.date,
        service=service,
        cost_pence=ibis.coalesce(t._p_hrg, t._p_tf, t._p_pod),
        pod=t.pod,
        code=t.hrg,
        admission_method=t.admission_method,
        provider=t.provider,
        data_source=t.dataset.substitute(DATA_SOURCE),
    )


def _patients(written: ibis.Table) -> ibis.Table:
    """``patients``: sex as last recorded (known over U); birth year the earliest of (year
    of an event minus the age then) over the patient's records, so no event falls before
    the birth year (``check`` warns of activity before birth); the true year may be one
    later, since an age is in whole years."""
    aged = written.filter(written.age.notnull())
    birth = aged.group_by("patient_id").aggregate(
        birth_year=(aged.date.year() - aged.age).min()
    )
    known = written.filter(written.sex != Sex.UNKNOWN.value)
    sex = known.group_by("patient_id").aggregate(sex=known.sex.argmax(known.date))
    t = birth.left_join(sex, "patient_id")
    return t.select(patient_id=t.patient_id, sex=t.sex.fill_null(Sex.UNKNOWN.value), birth_year=t.birth_year.cast("int64"))


def _registrations(written: ibis.Table, period: tuple[dt.date, dt.date]) -> ibis.Table:
    """``registrations`` from the practice on each event: one span per run of events at
    one practice (in date order), the first span from the period's start, each span ending
    the day before the next begins, the last at the period's end. On a day with events at
    two practices, the first code (alphabetically) is the day's practice."""
    days = written.group_by("patient_id", "date").aggregate(practice=written.practice.min())
    w = ibis.window(group_by="patient_id", order_by="date")
    days = days.mutate(_prev=days.practice.lag().over(w))
    runs = days.filter(days._prev.isnull() | (days._prev != days.practice))
    w = ibis.window(group_by="patient_id", order_by="date")
    runs = runs.mutate(_next=runs.date.lead().over(w), _n=ibis.row_number().over(w))
    return runs.select(
        patient_id=runs.patient_id,
        practice_code=runs.practice,
        from_date=ibis.ifelse(runs._n == 0, ibis.date(period[0]), runs.date),
        to_date=ibis.ifelse(runs._next.isnull(), ibis.date(period[1]), (runs._next - ibis.interval(days=1)).cast("date")),
    )


def _practices(registrations: ibis.Table, period: tuple[dt.date, dt.date]) -> tuple[ibis.Table, ibis.Table]:
    """``practices`` (name unknown: the code; hub UNASSIGNED) and ``memberships`` (every
    practice a member for the whole period, integration ``partial``)."""
    codes = registrations.select(practice_code=registrations.practice_code).distinct()
    practices = codes.select("practice_code", practice_name=codes.practice_code, hub=ibis.literal(UNASSIGNED_HUB))
    memberships = codes.select(
        "practice_code",
        from_date=ibis.date(period[0]),
        to_date=ibis.date(period[1]),
        integration=ibis.literal(DEFAULT_INTEGRATION.value),
    )
    return practices, memberships


# --------------------------------------------------------------------------------------
# The report
# --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DatasetCount:
    """What became of one file's rows.

    Attributes:
        dataset: apc, op or ae.
        file: the file read.
        rows_read: rows in the file (the header not counted).
        reasons: reason -> rows, over every reason (zeros included); sums to ``rows_read``.
        services: service line -> activity rows written.
    """

    dataset: str
    file: str
    rows_read: int
    reasons: Mapping[str, int]
    services: Mapping[str, int]


@dataclass(frozen=True)
class HesReport:
    """What ``import_hes`` read, wrote and left out, and why.

    Attributes:
        datasets: one ``DatasetCount`` per file given.
        written: table (or file) name -> path written.
        rows: table name -> rows written.
        period: (first day, last day) the folder covers: the years asked, else the
            financial years the written activity falls in.
        prices: where the unit costs came from.
        population: ``hospital users`` or the ``--lists-from`` folder.
        warnings: what the user must know (hospital users only, illustrative prices...).
    """

    datasets: tuple[DatasetCount, ...]
    written: Mapping[str, Path]
    rows: Mapping[str, int]
    period: tuple[dt.date, dt.date] | None
    prices: str
    population: str
    warnings: tuple[str, ...] = ()
    reason_text: Mapping[str, str] = field(default_factory=lambda: {r.value: t for r, t in REASON_TEXT.items()})

    def to_json(self) -> str:
        d = asdict(self)
        d["written"] = {k: str(v) for k, v in self.written.items()}
        d["period"] = [p.isoformat() for p in self.period] if self.period else None
        return json.dumps(d, indent=2)


# --------------------------------------------------------------------------------------
# The import
# --------------------------------------------------------------------------------------


def parse_years(text: str | None) -> tuple[int, int] | None:
    """``2027-2029`` or ``2027`` -> (first, last) contract year; None -> None."""
    if not text:
        return None
    parts = text.split("-")
    try:
        first, last = (int(parts[0]), int(parts[-1])) if len(parts) in (1, 2) else (0, -1)
    except ValueError:
        first, last = 0, -1
    if not (1900 <= first <= last <= 2200):
        raise UserError(f"--years: expected a contract year or a range like 2027-2029 (first year not after last), got {text!r}")
    return first, last


def import_hes(
    files: Mapping[str, Path],
    out: Path,
    *,
    prices: Path | None = None,
    years: tuple[int, int] | None = None,
    lists_from: Path | None = None,
    mapping: Path | None = None,
    patient_id: str | None = None,
    memory_limit: str | None = None,
    stage: Callable[[str], AbstractContextManager[None]] = lambda name: nullcontext(),
) -> HesReport:
    """Import HES / SUS+ extracts into the input folder ``out``; all or nothing.

    Args:
        files: data set (``apc``, ``op``, ``ae``) -> file (CSV or Parquet, zipped or not).
        out: the folder to write (``activity.parquet``, ``hes_import_report.json`` and,
            without ``lists_from``, ``patients``, ``registrations``, ``practices``,
            ``memberships`` and the coverage declaration).
        prices: a price file (see ``read_prices``); default: the shipped illustrative table.
        years: (first, last) contract year; events outside are excluded.
        lists_from: a folder holding a registered population (``patients`` and
            ``registrations``); activity of patients it does not hold is excluded, and
            its tables are copied to ``out``.
        mapping: a TOML file overriding the column mapping.
        patient_id: the source column of the patient id in every file.
        memory_limit: DuckDB's memory limit (it spills past it).
        stage: entered around each step with its name (the CLI's status line; a file of
            millions of rows takes minutes).

    Returns: the ``HesReport``; its counts per file add up to the rows read.
    Raises: ``InputError`` / ``UserError`` before anything is written.
    """
    if not files:
        raise UserError("give at least one of --apc, --op, --ae")
    out = Path(out)
    fields = load_mapping(mapping, patient_id)
    price_set = read_prices(prices) if prices is not None else shipped_prices()
    window = (year_start(years[0]), year_end(years[1])) if years else None
    if lists_from is not None:
        _check_lists(lists_from)
    if out.is_dir() and find_file(out, "activity") is not None:
        raise UserError(f"--out {out} already holds an activity table; write to another folder or remove it")
    with tempfile.TemporaryDirectory(prefix="wholepop-hes-") as tmpdir:
        tmp = Path(tmpdir)
        con = connect("duckdb", memory_limit=memory_limit, temp_directory=str(tmp / "spill"))
        try:
            return _run(con, files, out, fields, price_set, window, lists_from, tmp, stage)
        finally:
            con.disconnect()


def _check_lists(folder: Path) -> None:
    if not Path(folder).is_dir():
        raise UserError(f"--lists-from: {folder} is not a folder")
    for name in ("patients", "registrations"):
        if find_file(Path(folder), name) is None:
            raise UserError(
                f"--lists-from: {folder} has no {name} table; linking activity needs patient-level lists "
                "(a folder from `wholepop build`); list_counts alone hold no patient ids"
            )


def _run(con, files, out, fields, price_set, window, lists_from, tmp, stage) -> HesReport:
    population = None
    if lists_from is not None:
        pfile = find_file(Path(lists_from), "patients")
        population = read_raw(con, pfile, "patients")
        if "patient_id" not in population.columns:
            raise InputError((Problem("patients", None, "patient_id", f"{pfile} has no patient_id column"),))
        population = population.select(patient_id=population.patient_id.cast("string").strip())
    staged_events = []
    names = {}
    for ds in DATASETS:
        if ds not in files:
            continue
        names[ds] = Path(files[ds]).name
        with stage(f"reading {names[ds]}"):
            staged = _staged(con, _read(con, Path(files[ds]), tmp), fields[ds], names[ds], f"stg_{ds}")
            staged_events.append(_events(ds, staged, window))
    events = ibis.union(*staged_events) if len(staged_events) > 1 else staged_events[0]
    with stage("classifying rows (spells, reasons)"):
        classified = con.create_table("classified", _classified(events, population), temp=True)

    counts = classified.group_by("dataset", "reason").aggregate(n=ibis._.count()).to_pyarrow().to_pylist()
    written = classified.filter(classified.reason == Reason.WRITTEN.value)
    price_table = ibis.memtable(price_set.table)
    with stage("pricing"):
        activity = con.create_table("activity_out", _activity(written, price_table), temp=True)
    unpriced = activity.filter(activity.cost_pence.isnull()).group_by("pod").aggregate(n=ibis._.count()).to_pyarrow().to_pylist()
    if unpriced:
        listed = ", ".join(f"{r['pod']} ({r['n']:,} rows)" for r in sorted(unpriced, key=lambda r: r["pod"]))
        raise InputError((Problem(price_set.source, None, "pod", f"no price for point of delivery {listed}; add a row for each with no hrg or treatment_function"),))
    by_service = activity.mutate(dataset=activity.data_source).group_by("dataset", "service").aggregate(n=ibis._.count()).to_pyarrow().to_pylist()

    span = written.aggregate(lo=written.date.min(), hi=written.date.max()).to_pyarrow().to_pylist()[0]
    if window is not None:
        period = window
    elif span["lo"] is not None:
        period = (year_start(financial_year(span["lo"])), year_end(financial_year(span["hi"])))
    else:
        period = None
    if span["lo"] is None:
        raise InputError((Problem(", ".join(names.values()), None, None, "no row could be written (the report below says why); nothing was written"),),
                         "no row could be written; nothing was written\n" + _reason_lines(counts))

    tables: dict[str, ibis.Table] = {"activity": activity}
    warnings: list[str] = []
    if price_set.illustrative:
        warnings.append(f"costs are {price_set.source}: give --prices for real unit costs")
    if population is None:
        with stage("building registrations"):
            regs = con.create_table("registrations_out", _registrations(written, period), temp=True)
        practices, memberships = _practices(regs, period)
        tables |= {"patients": _patients(written), "registrations": regs, "practices": practices, "memberships": memberships}
        warnings.append(HOSPITAL_USERS_ONLY)
    with stage("writing"):
        written_files, rows = _write(con, out, tables, _coverage(period, names), lists_from)

    reports = []
    for ds in DATASETS:
        if ds not in files:
            continue
        reasons = {r.value: 0 for r in Reason}
        for c in counts:
            if c["dataset"] == ds:
                reasons[c["reason"]] = c["n"]
        services = {c["service"]: c["n"] for c in by_service if c["dataset"] == DATA_SOURCE[ds]}
        reports.append(DatasetCount(ds, str(files[ds]), sum(reasons.values()), reasons, dict(sorted(services.items()))))
    report = HesReport(
        tuple(reports), written_files, rows, period, price_set.source,
        "hospital users (built from the records)" if population is None else f"registered lists from {lists_from}",
        tuple(warnings),
    )
    report_path = out / "hes_import_report.json"
    report_path.write_text(report.to_json(), encoding="utf-8")
    return HesReport(report.datasets, {**written_files, "report": report_path}, rows, period, report.prices, report.population, report.warnings)


def _reason_lines(counts: list[dict]) -> str:
    return "\n".join(f"  {c['dataset']}: {c['reason']} {c['n']:,}" for c in sorted(counts, key=lambda c: (c["dataset"], c["reason"])))


def _coverage(period: tuple[dt.date, dt.date], names: Mapping[str, str]) -> pa.Table:
    """The coverage declaration: the activity table is complete for the period (the years
    asked, else the financial years the data spans). In the input layer's ``coverage``
    table when it declares one, else ``coverage.csv`` (table, from_date, to_date)."""
    note = "HES import of " + ", ".join(names.values())
    declared = next((t for t in TABLES if t.name == "coverage"), None)
    if declared is None:
        return pa.table({"table": ["activity"], "from_date": [period[0]], "to_date": [period[1]]})
    cols = {c.name for c in declared.columns}
    name_col = "table_name" if "table_name" in cols else "table"
    data = {name_col: ["activity"], "from_date": [period[0]], "to_date": [period[1]]}
    if "note" in cols:
        data["note"] = [note]
    return pa.table(data)


def _write(con, out: Path, tables: Mapping[str, ibis.Table], coverage: pa.Table, lists_from: Path | None) -> tuple[dict[str, Path], dict[str, int]]:
    """Write every table to a temporary folder inside ``out``, then move them all into
    place: a failure leaves ``out`` as it was. Tables of ``lists_from`` (except activity)
    are copied beside the new activity."""
    out.mkdir(parents=True, exist_ok=True)
    declared = any(t.name == "coverage" for t in TABLES)
    # Never overwrite a table already there (e.g. practices from `import nhs-map`): the
    # folder would silently mix two sources.
    clashes = [f.name for n in (*tables, "coverage") if (f := find_file(out, n)) is not None]
    if clashes:
        raise UserError(f"--out {out} already holds {', '.join(clashes)}; write to an empty folder or remove them")
    written, rows, files = {}, {}, {}
    with tempfile.TemporaryDirectory(dir=out, prefix=".import-") as tmpdir:
        tmp = Path(tmpdir)
        for name, expr in tables.items():
            con.to_parquet(expr, tmp / f"{name}.parquet")
            files[name] = f"{name}.parquet"
        cov_file = "coverage.parquet" if declared else "coverage.csv"
        if declared:
            pq.write_table(coverage, tmp / cov_file)
        else:
            pacsv.write_csv(coverage, tmp / cov_file)
        files["coverage"] = cov_file
        if lists_from is not None and Path(lists_from).resolve() != out.resolve():
            for decl in TABLES:
                src = find_file(Path(lists_from), decl.name)
                if src is None or decl.name in files or find_file(out, decl.name) is not None:
                    continue
                dst = tmp / src.name
                (shutil.copytree if src.is_dir() else shutil.copy2)(src, dst)
                files[decl.name] = src.name
        for name, file in files.items():
            if (tmp / file).is_dir() and (out / file).exists():
                shutil.rmtree(out / file)
            os.replace(tmp / file, out / file)
            written[name] = out / file
    for name in tables:
        rows[name] = con.read_parquet(written[name]).count().to_pyarrow().as_py()
    return written, rows


MAPPING_BEGIN = "<!-- hes mapping: generated from wholepop/importers/data/hes_mapping.toml; do not edit by hand -->"
MAPPING_END = "<!-- end of hes mapping -->"


def mapping_markdown() -> str:
    """The shipped column mapping as a Markdown table (docs/real-data.md holds it between
    two marker lines; ``python -m wholepop.importers.hes`` prints it)."""
    out = [MAPPING_BEGIN, "", "| data set | field | source columns (first present wins) | required | how to map it |", "| --- | --- | --- | --- | --- |"]
    for ds, fields in load_mapping().items():
        for fm in fields.values():
            out.append(f"| {ds} | `{fm.name}` | {', '.join(f'`{s}`' for s in fm.sources)} | {'yes' if fm.required else 'no'} | {fm.instructions} |")
    out += ["", MAPPING_END]
    return "\n".join(out)


if __name__ == "__main__":  # pragma: no cover  (a convenience for regenerating the doc)
    print(mapping_markdown())

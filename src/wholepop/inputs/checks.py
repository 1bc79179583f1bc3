"""The data checks of the input layer: each one a relational filter, all run every time.

A check is a plain function with one signature::

    def check(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]

It reads the staged, row-numbered tables (``wholepop.inputs.raw``), selects the rows at
fault with Ibis, and lists them through ``listed`` (at most 20, then a count). It
declares its severity and the stages its problems block, and it skips quietly what an
earlier check has already reported (a missing file or column). ``DATA_CHECKS`` is the
registry of checks that need only the data; contract-dependent checks live in
``wholepop.inputs.contract_checks``; ``wholepop.inputs.validate.CHECKS`` runs both, in
order. Add a check by writing such a function and adding it to a registry tuple.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Any

import ibis

from wholepop.inputs.files import ignored_note
from wholepop.inputs.listing import OTHER, count_each, listed, quoted
from wholepop.inputs.problems import Problem, Severity
from wholepop.inputs.raw import FLAWED, PART, ROW, SPACE_LIKE, RawInputs, RawTable, within
from wholepop.inputs.schema import MAX_PENCE_PER_ROW, TABLES, DType
from wholepop.vocab import Condition, Integration, Service, Sex

if TYPE_CHECKING:
    from wholepop.contract.model import Contract

__all__ = ["BLOCKS", "DATA_CHECKS", "FAR_FUTURE", "RowRule", "row_rules"]

ERROR, WARNING = Severity.ERROR, Severity.WARNING

# The stages each table feeds (Tuva's "required_for_data_marts"): a problem in a table
# blocks these. Stage names are the stage packages.
BLOCKS: Mapping[str, tuple[str, ...]] = types.MappingProxyType(
    {
        "practices": ("population", "costing", "money"),
        "memberships": ("population", "money"),
        "patients": ("population", "segments", "costing", "money"),
        "registrations": ("population", "segments", "costing", "money"),
        "activity": ("segments", "costing", "money"),
        "conditions": ("segments",),
        "unregistered": ("money",),
        "measures": ("money",),
        "list_counts": ("population",),
        "weights": ("money",),
        "coverage": ("money",),
    }
)

# An open span (no to_date) runs for ever; a span whose start did not parse (an error
# reported by row_values) is taken to run from the beginning, so as not to add warnings.
FAR_FUTURE = ibis.date(9999, 12, 31)
FAR_PAST = ibis.date(1900, 1, 1)

_EXPECTED_TYPE: Mapping[DType, str] = types.MappingProxyType(
    {DType.STRING: "text", DType.INT: "an integer", DType.FLOAT: "a number", DType.DATE: "a date"}
)
_VOCAB_NOUN: Mapping[type[StrEnum], str] = types.MappingProxyType(
    {
        Service: "a service line",
        Condition: "a long-term condition",
        Integration: "an integration mode",
        Sex: "a sex code",
    }
)

# (table, column, parent table, parent key): every value must name a row of the parent.
# activity.patient_id is checked with the activity's registrations (activity_attribution):
# one pass over the largest table finds both unknown patients and unregistered dates.
_REFERENCES: tuple[tuple[str, str, str, str], ...] = (
    ("memberships", "practice_code", "practices", "practice_code"),
    ("registrations", "patient_id", "patients", "patient_id"),
    ("registrations", "practice_code", "practices", "practice_code"),
    ("conditions", "patient_id", "patients", "patient_id"),
    ("list_counts", "practice_code", "practices", "practice_code"),
    ("weights", "practice_code", "practices", "practice_code"),
)

# (table, owner column, span noun, owner noun): spans of one owner must not overlap.
_SPANS: tuple[tuple[str, str, str, str], ...] = (
    ("registrations", "patient_id", "registration", "patient"),
    ("memberships", "practice_code", "membership", "practice"),
)


def files_present(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Every required table has a file, and every file present can be read (error); files
    of a folder of parts that are not read are said (warning)."""
    for decl in TABLES:
        if decl.name in raw.absent and decl.required:
            yield Problem(
                decl.name,
                None,
                None,
                f"file missing (expected {decl.name}.parquet or {decl.name}.csv in {raw.folder})",
                ERROR,
                BLOCKS[decl.name],
            )
        if decl.name in raw.unreadable:
            _, reason = raw.unreadable[decl.name]
            yield Problem(decl.name, None, None, reason, ERROR, BLOCKS[decl.name])
        listed_files = raw.listing.tables.get(decl.name) if raw.listing is not None else None
        note = ignored_note(listed_files) if listed_files is not None else None
        if note:
            yield Problem(decl.name, None, None, note, WARNING, ())


def rows_read(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Every row of a CSV file could be read as it is: UTF-8 text, no NUL byte, the
    header's number of fields. Error (the row, or the value, is not read)."""
    for rt in raw.tables.values():
        for p in rt.staging:
            yield Problem(rt.name, p.row, p.column, p.message, ERROR, BLOCKS[rt.name])


def columns_present(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Every required column is there; Parquet columns are stored in a usable type. Error."""
    for rt in raw.tables.values():
        found = ", ".join(rt.found)
        for name in rt.missing:
            yield Problem(
                rt.name, None, name, f"required column is missing (the file has: {found})", ERROR, BLOCKS[rt.name]
            )
        for name, stored in rt.incompatible.items():
            expected = _EXPECTED_TYPE[rt.decl.column(name).dtype]
            yield Problem(rt.name, None, name, f"stored as {stored} (expected {expected})", ERROR, BLOCKS[rt.name])


def tables_not_empty(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """A required table has at least one row. Error."""
    for rt in raw.tables.values():
        if rt.decl.required and raw.rows(rt.name) == 0 and not rt.staging:
            yield Problem(rt.name, None, None, "table is empty (expected at least one row)", ERROR, BLOCKS[rt.name])


@dataclass(frozen=True)
class RowRule:
    """A rule one row meets or breaks on its own (a value's type, vocabulary, sign...).

    Attributes:
        column: the column it concerns.
        broken: boolean expression on the table's ``raw``: true where the row breaks it.
        shown: expressions on ``raw`` the message reads (name -> expression).
        message: the message for one offending row (a dict of ``shown``).
        severity: error or warning.
        value, test: for a rule on one coded column's value alone, that value and the test
            (``broken`` is ``test(value)``). Such a rule is counted over the column's
            distinct values with their counts rather than row by row: a coded column has
            a few values (Parquet stores them once, as a dictionary), and testing a
            vocabulary on every row was the costliest row rule of a large activity table.
    """

    column: str
    broken: ibis.Value
    shown: Mapping[str, ibis.Value]
    message: Callable[[Mapping[str, Any]], str]
    severity: Severity = ERROR
    value: ibis.Value | None = None
    test: Callable[[ibis.Value], ibis.BooleanValue] | None = None


def row_rules(rt: RawTable) -> list[RowRule]:
    """Every single-row rule of table ``rt``, in reporting order.

    1. values parse as their declared type: text (all of CSV) must be a whole number, a
       number, or a ``YYYY-MM-DD`` date naming a real day; a Parquet float column declared
       integer (``cost_pence``) must hold whole numbers;
    2. required columns have a value in every row;
    3. coded columns hold only values of their vocabulary (exact spelling and case);
    4. money and counts are not negative;
    5. a span (registrations, memberships) ends on or after it starts.
    """
    rules: list[RowRule] = []
    for col in rt.decl.columns:
        if col.dtype is DType.STRING or not rt.has(col.name):
            continue
        text = rt.text(col.name)
        stored = rt.raw[col.name]
        unbounded = rt.unbounded(col.name)
        if text is not None:
            rules.append(RowRule(col.name, text.notnull() & unbounded.isnull(), {"value": text},
                                 _not_parsed(col.dtype, col.name)))
        elif stored.type().is_floating():
            rules.append(RowRule(col.name, stored.isnan() | stored.isinf(), {"nan": stored.isnan()},
                                 lambda r: f"{'NaN' if r['nan'] else 'infinity'} is not a number (expected a finite value)"))
        if col.dtype is DType.INT and text is None and stored.type().is_numeric() and not stored.type().is_integer():
            finite = ~stored.isnan() & ~stored.isinf() if stored.type().is_floating() else ibis.literal(True)
            rules.append(RowRule(col.name, stored.notnull() & finite & (stored % 1 != 0), {"value": stored},
                                 lambda r, name=col.name: f"{r['value']} is not a whole number (expected {_whole(name)})"))
        lo, hi, why = col.limits
        if col.dtype is DType.DATE:
            if text is not None:
                judged, shown = unbounded, text
            else:  # stored dates are shown as the engine writes them: no Python date overflows
                judged = stored if stored.type().is_date() else stored.cast("date")
                shown = stored.cast("string")
            rules.append(RowRule(col.name, judged.notnull() & ~within(judged, col), {"value": shown},
                                 lambda r, why=why: f"{quoted(str(r['value']).lstrip('+'))} is out of range (expected {why})"))
        else:
            finite = (~unbounded.isnan() & ~unbounded.isinf()) if unbounded.type().is_floating() else ibis.literal(True)
            over = unbounded > hi
            if not col.non_negative:
                over = over | (unbounded < lo)
            rules.append(RowRule(col.name, unbounded.notnull() & finite & over, {"value": unbounded.cast("string")},
                                 lambda r, why=why: f"{r['value']} is out of range (expected {why})"))
    for col in rt.decl.required_columns:
        if rt.has(col.name):
            text = rt.text(col.name)
            empty = text.isnull() if text is not None else rt.raw[col.name].isnull()
            if FLAWED in rt.raw.columns:  # an unreadable value is reported once, by rows_read
                empty = empty & ~rt.raw[FLAWED]
            rules.append(RowRule(col.name, empty, {}, lambda r: "empty (a value is required)"))
    for col in rt.decl.columns:
        if col.vocab is not None and rt.has(col.name):
            allowed = [v.value for v in col.vocab]
            value = rt.value(col.name)
            noun = _VOCAB_NOUN.get(col.vocab, "an allowed value")

            def outside(v: ibis.Value, allowed=allowed) -> ibis.BooleanValue:
                return v.notnull() & ~v.isin(allowed)

            rules.append(RowRule(
                col.name, outside(value), {"value": value},
                lambda r, noun=noun, allowed=allowed: f"{quoted(r['value'])} is not {noun} (expected one of {', '.join(allowed)})",
                value=value, test=outside,
            ))
    for col in rt.decl.columns:
        if col.non_negative and rt.has(col.name):
            value = rt.value(col.name)
            rules.append(RowRule(col.name, value < 0, {"value": value},
                                 lambda r: f"{_number(r['value'])} is negative (expected 0 or more)"))
    if rt.name in {table for table, *_ in _SPANS} and rt.has("from_date", "to_date"):
        start, end = rt.value("from_date"), rt.value("to_date")
        rules.append(RowRule(
            "to_date", end < start, {"from_date": start, "to_date": end},
            lambda r: f"{r['to_date']} is before from_date {r['from_date']} (expected on or after from_date)",
        ))
    return rules


def row_values(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Every single-row rule (``row_rules``) of every table. Error.

    One query counts the rows breaking each rule of every table (one scan per table);
    only rules with offending rows are then listed, so clean data costs one pass.
    """
    rules = {name: row_rules(rt) for name, rt in raw.tables.items()}
    wide = [_rule_counts(rt, rules[name]) for name, rt in raw.tables.items() if rules[name]]
    if not wide:
        return
    # One row of counts per table, side by side: one query, one scan of each table.
    both = wide[0]
    for w in wide[1:]:
        both = both.cross_join(w)
    counts = {k: int(v or 0) for k, v in raw.backend.to_pyarrow(both).to_pylist()[0].items()}
    for name, rt in raw.tables.items():
        for i, rule in enumerate(rules[name]):
            n = counts[f"{name}__{i}"]
            if n == 0:
                continue
            offending = rt.raw.filter(rule.broken.fill_null(False)).select(ROW, *_part(rt), **rule.shown)
            yield from listed(
                raw, rt.name, offending, column=rule.column, message=rule.message,
                severity=rule.severity, blocks=BLOCKS[rt.name], count=n,
            )


def _rule_counts(rt: RawTable, rules: list[RowRule]) -> ibis.Table:
    """One row: the number of rows of ``rt`` breaking each rule (column ``<table>__<i>``)."""
    raw = rt.raw
    row_wise = {f"{rt.name}__{i}": r.broken.fill_null(False).cast("int64").sum()
                for i, r in enumerate(rules) if r.test is None}
    counts = [raw.aggregate(**row_wise)] if row_wise else []
    for i, r in enumerate(rules):
        if r.test is not None:
            values = raw.group_by(_value=r.value).agg(_rows=raw.count())
            broken = values.filter(r.test(values._value).fill_null(False))
            counts.append(broken.aggregate(**{f"{rt.name}__{i}": broken._rows.sum()}))
    both = counts[0]
    for c in counts[1:]:
        both = both.cross_join(c)
    return both


def _not_parsed(dtype: DType, name: str) -> Callable[[Mapping[str, Any]], str]:
    if dtype is DType.INT:
        expected = f"expected {_whole(name)}"
        noun = "a whole number"
    elif dtype is DType.FLOAT:
        expected = "expected digits with an optional decimal point"
        noun = "a number"
    else:
        expected = "expected YYYY-MM-DD"
        noun = "a date"
    return lambda r: f"{quoted(r['value'])} is not {noun} ({_spaced(r['value'])}{expected})"


def _spaced(text: str) -> str:
    # A space-like character inside a value is invisible in the line: name it.
    inside = [ch for ch in str(text) if ch in SPACE_LIKE]
    return f"it holds the space-like character U+{ord(inside[0]):04X}; " if inside else ""


def _whole(name: str) -> str:
    return "whole pence, e.g. 1250 for £12.50" if name.endswith("_pence") else "an integer"


def _number(value: float | int) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def totals_fit(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """The total of every money column fits a 64-bit integer with room to spare, so that
    no sum of it overflows on any engine (Polars wraps where DuckDB widens). Error.

    With each row at most ``MAX_PENCE_PER_ROW`` a table below about 92 million rows cannot
    overflow and costs no query; a larger one is summed once, in floating point.
    """
    for rt in raw.tables.values():
        for col in rt.decl.columns:
            if not col.name.endswith("_pence") or not rt.has(col.name):
                continue
            if raw.rows(rt.name) * MAX_PENCE_PER_ROW < 2**62:
                continue
            value = rt.values[col.name]
            total = raw.backend.execute(value.cast("float64").abs().sum())
            if total is not None and float(total) >= 2**62:
                yield Problem(rt.name, None, col.name,
                              f"the column totals about {float(total):.3g} pence, more than a sum can safely hold "
                              f"(expected less than {2**62:.3g}; split the data)", ERROR, BLOCKS[rt.name])


def unique_keys(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """A table's key (``practice_code``, ``patient_id``) appears once. Error.

    Each repeat is listed with the first row holding the same key (``rows 3, 7``); the
    key itself is not shown (it may identify a patient).
    """
    found: dict[str, tuple[ibis.Table, str]] = {}
    for rt in raw.tables.values():
        if not rt.decl.key or not rt.has(*rt.decl.key):
            continue
        key = list(rt.decl.key)
        v = rt.values.filter(*[rt.values[k].notnull() for k in key])
        first = v.group_by(key).agg(_first=v[ROW].min(), _n=v.count()).filter(ibis._._n > 1)
        pairs = v.join(first, key).filter(ibis._[ROW] != ibis._._first)
        found[rt.name] = (pairs.select(**{ROW: pairs._first, OTHER: pairs[ROW]}), "+".join(key))
    counts = count_each(raw, {name: expr for name, (expr, _) in found.items()})
    for name, (pairs, label) in found.items():
        yield from listed(
            raw, name, pairs, column=label,
            message=f"the same {label} appears more than once (expected each once)",
            severity=ERROR, blocks=BLOCKS[name], noun="repeats", count=counts[name],
        )


def references(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Patients and practices named by other tables exist. Error.

    The row is named, not the id (ids may identify a patient).
    """
    found: dict[str, tuple[ibis.Table, str, str, str, str]] = {}
    for table, column, parent, key in _REFERENCES:
        if not raw.has(table, column) or not raw.has(parent, key) or raw.rows(parent) == 0:
            continue  # an absent or empty parent is reported once, not once per child row
        child = raw[table].values
        known = raw[parent].values.select(**{column: raw[parent].values[key]}).filter(ibis._[column].notnull())
        bad = child.filter(child[column].notnull()).anti_join(known, column).select(ROW, *_part(raw[table]))
        found[f"{table}.{column}"] = (bad, table, column, parent, key)
    counts = count_each(raw, {k: v[0] for k, v in found.items()})
    for k, (bad, table, column, parent, key) in found.items():
        yield from listed(
            raw, table, bad, column=column,
            message=f"not in {parent} (expected a {key} listed in {parent})",
            severity=ERROR, blocks=BLOCKS[table], count=counts[k],
        )


def span_overlaps(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Spans of one patient (registrations) or one practice (memberships) do not overlap. Error.

    Both rows are named; dates are inclusive, and an open span (no ``to_date``) runs for
    ever, so a span ending 2027-03-31 and one starting 2027-04-01 do not overlap.
    """
    found: dict[str, tuple[ibis.Table, str, str]] = {}
    for table, owner, span, whose in _SPANS:
        if not raw.has(table, owner, "from_date"):
            continue
        v = raw[table].values.filter(ibis._[owner].notnull() & ibis._.from_date.notnull())
        v = v.select(owner, ROW, "from_date", _to=v.to_date.fill_null(FAR_FUTURE))
        a, b = v.view(), v.view()
        # An equality join first, then the interval test: Polars joins only on equality.
        pairs = a.join(b, a[owner] == b[owner]).filter(
            a[ROW] < b[ROW], a.from_date <= b._to, b.from_date <= a._to
        ).select(**{ROW: a[ROW], OTHER: b[ROW]})
        found[table] = (pairs, span, whose)
    counts = count_each(raw, {k: v[0] for k, v in found.items()})
    for table, (pairs, span, whose) in found.items():
        yield from listed(
            raw, table, pairs, column="from_date",
            message=f"{span} spans of one {whose} overlap (expected one {span} at a time)",
            severity=ERROR, blocks=BLOCKS[table], noun="overlapping pairs", count=counts[table],
        )


def activity_attribution(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Activity names a known patient (error) and falls inside one of that patient's
    registrations, on or after 1 January of their birth year and not after their death
    (warning: other activity is kept but counted as unattributed, adding to no
    practice's spend, as the counted spans do).

    One anti-join of activity against the registrations of known patients, clipped to
    each life, finds every kind at once (an unknown patient has no such registration);
    the few rows it finds are then told apart: unknown patient, before birth, after
    death, outside every registration.
    """
    if not raw.has("activity", "patient_id") or not raw.has("patients", "patient_id") or raw.rows("patients") == 0:
        return
    act_rt = raw["activity"]
    ids = [ROW, *_part(act_rt)]
    people = raw["patients"].values.filter(ibis._.patient_id.notnull())
    born = people.birth_year if raw.has("patients", "birth_year") else ibis.null("int64")
    died = people.death_date if raw.has("patients", "death_date") else ibis.null("date")
    # A person's life as dates; an unknown birth year or death (an error, or none) is
    # taken as no limit, so as not to add warnings.
    life = people.select(
        _pid=people.patient_id,
        _born=ibis.ifelse(born.notnull(), ibis.date(born.fill_null(1900), 1, 1), FAR_PAST),
        _died=died.fill_null(FAR_FUTURE),
    )
    known = life.select(patient_id=life._pid).distinct()
    act = act_rt.values.filter(ibis._.patient_id.notnull()).select(*ids, "patient_id", "date")
    if raw.has("registrations", "patient_id", "from_date"):
        reg = raw["registrations"].values
        # A span whose dates did not parse (already an error) is taken as covering all
        # time, so its patient's activity is not also flagged as unattributed.
        reg = reg.select(_rid=reg.patient_id, _rfrom=reg.from_date.fill_null(FAR_PAST), _rto=reg.to_date.fill_null(FAR_FUTURE))
        reg = reg.join(life, reg._rid == life._pid)
        reg = reg.select(_pid=reg._pid, _from=ibis.greatest(reg._rfrom, reg._born), _to=ibis.least(reg._rto, reg._died))
        if raw.backend.name == "duckdb":
            # DuckDB runs an anti-join with interval conditions in one pass.
            found = act.anti_join(reg, [act.patient_id == reg._pid, act.date >= reg._from, act.date <= reg._to])
        else:
            # Polars joins only on equality: join, keep rows inside a span, subtract.
            inside = (
                act.join(reg, act.patient_id == reg._pid)
                .filter(ibis._.date >= ibis._._from, ibis._.date <= ibis._._to)
                .select(*ids)
                .distinct()
            )
            found = act.anti_join(inside, ids)
    else:
        # Without usable registrations (an error already) only unknown patients are judged.
        found = act.anti_join(known, "patient_id")
    flagged = found.left_join(life, found.patient_id == life._pid)
    flagged = flagged.select(
        *ids,
        _is_known=flagged._pid.notnull(),
        _dated=flagged.date.notnull(),
        _early=flagged.date < flagged._born,
        _late=flagged.date > flagged._died,
    )
    # Usually few rows: bring them out once rather than re-running the anti-join per listing.
    rows = raw.backend.to_pyarrow(flagged)
    if rows.num_rows == 0:
        return
    found = ibis.memtable(rows)
    kinds = {
        "unknown": (found.filter(~found._is_known), "patient_id", "not in patients (expected a patient_id listed in patients)", ERROR),
        "early": (found.filter(found._is_known & found._dated & found._early.fill_null(False)), "date",
                  "before its patient's birth year (counted as unattributed)", WARNING),
        "late": (found.filter(found._is_known & found._dated & found._late.fill_null(False)), "date",
                 "after its patient's death (counted as unattributed)", WARNING),
        "outside": (found.filter(found._is_known & found._dated & ~found._early.fill_null(False) & ~found._late.fill_null(False)),
                    "date", "outside every registration of its patient (counted as unattributed)", WARNING),
    }
    counts = count_each(raw, {k: v[0] for k, v in kinds.items()})
    for key, (offending, column, message, severity) in kinds.items():
        yield from listed(
            raw, "activity", offending.select(*ids), column=column, message=message,
            severity=severity, blocks=BLOCKS["activity"] if severity is ERROR else ("costing",), count=counts[key],
        )


def life_events(raw: RawInputs, contract: Contract | None) -> Iterable[Problem]:
    """Dates and people that cannot be.

    * a death before the year of birth: error;
    * a birth year after everything the data covers (its latest date) and after the
      contract term: error. The machine's clock is never the judge: data may be
      synthetic, or projected;
    (Activity before birth or after death is found by ``activity_attribution``.)
    """
    if not raw.has("patients", "patient_id", "birth_year"):
        return
    people = raw["patients"].values
    if raw.has("patients", "death_date"):
        bad = people.filter(people.death_date.year() < people.birth_year).select(
            ROW, _death=people.death_date.cast("string"), _born=people.birth_year
        )
        yield from listed(
            raw, "patients", bad, column="death_date",
            message=lambda r: f"{r['_death']} is before the birth year {r['_born']} (expected a death after birth)",
            severity=ERROR, blocks=BLOCKS["patients"],
        )
    last = _latest_date(raw)
    if last is not None or contract is not None:
        term_end = contract.contract.years[-1] + 1 if contract is not None else None  # a year ends 31 March
        limit = max(y for y in (last.year if last is not None else None, term_end) if y is not None)
        covered = f"the data's latest date, {last}" if last is not None else "the data"
        if term_end is not None:
            covered += f", and the contract term, ending March {term_end}"
        bad = people.filter(people.birth_year > limit).select(ROW, _born=people.birth_year)
        yield from listed(
            raw, "patients", bad, column="birth_year",
            message=lambda r: f"{r['_born']} is after {covered} (expected a birth year the data can hold)",
            severity=ERROR, blocks=BLOCKS["patients"],
        )


def _latest_date(raw: RawInputs):
    """The latest date anywhere in activity, registrations and memberships (None if none)."""
    found = []
    for table, columns in (("activity", ("date",)), ("registrations", ("from_date", "to_date")),
                           ("memberships", ("from_date", "to_date"))):
        for column in columns:
            if raw.has(table, column):
                v = raw[table].values
                found.append(v.aggregate(_d=v[column].max()))
    if not found:
        return None
    dates = [r["_d"] for r in raw.backend.to_pyarrow(ibis.union(*found) if len(found) > 1 else found[0]).to_pylist()]
    dates = [d for d in dates if d is not None]
    return max(dates) if dates else None


def _part(rt: RawTable) -> tuple[str, ...]:
    return (PART,) if rt.parts else ()


DATA_CHECKS = (
    files_present,
    rows_read,
    columns_present,
    tables_not_empty,
    row_values,
    totals_fit,
    unique_keys,
    references,
    span_overlaps,
    life_events,
    activity_attribution,
)

"""CMS's per-ACO "Performance Year Financial and Quality Results" files, and reconciling them.

``reconcile(path, performance_year)`` reads a results file of any encoded year, recomputes
each ACO's generated and earned savings or losses with ``settle.settle_mssp`` from the
file's benchmark, expenditure, beneficiaries, MSR, track and quality columns, and compares
the earned amount with CMS's published ``EarnSaveLoss``.

The file's layout is recognised from its header (``layouts.recognise``: one layout per
year, each saying how its rates are written); a header that fits none is refused with the
columns expected. Within a layout:

* headers are matched case-insensitively; ``ACO_ID`` or ``ACO_Num``, else ``ACO_Name``,
  names a row;
* track: ``Current_Track`` letters (``A`` ... ``E``, ``EN``) or the year's 0/1 flags;
* rates: ``2.00%`` is always percent; a bare number is a fraction or percentage points as
  the layout says;
* money: whole or decimal dollars, with or without ``$``, commas, or parentheses for negatives;
* quality: ``P4R`` in ``QualScore``, or a blank score for an ACO in the first performance
  year of its first agreement (PY2013-2020), or ``Met_FirstYear`` (PY2022 on), is
  pay-for-reporting (``rules.pay_for_reporting``);
  in files without ``Met_QPS`` (PY2014-2015) a zero ``FinalShareRate`` marks an ACO that
  failed the quality standard.

Grain of the result: one row per data row of the file. Money is whole cents (``_pence``).
Values CMS suppresses or leaves blank (``""``, ``-``, ``*``, ``.``, ``NA``) are *missing*:
a row that needs one is reported with the reason, never guessed. A value that is present
but unreadable (``12x4``) is bad input: an ``InputError`` lists every such cell and
nothing is computed.
"""
from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from pathlib import Path

from wholepop.contract.mssp_rules import (
    FIXED_MSR_CHOICES,
    MSR_TABLE_MIN_BENEFICIARIES,
    QualityRegime,
    Track,
    pay_for_reporting,
    track_rules,
    year_rules,
)
from wholepop.errors import InputError
from wholepop.inputs.problems import Problem
from wholepop.money.mssp.explain import first_difference
from wholepop.money.mssp.layouts import Layout, RateScale, recognise, unrecognised
from wholepop.money.mssp.settle import AcoYear, MsspOutcome, resolve_msr, settle_mssp
from wholepop.money.pence import to_pence

__all__ = ["MATCH_DOLLARS", "MATCH_SHARE", "Reconciliation", "ReconcileRow", "Status", "reconcile", "reconcile_text"]

# CMS publishes whole dollars computed from unrounded totals: a match is within $2 or
# 0.02% of the published amount.
MATCH_DOLLARS = 2
MATCH_SHARE = Decimal("0.0002")

_MISSING = frozenset({"", "-", "*", ".", "na", "n/a", "nan", "null", "none", "#n/a"})

# Logical column -> accepted headers (lower case), first found wins.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "aco_id": ("aco_id", "aco_num"),
    "aco_name": ("aco_name",),
    "year": ("year",),
    "track": ("current_track",),
    "track_1": ("current_track_1", "track1", "track_1"),
    "track_2": ("current_track_2", "track2", "track_2"),
    "track_3": ("current_track_3", "track3", "track_3"),
    "track_1_plus": ("current_track_1_plus", "track_1_plus", "track1plus"),
    "basic_a": ("current_basic_a",),
    "basic_b": ("current_basic_b",),
    "basic_c": ("current_basic_c",),
    "basic_d": ("current_basic_d",),
    "basic_e": ("current_basic_e",),
    "enhanced": ("current_enhanced",),
    "n_ab": ("n_ab",),
    "benchmark": ("abtotbnchmk",),
    "expenditure": ("abtotexp",),
    "gross": ("bnchmkminexp",),
    "msr": ("minsavperc",),
    "generated": ("gensaveloss",),
    "earned": ("earnsaveloss",),
    "disaster": ("disadj",),
    "quality": ("qualscore",),
    "met_qps": ("met_qps",),
    "met_alt": ("met_altqps",),
    "revenue_category": ("rev_exp_cat",),
    "rev_loss_limit": ("revlosslimit",),
    "start": ("current_start_date", "start_date"),
    "initial_start": ("initial_start_date",),
    "agreement_period": ("agreement_period_num",),
    "max_share": ("qualperfshare", "maxsharerate"),
    "fsr": ("finalsharerate",),
    "loss_rate": ("finallossrate",),
    "guardrail": ("guardrail",),
    "reduced_ss": ("reducedss",),
    "first_year": ("met_firstyear",),
}
# Required columns, as CMS spells them.
_REQUIRED = {"n_ab": "N_AB", "benchmark": "ABtotBnchmk", "expenditure": "ABtotExp", "earned": "EarnSaveLoss"}
_RATES = ("msr", "quality", "max_share", "fsr", "loss_rate")

_TRACK_WORDS = {
    "A": Track.BASIC_A, "B": Track.BASIC_B, "C": Track.BASIC_C, "D": Track.BASIC_D, "E": Track.BASIC_E,
    "EN": Track.ENHANCED, "ENHANCED": Track.ENHANCED,
    "1": Track.TRACK_1, "2": Track.TRACK_2, "3": Track.TRACK_3, "1+": Track.TRACK_1_PLUS, "1PLUS": Track.TRACK_1_PLUS,
}

# 0/1 track flags of the PY2014-2021 files.
_TRACK_FLAGS = (
    ("track_1", Track.TRACK_1), ("track_2", Track.TRACK_2), ("track_3", Track.TRACK_3),
    ("track_1_plus", Track.TRACK_1_PLUS), ("basic_a", Track.BASIC_A), ("basic_b", Track.BASIC_B),
    ("basic_c", Track.BASIC_C), ("basic_d", Track.BASIC_D), ("basic_e", Track.BASIC_E),
    ("enhanced", Track.ENHANCED),
)

_P4R = "p4r"


class Status:
    """How an ACO's recomputation compares with CMS's (``ReconcileRow.status``)."""

    MATCH = "match"  # within $2 or 0.02%
    # Not within $2 or 0.02%, but CMS's amount lies inside the range the published,
    # rounded quality score allows (PY2014 publishes it to 2 decimals).
    WITHIN_ROUNDING = "within rounding"
    # A two-sided BASIC/Track 1+ loss below ours that a cap on ACO-participant revenue
    # explains: CMS does not publish the revenue, and the revenue CMS's loss implies agrees
    # with the ACO's published revenue category.
    REVENUE_CAP = "revenue cap"
    DIFFERS = "differs"
    EXPLAINED = (WITHIN_ROUNDING, REVENUE_CAP)
    NOT_RECOMPUTED = "not recomputed"
    NOT_COMPARED = "not compared"


@dataclass(frozen=True)
class ReconcileRow:
    """One ACO's recomputation against CMS.

    Attributes:
        aco: ACO_ID or ACO_Num, else ACO_Name.
        row: data row number (the first ACO is 1).
        track: the track, or None when the file does not say.
        generated_pence / earned_pence: ours, or None when not recomputed.
        published_earned_pence: CMS's ``EarnSaveLoss``, or None when not published.
        match: within $2 or 0.02%; None when there is nothing to compare.
        reason: why it differs or was not recomputed ("" when it matches).
        capped_by_revenue: the difference is explained by a revenue-based loss cap on
            ACO-participant revenue, which CMS does not publish.
        status: a ``Status`` value.
        step: the first step where ours and CMS's differ ("" when they match).
    """

    aco: str
    row: int
    generated_pence: int | None
    earned_pence: int | None
    published_earned_pence: int | None
    match: bool | None
    reason: str
    capped_by_revenue: bool = False
    track: Track | None = None
    status: str = Status.MATCH
    step: str = ""


@dataclass(frozen=True)
class Reconciliation:
    """The whole file's reconciliation (grain: one row per ACO row of the file).

    Attributes:
        source: the file's name.
        performance_year: the rules applied.
        rows: one per ACO.
        layout: the results-file layout recognised from the header.
        warnings: what does not fit (the file's year against ``performance_year``).
    """

    source: str
    performance_year: int
    rows: tuple[ReconcileRow, ...]
    layout: Layout | None = None
    warnings: tuple[str, ...] = ()

    @property
    def matched(self) -> int:
        return sum(1 for r in self.rows if r.match)

    def summary(self) -> str:
        """``N of M ACOs match CMS's published earned savings or losses``."""
        line = f"{self.matched} of {len(self.rows)} ACOs match CMS's published earned savings or losses"
        rounding = sum(1 for r in self.rows if r.status == Status.WITHIN_ROUNDING)
        if rounding:
            line += f"; {rounding} more {'lies' if rounding == 1 else 'lie'} within the rounding of the published quality score"
        capped = sum(1 for r in self.rows if r.status == Status.REVENUE_CAP)
        if capped:
            what = "is a loss" if capped == 1 else "are losses"
            line += f"; {capped} more {what} capped by participant revenue, which CMS does not publish"
        return line

    def counts(self) -> list[tuple[str, str, int, int, int]]:
        """(track, kind, matched, explained, ACOs) per track and kind of outcome.

        Explained: not matched, but within the rounding of the published score or capped
        by unpublished participant revenue (``Status.EXPLAINED``).

        Kinds follow CMS's published amount: earned savings (> 0), shared losses (< 0),
        nothing (= 0). Tracks in the order of the rules; an "all tracks" line per kind last.
        """
        out = []
        tracks = [t for t in Track if any(r.track is t for r in self.rows)]
        if any(r.track is None for r in self.rows):
            tracks.append(None)
        for label, track_set in [*((t.value if t else "unknown", {t}) for t in tracks), ("all tracks", set(tracks))]:
            for kind, test in _KINDS:
                rows = [r for r in self.rows if r.track in track_set and test(r.published_earned_pence)]
                if rows or label == "all tracks":
                    out.append((
                        label, kind, sum(1 for r in rows if r.match),
                        sum(1 for r in rows if r.status in Status.EXPLAINED), len(rows),
                    ))
        return out

    def report(self) -> list[str]:
        """The printed report: layout, summary, counts per track and outcome, each ACO not matched."""
        lines = []
        if self.layout is not None:
            lines.append(f"layout: {self.layout.describe()}")
        lines.append(f"rules: performance year {self.performance_year} ({_describe_year(self.performance_year)})")
        lines.append(self.summary())
        lines.append("")
        lines.append(f"{'track':<12} {'CMS outcome':<24} {'match':>6} {'explained':>9} {'ACOs':>5}")
        for track, kind, matched, explained, total in self.counts():
            if track == "all tracks" and kind == "not published" and not total:
                continue
            lines.append(f"{track:<12} {kind:<24} {matched:>6} {explained:>9} {total:>5}")
        unmatched = [r for r in self.rows if not r.match]
        if unmatched:
            lines.append("")
            lines.append("not matched (the first step where ours and CMS's differ):")
        for r in unmatched:
            where = f"{r.aco or '(unnamed)'} (data row {r.row}{', ' + r.track.value if r.track else ''})"
            tag = ", ".join(t for t in (r.step, "" if r.status == Status.DIFFERS else r.status) if t)
            lines.append(f"  {where} [{tag}]: {r.reason}")
        return lines

    def to_csv(self) -> str:
        """The per-ACO CSV: aco,row,track,generated_pence,earned_pence,published_earned_pence,match,status,step,reason."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow((
            "aco", "row", "track", "generated_pence", "earned_pence", "published_earned_pence", "match", "status", "step",
            "reason",
        ))
        for r in self.rows:
            w.writerow((
                r.aco, r.row, r.track.value if r.track else "", _blank(r.generated_pence), _blank(r.earned_pence),
                _blank(r.published_earned_pence), "" if r.match is None else str(r.match).lower(), r.status, r.step,
                r.reason,
            ))
        return buf.getvalue()


_KINDS = (
    ("earned savings", lambda p: p is not None and p > 0),
    ("shared losses", lambda p: p is not None and p < 0),
    ("nothing earned or owed", lambda p: p == 0),
    ("not published", lambda p: p is None),
)


def reconcile(path: str | Path, performance_year: int) -> Reconciliation:
    """Recompute every ACO of a CMS results file and compare with CMS's earned amounts.

    Args:
        path: the CSV (UTF-8, with or without a byte-order mark, or Windows-1252).
        performance_year: the year the file reports (2013-2024): selects the year's rules.
            A file that says otherwise (its layout's year, a ``year`` column, agreements
            starting later) is reconciled under these rules with a warning.
            The 2019 six-month files need nothing more: their totals already cover the
            six months (checked on the January-June 2019 file).

    Raises:
        InputError: the file cannot be read, fits no known layout, lacks a required
            column, or has unreadable values (every problem listed, naming row and column).
    """
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise InputError((Problem(path.name, None, None, f"cannot read the file ({e.strerror})"),)) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Files saved from Excel on Windows: ACO names may carry cp1252 accents.
        text = data.decode("cp1252", errors="replace")
    return reconcile_text(text, performance_year, source=path.name)


def reconcile_text(text: str, performance_year: int, source: str = "results.csv") -> Reconciliation:
    """``reconcile`` on CSV text (``source`` names it in messages)."""
    try:
        year_rules(performance_year)
    except KeyError as e:
        raise InputError((Problem(source, None, None, str(e.args[0])),)) from None
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    try:
        header = next(reader)
    except StopIteration:
        raise InputError((Problem(source, None, None, "the file is empty (expected a header row)"),)) from None
    layout = recognise(header)
    if layout is None:
        raise InputError((Problem(source, None, None, unrecognised(header)),))
    index = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    cols = {name: next((index[a] for a in aliases if a in index), None) for name, aliases in _COLUMNS.items()}
    problems = [
        Problem(source, None, header_name, f"required column {header_name} is missing")
        for name, header_name in _REQUIRED.items() if cols[name] is None
    ]
    if cols["aco_id"] is None and cols["aco_name"] is None:
        problems.append(Problem(source, None, None, "neither ACO_ID, ACO_Num nor ACO_Name is a column: rows cannot be named"))
    if cols["track"] is None and all(cols[f] is None for f, _ in _TRACK_FLAGS):
        problems.append(Problem(source, None, None, "no track column: expected Current_Track or the year's track flags"))
    if problems:
        raise InputError(tuple(problems))
    rows = [r for r in reader if any(c.strip() for c in r)]
    cells = _Cells(rows, cols, header, source)
    scales = {name: cells.rate_scale(name, layout.rates.get(name, RateScale.SIGNED)) for name in _RATES}
    scale = {name: factor for name, (factor, _) in scales.items()}
    parsed = [cells.parse_row(i, scale) for i in range(len(rows))]
    if cells.problems:
        # As a reader scans the file: by row, then left to right.
        position = {h: j for j, h in reversed(list(enumerate(header)))}
        raise InputError(tuple(sorted(cells.problems, key=lambda p: (p.row or 0, position.get(p.column or "", 0)))))
    return Reconciliation(
        source=source,
        performance_year=performance_year,
        rows=tuple(_reconcile_row(i + 1, v, performance_year, layout) for i, v in enumerate(parsed)),
        layout=layout,
        warnings=tuple(_year_warnings(parsed, performance_year, layout)) + tuple(w for _, w in scales.values() if w),
    )


def _year_warnings(parsed: list[dict], year: int, layout: Layout) -> list[str]:
    """Where the file disagrees with ``--performance-year``: one line each."""
    out = []
    if year not in layout.years:
        out.append(
            f"the header is the {layout.name} layout, but the performance year given is {year}: "
            f"the {year} rules are applied to it"
        )
    stated = sorted({v["year"] for v in parsed if v["year"] is not None and v["year"] != year})
    if stated:
        n = sum(1 for v in parsed if v["year"] is not None and v["year"] != year)
        out.append(f"the file's year column says {', '.join(map(str, stated))} on {n} rows, not {year}")
    later = sum(1 for v in parsed if v["start"] is not None and v["start"] > year)
    if later:
        out.append(f"{later} ACOs have an agreement starting after {year} (start date column): is the file of a later year?")
    return out


class _Cells:
    """Typed access to the file's cells; unreadable values become problems."""

    def __init__(self, rows: list[list[str]], cols: dict[str, int | None], header: list[str], source: str):
        self.rows, self.cols, self.header, self.source = rows, cols, header, source
        self.problems: list[Problem] = []
        self._decimals: dict[str, int] = {}

    def raw(self, i: int, name: str) -> str | None:
        j = self.cols[name]
        if j is None or j >= len(self.rows[i]):
            return None
        value = self.rows[i][j].strip()
        return None if value.lower() in _MISSING else value

    def _bad(self, i: int, name: str, value: str, expected: str) -> None:
        # Spreadsheet rows: the header is row 1.
        self.problems.append(Problem(self.source, i + 2, self.header[self.cols[name]], f"{value!r} is not {expected}"))

    def number(self, i: int, name: str) -> Decimal | None:
        value = self.raw(i, name)
        if value is None:
            return None
        text = value.replace("$", "").replace(",", "").replace(" ", "")
        negative = text.startswith("(") and text.endswith(")")
        text = text.strip("()")
        try:
            number = Decimal(text)
        except InvalidOperation:
            self._bad(i, name, value, "a number (expected e.g. 1234, $1,234.56 or (1,234))")
            return None
        if not number.is_finite():
            self._bad(i, name, value, "a finite number")
            return None
        return -number if negative else number

    def dollars(self, i: int, name: str) -> int | None:
        value = self.number(i, name)
        return None if value is None else to_pence(value * 100)

    def count(self, i: int, name: str) -> int | None:
        value = self.number(i, name)
        if value is None:
            return None
        if value != value.to_integral_value() or value < 0:
            self._bad(i, name, self.raw(i, name) or "", "a whole number")
            return None
        return int(value)

    def rate_scale(self, name: str, declared: RateScale) -> tuple[Decimal, str]:
        """(1 if the column's bare numbers are fractions, 100 if percentage points; a warning or "").

        The layout says which; where it writes the sign (``SIGNED``), bare numbers are read
        by their size: any above 1 means percentage points. A column that contradicts its
        layout (a "fraction" above 1, or "points" that are all fractions of 1) is read by
        size too, with a warning: a re-saved or re-ordered file can differ from CMS's.
        """
        bare = []
        for i in range(len(self.rows)):
            value = self.raw(i, name)
            if value is None or value.endswith("%"):
                continue
            try:
                bare.append(abs(Decimal(value)))
            except InvalidOperation:
                continue  # reported when the row is parsed
        by_size = Decimal(100) if any(v > 1 for v in bare) else Decimal(1)
        column = self.header[self.cols[name]] if self.cols[name] is not None else name
        if declared is RateScale.FRACTION:
            if by_size == 1:
                return Decimal(1), ""
            return by_size, f"{column} has bare values above 1, which this layout writes as fractions: read as percentage points"
        if declared is RateScale.POINTS:
            # Only scores and sharing rates: an MSR in points may be 0.5 or 1.
            if name != "msr" and by_size == 1 and any(v > 0 for v in bare):
                return by_size, f"{column} has no value above 1, which this layout writes in percentage points: read as fractions"
            return Decimal(100), ""
        return by_size, ""

    def decimals(self, name: str) -> int:
        """The most decimal places any value of the column is printed with: its precision.

        Per column, not per cell: files drop trailing zeros (PY2014 prints 0.90 as 0.9).
        """
        most = 0
        for i in range(len(self.rows)):
            value = self.raw(i, name)
            if value is not None and "." in value:
                most = max(most, len(value.rstrip("%").strip().split(".")[1]))
        return most

    def rate(self, i: int, name: str, scale: Decimal) -> tuple[Decimal | None, Decimal]:
        """(the rate as a fraction, half a unit of the column's last printed digit as a fraction)."""
        value = self.raw(i, name)
        if value is None:
            return None, Decimal(0)
        percent = value.endswith("%")
        try:
            number = Decimal(value.rstrip("%").strip())
        except InvalidOperation:
            self._bad(i, name, value, "a rate (expected e.g. 2.00%, 0.0200 or 2)")
            return None, Decimal(0)
        divisor = Decimal(100) if percent else scale
        if name not in self._decimals:
            self._decimals[name] = self.decimals(name)
        return number / divisor, Decimal(5).scaleb(-self._decimals[name] - 1) / divisor

    def flag(self, i: int, name: str) -> bool | None:
        value = self.raw(i, name)
        if value is None:
            return None
        v = value.lower()
        if v in ("1", "1.0", "y", "yes", "true", "t"):
            return True
        if v in ("0", "0.0", "n", "no", "false", "f"):
            return False
        self._bad(i, name, value, "a flag (expected 1/0, Y/N or TRUE/FALSE)")
        return None

    def date_year(self, i: int, name: str) -> int | None:
        value = self.raw(i, name)
        if value is None:
            return None
        m = re.match(r"^(\d{4})-\d{1,2}-\d{1,2}", value) or re.match(r"^\d{1,2}/\d{1,2}/(\d{2,4})\b", value)
        if m is None:
            self._bad(i, name, value, "a date (expected MM/DD/YYYY, M/D/YY or YYYY-MM-DD)")
            return None
        y = int(m.group(1))
        return y + 2000 if y < 100 else y

    def stated_year(self, i: int) -> int | None:
        """The file's own ``year`` column, if any: informational, so never an error."""
        m = re.search(r"\b(20\d\d)\b", self.raw(i, "year") or "")
        return int(m.group(1)) if m else None

    def quality(self, i: int, scale: Decimal) -> tuple[Decimal | str | None, Decimal]:
        """QualScore: a fraction, ``_P4R`` for the pay-for-reporting marker, or None."""
        value = self.raw(i, "quality")
        if value is not None and value.replace(" ", "").upper() == "P4R":
            return _P4R, Decimal(0)
        return self.rate(i, "quality", scale)

    def track(self, i: int) -> tuple[Track | None, str]:
        if self.cols["track"] is not None:
            value = self.raw(i, "track")
            if value is None:
                return None, "Current_Track"
            word = re.sub(r"[\s_]|BASIC|LEVEL|TRACK", "", value.upper())
            if word not in _TRACK_WORDS:
                self._bad(i, "track", value, "a track (expected A-E, EN, 1, 2, 3 or 1+)")
                return None, ""
            return _TRACK_WORDS[word], ""
        chosen = [track for name, track in _TRACK_FLAGS if self.cols[name] is not None and self.flag(i, name)]
        if len(chosen) != 1:
            return None, "the track flags (exactly one of them must be 1)"
        return chosen[0], ""

    def parse_row(self, i: int, scale: dict[str, Decimal]) -> dict:
        aco = self.raw(i, "aco_id") if self.cols["aco_id"] is not None else None
        if aco is None and self.cols["aco_name"] is not None:
            aco = self.raw(i, "aco_name")
        track, track_missing = self.track(i)
        category = (self.raw(i, "revenue_category") or "").lower()
        quality, quality_half = self.quality(i, scale["quality"])
        rates = {name: self.rate(i, name, scale[name]) for name in ("msr", "max_share", "fsr", "loss_rate")}
        return {
            "aco": aco or "",
            "year": self.stated_year(i),
            "track": track,
            "track_missing": track_missing,
            "n_ab": self.count(i, "n_ab"),
            "benchmark": self.dollars(i, "benchmark"),
            "expenditure": self.dollars(i, "expenditure"),
            "gross": self.dollars(i, "gross"),
            "msr": rates["msr"][0],
            "msr_half": rates["msr"][1],
            "generated": self.dollars(i, "generated"),
            "earned": self.dollars(i, "earned"),
            "disaster": self.dollars(i, "disaster"),
            "quality": quality,
            "quality_half": quality_half,
            "quality_text": self.raw(i, "quality"),
            "met_qps": self.flag(i, "met_qps"),
            "met_alt": self.flag(i, "met_alt"),
            "first_year": self.flag(i, "first_year"),
            "low_revenue": category.startswith("low"),
            "revenue_category": self.raw(i, "revenue_category"),
            "rev_loss_limit": self.flag(i, "rev_loss_limit"),
            "start": self.date_year(i, "start"),
            "initial_start": self.date_year(i, "initial_start"),
            "agreement_period": self.count(i, "agreement_period"),
            "max_share": rates["max_share"][0],
            "fsr": rates["fsr"][0],
            "fsr_half": rates["fsr"][1],
            "loss_rate": rates["loss_rate"][0],
            "loss_rate_half": rates["loss_rate"][1],
            "guardrail": self.flag(i, "guardrail"),
            "reduced_ss": self.flag(i, "reduced_ss"),
        }


def _reconcile_row(row: int, v: dict, year: int, layout: Layout) -> ReconcileRow:
    published = v["earned"]
    track: Track | None = v["track"]
    missing = [
        label for key, label in (("n_ab", "N_AB"), ("benchmark", "ABtotBnchmk"), ("expenditure", "ABtotExp"))
        if v[key] is None
    ]
    if track is None:
        missing.append(v["track_missing"] or "Current_Track")
    if not v["aco"]:
        missing.append(f"{layout.key}/ACO_Name")
    if missing:
        return ReconcileRow(v["aco"], row, None, None, published, None, "not recomputed: missing " + ", ".join(missing),
                            track=track, status=Status.NOT_RECOMPUTED)
    assert track is not None
    try:
        aco_year = _aco_year(v, track, year)
        outcome = settle_mssp(aco_year)
    except ValueError as e:
        return ReconcileRow(v["aco"], row, None, None, published, None, f"not recomputed: {e}", track=track,
                            status=Status.NOT_RECOMPUTED)
    if published is None:
        return ReconcileRow(v["aco"], row, outcome.generated_pence, outcome.earned_pence, None, None,
                            "not compared: EarnSaveLoss is not published", track=track, status=Status.NOT_COMPARED)
    if _close(outcome.earned_pence, published):
        return ReconcileRow(v["aco"], row, outcome.generated_pence, outcome.earned_pence, published, True, "", track=track)
    status = Status.WITHIN_ROUNDING if _within_score_rounding(v, aco_year, outcome, published) else Status.DIFFERS
    step, reason, by_revenue = first_difference(v, aco_year, outcome, published, within_rounding=status == Status.WITHIN_ROUNDING)
    if by_revenue:
        status = Status.REVENUE_CAP
    return ReconcileRow(v["aco"], row, outcome.generated_pence, outcome.earned_pence, published, False, reason, by_revenue,
                        track=track, status=status, step=step)


def _close(ours: int, published: int) -> bool:
    diff = abs(ours - published)
    return diff <= MATCH_DOLLARS * 100 or Decimal(diff) <= MATCH_SHARE * abs(Decimal(published))


def _within_score_rounding(v: dict, a: AcoYear, o: MsspOutcome, published: int) -> bool:
    """CMS's amount lies between ours at the published score minus and plus half its last digit.

    Only where the score sets the sharing rate (max rate x score) and nothing else is in
    play (savings, no cap binding, not the reduced-savings rule). PY2014 prints scores to
    2 decimals (0.92 may be 0.915-0.925: +/-0.55% of the amount); later files to 4
    significant digits, where the range is narrower than the 0.02% tolerance anyway.
    """
    half = v["quality_half"]
    if (
        not half or a.quality_score is None or a.pay_for_reporting or o.gross_pence <= 0 or not o.gate_met
        or o.share.capped or o.reduced_savings or o.final_share_rate != track_rules(a.track).max_share * a.quality_score
    ):
        return False
    amounts = [
        settle_mssp(replace(a, quality_score=min(max(a.quality_score + d, Decimal(0)), Decimal(1)))).earned_pence
        for d in (-half, half)
    ]
    return min(amounts) - MATCH_DOLLARS * 100 <= published <= max(amounts) + MATCH_DOLLARS * 100


def _aco_year(v: dict, track: Track, year: int) -> AcoYear:
    """The settlement inputs of one file row; ValueError names what is missing."""
    rules = track_rules(track)
    n = v["n_ab"]
    published_msr = v["msr"]
    # Which MSR: one-sided ACOs and two-sided ones that chose "variable" use the table
    # (>= 5,000); below 5,000 CMS sets it per ACO, so the file's value is the only source.
    # The file does not say which option a two-sided ACO chose: a published MSR that is one
    # of the fixed options is that option; any other is the variable table's.
    if rules.two_sided and published_msr is not None and published_msr in FIXED_MSR_CHOICES and not (
        rules.fixed_msr_until is not None and year <= rules.fixed_msr_until
    ):
        choice: str | Decimal = published_msr
    else:
        choice = "variable"
    if choice == "variable" and n < MSR_TABLE_MIN_BENEFICIARIES and published_msr is None:
        raise ValueError("missing MinSavPerc (an ACO under 5,000 beneficiaries has an MSR set by CMS)")
    if rules.two_sided and published_msr is None and choice == "variable" and n >= MSR_TABLE_MIN_BENEFICIARIES and not (
        rules.fixed_msr_until is not None and year <= rules.fixed_msr_until
    ):
        # A two-sided ACO's option is unknown without the published MSR.
        raise ValueError("missing MinSavPerc (a two-sided ACO's MSR/MLR option is not otherwise known)")
    msr, basis = resolve_msr(track, year, choice, n, published=published_msr)
    p4r, met, score = _quality(v, year)
    regime = year_rules(year).quality
    if regime is QualityRegime.PASS_FAIL_ALTERNATIVE and not met and v["met_alt"] is None:
        raise ValueError("missing Met_AltQPS (an ACO that missed the quality standard may have met the alternative)")
    disaster = v["disaster"]
    if disaster is None and year_rules(year).phe_months and rules.two_sided and v["benchmark"] < v["expenditure"]:
        # In a public-health-emergency year every loss is reduced by an ACO-specific amount.
        raise ValueError("missing DisAdj (losses in a year of disaster adjustments)")
    return AcoYear(
        track=track,
        performance_year=year,
        benchmark_pence=v["benchmark"],
        expenditure_pence=v["expenditure"],
        msr=msr,
        mlr=msr,
        msr_basis=basis,
        beneficiaries=n,
        quality_score=score,
        met_quality_standard=met,
        met_alternative_standard=bool(v["met_alt"]),
        pay_for_reporting=p4r,
        participant_revenue_pence=None,
        revenue_based_loss_limit=v["rev_loss_limit"] is not False,
        low_revenue=v["low_revenue"],
        agreement_start_year=v["start"],
        # A reduction of losses whatever sign a file prints it with (CMS's DisAdj is <= 0).
        disaster_pence=0 if disaster is None else -abs(disaster),
    )


def _quality(v: dict, year: int) -> tuple[bool, bool, Decimal | None]:
    """(pay-for-reporting, met the quality standard, score as a fraction) from the row.

    Pay-for-reporting: ``P4R`` in QualScore, or a blank score for an ACO in the first
    performance year of its first agreement in a year that has the rule. Met: ``Met_QPS``
    where published; before it existed (PY2014-2015) an ACO failed when its published
    FinalShareRate is 0 or its score is 0 (a P4R ACO that did not report completely has a
    0 FinalShareRate and no score).
    """
    regime = year_rules(year).quality
    quality = v["quality"]
    first_agreement = v["agreement_period"]
    if first_agreement is None and v["initial_start"] is not None and v["start"] is not None:
        first_agreement = 1 if v["initial_start"] == v["start"] else 2
    has_p4r = year_rules(year).pay_for_reporting
    p4r = (
        quality == _P4R
        or (quality is None and pay_for_reporting(year, v["start"], first_agreement))
        # PY2022 on: Met_FirstYear marks the first-year reporting standard (its outcome is Met_QPS).
        or (has_p4r and v["first_year"] is True)
    )
    if quality == _P4R and not has_p4r:
        raise ValueError(f"QualScore says P4R, but performance year {year} has no pay-for-reporting year")
    # A published score is kept even for a first-year ACO: the ENHANCED loss rate and the
    # alternative standard use it in PY2022 on.
    score = quality if isinstance(quality, Decimal) else None
    met = v["met_qps"]
    if met is None:
        if regime is not QualityRegime.SCALED:
            raise ValueError("missing Met_QPS (the quality standard decides the sharing rate from 2021)")
        if not p4r and score is None:
            raise ValueError(
                "missing QualScore (and not pay-for-reporting: the agreement did not start this year)"
            )
        met = v["fsr"] != 0 and (p4r or (score is not None and score > 0))
    return p4r, met, score


def _describe_year(year: int) -> str:
    """The year's switches in words, for the report's rules line."""
    y = year_rules(year)
    quality = {
        QualityRegime.SCALED: "quality score x maximum rate",
        QualityRegime.PASS_FAIL: "quality pass/fail",
        QualityRegime.PASS_FAIL_ALTERNATIVE: "quality pass/fail or the alternative standard",
    }[y.quality]
    parts = [quality]
    parts.append(
        f"first-year ACOs pay-for-reporting ({y.pay_for_reporting_source})" if y.pay_for_reporting
        else "no pay-for-reporting year"
    )
    parts.append(f"sequestration {y.sequestration}")
    if y.phe_months:
        parts.append(f"COVID-19 emergency {y.phe_months}/12 of losses")
    return "; ".join(parts)


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)

"""CMS's per-ACO "Performance Year Financial and Quality Results" files, and reconciling them.

``reconcile(path, performance_year)`` reads a results file of any year, recomputes each
ACO's generated and earned savings or losses with ``settle.settle_mssp`` from the file's
benchmark, expenditure, beneficiaries, MSR, track and quality columns, and compares the
earned amount with CMS's published ``EarnSaveLoss``.

The files differ between years, and this reader accepts all of it:

* headers: matched case-insensitively; ``ACO_ID`` (or ``ACO_Num``), else ``ACO_Name``, keys a row;
* track: ``Current_Track`` letters (``A`` ... ``E``, ``EN``; ``1``, ``2``, ``3``, ``1+``)
  or 0/1 flags ``Current_Track_1``, ``Current_Track_2``, ``Current_Track_3``,
  ``Current_Track_1_Plus``, ``Current_BASIC_A`` ... ``Current_ENHANCED`` (older files also
  ``Track1``/``Track2``);
* rates: ``2.00%``, ``0.0200`` or ``2`` (a column's bare numbers are percentage points when
  any of them is larger than a fraction of that column could be);
* money: whole or decimal dollars, with or without ``$``, commas, or parentheses for negatives.

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
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from wholepop.errors import InputError
from wholepop.inputs.problems import Problem
from wholepop.money.mssp.rules import (
    FIXED_MSR_CHOICES,
    MSR_TABLE_MIN_BENEFICIARIES,
    QualityRegime,
    Track,
    track_rules,
    year_rules,
)
from wholepop.money.mssp.settle import AcoYear, MsspOutcome, resolve_msr, settle_mssp
from wholepop.money.pence import to_pence

__all__ = ["MATCH_DOLLARS", "MATCH_SHARE", "Reconciliation", "ReconcileRow", "reconcile", "reconcile_text"]

# CMS publishes whole dollars computed from unrounded totals, and older files round the
# quality score to 4 places: a match is within $2 or 0.02% of the published amount.
MATCH_DOLLARS = 2
MATCH_SHARE = Decimal("0.0002")

_MISSING = frozenset({"", "-", "*", ".", "na", "n/a", "nan", "null", "none", "#n/a"})

# Logical column -> accepted headers (lower case), first found wins.
_COLUMNS: dict[str, tuple[str, ...]] = {
    "aco_id": ("aco_id", "aco_num"),
    "aco_name": ("aco_name",),
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
    "fsr": ("finalsharerate",),
    "guardrail": ("guardrail",),
    "reduced_ss": ("reducedss",),
}
# Required columns, as CMS spells them.
_REQUIRED = {"n_ab": "N_AB", "benchmark": "ABtotBnchmk", "expenditure": "ABtotExp", "earned": "EarnSaveLoss"}

# The largest value a rate column can hold as a fraction; bare numbers above it mean the
# column is in percentage points (an MSR is never above 10%; 2 means 2%).
_FRACTION_MAX = {"msr": Decimal("0.1"), "quality": Decimal(1), "fsr": Decimal(1)}

_TRACK_WORDS = {
    "A": Track.BASIC_A, "B": Track.BASIC_B, "C": Track.BASIC_C, "D": Track.BASIC_D, "E": Track.BASIC_E,
    "EN": Track.ENHANCED, "ENHANCED": Track.ENHANCED,
    "1": Track.TRACK_1, "2": Track.TRACK_2, "3": Track.TRACK_3, "1+": Track.TRACK_1_PLUS, "1PLUS": Track.TRACK_1_PLUS,
}


# 0/1 track flags of the PY2013-2019 files (the Jan-Jun 2019 file also has the new tracks').
_TRACK_FLAGS = (
    ("track_1", Track.TRACK_1), ("track_2", Track.TRACK_2), ("track_3", Track.TRACK_3),
    ("track_1_plus", Track.TRACK_1_PLUS), ("basic_a", Track.BASIC_A), ("basic_b", Track.BASIC_B),
    ("basic_c", Track.BASIC_C), ("basic_d", Track.BASIC_D), ("basic_e", Track.BASIC_E),
    ("enhanced", Track.ENHANCED),
)


@dataclass(frozen=True)
class ReconcileRow:
    """One ACO's recomputation against CMS.

    Attributes:
        aco: ACO_ID, else ACO_Name.
        row: data row number (the first ACO is 1).
        generated_pence / earned_pence: ours, or None when not recomputed.
        published_earned_pence: CMS's ``EarnSaveLoss``, or None when not published.
        match: within $2 or 0.02%; None when there is nothing to compare.
        reason: why it differs or was not recomputed ("" when it matches).
        capped_by_revenue: the difference is explained by a revenue-based loss cap on
            ACO-participant revenue, which CMS does not publish.
    """

    aco: str
    row: int
    generated_pence: int | None
    earned_pence: int | None
    published_earned_pence: int | None
    match: bool | None
    reason: str
    capped_by_revenue: bool = False


@dataclass(frozen=True)
class Reconciliation:
    """The whole file's reconciliation (grain: one row per ACO row of the file)."""

    source: str
    performance_year: int
    rows: tuple[ReconcileRow, ...]

    @property
    def matched(self) -> int:
        return sum(1 for r in self.rows if r.match)

    def summary(self) -> str:
        """``N of M ACOs match CMS's published earned savings or losses``."""
        return f"{self.matched} of {len(self.rows)} ACOs match CMS's published earned savings or losses"

    def to_csv(self) -> str:
        """The per-ACO CSV: aco,row,generated_pence,earned_pence,published_earned_pence,match,reason."""
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(("aco", "row", "generated_pence", "earned_pence", "published_earned_pence", "match", "reason"))
        for r in self.rows:
            w.writerow((
                r.aco, r.row, _blank(r.generated_pence), _blank(r.earned_pence), _blank(r.published_earned_pence),
                "" if r.match is None else str(r.match).lower(), r.reason,
            ))
        return buf.getvalue()


def reconcile(path: str | Path, performance_year: int) -> Reconciliation:
    """Recompute every ACO of a CMS results file and compare with CMS's earned amounts.

    Args:
        path: the CSV (UTF-8, with or without a byte-order mark, or Windows-1252).
        performance_year: the year the file reports (2013-2024): selects the year's rules.
            The 2019 six-month files need nothing more: their totals already cover the
            six months (checked on the January-June 2019 file).

    Raises:
        InputError: the file cannot be read, lacks a required column, or has unreadable
            values (every problem listed, naming row and column).
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
    index = {h.strip().lower(): i for i, h in reversed(list(enumerate(header)))}
    cols = {name: next((index[a] for a in aliases if a in index), None) for name, aliases in _COLUMNS.items()}
    problems = [
        Problem(source, None, header_name, f"required column {header_name} is missing")
        for name, header_name in _REQUIRED.items() if cols[name] is None
    ]
    if cols["aco_id"] is None and cols["aco_name"] is None:
        problems.append(Problem(source, None, None, "neither ACO_ID nor ACO_Name is a column: rows cannot be named"))
    if cols["track"] is None and all(cols[f] is None for f, _ in _TRACK_FLAGS):
        problems.append(Problem(source, None, None, "no track column: expected Current_Track or Current_Track_1/2/3 flags"))
    if problems:
        raise InputError(tuple(problems))
    rows = [r for r in reader if any(c.strip() for c in r)]
    cells = _Cells(rows, cols, header, source)
    scale = {name: cells.rate_scale(name) for name in _FRACTION_MAX}
    parsed = [cells.parse_row(i, scale) for i in range(len(rows))]
    if cells.problems:
        raise InputError(tuple(cells.problems))
    return Reconciliation(
        source=source,
        performance_year=performance_year,
        rows=tuple(_reconcile_row(i + 1, v, performance_year) for i, v in enumerate(parsed)),
    )


class _Cells:
    """Typed access to the file's cells; unreadable values become problems."""

    def __init__(self, rows: list[list[str]], cols: dict[str, int | None], header: list[str], source: str):
        self.rows, self.cols, self.header, self.source = rows, cols, header, source
        self.problems: list[Problem] = []

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
            self._bad(i, name, self.raw(i, name) or "", "a whole number of beneficiaries")
            return None
        return int(value)

    def rate_scale(self, name: str) -> Decimal:
        """1 if the column's bare numbers are fractions, 100 if percentage points."""
        limit = _FRACTION_MAX[name]
        for i in range(len(self.rows)):
            value = self.raw(i, name)
            if value is None or value.endswith("%"):
                continue
            try:
                if abs(Decimal(value)) > limit:
                    return Decimal(100)
            except InvalidOperation:
                continue  # reported when the row is parsed
        return Decimal(1)

    def rate(self, i: int, name: str, scale: Decimal) -> Decimal | None:
        value = self.raw(i, name)
        if value is None:
            return None
        percent = value.endswith("%")
        try:
            number = Decimal(value.rstrip("%").strip())
        except InvalidOperation:
            self._bad(i, name, value, "a rate (expected e.g. 2.00%, 0.0200 or 2)")
            return None
        return number / 100 if percent else number / scale

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

    def year(self, i: int, name: str) -> int | None:
        value = self.raw(i, name)
        if value is None:
            return None
        m = re.match(r"^(\d{4})-\d{1,2}-\d{1,2}", value) or re.match(r"^\d{1,2}/\d{1,2}/(\d{2,4})\b", value)
        if m is None:
            self._bad(i, name, value, "a date (expected MM/DD/YYYY, M/D/YY or YYYY-MM-DD)")
            return None
        y = int(m.group(1))
        return y + 2000 if y < 100 else y

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
            return None, "Current_Track_1/2/3 or Current_BASIC_A..E/Current_ENHANCED (exactly one flag must be 1)"
        return chosen[0], ""

    def parse_row(self, i: int, scale: dict[str, Decimal]) -> dict:
        aco = self.raw(i, "aco_id") if self.cols["aco_id"] is not None else None
        if aco is None and self.cols["aco_name"] is not None:
            aco = self.raw(i, "aco_name")
        track, track_missing = self.track(i)
        category = (self.raw(i, "revenue_category") or "").lower()
        return {
            "aco": aco or "",
            "track": track,
            "track_missing": track_missing,
            "n_ab": self.count(i, "n_ab"),
            "benchmark": self.dollars(i, "benchmark"),
            "expenditure": self.dollars(i, "expenditure"),
            "msr": self.rate(i, "msr", scale["msr"]),
            "generated": self.dollars(i, "generated"),
            "earned": self.dollars(i, "earned"),
            "disaster": self.dollars(i, "disaster"),
            "quality": self.rate(i, "quality", scale["quality"]),
            "met_qps": self.flag(i, "met_qps"),
            "met_alt": self.flag(i, "met_alt"),
            "low_revenue": category.startswith("low"),
            "rev_loss_limit": self.flag(i, "rev_loss_limit"),
            "start": self.year(i, "start"),
            "fsr": self.rate(i, "fsr", scale["fsr"]),
            "guardrail": self.flag(i, "guardrail"),
            "reduced_ss": self.flag(i, "reduced_ss"),
        }


def _reconcile_row(row: int, v: dict, year: int) -> ReconcileRow:
    published = v["earned"]
    missing = [
        label for key, label in (("n_ab", "N_AB"), ("benchmark", "ABtotBnchmk"), ("expenditure", "ABtotExp"))
        if v[key] is None
    ]
    if v["track"] is None:
        missing.append(v["track_missing"] or "Current_Track")
    if not v["aco"]:
        missing.append("ACO_ID/ACO_Name")
    if missing:
        return ReconcileRow(v["aco"], row, None, None, published, None, "not recomputed: missing " + ", ".join(missing))
    track: Track = v["track"]
    try:
        aco_year = _aco_year(v, track, year)
        outcome = settle_mssp(aco_year)
    except ValueError as e:
        return ReconcileRow(v["aco"], row, None, None, published, None, f"not recomputed: {e}")
    if published is None:
        return ReconcileRow(v["aco"], row, outcome.generated_pence, outcome.earned_pence, None, None,
                            "not compared: EarnSaveLoss is not published")
    diff = abs(outcome.earned_pence - published)
    match = diff <= MATCH_DOLLARS * 100 or Decimal(diff) <= MATCH_SHARE * abs(Decimal(published))
    if match:
        return ReconcileRow(v["aco"], row, outcome.generated_pence, outcome.earned_pence, published, True, "")
    reason, by_revenue = _why(v, track, aco_year, outcome, published)
    return ReconcileRow(v["aco"], row, outcome.generated_pence, outcome.earned_pence, published, False, reason, by_revenue)


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
    if rules.two_sided and published_msr is None and choice == "variable" and n >= MSR_TABLE_MIN_BENEFICIARIES:
        # A two-sided ACO's option is unknown without the published MSR.
        raise ValueError("missing MinSavPerc (a two-sided ACO's MSR/MLR option is not otherwise known)")
    msr, basis = resolve_msr(track, year, choice, n, published=published_msr)
    met = v["met_qps"]
    regime = year_rules(year).quality
    if met is None:
        if regime is not QualityRegime.SCALED:
            raise ValueError("missing Met_QPS (the quality standard decides the sharing rate from 2021)")
        # Files before 2021 without Met_QPS: an ACO that failed quality reporting is
        # published with a quality score of 0 or none.
        met = v["quality"] is not None and v["quality"] > 0
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
        quality_score=v["quality"],
        met_quality_standard=met,
        met_alternative_standard=bool(v["met_alt"]),
        participant_revenue_pence=None,
        revenue_based_loss_limit=v["rev_loss_limit"] is not False,
        low_revenue=v["low_revenue"],
        agreement_start_year=v["start"],
        # A reduction of losses whatever sign a file prints it with (CMS's DisAdj is <= 0).
        disaster_pence=0 if disaster is None else -abs(disaster),
    )


def _why(v: dict, track: Track, a: AcoYear, o: MsspOutcome, published: int) -> tuple[str, bool]:
    """The most likely reason ours differs from CMS's."""
    rules = track_rules(track)
    if o.shared_pence < 0 and published <= 0 and o.loss_cap_revenue_unknown:
        cms_loss = -(published + a.disaster_pence)  # CMS's loss before the disaster reduction
        ours = -o.shared_pence
        if 0 <= cms_loss < ours and rules.loss_cap_revenue is not None:
            revenue = to_pence(Decimal(cms_loss) / rules.loss_cap_revenue)
            return (
                f"losses capped by unpublished participant revenue: CMS's loss before the disaster adjustment "
                f"${_dollars(cms_loss)} is below ours ${_dollars(ours)} (loss rate and benchmark cap only); the "
                f"{(rules.loss_cap_revenue * 100).normalize()}%-of-revenue cap implies participant revenue of ${_dollars(revenue)}",
                True,
            )
    notes = [f"ours ${_dollars(o.earned_pence)} vs CMS ${_dollars(published)}"]
    # Published MSRs are rounded (to 0.01 percentage point in recent files): flag real differences only.
    if v["msr"] is not None and abs(a.msr - v["msr"]) > Decimal("0.00005"):
        notes.append(f"MSR used {a.msr * 100:.4f}% vs published {v['msr'] * 100:.4f}%")
    if v["generated"] is not None and abs(o.generated_pence - v["generated"]) > MATCH_DOLLARS * 100:
        notes.append(f"generated ${_dollars(o.generated_pence)} vs published GenSaveLoss ${_dollars(v['generated'])}")
    if (
        o.gate_met and o.gross_pence > 0 and published > 0 and not o.share.capped and not o.reduced_savings
        and a.quality_score is not None and o.final_share_rate == rules.max_share * a.quality_score
    ):
        # Some years publish the score to 2 decimals: what score would give CMS's amount?
        implied = Decimal(published) / (Decimal(o.generated_pence) * rules.max_share * year_rules(a.performance_year).sequestration)
        if abs(implied - a.quality_score) <= Decimal("0.005"):
            notes.append(
                f"the published quality score {a.quality_score} is rounded: CMS's amount implies a score of {implied:.4f}"
            )
    if v["fsr"] is not None and o.gross_pence > 0 and abs(o.final_share_rate - v["fsr"]) > Decimal("0.0001"):
        notes.append(f"final sharing rate {o.final_share_rate * 100:.2f}% vs published {v['fsr'] * 100:.2f}%")
    if v["guardrail"]:
        notes.append("Guardrail flagged: the PY2024 benchmark guardrail is not encoded")
    if v["reduced_ss"] is not None and bool(v["reduced_ss"]) != o.reduced_savings:
        notes.append(f"ReducedSS published {int(bool(v['reduced_ss']))}, rule gives {int(o.reduced_savings)}")
    if o.loss_cap_revenue_unknown:
        notes.append("a revenue-based loss cap may bind (participant revenue is not published)")
    return "; ".join(notes), False


def _dollars(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    whole, cents = divmod(abs(pence), 100)
    return f"{sign}{whole:,}" + (f".{cents:02d}" if cents else "")


def _blank(value: int | None) -> str:
    return "" if value is None else str(value)

"""``ReportData``: the frozen value a report is drawn from.

The report never calls a stage. ``wholepop.report.gather`` (written with the CLI) runs the
stages and the ledger once and freezes their aggregates here; ``write_html`` and
``write_excel`` only read this value. Everything is already aggregated: no row is about
one person, and a row that carries a patient identifier is refused when the value is
built, so an identifier can never reach a report.

Units: money is whole pence (``*_pence`` ``int``) or exact ``Decimal``; counts of people
are ``int`` and are disclosed only when drawn (:mod:`wholepop.report.disclosure`);
shares are ``Decimal`` fractions in [0, 1].

Each collection field accepts a sequence of its row type *or* of plain mappings with the
same keys (e.g. ``table.to_pylist()``), and is stored as a tuple of row values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from wholepop.money.pence import D
from wholepop.money.statement import Statement
from wholepop.vocab import Form, Segment, Service, Sex

__all__ = [
    "ContractSummary",
    "ProjectionSummary",
    "ProjectionYear",
    "DataQuality",
    "HubRow",
    "InputFile",
    "LedgerVersion",
    "LorenzPoint",
    "Concentration",
    "PyramidRow",
    "ReportData",
    "SegmentRow",
    "ServiceRow",
]

# Keys that would carry a person's identity; refused anywhere in a ReportData.
_IDENTIFYING = ("patient", "nhs_number", "person_id")


@dataclass(frozen=True)
class ContractSummary:
    """The contract at a glance: ``[contract]`` of the contract file."""

    name: str
    form: Form
    start_year: int
    term_years: int
    baseline_year: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "form", Form(self.form))


@dataclass(frozen=True)
class HubRow:
    """One hub in the report year. ``person_months``: registered person-months (people x 12)."""

    hub: str
    person_months: int
    weighted_population: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "weighted_population", D(self.weighted_population))


@dataclass(frozen=True)
class PyramidRow:
    """People registered in the report year by age band and sex (a count: disclosed)."""

    age_band: str
    sex: Sex
    people: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "sex", Sex(self.sex))


@dataclass(frozen=True)
class SegmentRow:
    """A care-model segment in the report year: people (disclosed) and their spend."""

    segment: Segment
    people: int
    spend_pence: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "segment", Segment(self.segment))


@dataclass(frozen=True)
class Concentration:
    """Share of spend of the costliest 1, 2, 5 and 20 per cent of people."""

    top_1: Decimal
    top_2: Decimal
    top_5: Decimal
    top_20: Decimal

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, D(getattr(self, f.name)))


@dataclass(frozen=True)
class LorenzPoint:
    """One point of the cost-concentration curve (people sorted by spend, costliest first)."""

    population_share: Decimal
    spend_share: Decimal

    def __post_init__(self) -> None:
        object.__setattr__(self, "population_share", D(self.population_share))
        object.__setattr__(self, "spend_share", D(self.spend_share))


@dataclass(frozen=True)
class ServiceRow:
    """Spend per weighted head on one service line, report year and baseline year."""

    service: Service
    spend_per_head_pence: int
    baseline_spend_per_head_pence: int

    def __post_init__(self) -> None:
        object.__setattr__(self, "service", Service(self.service))


@dataclass(frozen=True)
class LedgerVersion:
    """One version of a settled year in the ledger."""

    contract: str
    year: int
    version: int
    status: str
    created_at: str
    reason: str


@dataclass(frozen=True)
class StaleYearRow:
    """A settled year whose recorded input hashes differ from the inputs read for the report."""

    year: int
    version: int
    changed: str  # the input tables that changed, comma-separated


@dataclass(frozen=True)
class InputFile:
    """One input file the settlement read, with its SHA-256."""

    table: str
    file: str
    sha256: str


@dataclass(frozen=True)
class DataQuality:
    """Data quality of the report year.

    Attributes:
        unattributed_rows: activity rows not attributed to a registered person (events: disclosed).
        unattributed_cost_pence: their cost.
        warnings: warning lines from ``wholepop check`` (they name rows, never identifiers).
    """

    unattributed_rows: int
    unattributed_cost_pence: int
    warnings: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        object.__setattr__(self, "warnings", tuple(self.warnings))


def _rows(owner: str, cls: type, items: Sequence[Any]) -> tuple[Any, ...]:
    """Coerce mappings to ``cls`` rows, refusing identifying or unknown keys with their place."""
    names = {f.name for f in fields(cls)}
    out = []
    for i, item in enumerate(items, start=1):
        if isinstance(item, cls):
            out.append(item)
            continue
        if not isinstance(item, Mapping):
            raise TypeError(f"ReportData.{owner} row {i}: expected {cls.__name__} or a mapping, got {type(item).__name__}")
        for key in item:
            if any(marker in str(key).lower() for marker in _IDENTIFYING):
                raise ValueError(
                    f"ReportData.{owner} row {i} column {key}: patient identifiers never enter a report"
                )
        unknown = sorted(set(item) - names)
        required = {f.name for f in fields(cls) if f.default is MISSING and f.default_factory is MISSING}
        missing = sorted(required - set(item))
        if unknown or missing:
            raise ValueError(
                f"ReportData.{owner} row {i}: "
                + "; ".join(
                    part
                    for part in (
                        f"unexpected columns {', '.join(unknown)}" if unknown else "",
                        f"missing columns {', '.join(missing)}" if missing else "",
                    )
                    if part
                )
            )
        out.append(cls(**item))
    return tuple(out)


def _one(owner: str, cls: type, item: Any) -> Any:
    return _rows(owner, cls, (item,))[0]


@dataclass(frozen=True)
class ProjectionYear:
    """One projected year: people (a count: disclosed), money, the provider's position fan."""

    year: int
    people: int
    budget_pence: int
    acute_target_pence: int
    lever_cost_pence: int
    provider_p10_pence: int
    provider_p50_pence: int
    provider_p90_pence: int
    settled: bool = False
    cumulative_p10_pence: int = 0
    cumulative_p50_pence: int = 0
    cumulative_p90_pence: int = 0


@dataclass(frozen=True)
class SensitivityRow:
    """One assumption moved down and up: positions summed over the term (``project --sensitivity``)."""

    name: str
    low: str
    high: str
    provider_low_pence: int
    provider_high_pence: int
    commissioner_low_pence: int
    commissioner_high_pence: int


@dataclass(frozen=True)
class ProjectionSummary:
    """A projection of the contract term (the JSON of ``wholepop project --json``).

    ``headlines`` is the JSON's ``headlines`` object (see ``projection.summary.headlines``),
    empty for a projection written before it existed; ``sensitivity`` is empty unless the
    projection ran ``--sensitivity``.
    """

    scenario: str
    runs: int
    years: tuple[ProjectionYear, ...]
    roi: Decimal | None
    npv_pence: int
    p_loss_cap: Decimal
    headlines: Mapping[str, Any] = field(default_factory=dict)
    sensitivity: tuple[SensitivityRow, ...] = ()
    provider_base_pence: int = 0
    commissioner_base_pence: int = 0
    discount_rate: Decimal | None = None  # the scenario's NPV discount rate (None: not recorded)

    def __post_init__(self) -> None:
        object.__setattr__(self, "years", _rows("projection.years", ProjectionYear, self.years))
        object.__setattr__(self, "sensitivity", _rows("projection.sensitivity", SensitivityRow, self.sensitivity))
        object.__setattr__(self, "roi", None if self.roi is None else D(self.roi))
        object.__setattr__(self, "p_loss_cap", D(self.p_loss_cap))
        object.__setattr__(self, "headlines", MappingProxyType(dict(self.headlines)))

    @property
    def settled_years(self) -> tuple[int, ...]:
        return tuple(y.year for y in self.years if y.settled)

    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> ProjectionSummary:
        """From the document ``wholepop project --json`` writes."""
        sens = doc.get("sensitivity") or {}
        cum = lambda y, q: int(y.get("cumulative_provider_position_pence", {}).get(q, 0))  # noqa: E731
        return cls(
            scenario=doc["scenario"],
            runs=int(doc["runs"]),
            years=tuple(
                ProjectionYear(
                    year=int(y["year"]), people=int(y["people"]), budget_pence=int(y["budget_pence"]),
                    acute_target_pence=int(y["acute_target_pence"]), lever_cost_pence=int(y["lever_cost_pence"]),
                    provider_p10_pence=int(y["provider_position_pence"]["p10"]),
                    provider_p50_pence=int(y["provider_position_pence"]["p50"]),
                    provider_p90_pence=int(y["provider_position_pence"]["p90"]),
                    settled=bool(y.get("settled", False)),
                    cumulative_p10_pence=cum(y, "p10"), cumulative_p50_pence=cum(y, "p50"), cumulative_p90_pence=cum(y, "p90"),
                )
                for y in doc["years"]
            ),
            roi=None if doc.get("roi") is None else D(str(doc["roi"])),
            npv_pence=int(doc["npv_pence"]),
            p_loss_cap=D(str(doc["p_loss_cap"])),
            headlines=doc.get("headlines") or {},
            sensitivity=tuple(
                SensitivityRow(
                    name=r["name"], low=r["low"], high=r["high"],
                    provider_low_pence=int(r["provider_low_pence"]), provider_high_pence=int(r["provider_high_pence"]),
                    commissioner_low_pence=int(r["commissioner_low_pence"]), commissioner_high_pence=int(r["commissioner_high_pence"]),
                )
                for r in sens.get("rows", ())
            ),
            provider_base_pence=int(sens.get("provider_base_pence", 0)),
            commissioner_base_pence=int(sens.get("commissioner_base_pence", 0)),
            discount_rate=None if doc.get("discount_rate") is None else D(str(doc["discount_rate"])),
        )


@dataclass(frozen=True)
class ReportData:
    """Everything the report sections need, as plain frozen values.

    Attributes:
        contract: the contract summary.
        year: the contract year the population, segment and service sections describe.
        practices: number of member practices in ``year`` (not a count of people).
        hubs: one row per hub in ``year``.
        pyramid: one row per (age_band, sex) in ``year``; age bands in display order.
        segments: one row per care-model segment in ``year``.
        concentration: top-N per cent spend shares in ``year``.
        lorenz: the cost-concentration curve, population_share ascending from 0 to 1.
        services: one row per service line.
        statements: every settled year (latest ledger version), ascending by year.
        ledger: every ledger version of this contract.
        inputs: the input files of the settlement of ``year`` with hashes.
        quality: data quality of ``year``.
        restricted: unrounded counts (internal use; every page/sheet stamped).
        projection: the projection of the contract term, if one was given.
        stale_years: settled years whose recorded input hashes differ from the inputs now.
        ledger_head: the ledger chain's head when the report was gathered.
    """

    contract: ContractSummary
    year: int
    practices: int
    hubs: tuple[HubRow, ...]
    pyramid: tuple[PyramidRow, ...]
    segments: tuple[SegmentRow, ...]
    concentration: Concentration
    lorenz: tuple[LorenzPoint, ...]
    services: tuple[ServiceRow, ...]
    statements: tuple[Statement, ...]
    ledger: tuple[LedgerVersion, ...] = ()
    inputs: tuple[InputFile, ...] = ()
    quality: DataQuality = field(default_factory=lambda: DataQuality(0, 0))
    restricted: bool = False
    projection: ProjectionSummary | None = None
    stale_years: tuple[StaleYearRow, ...] = ()
    ledger_head: str = ""

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("contract", _one("contract", ContractSummary, self.contract))
        set_("concentration", _one("concentration", Concentration, self.concentration))
        set_("quality", _one("quality", DataQuality, self.quality))
        for name, cls in (
            ("hubs", HubRow),
            ("pyramid", PyramidRow),
            ("segments", SegmentRow),
            ("lorenz", LorenzPoint),
            ("services", ServiceRow),
            ("ledger", LedgerVersion),
            ("inputs", InputFile),
            ("stale_years", StaleYearRow),
        ):
            set_(name, _rows(name, cls, getattr(self, name)))
        statements = tuple(self.statements)
        for i, s in enumerate(statements, start=1):
            if not isinstance(s, Statement):
                raise TypeError(f"ReportData.statements row {i}: expected a Statement, got {type(s).__name__}")
        years = [s.year for s in statements]
        if len(set(years)) != len(years):
            raise ValueError(f"ReportData.statements: one statement per year expected, got years {years}")
        set_("statements", tuple(sorted(statements, key=lambda s: s.year)))

    @property
    def statement(self) -> Statement | None:
        """The statement of ``year`` if it is settled, else the latest settled one."""
        for s in self.statements:
            if s.year == self.year:
                return s
        return self.statements[-1] if self.statements else None

    @property
    def weighted_population(self) -> Decimal:
        """The weighted population of ``year``: the sum over hubs."""
        return sum((h.weighted_population for h in self.hubs), Decimal(0))

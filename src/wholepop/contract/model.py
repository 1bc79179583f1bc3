"""The contract file as immutable, validated values (DESIGN section 4).

Numbers are parsed as ``Decimal`` (``tomllib.load(parse_float=Decimal)``) so ``0.032``
is never a float. Every model is frozen; collections are tuples. Cross-field rules live
in ``Contract``'s validator so that each error can name its key path.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from wholepop.vocab import ACUTE, RATE_METRICS, RULES_OF, Form, NeedWeighting, Service, WeightComponent

__all__ = [
    "AcutePayment",
    "Band",
    "BudgetTerms",
    "Contingency",
    "Contract",
    "ContractTerms",
    "CoverageTerms",
    "Deficit",
    "DeficitPart",
    "Funder",
    "HistoricDeficit",
    "Metric",
    "Performance",
    "Provider",
    "RiskShare",
    "Scope",
    "SegmentTerms",
    "SystemShare",
]

# The seeds' range of an MCP term, and plausible yearly rates (warnings, not errors):
# funding growth per weighted head and the efficiency requirement of NHS planning rounds.
TERM_YEARS = (10, 15)
PLAUSIBLE_RATES = {"uplift": (Decimal("-0.02"), Decimal("0.06")), "efficiency": (Decimal("0"), Decimal("0.04"))}
# The largest amount or threshold a contract may state: £1tn (10**12), far below what
# whole pence in 64 bits and Decimal's 28 digits hold, so no sum of them can overflow.
MAX_POUNDS = Decimal(10**12)

Fraction = Annotated[Decimal, Field(ge=0, le=1)]
Rate = Annotated[Decimal, Field(ge=-1, le=1)]


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ContractTerms(_Frozen):
    """``[contract]``: who, which form, and when."""

    name: str
    # A stable id the ledger keys settlements on, so renaming the contract keeps its
    # history; without one the name serves as the id (settle warns). Letters, digits, . _ -
    id: Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$")] | None = None
    form: Form
    start_year: Annotated[int, Field(ge=2000, le=2100)]
    term_years: Annotated[int, Field(ge=1, le=30)] = 15
    baseline_year: Annotated[int, Field(ge=2000, le=2100)]
    min_population: Annotated[int, Field(ge=0, le=10**9)] = 100_000
    exit_window_years: Annotated[int, Field(ge=1, le=30)] = 2
    exit_notice_months: Annotated[int, Field(ge=0, le=120)] = 12

    @property
    def years(self) -> tuple[int, ...]:
        """The contract years, first to last."""
        return tuple(range(self.start_year, self.start_year + self.term_years))


class Scope(_Frozen):
    """``[scope]``: service lines inside the whole-population budget."""

    services: tuple[Service, ...] = ()


class BudgetTerms(_Frozen):
    """``[budget]``: how the whole-population budget grows from the baseline.

    ``uplift`` is growth in funding *per weighted head* (population growth enters the
    budget through the weighted population, so it must not be in ``uplift`` too: from an
    ICB's allocation growth a, and its weighted population growth p, uplift = (1 + a) /
    (1 + p) - 1). ``efficiency`` is the efficiency requirement. Each is one rate for every
    year, or a list with one rate per year after the baseline year (element 0 =
    baseline_year + 1).
    """

    uplift: Rate | tuple[Rate, ...] = Decimal("0")
    efficiency: Rate | tuple[Rate, ...] = Decimal("0")
    need_weighting: NeedWeighting = NeedWeighting.AGE_SEX
    unregistered: Literal["baseline", "none"] = "baseline"
    # need_weighting = "components": a line's component, overriding money.components.DEFAULT_COMPONENTS
    components: dict[Service, WeightComponent] = Field(default_factory=dict)

    def rate(self, which: Literal["uplift", "efficiency"], year_index: int) -> Decimal:
        """The uplift or efficiency rate for the ``year_index``-th year after the baseline."""
        value = getattr(self, which)
        if isinstance(value, tuple):
            return value[year_index] if year_index < len(value) else value[-1]
        return value


class Metric(_Frozen):
    """One metric of the performance element.

    Achievement is 0 at or beyond ``lower`` and 1 at or beyond ``upper``, linear between;
    ``upper < lower`` means lower values are better.
    """

    id: str
    weight: Fraction
    lower: Decimal
    upper: Decimal
    gateway: bool = False
    # "age_sex": a rate metric scored as an indirectly standardised ratio (observed /
    # expected x 100, the baseline's own age-sex rates giving the expected count); the
    # thresholds are then set on the ratio (wholepop.money.performance).
    standardise: Literal["none", "age_sex"] = "none"

    @model_validator(mode="after")
    def _distinct_thresholds(self) -> Metric:
        if self.lower == self.upper:
            raise ValueError("lower and upper thresholds must differ")
        if self.standardise == "age_sex" and self.id not in RATE_METRICS:
            raise ValueError(
                f"standardise = \"age_sex\" applies to the rate metrics ({', '.join(RATE_METRICS)}), not {self.id!r}"
            )
        return self


class Performance(_Frozen):
    """``[performance]``: the improvement payment scheme."""

    share: Fraction = Decimal("0")
    mode: Literal["withhold", "bonus"] = "withhold"
    metrics: tuple[Metric, ...] = ()


class Band(_Frozen):
    """A band of the risk share: variance up to ``upto`` x target shared at ``provider_share``."""

    upto: Annotated[Decimal, Field(gt=0)]
    provider_share: Fraction


class _ShareTerms(_Frozen):
    target_growth: Rate = Decimal("0")
    corridor: Fraction = Decimal("0")
    first_pound: bool = True
    bands: tuple[Band, ...] = (Band(upto=Decimal(1), provider_share=Decimal("0.5")),)
    gain_bands: tuple[Band, ...] | None = None  # gains, when they differ from ``bands``
    loss_bands: tuple[Band, ...] | None = None  # losses, when they differ from ``bands``
    cap_gain: Fraction | None = None
    cap_loss: Fraction | None = None
    quality_gate: Fraction = Decimal("0")
    scale_gains_by_achievement: bool = True  # False: the gate applies, gains are not scaled
    parties: dict[str, Fraction] = Field(default_factory=lambda: {"commissioner": Decimal(1)})

    @property
    def gains(self) -> tuple[Band, ...]:
        return self.gain_bands or self.bands

    @property
    def losses(self) -> tuple[Band, ...]:
        return self.loss_bands or self.bands


class RiskShare(_ShareTerms):
    """``[risk_share]``: the acute gain/risk share against a target."""

    basis: tuple[Service, ...] = ACUTE


class SystemShare(_ShareTerms):
    """``[system_share]``: a ``pacs`` hands part of its surplus or deficit back to the commissioner.

    variance = the year's budget - the year's in-scope spend; the provider keeps (or
    bears) its share through the corridor, bands and caps, and the rest is a payable
    adjustment with the commissioner. ``target_growth`` no longer applies (the budget is
    the target): it is accepted with a warning. Gains are scaled by performance
    achievement only when ``scale_gains_by_achievement`` is set explicitly.
    """

    scale_gains_by_achievement: bool = False


class AcutePayment(_Frozen):
    """``[acute_payment]``: how the commissioner pays the acute trusts outside the budget.

    ``basis = "activity"`` (the default): activity x cost, as the costing holds it.
    ``basis = "api"``: the 2025/26 NHS Payment Scheme's aligned payment and incentive. The
    ``fixed`` lines are paid as a fixed element set before the year (by default the
    population's baseline spend on them x ((1 + cost_uplift) x (1 - efficiency_factor))
    per year after the baseline, or ``fixed_pounds`` if agreed), whatever the activity;
    the ``variable`` lines at unit prices (the costing's national prices) x the market
    forces factor. ``money.acute_payment`` holds the rule; docs/contracts.md its sources.
    """

    basis: Literal["activity", "api"] = "activity"
    fixed: tuple[Service, ...] = (Service.EMERGENCY_ADMISSION, Service.AE, Service.OUTPATIENT)
    variable: tuple[Service, ...] = (Service.ELECTIVE, Service.DAY_CASE)
    # NHS Payment Scheme 2023/24: cost uplift factor 2.9%, efficiency factor 1.1%, the pair the
    # default scenario's cost trend and the presets' uplift, efficiency and target growth use,
    # so the fixed element grows as the acute lines' costs do (1.77% a year). For 2025/26 put
    # that year's (cost uplift 4.15% as published, 4.83% with the pay award prices of June
    # 2025; its efficiency factor from Annex DpD). Market forces factor: the trust's own.
    cost_uplift: Rate = Decimal("0.029")
    efficiency_factor: Rate = Decimal("0.011")
    market_forces_factor: Annotated[Decimal, Field(gt=0, le=2)] = Decimal("1")
    fixed_pounds: Annotated[Decimal, Field(ge=0)] | None = None  # an agreed fixed element, every year


class Funder(_Frozen):
    """``[[funders]]``: one body funding part of the budget (issue 17 item 4).

    The first funder is the commissioner (the ICB): it funds every line no other funder
    lists, runs the performance element, and is the ``commissioner`` party of the shares
    on its lines. Another funder (a local authority pooling social care and public
    health) funds the lines it lists, grows them by its own ``uplift``/``efficiency``
    (default: ``[budget]``'s), keeps its own reserve at ``contingency`` (default:
    ``[contingency] rate``), and is the counter-party, under its ``name``, of the
    variance on its own lines. ``money.funders`` holds the rules.
    """

    name: str
    lines: tuple[Service, ...] = ()
    uplift: Rate | tuple[Rate, ...] | None = None
    efficiency: Rate | tuple[Rate, ...] | None = None
    contingency: Fraction | None = None


class Contingency(_Frozen):
    """``[contingency]``: the commissioner's reserve.

    ``rate`` x the base: ``"budget"`` (the year's budget) or ``"population_spend"`` (the
    population's baseline spend on every line the commissioner funds, grown like the
    acute target). Zero where the provider holds all of the utilisation risk on the
    lines the commissioner funds (``commissioner_funds``; social care and public health
    are the local authority's by default).
    """

    rate: Fraction = Decimal("0.005")
    base: Literal["budget", "population_spend"] = "budget"
    commissioner_funds: tuple[Service, ...] = tuple(
        s for s in Service if s not in (Service.SOCIAL_CARE, Service.PUBLIC_HEALTH)
    )


class DeficitPart(_Frozen):
    """One part of a transferred deficit: ``share`` of ``amount`` pounds is the provider's."""

    amount: Annotated[Decimal, Field(ge=0, le=MAX_POUNDS)]  # pounds
    share: Fraction = Decimal("1")


class HistoricDeficit(DeficitPart):
    """A historic deficit, repaid in equal parts over ``years``."""

    years: Annotated[int, Field(ge=1, le=100)]
    first_year: int | None = None  # default: the contract's start year


class Deficit(_Frozen):
    """``[deficit]``: a deficit transferred from a trust: the provider's liability to a creditor.

    Never deducted from what the commissioner pays. ``recurrent``: the same nominal
    amount in every contract year; ``historic``: repaid in equal parts over its
    ``years``. The older form ``amount``, ``years``, ``first_year`` is a historic part.
    """

    creditor: str = "the transferring trust's lender"
    recurrent: DeficitPart | None = None
    historic: HistoricDeficit | None = None
    amount: Annotated[Decimal, Field(ge=0, le=MAX_POUNDS)] | None = None  # pounds (older form: historic)
    years: Annotated[int, Field(ge=1, le=100)] | None = None
    first_year: int | None = None

    @property
    def historic_part(self) -> HistoricDeficit | None:
        if self.historic is not None:
            return self.historic
        if self.amount is not None and self.years is not None:
            return HistoricDeficit(amount=self.amount, years=self.years, first_year=self.first_year)
        return None


Pounds = Annotated[Decimal, Field(ge=0)]


class Provider(_Frozen):
    """``[provider]``: the organisation holding the contract and its capacity to bear risk.

    Shared with the organisational rules of other issues; the projection reads
    ``reserves`` (what the provider can lose over the term before it is insolvent) and
    ``working_capital`` (cash to meet costs ahead of the monthly instalments), in pounds.
    """

    organisation: Literal[
        "nhs_trust", "foundation_trust", "community_interest_company", "limited_company", "llp", "partnership"
    ] | None = None
    reserves: Pounds | None = None
    working_capital: Pounds | None = None


class CoverageTerms(_Frozen):
    """``[coverage]``: when the data is judged to cover a month (``wholepop.inputs.coverage``).

    A month with no activity on a service line is a gap (the year cannot be settled) when
    the baseline had at least ``min_rows`` rows of that line in the same month; below it
    the month cannot be judged (small folders are sparse by nature).
    """

    min_rows: Annotated[int, Field(ge=1)] = 30


class SegmentTerms(_Frozen):
    """``[segments]``: the care-model segmentation and its transparent need score."""

    extensive_care_share: Fraction = Decimal("0.02")
    weight_age_per_decade: Decimal = Decimal("0.5")
    weight_condition: Decimal = Decimal("1.0")
    weight_frailty_moderate: Decimal = Decimal("1.5")
    weight_frailty_severe: Decimal = Decimal("3.0")
    weight_prior_emergency_admission: Decimal = Decimal("1.5")
    weight_prior_spend_per_1000_pounds: Decimal = Decimal("0.25")


class Contract(_Frozen):
    """A whole contract file: every section validated, cross-field rules checked."""

    contract: ContractTerms
    scope: Scope = Scope()
    budget: BudgetTerms = BudgetTerms()
    performance: Performance = Performance()
    risk_share: RiskShare | None = None
    system_share: SystemShare | None = None
    acute_payment: AcutePayment = AcutePayment()
    funders: tuple[Funder, ...] = ()
    contingency: Contingency = Contingency()
    deficit: Deficit | None = None
    provider: Provider | None = None
    segments: SegmentTerms = SegmentTerms()
    coverage: CoverageTerms = CoverageTerms()
    # The ACO preset's MSSP terms; validated by wholepop.money.mssp (kept loose here so
    # the English forms do not depend on the US rules).
    mssp: dict[str, object] | None = None

    @property
    def form(self) -> Form:
        return self.contract.form

    @property
    def rules_form(self) -> Form:
        """The form whose money rules apply: today's forms follow an earlier one
        (``vocab.RULES_OF``: snp, mnp and lco as ``full``, iho as ``pacs``)."""
        return RULES_OF.get(self.form, self.form)

    @property
    def name(self) -> str:
        return self.contract.name

    @property
    def id(self) -> str:
        """The ledger's key for this contract: ``[contract] id``, or the name if it has none."""
        return self.contract.id or self.contract.name

    @property
    def budget_services(self) -> tuple[Service, ...]:
        """Service lines inside the budget (``pacs`` and ``iho`` add the acute lines)."""
        if self.form is Form.VIRTUAL:
            return ()
        services = tuple(self.scope.services)
        if self.rules_form is Form.PACS:
            services += tuple(s for s in ACUTE if s not in services)
        return services

    def warnings(self) -> tuple[tuple[str, str], ...]:
        """(key path, message) for terms that load but a reader should look at again:
        keys that no longer apply, and values outside the range the MCP seeds describe."""
        out: list[tuple[str, str]] = []
        if self.system_share is not None and "target_growth" in self.system_share.model_fields_set:
            out.append(("system_share.target_growth",
                        "no longer applies: a pacs system share compares the year's budget with its in-scope spend (ignored)"))
        if self.form is not Form.ACO and not TERM_YEARS[0] <= self.contract.term_years <= TERM_YEARS[1]:
            out.append(("contract.term_years",
                        f"{self.contract.term_years} years is outside the {TERM_YEARS[0]}-{TERM_YEARS[1]} years MCP contracts run"))
        for key, (lo, hi) in PLAUSIBLE_RATES.items():
            value = getattr(self.budget, key)
            for i, rate in enumerate(value if isinstance(value, tuple) else (value,)):
                if not lo <= rate <= hi:
                    where = f"budget.{key}" + (f"[{i}]" if isinstance(value, tuple) else "")
                    out.append((where, f"{rate} is outside the plausible range {lo} to {hi} a year"
                                       + (" (uplift is growth per weighted head, population growth excluded)" if key == "uplift" else "")))
        shared = set(self.risk_share.basis) if self.risk_share is not None else set()
        for i, f in enumerate(self.funders[1:], start=1):
            for j, line in enumerate(f.lines):
                if line not in self.budget_services and line not in shared:
                    out.append((f"funders[{i}].lines[{j}]",
                                f"{line.value!r} is neither in the budget nor in a share: {f.name} pays nothing for it"))
        out.extend(organisation_warnings(self))
        return tuple(out)

    def _funder_errors(self) -> list[str]:
        errors = []
        names = [f.name for f in self.funders]
        claimed: dict[Service, int] = {}
        for i, f in enumerate(self.funders):
            if names.index(f.name) != i:
                errors.append(f"funders[{i}].name: {f.name!r} is listed twice")
            if i > 0 and f.name in ("commissioner", "provider", "acute_provider"):
                errors.append(f"funders[{i}].name: {f.name!r} is a party of the shares already; name the body")
            for j, line in enumerate(f.lines):
                if line in claimed:
                    errors.append(f"funders[{i}].lines[{j}]: {line.value!r} is funded by funders[{claimed[line]}] too")
                claimed.setdefault(line, i)
            if i > 0 and not f.lines:
                errors.append(f"funders[{i}].lines: a funder after the first funds only the lines it lists")
            for key in ("uplift", "efficiency"):
                value = getattr(f, key)
                if i == 0 and value is not None:
                    errors.append(f"funders[0].{key}: the first funder (the commissioner) grows by [budget].{key}")
                if isinstance(value, tuple) and not value:
                    errors.append(f"funders[{i}].{key}: give at least one rate")
        if len(self.funders) > 1 and self.form in (Form.VIRTUAL, Form.ACO):
            errors.append(f"funders: a {self.form.value} contract has no budget to pool; one funder only")
        if len(self.funders) > 1 and self.contingency.base == "population_spend":
            errors.append('contingency.base: "population_spend" is not built for several funders; use "budget"')
        return errors

    def _acute_payment_errors(self) -> list[str]:
        ap = self.acute_payment
        if ap.basis != "api":
            return []
        errors = []
        inside = set(self.budget_services)
        for key in ("fixed", "variable"):
            for i, s in enumerate(getattr(ap, key)):
                if s in inside:
                    errors.append(
                        f"acute_payment.{key}[{i}]: {s.value!r} is inside the {self.form.value} budget; the acute payment "
                        "applies only to trusts outside it (a pacs's or iho's acute lines are its own)"
                    )
                elif key == "variable" and s in ap.fixed:
                    errors.append(f"acute_payment.variable[{i}]: {s.value!r} is also a fixed line")
        if self.risk_share is not None:
            paid = set(ap.fixed) | set(ap.variable)
            for i, s in enumerate(self.risk_share.basis):
                if s not in paid:
                    errors.append(
                        f"risk_share.basis[{i}]: {s.value!r} is neither a fixed nor a variable line of [acute_payment]"
                    )
        return errors

    @model_validator(mode="after")
    def _cross_field_rules(self) -> Contract:
        errors: list[str] = []
        c = self.contract
        if c.baseline_year >= c.start_year:
            errors.append(
                f"contract.baseline_year: must be before start_year ({c.start_year}), got {c.baseline_year}"
            )
        if self.form is Form.VIRTUAL and self.scope.services:
            errors.append("scope.services: a virtual contract has no budget, so no budget scope")
        for name, share in (("risk_share", self.risk_share), ("system_share", self.system_share)):
            if share is not None:
                errors.extend(_share_errors(name, share))
        metrics = self.performance.metrics
        if metrics:
            total = sum((m.weight for m in metrics), Decimal(0))
            if total != 1:
                errors.append(f"performance.metrics: weights must sum to 1, got {total}")
            ids = [m.id for m in metrics]
            for i, m in enumerate(metrics):
                if ids.index(m.id) != i:
                    errors.append(f"performance.metrics[{i}].id: {m.id!r} is listed twice")
        if self.risk_share is not None:
            scoped = set(self.budget_services)
            for i, s in enumerate(self.risk_share.basis):
                if s in scoped:
                    where = f" (a {self.form.value} holds the acute lines inside its budget)" if self.rules_form is Form.PACS else ""
                    errors.append(
                        f"risk_share.basis[{i}]: {s.value!r} is inside the budget scope{where}; "
                        "a service cannot be both in scope and in the risk share"
                    )
        if self.system_share is not None:
            if self.rules_form is not Form.PACS:
                errors.append("system_share: only a pacs or iho contract takes a system-wide share")
            for party in self.system_share.parties:
                if party != "commissioner":
                    errors.append(
                        f"system_share.parties.{party}: a pacs shares its surplus or deficit with the "
                        "commissioner only (its acute lines are inside its budget)"
                    )
        errors.extend(self._acute_payment_errors())
        errors.extend(self._funder_errors())
        for line, comp in self.budget.components.items():
            if comp is WeightComponent.REGISTERED:
                errors.append(f"budget.components.{line.value}: 'registered' is the unweighted list, not a need component")
        if self.budget.components and self.budget.need_weighting is not NeedWeighting.COMPONENTS:
            errors.append('budget.components: applies only with need_weighting = "components"')
        if self.form is Form.SNP and self.risk_share is not None:
            errors.append(
                "risk_share: a single neighbourhood provider (snp) takes no acute gain/risk share "
                "(its neighbourhood team's budget is primary medical and community care; use form = \"mnp\")"
            )
        if self.form is Form.PARTIAL and Service.PRIMARY_MEDICAL in self.scope.services:
            errors.append(
                "scope.services: 'primary_medical' cannot be in a partial contract's scope "
                "(its practices keep their GMS/PMS contracts; use form = \"full\")"
            )
        if self.deficit is not None:
            d = self.deficit
            if d.historic is not None and d.amount is not None:
                errors.append("deficit.amount: give the historic part either as [deficit.historic] or as amount and years, not both")
            if (d.amount is None) != (d.years is None):
                errors.append("deficit.years: amount and years go together (the historic part)")
            h = d.historic_part
            if h is not None and h.first_year is not None and h.first_year not in c.years:
                key = "deficit.historic.first_year" if d.historic is not None else "deficit.first_year"
                errors.append(f"{key}: must be a contract year")
        errors.extend(_empty_or_huge(self))
        if errors:
            raise ValueError("\n".join(errors))
        return self


def _empty_or_huge(contract: Contract) -> list[str]:
    """Lists that must not be empty, and numbers too large for the money arithmetic."""
    errors = []
    for name in ("uplift", "efficiency"):
        if getattr(contract.budget, name) == ():
            errors.append(f"budget.{name}: an empty list (expected a rate, or a list of one rate per year)")
    if contract.risk_share is not None and not contract.risk_share.basis:
        errors.append("risk_share.basis: an empty list (expected at least one service line; leave out [risk_share] for none)")
    for name, share in (("risk_share", contract.risk_share), ("system_share", contract.system_share)):
        if share is not None and not share.parties:
            errors.append(f"{name}.parties: an empty table (expected the parties sharing the rest, e.g. commissioner = 1.0)")
    if contract.performance.share > 0 and not contract.performance.metrics:
        errors.append(f"performance.metrics: an empty list while performance.share is {contract.performance.share} "
                      "(expected at least one metric, or share = 0)")
    for i, m in enumerate(contract.performance.metrics):
        for name in ("lower", "upper"):
            value = getattr(m, name)
            if value.copy_abs() > MAX_POUNDS:
                errors.append(f"performance.metrics[{i}].{name}: must be at most 10**12 in size, got {value}")
    return errors


def _share_errors(name: str, share: _ShareTerms) -> list[str]:
    errors = []
    for key in ("bands", "gain_bands", "loss_bands"):
        bands = getattr(share, key)
        if bands is None:
            continue
        previous = Decimal(0)
        for i, band in enumerate(bands):
            if band.upto <= previous:
                errors.append(f"{name}.{key}[{i}].upto: bands must ascend, got {band.upto} after {previous}")
            if band.upto > 1:
                errors.append(f"{name}.{key}[{i}].upto: must be at most 1.0, got {band.upto}")
            previous = band.upto
        if bands and bands[-1].upto != 1:
            errors.append(f"{name}.{key}[{len(bands) - 1}].upto: the last band must end at 1.0")
        if not bands:
            errors.append(f"{name}.{key}: at least one band is needed")
    total = sum(share.parties.values(), Decimal(0))
    if share.parties and total != 1:
        errors.append(f"{name}.parties: shares must sum to 1, got {total}")
    return errors


STATUTORY = ("nhs_trust", "foundation_trust")
# Forms held under the integrated care provider (ICP) contract, which since 2019 NHS England
# awards only to statutory NHS providers; an iho is by design a trust (10 Year Health Plan).
STATUTORY_ONLY = (Form.FULL, Form.PACS, Form.IHO)
# MCP forms of the 2016 contract framework, whose holder was devoted exclusively to the
# contract; from 2019 the ICP contract's statutory holder could itself be a body set up for
# it (Dudley's new NHS trust), and nothing is published on today's forms.
MCP_FORMS = (Form.PARTIAL, Form.FULL)
ICP_CONTRACT = 2019
CCG_ABOLISHED = 2022  # CCGs closed on 1 July 2022; ICBs have no member practices


def organisation_warnings(contract: Contract) -> list[tuple[str, str]]:
    """The rules the MCP seeds and later guidance attach to who holds the contract, as
    (key path, message) warnings; each says whether it is historical (docs/contracts.md)."""
    out = []
    org = contract.provider.organisation if contract.provider is not None else None
    form, start = contract.form, contract.contract.start_year
    if form in MCP_FORMS and org in STATUTORY and start < ICP_CONTRACT:
        out.append(("provider.organisation",
                    f"an MCP holder must be devoted exclusively to the business of its one contract (MCP contract "
                    f"framework, 2016): a {org.replace('_', ' ')} runs other services, so would hold it through a "
                    "subsidiary (a parent may back several providers, each with one contract); historical: "
                    "from 2019 the ICP contract's holder is a statutory body"))
    if form is Form.FULL and start <= CCG_ABOLISHED:
        out.append(("contract.form",
                    "a fully integrated MCP must be a member of its commissioner, the CCG, as a provider of primary "
                    "medical services (MCP contract framework, 2016); historical: CCGs closed on 1 July 2022, "
                    "ICBs have no members"))
    if form in STATUTORY_ONLY and org is not None and org not in STATUTORY and start >= ICP_CONTRACT:
        why = ("an integrated health organisation is by design an NHS trust or foundation trust (10 Year Health Plan, 2025)"
               if form is Form.IHO else
               f"a {form.value} contract is an integrated care provider contract, which since 2019 NHS England "
               "awards only to statutory NHS providers (ICP contract, 2019)")
        out.append(("provider.organisation", f"{why}; {org.replace('_', ' ')} is not one"))
    return out

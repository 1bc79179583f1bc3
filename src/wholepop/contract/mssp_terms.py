"""The ``[mssp]`` table of an ``aco`` contract, validated into a frozen ``MsspTerms``.

``Contract.mssp`` is kept as a loose mapping so the English forms do not depend on the US
rules; ``mssp_terms(contract)`` validates it here, with errors naming key paths
(``mssp.track: ...``) as ``ContractError``. Rates in the table are per cent, as CMS
publishes them (``msr = 1.5`` is 1.5%, ``quality_score_percent = 89.91``); money is in
currency units (dollars), as CMS publishes it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from wholepop.contract.model import Contract
from wholepop.contract.mssp_rules import (
    FIRST_YEAR,
    FIXED_MSR_CHOICES,
    LAST_YEAR,
    MSR_TABLE_MIN_BENEFICIARIES,
    LossRate,
    QualityRegime,
    Track,
    first_performance_year,
    pay_for_reporting,
    track_rules,
    year_rules,
)
from wholepop.errors import ContractError
from wholepop.vocab import Form

__all__ = ["MsspTerms", "mssp_terms"]

Percent = Annotated[Decimal, Field(ge=0, le=100)]


class MsspTerms(BaseModel):
    """An ACO's Medicare Shared Savings Program terms for one performance year.

    Attributes:
        track: ``BASIC_A`` ... ``BASIC_E``, ``ENHANCED``, ``TRACK_1``, ``TRACK_2``,
            ``TRACK_3``, ``TRACK_1_PLUS``.
        performance_year: 2013-2024 (the rules of that year apply).
        msr: ``"variable"`` (the size table) or a fixed MSR/MLR in per cent: 0, 0.5, 1,
            1.5 or 2 (two-sided tracks only).
        small_aco_msr_percent: the MSR CMS set for an ACO under 5,000 beneficiaries (the
            table does not apply there).
        assigned_beneficiaries: assigned beneficiaries for the MSR table (default: the
            person-years settled, which CMS's table does not use: give it if you know it).
        quality_score_percent: the ACO's quality score, 0-100.
        met_quality_standard / met_alternative_standard: the quality performance standard
            and (PY2023 on) the alternative standard.
        pay_for_reporting: a pay-for-reporting ACO: the first performance year of its first
            agreement, PY2013-2020 and PY2022 on (``rules.pay_for_reporting``); it then gets the track's
            maximum rate if ``met_quality_standard`` (it reported completely and accurately).
        participant_revenue: ACO-participant Parts A/B FFS revenue, dollars, for the
            revenue-based loss caps (BASIC C-E, Track 1+).
        low_revenue: a low-revenue ACO (the reduced-savings rule of PY2024 on).
        disaster_percent: share of losses removed for extreme and uncontrollable
            circumstances (months affected / 12 x share of beneficiaries affected, per cent);
            default: the year's public health emergency months / 12.
        agreement_start_year: first year of the current agreement (default: the contract's
            start_year): Track 2's loss cap by agreement year, the reduced-savings rule.
        period_months: 12, or 6 for a 2019 six-month performance year.
        benchmark_per_capita: the updated benchmark per person-year, dollars, if supplied;
            otherwise the baseline year's spend per person-year trended.
        benchmark_trend_percent: the yearly trend applied to the baseline's spend per
            person-year when no benchmark is supplied.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    track: Track
    performance_year: int
    msr: Literal["variable"] | Percent = "variable"
    small_aco_msr_percent: Percent | None = None
    assigned_beneficiaries: Annotated[int, Field(ge=0)] | None = None
    quality_score_percent: Percent | None = None
    met_quality_standard: bool = True
    met_alternative_standard: bool = False
    pay_for_reporting: bool = False
    participant_revenue: Annotated[Decimal, Field(ge=0)] | None = None
    low_revenue: bool = False
    disaster_percent: Percent | None = None
    agreement_start_year: int | None = None
    period_months: Literal[6, 12] = 12
    benchmark_per_capita: Annotated[Decimal, Field(gt=0)] | None = None
    benchmark_trend_percent: Annotated[Decimal, Field(ge=-100, le=100)] = Decimal(0)

    @property
    def quality_score(self) -> Decimal | None:
        """The score as a fraction."""
        return None if self.quality_score_percent is None else self.quality_score_percent / 100

    @property
    def msr_choice(self) -> str | Decimal:
        """``"variable"`` or the fixed rate as a fraction."""
        return "variable" if self.msr == "variable" else Decimal(self.msr) / 100


def mssp_terms(contract: Contract) -> MsspTerms:
    """Validate the contract's ``[mssp]`` table.

    Raises:
        ContractError: one line per problem, each naming its key path (``mssp.track: ...``).
    """
    if contract.form is not Form.ACO:
        raise ContractError(f"contract.form: MSSP terms settle only form = \"aco\", got {contract.form.value!r}")
    if contract.mssp is None:
        raise ContractError("mssp: an aco contract needs an [mssp] table (see `wholepop init --form aco`)")
    try:
        terms = MsspTerms.model_validate(contract.mssp)
    except ValidationError as e:
        raise ContractError("\n".join(_lines(e))) from None
    errors = _cross_field(terms, contract)
    if errors:
        raise ContractError("\n".join(errors))
    return terms


def _cross_field(t: MsspTerms, contract: Contract) -> list[str]:
    errors: list[str] = []
    if not FIRST_YEAR <= t.performance_year <= LAST_YEAR:
        return [f"mssp.performance_year: the rules are encoded for {FIRST_YEAR}-{LAST_YEAR}, got {t.performance_year}"]
    rules = track_rules(t.track)
    year = year_rules(t.performance_year)
    if not rules.first_year <= t.performance_year <= rules.last_year:
        errors.append(
            f"mssp.track: {t.track.value} existed in performance years {rules.first_year}-{rules.last_year}, "
            f"not {t.performance_year}"
        )
    if t.msr != "variable":
        if not rules.two_sided:
            errors.append(f"mssp.msr: one-sided {t.track.value} uses the variable MSR, not a fixed {t.msr}%")
        elif t.msr_choice not in FIXED_MSR_CHOICES:
            errors.append(f"mssp.msr: a fixed MSR/MLR is 0, 0.5, 1, 1.5 or 2 (per cent), got {t.msr}")
        elif rules.fixed_msr_until is not None and t.performance_year <= rules.fixed_msr_until and t.msr_choice != rules.fixed_msr:
            errors.append(f"mssp.msr: {t.track.value} had a fixed 2% MSR/MLR until {rules.fixed_msr_until}, got {t.msr}")
    if (
        t.msr == "variable"
        and t.assigned_beneficiaries is not None
        and t.assigned_beneficiaries < MSR_TABLE_MIN_BENEFICIARIES
        and t.small_aco_msr_percent is None
    ):
        errors.append(
            "mssp.small_aco_msr_percent: required for an ACO under 5,000 assigned beneficiaries "
            "(the MSR table starts at 5,000; CMS sets such an ACO's MSR individually)"
        )
    needs_score = False
    if year.quality is QualityRegime.SCALED and t.met_quality_standard and not t.pay_for_reporting:
        needs_score = True
    if year.quality is QualityRegime.PASS_FAIL_ALTERNATIVE and not t.met_quality_standard and t.met_alternative_standard:
        needs_score = True
    if rules.loss_rate is LossRate.ONE_MINUS_QUALITY_SHARE and (t.met_quality_standard or t.met_alternative_standard):
        needs_score = True
    if needs_score and t.quality_score_percent is None:
        errors.append(f"mssp.quality_score_percent: required for {t.track.value} in {t.performance_year} (the sharing or loss rate uses it)")
    if t.met_alternative_standard and year.quality is not QualityRegime.PASS_FAIL_ALTERNATIVE:
        errors.append("mssp.met_alternative_standard: the alternative quality standard exists from PY2023")
    start = t.agreement_start_year if t.agreement_start_year is not None else contract.contract.start_year
    if t.pay_for_reporting and not year.pay_for_reporting:
        errors.append(
            f"mssp.pay_for_reporting: performance year {t.performance_year} has no pay-for-reporting year "
            "(42 CFR 425.512(a)(3) holds every ACO to the same standard in 2021)"
        )
    elif t.pay_for_reporting and not pay_for_reporting(t.performance_year, start, 1):
        # The claim itself makes it a first agreement; the year must be that agreement's first.
        errors.append(
            f"mssp.pay_for_reporting: only an agreement's first performance year is pay-for-reporting "
            f"({year.pay_for_reporting_source}); an agreement starting in {start} has its first in "
            f"{first_performance_year(start)}, not {t.performance_year}"
        )
    if start > t.performance_year:
        errors.append(f"mssp.agreement_start_year: {start} is after the performance year {t.performance_year}")
    if t.period_months == 6 and t.performance_year != 2019:
        errors.append("mssp.period_months: six-month performance years exist only in 2019")
    return errors


def _lines(error: ValidationError) -> list[str]:
    # A union (msr: "variable" or a number) reports once per member: merge them per key.
    by_path: dict[str, list[str]] = {}
    got: dict[str, object] = {}
    for err in error.errors():
        path = ".".join(["mssp", *(str(p) for p in err["loc"] if not _union_member(p))])
        if err["type"] == "extra_forbidden":
            msg = "unknown key"
        elif err["type"] == "missing":
            msg = "required key is missing"
        else:
            msg = err["msg"].replace("Input should be ", "")
            got[path] = err["input"]
        by_path.setdefault(path, []).append(msg)
    lines = []
    for path, msgs in by_path.items():
        if path in got:
            value = got[path]
            shown = str(value) if isinstance(value, Decimal) else repr(value)
            lines.append(f"{path}: must be {' or '.join(msgs)}, got {shown}")
        else:
            lines.append(f"{path}: {msgs[0]}")
    return lines


def _union_member(part: object) -> bool:
    return isinstance(part, str) and part.startswith(("literal[", "decimal", "constrained", "function", "int"))

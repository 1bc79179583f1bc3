"""Every closed vocabulary of wholepop, defined once.

Service lines, long-term conditions, integration modes, sexes, contract forms and
care-model levels are ``StrEnum``s so that a misspelt literal is a NameError, not a
silent zero. Nothing outside this module should spell one of these values as a string.
"""

from collections.abc import Mapping
from enum import StrEnum
from types import MappingProxyType

__all__ = [
    "ACUTE",
    "BuiltInMetric",
    "RATE_METRICS",
    "Condition",
    "DatedTable",
    "FORM_SIZE",
    "Form",
    "RULES_OF",
    "Integration",
    "NeedWeighting",
    "Segment",
    "Service",
    "Sex",
    "URGENT_OR_EPISODIC",
    "WeightComponent",
]


class Service(StrEnum):
    """Service lines: mutually exclusive and exhaustive (totals over lines = grand total)."""

    PRIMARY_MEDICAL = "primary_medical"
    PRESCRIBING = "prescribing"
    COMMUNITY = "community"
    MENTAL_HEALTH = "mental_health"
    URGENT_CARE = "urgent_care"
    OUTPATIENT = "outpatient"
    DIAGNOSTICS = "diagnostics"
    DAY_CASE = "day_case"
    ELECTIVE = "elective"
    EMERGENCY_ADMISSION = "emergency_admission"
    AE = "ae"
    SOCIAL_CARE = "social_care"
    PUBLIC_HEALTH = "public_health"
    END_OF_LIFE = "end_of_life"
    OTHER = "other"


# The acute set of DESIGN section 3: the default basis of the acute gain/risk share and
# the lines a `pacs` contract brings inside its budget.
ACUTE: tuple[Service, ...] = (
    Service.OUTPATIENT,
    Service.DAY_CASE,
    Service.ELECTIVE,
    Service.EMERGENCY_ADMISSION,
    Service.AE,
)

# Contacts that make a person without a long-term condition "self-limiting" rather than
# "staying well" in the care-model segmentation.
URGENT_OR_EPISODIC: tuple[Service, ...] = (
    Service.AE,
    Service.URGENT_CARE,
    Service.PRIMARY_MEDICAL,
)


class Condition(StrEnum):
    """Long-term conditions (mapping tables from SNOMED CT / ICD-10 live in package data)."""

    DIABETES = "diabetes"
    COPD = "copd"
    ASTHMA = "asthma"
    HEART_FAILURE = "heart_failure"
    CHD = "chd"
    CKD = "ckd"
    HYPERTENSION = "hypertension"
    DEMENTIA = "dementia"
    CANCER = "cancer"
    SERIOUS_MENTAL_ILLNESS = "serious_mental_illness"
    DEPRESSION = "depression"
    FRAILTY_MODERATE = "frailty_moderate"
    FRAILTY_SEVERE = "frailty_severe"
    END_OF_LIFE = "end_of_life"
    LEARNING_DISABILITY = "learning_disability"


class Integration(StrEnum):
    """A member practice's place in the provider (DESIGN section 1, "mixed economy")."""

    FULL = "full"  # GMS/PMS suspended: primary medical care inside the budget
    PARTIAL = "partial"  # keeps GMS/PMS under an integration agreement
    ALLIANCE = "alliance"
    INDEPENDENT = "independent"


class Sex(StrEnum):
    FEMALE = "F"
    MALE = "M"
    UNKNOWN = "U"


class Form(StrEnum):
    """Contract forms: how much of the money flows through the provider."""

    VIRTUAL = "virtual"
    PARTIAL = "partial"
    FULL = "full"
    PACS = "pacs"
    ACO = "aco"
    # Today's forms (NHS 10 Year Health Plan, 2025): each settles by the rules of an
    # earlier form (``RULES_OF``); docs/contracts.md sets them side by side.
    SNP = "snp"  # single neighbourhood provider: primary medical + community, no acute share
    MNP = "mnp"  # multi-neighbourhood provider: like full, neighbourhoods as hubs, acute share
    IHO = "iho"  # integrated health organisation: acute inside the budget, like pacs
    LCO = "lco"  # local care organisation (Manchester): out-of-hospital care, pooled budgets


# The earlier form whose money rules each of today's forms follows (a form maps to itself
# when it is its own rule).
RULES_OF: Mapping[Form, Form] = MappingProxyType({
    Form.SNP: Form.FULL,
    Form.MNP: Form.FULL,
    Form.LCO: Form.FULL,
    Form.IHO: Form.PACS,
})

# People each of today's forms is designed for (NHS 10 Year Health Plan, Neighbourhood
# Health Framework): a single neighbourhood provider one neighbourhood of about
# 30,000-50,000, a multi-neighbourhood provider about 250,000 or more. `wholepop check`
# warns outside; every form also keeps `contract.min_population`.
FORM_SIZE: Mapping[Form, tuple[int, int | None]] = MappingProxyType({
    Form.SNP: (30_000, 50_000),
    Form.MNP: (250_000, None),
})


class NeedWeighting(StrEnum):
    AGE_SEX = "age_sex"
    SUPPLIED = "supplied"
    COMPONENTS = "components"  # supplied, with each budget line weighted by its own component
    NONE = "none"


class WeightComponent(StrEnum):
    """Components of NHS England's weighted population per practice (the ``weights`` table)."""

    OVERALL = "overall"
    GENERAL_ACUTE = "general_acute"
    COMMUNITY = "community"
    MENTAL_HEALTH = "mental_health"
    MATERNITY = "maternity"
    HEALTH_INEQUALITIES = "health_inequalities"
    PRESCRIBING = "prescribing"
    PRIMARY_MEDICAL = "primary_medical"
    REGISTERED = "registered"  # the registered list the weights were computed on (unweighted)


class Segment(StrEnum):
    """Care-model levels, most severe first (the priority order of assignment)."""

    VERY_HIGH_NEEDS = "very_high_needs"
    ONGOING_NEEDS = "ongoing_needs"
    SELF_LIMITING = "self_limiting"
    STAYING_WELL = "staying_well"


class DatedTable(StrEnum):
    """Input tables whose rows are dated, so a ``coverage`` row can declare the period
    they cover (``wholepop.inputs.coverage``)."""

    ACTIVITY = "activity"


class BuiltInMetric(StrEnum):
    """Performance metrics wholepop computes from the data (their formulas:
    ``wholepop.money.performance``); any other metric id in a contract must be supplied,
    per contract year, in the ``measures`` table."""

    EMERGENCY_ADMISSIONS_PER_1000 = "emergency_admissions_per_1000"
    AE_ATTENDANCES_PER_1000 = "ae_attendances_per_1000"
    OUTPATIENT_ATTENDANCES_PER_1000 = "outpatient_attendances_per_1000"
    EXTENSIVE_CARE_CONTACT_RATE = "extensive_care_contact_rate"
    ELECTIVE_SPEND_PER_HEAD = "elective_spend_per_head"

# The built-in rate metrics (events per 1,000): the ones ``standardise = "age_sex"`` may
# turn into an indirectly standardised ratio. Each is counted on one service line.
RATE_METRICS: Mapping[str, str] = MappingProxyType({
    BuiltInMetric.EMERGENCY_ADMISSIONS_PER_1000: "emergency_admission",
    BuiltInMetric.AE_ATTENDANCES_PER_1000: "ae",
    BuiltInMetric.OUTPATIENT_ATTENDANCES_PER_1000: "outpatient",
})

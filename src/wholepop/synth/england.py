"""National reference figures for England, as data: what the generator is calibrated to.

Every number the synthetic population is shaped by lives here (service rates and unit
costs live in ``wholepop.synth.services``). Sources:

* practice list sizes and the age-sex pyramid: NHS England Digital, "Patients Registered
  at a GP Practice", July 2026 (``gp-reg-pat-prac-quin-age-2026-07.zip``: 6,139
  practices, 63,436,508 registered patients; median list 8,815, mean 10,333);
* long-term condition prevalence: QOF 2023/24 registers (all-ages denominators), trimmed so
  that about a quarter of people have at least one condition;
* deaths, births and migration: ONS mid-year estimates and vital statistics (crude death
  rate about 0.9% a year, births about 0.9% of the population a year), and NHS list
  turnover (roughly 5% of a practice list leaves the area each year).

Ages are ``year - birth_year`` (the age reached during calendar ``year``), the convention
every stage uses when only a birth year is known.
"""

from __future__ import annotations

import types
from collections.abc import Mapping

from wholepop.population.cells import PYRAMID_FEMALE, PYRAMID_MALE
from wholepop.population.months import AGE_BANDS
from wholepop.vocab import Condition, Service

__all__ = [
    "AGE_BANDS",
    "BIRTHS_PER_PERSON",
    "CONDITIONS",
    "CONDITION_DEATH_FACTOR",
    "CRUDE_DEATH_RATE",
    "END_OF_LIFE_DEATH_FACTOR",
    "INTERNAL_MOVE_RATE",
    "MEAN_PRACTICE_SIZE",
    "MORTALITY",
    "MOVE_OUT_RATE",
    "MOVER_AGE_KNOTS",
    "NET_GROWTH",
    "OLDEST_AGE",
    "OLDEST_DECAY",
    "PRACTICE_SIZE_QUANTILES",
    "PYRAMID_FEMALE",
    "PYRAMID_MALE",
    "REGISTERED_PATIENTS",
    "SPEND_PER_HEAD",
    "UNKNOWN_SEX_SHARE",
]

# Practice list sizes: (percentile, registered patients) of England's 6,139 practices, July
# 2026. The extreme ends (a list of 1 and a super-practice of 118,653) are replaced by 1,000
# and 60,000 so that a small area is not one practice; the long right tail stays.
PRACTICE_SIZE_QUANTILES: tuple[tuple[float, int], ...] = (
    (0.0, 1000), (1.0, 1605), (2.5, 2417), (5.0, 3049), (7.5, 3564), (10.0, 3936),
    (15.0, 4684), (20.0, 5281), (25.0, 5887), (30.0, 6473), (35.0, 7047), (40.0, 7656),
    (45.0, 8260), (50.0, 8815), (55.0, 9501), (60.0, 10181), (65.0, 10939), (70.0, 11786),
    (75.0, 12720), (80.0, 13970), (85.0, 15486), (90.0, 17651), (92.5, 19349), (95.0, 22069),
    (97.5, 28159), (99.0, 38485), (99.5, 46939), (100.0, 60000),
)
# England's mean list size (the practice count of an area is its population over this).
MEAN_PRACTICE_SIZE = 10_333

# Registered patients by 5-year age band (0-4, 5-9, ..., 90-94, 95+), England, July 2026:
# held by population.cells, which spreads published list totals over it.
# The 95+ band is spread over ages 95-104 with this yearly survival.
OLDEST_AGE = 104
OLDEST_DECAY = 0.72
# NHS lists hold a handful of records with sex not known (written as U).
UNKNOWN_SEX_SHARE = 0.0002

# Yearly probability of death by age, Gompertz: exp(a + b * age), plus infant mortality.
# Fitted to England life tables (about 0.3% at 50, 1.7% at 70, 5% at 80, 16% at 90).
MORTALITY: Mapping[str, float] = types.MappingProxyType(
    {"gompertz_a": -10.78, "gompertz_b": 0.0995, "infant": 0.0035, "cap": 0.6, "male_factor": 1.25}
)

# Deaths a year per registered person (England: about 560,000 deaths on 63 million lists);
# the age, sex and condition gradient above is scaled to give this crude rate.
CRUDE_DEATH_RATE = 0.0088

# Births a year per registered person (England: about 590,000 a year on 63 million lists).
BIRTHS_PER_PERSON = 0.0092
# Share of a list leaving the area each year (list turnover), and moving practice within it.
MOVE_OUT_RATE = 0.045
INTERNAL_MOVE_RATE = 0.015
# People moving in replace those who left or died, with this net growth a year.
NET_GROWTH = 0.004
# Relative propensity to move, by age (knots: age, factor): students and young adults move most.
MOVER_AGE_KNOTS: tuple[tuple[int, float], ...] = (
    (0, 0.8), (15, 0.6), (18, 2.5), (25, 2.8), (35, 1.2), (50, 0.5), (70, 0.35), (85, 0.5), (104, 0.5)
)


# Long-term condition registers: (all-ages prevalence, (age, relative prevalence) knots,
# linear between, and the yearly chance that someone who dies or moves away in the year is first
# recorded with it before they go, as a share of their prevalence probability; for those who stay,
# incidence is whatever keeps prevalence on its curve, see ``people._onsets``). Prevalences follow QOF 2023/24 for the disease
# registers; depression and the frailty, end-of-life and learning-disability flags are
# trimmed to "currently coded" shares so that about 25% of people have at least one.
CONDITIONS: Mapping[Condition, tuple[float, tuple[tuple[int, float], ...], float]] = types.MappingProxyType(
    {
        Condition.HYPERTENSION: (0.140, ((0, 0.0), (20, 0.01), (40, 0.12), (55, 0.35), (70, 0.65), (85, 0.8), (104, 0.8)), 0.05),
        Condition.DIABETES: (0.075, ((0, 0.002), (20, 0.01), (40, 0.06), (55, 0.16), (70, 0.26), (85, 0.26), (104, 0.2)), 0.06),
        Condition.ASTHMA: (0.040, ((0, 0.03), (5, 0.08), (15, 0.08), (40, 0.06), (70, 0.08), (104, 0.07)), 0.03),
        Condition.DEPRESSION: (0.040, ((0, 0.0), (14, 0.01), (18, 0.06), (30, 0.08), (50, 0.07), (70, 0.05), (104, 0.06)), 0.10),
        Condition.CKD: (0.030, ((0, 0.0), (40, 0.005), (60, 0.04), (75, 0.15), (85, 0.3), (104, 0.35)), 0.08),
        Condition.CHD: (0.030, ((0, 0.0), (40, 0.005), (55, 0.04), (70, 0.11), (85, 0.2), (104, 0.22)), 0.05),
        Condition.CANCER: (0.030, ((0, 0.001), (30, 0.005), (50, 0.03), (70, 0.09), (85, 0.13), (104, 0.13)), 0.12),
        Condition.COPD: (0.019, ((0, 0.0), (35, 0.002), (55, 0.03), (70, 0.07), (85, 0.09), (104, 0.08)), 0.06),
        Condition.HEART_FAILURE: (0.011, ((0, 0.0), (45, 0.002), (65, 0.02), (80, 0.06), (90, 0.12), (104, 0.14)), 0.12),
        Condition.DEMENTIA: (0.007, ((0, 0.0), (60, 0.002), (75, 0.03), (85, 0.1), (95, 0.25), (104, 0.3)), 0.2),
        Condition.SERIOUS_MENTAL_ILLNESS: (0.009, ((0, 0.0), (16, 0.002), (25, 0.012), (50, 0.013), (75, 0.008), (104, 0.006)), 0.05),
        Condition.LEARNING_DISABILITY: (0.005, ((0, 0.004), (20, 0.006), (50, 0.005), (70, 0.002), (104, 0.001)), 0.02),
        Condition.FRAILTY_MODERATE: (0.025, ((0, 0.0), (60, 0.005), (70, 0.05), (80, 0.14), (90, 0.25), (104, 0.25)), 0.15),
        Condition.FRAILTY_SEVERE: (0.008, ((0, 0.0), (65, 0.002), (75, 0.015), (85, 0.06), (95, 0.15), (104, 0.2)), 0.2),
        Condition.END_OF_LIFE: (0.003, ((0, 0.0), (50, 0.001), (70, 0.006), (85, 0.02), (95, 0.05), (104, 0.06)), 0.6),
    }
)
# The end-of-life register is the near-death cohort: a person on it dies within the year
# about this many times more often than others of their age and propensity.
END_OF_LIFE_DEATH_FACTOR = 12.0
# Each long-term condition raises yearly mortality by this factor (compounding), relative to
# others of the same age and persistent propensity: conditions choose who dies, the age-sex
# table how many (``people._death_probability``).
CONDITION_DEATH_FACTOR = 1.25


# England's registered patients, July 2026 (the denominator of every figure below).
REGISTERED_PATIENTS = 63_436_508

# National spend per registered patient a year by service line, pounds, with its source:
# what the synthetic rates x unit costs (``wholepop.synth.services``) are calibrated to.
# A national total is divided by REGISTERED_PATIENTS; an acute line is national activity
# per 1,000 (HES / ECDS / DID) x the National Cost Collection's average unit cost. Rounded:
# they are magnitudes to make a synthetic MCP look like England, not a benchmark.
SPEND_PER_HEAD: Mapping[Service, tuple[float, str]] = types.MappingProxyType({
    Service.PRIMARY_MEDICAL: (180.0, "ICB primary medical care allocations 2024/25, about £11.4bn / 63.4m registered patients"),
    Service.PRESCRIBING: (165.0, "NHSBSA Prescription Cost Analysis, England 2023/24: about £10.5bn net ingredient cost of items dispensed in the community"),
    Service.COMMUNITY: (158.0, "community health services: about £10bn a year and 100m contacts (Nuffield Trust, 'The state of community health services in England', 2023; The King's Fund)"),
    Service.MENTAL_HEALTH: (230.0, "mental health 9.00% of recurrent NHS spending in 2023/24 (DHSC written statement 'Mental health expected spend', 21 March 2024), about £14.6bn"),
    Service.URGENT_CARE: (30.0, "NHS 111, urgent treatment centres and GP out of hours: about £1.9bn (NHS England urgent and emergency care plan 2023; National Cost Collection 2022/23)"),
    Service.OUTPATIENT: (248.0, "HES outpatient attendances about 1,600 per 1,000 a year x National Cost Collection 2022/23 average about £155"),
    Service.DIAGNOSTICS: (34.0, "Diagnostic Imaging Dataset about 500 tests per 1,000 a year x National Cost Collection 2022/23 average about £68 (x-ray, ultrasound, CT, MRI)"),
    Service.DAY_CASE: (135.0, "HES day cases about 150 per 1,000 a year x National Cost Collection 2022/23 average about £900"),
    Service.ELECTIVE: (108.0, "HES ordinary elective spells about 25 per 1,000 a year x National Cost Collection 2022/23 average about £4,300"),
    Service.EMERGENCY_ADMISSION: (273.0, "HES emergency admissions about 105 per 1,000 a year x National Cost Collection 2022/23 average about £2,600"),
    Service.AE: (84.0, "ECDS A&E attendances about 420 per 1,000 a year x National Cost Collection 2022/23 average about £200"),
    Service.SOCIAL_CARE: (370.0, "adult social care gross current expenditure 2022/23 about £23.7bn (NHS England Digital, Adult Social Care Activity and Finance Report)"),
    Service.PUBLIC_HEALTH: (57.0, "public health grant to local authorities 2024/25 about £3.6bn (DHSC)"),
    Service.END_OF_LIFE: (25.0, "charitable hospices' spend about £1.6bn a year (Hospice UK)"),
    Service.OTHER: (44.0, "NHS ambulance services and patient transport about £2.8bn a year (National Audit Office; NHS England ambulance quality indicators)"),
})

"""Service lines as data: how often each is used, by whom, and what one unit costs.

One ``ServiceShape`` per ``vocab.Service``: the national rate per 1,000 people a year,
how the rate rises with age, how much long-term conditions and the person's own
propensity raise it, and the items (code, point of delivery, unit cost) a row is drawn
from. The generator rescales each rate so that its population mean is the national rate.

Unit costs are whole pence, rounded illustrations from the PSSRU "Unit Costs of Health and
Social Care 2023" and the NHS National Cost Collection 2022/23 (national average unit
costs by HRG / point of delivery); social care rows are a month of a care package at
local-authority rates. They are plausible NHS magnitudes for testing, not a tariff.

| service | per 1,000 a year | mean cost of a row |
| --- | --- | --- |
| primary_medical | 5,800 GP practice contacts | about 33 pounds |
| prescribing | 1,300 months of dispensed items | about 115 pounds |
| community | 1,600 contacts | about 100 pounds |
| mental_health | 600 contacts, crisis contacts and inpatient weeks | about 380 pounds |
| urgent_care | 550 UTC / out-of-hours / 111 contacts | about 53 pounds |
| outpatient | 1,600 attendances | about 155 pounds |
| diagnostics | 500 imaging tests | about 68 pounds |
| day_case | 150 day-case spells | about 900 pounds |
| elective | 25 ordinary elective spells | about 4,300 pounds |
| emergency_admission | 105 spells | about 2,600 pounds |
| ae | 420 attendances | about 200 pounds |
| social_care | 215 months of a care package | about 1,700 pounds |
| public_health | 1,000 vaccinations, checks, screens, sexual health and drug and alcohol contacts | about 60 pounds |
| end_of_life | 12 hospice / palliative episodes | about 2,000 pounds |
| other | 160 ambulance and transport journeys | about 270 pounds |

Rate x mean cost is each line's spend per head, calibrated to the national figures in
``wholepop.synth.england.SPEND_PER_HEAD`` (each with its source; docs/projection.md lists
them; ``tests/synth/test_calibration.py`` holds every line within 20%).
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from dataclasses import dataclass

from wholepop.vocab import Service

__all__ = ["ACTIVITY_GROWTH", "Item", "PRICE_GROWTH", "SERVICES", "ServiceShape"]

# Yearly growth after the first data year: age-standardised activity (NHS demand growth
# runs at 1-3% a year) and unit costs (tariff uplift net of efficiency).
ACTIVITY_GROWTH = 0.015
PRICE_GROWTH = 0.02


@dataclass(frozen=True)
class Item:
    """One kind of row of a service line.

    Attributes:
        code: procedure, HRG or activity code written to ``activity.code``.
        pod: point of delivery written to ``activity.pod``.
        cost_pence: national average unit cost in whole pence.
        weight: relative frequency among the service's rows.
        admission_method: admission method code for spells (``None`` otherwise).
    """

    code: str
    pod: str
    cost_pence: int
    weight: float
    admission_method: str | None = None


@dataclass(frozen=True)
class ServiceShape:
    """How one service line is used and costed.

    Attributes:
        per_1000: national rows per 1,000 people a year.
        age_knots: (age, relative rate) points, linear between.
        female_adult: rate factor for women aged 15-64 (consulting and maternity).
        per_condition: rate rises by this share for each long-term condition.
        propensity_power: how strongly the person's own propensity acts (0: not at all).
        items: the kinds of row, with their unit costs.
        cost_sigma: log-normal spread of one row's cost around its unit cost (length of
            stay, package size); the mean is kept at the unit cost.
        providers: provider codes rows are spread over (empty: the registered practice).
        data_source: the national data set such rows come from.
    """

    per_1000: float
    age_knots: tuple[tuple[int, float], ...]
    female_adult: float
    per_condition: float
    propensity_power: float
    items: tuple[Item, ...]
    cost_sigma: float
    providers: tuple[str, ...]
    data_source: str


_ACUTE_TRUSTS = ("RX101", "RX201", "RX301")

SERVICES: Mapping[Service, ServiceShape] = types.MappingProxyType(
    {
        Service.PRIMARY_MEDICAL: ServiceShape(
            5800, ((0, 6.0), (5, 3.0), (15, 3.5), (25, 4.0), (45, 5.0), (65, 7.5), (75, 9.5), (85, 11.0), (104, 11.0)),
            1.35, 0.25, 0.5,
            (Item("GP-F2F", "GP", 4200, 0.40), Item("GP-TEL", "GP", 2500, 0.30), Item("NURSE", "GP", 1400, 0.25),
             Item("GP-HOME", "GP", 10000, 0.05)),
            0.0, (), "GPAD",
        ),
        Service.PRESCRIBING: ServiceShape(
            1300, ((0, 0.6), (15, 0.6), (25, 0.9), (45, 2.0), (65, 5.0), (75, 7.0), (85, 8.0), (104, 8.0)),
            1.2, 0.9, 0.5,
            (Item("PD-MONTH", "PRESC", 11500, 1.0),),
            0.8, ("COMMPHARM",), "EPD",
        ),
        Service.COMMUNITY: ServiceShape(
            1600, ((0, 1.0), (5, 0.4), (20, 0.3), (50, 0.6), (65, 1.5), (75, 3.5), (85, 8.0), (104, 10.0)),
            1.1, 0.35, 1.0,
            (Item("DN-VISIT", "COMM", 9000, 0.55), Item("THERAPY", "COMM", 11000, 0.25), Item("HV-CONTACT", "COMM", 12000, 0.20)),
            0.3, ("RY101",), "CSDS",
        ),
        Service.MENTAL_HEALTH: ServiceShape(
            600, ((0, 0.1), (10, 0.6), (16, 1.3), (25, 1.2), (45, 1.0), (65, 0.6), (80, 0.9), (104, 0.9)),
            1.15, 0.35, 1.0,
            (Item("CMHT", "MH", 15000, 0.65), Item("IAPT", "MH", 11000, 0.20), Item("MH-CRISIS", "MH", 30000, 0.075),
             Item("MH-INPT-WEEK", "MH", 315000, 0.075)),
            0.3, ("RZ101",), "MHSDS",
        ),
        Service.URGENT_CARE: ServiceShape(
            550, ((0, 1.8), (5, 0.8), (15, 1.0), (45, 0.8), (65, 0.9), (85, 1.4), (104, 1.4)),
            1.1, 0.1, 0.8,
            (Item("UTC", "UTC", 9000, 0.30), Item("OOH", "OOH", 8000, 0.20), Item("NHS111", "111", 2000, 0.50)),
            0.0, ("RX101", "RY101"), "ECDS",
        ),
        Service.OUTPATIENT: ServiceShape(
            1600, ((0, 0.9), (5, 0.5), (15, 0.7), (25, 0.9), (45, 1.4), (65, 2.3), (75, 2.8), (85, 2.5), (104, 2.0)),
            1.3, 0.3, 0.8,
            (Item("WF01A", "OPFA", 20000, 0.35), Item("WF01B", "OPFUP", 11500, 0.55), Item("WF02A", "OPPROC", 23000, 0.10)),
            0.0, _ACUTE_TRUSTS, "SUS-OP",
        ),
        Service.DIAGNOSTICS: ServiceShape(
            500, ((0, 0.3), (15, 0.5), (30, 0.8), (50, 1.3), (65, 2.0), (80, 2.3), (104, 2.0)),
            1.1, 0.3, 0.8,
            (Item("RD01A", "XRAY", 3500, 0.40), Item("RD40Z", "US", 6000, 0.30), Item("RD20A", "CT", 10000, 0.18),
             Item("RD01A-MR", "MRI", 15000, 0.12)),
            0.0, _ACUTE_TRUSTS, "DID",
        ),
        Service.DAY_CASE: ServiceShape(
            150, ((0, 0.3), (15, 0.4), (35, 0.7), (50, 1.2), (65, 2.2), (75, 2.6), (85, 2.0), (104, 1.4)),
            1.0, 0.3, 1.0,
            (Item("FE21Z", "DC", 70000, 0.45, "11"), Item("BZ34C", "DC", 90000, 0.25, "11"), Item("SA17H", "DC", 120000, 0.30, "12")),
            0.35, _ACUTE_TRUSTS, "SUS-APC",
        ),
        Service.ELECTIVE: ServiceShape(
            25, ((0, 0.2), (15, 0.4), (35, 0.6), (50, 1.1), (65, 2.2), (75, 2.6), (85, 1.6), (104, 1.0)),
            1.0, 0.25, 1.0,
            (Item("HN12F", "EL", 600000, 0.35, "11"), Item("HN22D", "EL", 550000, 0.20, "11"), Item("FF62C", "EL", 300000, 0.45, "12")),
            0.5, _ACUTE_TRUSTS, "SUS-APC",
        ),
        Service.EMERGENCY_ADMISSION: ServiceShape(
            105, ((0, 0.8), (5, 0.25), (15, 0.35), (25, 0.4), (45, 0.6), (65, 1.3), (75, 2.6), (85, 4.5), (95, 5.5), (104, 5.5)),
            1.2, 0.45, 1.3,
            (Item("NEL-SHORT", "NEL", 120000, 0.45, "21"), Item("NEL-MED", "NEL", 280000, 0.40, "21"),
             Item("NEL-LONG", "NEL", 650000, 0.15, "22")),
            0.7, _ACUTE_TRUSTS, "SUS-APC",
        ),
        Service.AE: ServiceShape(
            420, ((0, 1.6), (5, 0.8), (15, 1.1), (25, 1.0), (45, 0.8), (65, 0.9), (75, 1.4), (85, 2.2), (104, 2.5)),
            1.0, 0.2, 1.1,
            (Item("VB07Z", "AE-T1", 18000, 0.45), Item("VB04Z", "AE-T1", 28000, 0.30), Item("VB11Z", "AE-T3", 9000, 0.25)),
            0.0, _ACUTE_TRUSTS, "ECDS",
        ),
        Service.SOCIAL_CARE: ServiceShape(
            215, ((0, 0.1), (18, 0.3), (50, 0.5), (65, 1.5), (75, 5.0), (85, 20.0), (95, 40.0), (104, 40.0)),
            1.0, 0.6, 1.6,
            (Item("HOMECARE-M", "ASC", 110000, 0.55), Item("RESCARE-M", "ASC", 350000, 0.30), Item("DAYCARE-M", "ASC", 40000, 0.15)),
            0.4, ("LA101",), "ASC-CLD",
        ),
        Service.PUBLIC_HEALTH: ServiceShape(
            1000, ((0, 4.0), (5, 1.0), (15, 0.5), (40, 0.8), (65, 1.5), (104, 1.2)),
            1.3, 0.1, 0.3,
            (Item("IMMS", "PH", 1500, 0.35), Item("HEALTHCHECK", "PH", 3500, 0.15), Item("SCREEN", "PH", 5000, 0.15),
             Item("SEXUAL-HEALTH", "PH", 12000, 0.20), Item("DRUG-ALCOHOL", "PH", 13000, 0.15)),
            0.0, ("LA101",), "PH",
        ),
        Service.END_OF_LIFE: ServiceShape(
            12, ((0, 0.05), (40, 0.2), (60, 1.0), (75, 3.0), (85, 6.0), (104, 8.0)),
            1.0, 1.2, 1.2,
            (Item("HOSPICE-IP", "EOL", 350000, 0.4), Item("PALL-COMM", "EOL", 90000, 0.6)),
            0.4, ("HOS01",), "HOSPICE",
        ),
        Service.OTHER: ServiceShape(
            160, ((0, 0.8), (15, 0.6), (45, 0.8), (65, 1.6), (80, 3.0), (90, 4.5), (104, 4.5)),
            1.0, 0.3, 1.1,
            (Item("AMB-CONV", "AMB", 40000, 0.5), Item("AMB-HT", "AMB", 25000, 0.2), Item("PTS", "PTS", 6000, 0.3)),
            0.0, ("RAMB1",), "AMB",
        ),
    }
)

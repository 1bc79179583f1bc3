"""A realistic ``ReportData`` for report tests: a full-form MCP with two settled years.

The statements are real ``Statement`` values built the way ``money.settle`` builds them
(budget, performance withhold and earn-back, acute risk share, contingency memo, deficit,
total memo), so their payable lines add up to the penny or construction fails. The
population deliberately holds small counts (1-7) and counts that are not multiples of 5,
so that a disclosure scan that finds none of them in a published report means something.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal

from wholepop.money.pence import D, allocate, to_pence
from wholepop.money.statement import (
    BudgetPart,
    HubBudget,
    MetricResult,
    PartyShare,
    PerformancePart,
    RiskSharePart,
    Statement,
    StatementLine,
)
from wholepop.report.data import (
    Concentration,
    ContractSummary,
    DataQuality,
    HubRow,
    InputFile,
    LedgerVersion,
    LorenzPoint,
    PyramidRow,
    ReportData,
    SegmentRow,
    ServiceRow,
)
from wholepop.vocab import Form, Segment, Service, Sex

CONTRACT = "Ludley MCP"
HUBS = (("Ludley North", Decimal("46210.40")), ("Ludley South", Decimal("41877.15")),
        ("Riverside", Decimal("38904.90")), ("Hillcrest", Decimal("33102.55")))
AGE_BANDS = tuple(f"{a}-{a + 4}" for a in range(0, 90, 5)) + ("90+",)

# Counts that a published report must never show as they are.
SMALL_COUNT = 3  # sex-unknown people aged 0-4
UNATTRIBUTED_ROWS = 6
VERY_HIGH_NEEDS_PEOPLE = 1237


def _pyramid() -> tuple[PyramidRow, ...]:
    rows = []
    for i, band in enumerate(AGE_BANDS):
        # a plausible English list shape: flat to 50, tapering after; women outlive men
        base = 5400 + 137 * min(i, 10) - 330 * max(i - 10, 0) ** 1.35
        female = int(base * (1 + 0.02 * max(i - 12, 0))) + i % 4
        male = int(base * (1 - 0.03 * max(i - 12, 0))) + (i * 7) % 5
        rows.append(PyramidRow(band, Sex.FEMALE, max(female, 211)))
        rows.append(PyramidRow(band, Sex.MALE, max(male, 97)))
    rows.append(PyramidRow(AGE_BANDS[0], Sex.UNKNOWN, SMALL_COUNT))
    rows.append(PyramidRow(AGE_BANDS[1], Sex.UNKNOWN, 0))
    return tuple(rows)


def _metrics(year: int) -> tuple[MetricResult, ...]:
    values = {2027: ("101.3", "0.79", "0.842"), 2028: ("97.6", "0.83", "0.701")}[year]
    specs = (
        ("emergency_admissions_per_1000", values[0], "105.0", "95.0", "0.4", False),
        ("extensive_care_coverage", values[1], "0.60", "0.90", "0.3", True),
        ("patient_experience", values[2], "0.65", "0.85", "0.3", False),
    )
    out = []
    for mid, value, lower, upper, weight, gateway in specs:
        a = (D(value) - D(lower)) / (D(upper) - D(lower))
        a = min(max(a, Decimal(0)), Decimal(1))
        out.append(MetricResult(mid, value, lower, upper, weight, str(a.normalize()), gateway,
                                "measures" if mid == "patient_experience" else "computed"))
    return tuple(out)


def statement(year: int) -> Statement:
    """A settled year whose payable lines add up (``Statement`` checks it)."""
    budget_pence = {2027: 18_234_567_891, 2028: 18_861_204_377}[year]
    hub_pence = allocate(budget_pence, [w for _, w in HUBS])
    by_hub = tuple(HubBudget(h, str(w), p) for (h, w), p in zip(HUBS, hub_pence))
    instalments = tuple(allocate(budget_pence, [1] * 12))
    metrics = _metrics(year)
    achievement = sum((D(m.weight) * D(m.achievement) for m in metrics), Decimal(0)).normalize()
    at_stake = to_pence(D(budget_pence) * D("0.05"))
    payment = to_pence(D(at_stake) * achievement)
    target = {2027: 9_412_334_100, 2028: 9_771_502_260}[year]
    actual = {2027: 9_118_904_512, 2028: 9_902_117_045}[year]
    variance = target - actual
    provider = to_pence(D(variance) * D("0.5") * (achievement if variance > 0 else Decimal(1)))
    rest = variance - provider
    parties = (PartyShare("provider", provider),
               *(PartyShare(p, x) for p, x in zip(("commissioner", "acute_provider"), allocate(rest, [1, 1]))))
    contingency = to_pence(D(budget_pence) * D("0.005"))
    deficit = {2027: 0, 2028: -41_250_000}[year]
    lines = [
        StatementLine("budget", "Whole-population budget", budget_pence,
                      f"baseline spend per weighted head x weighted population {sum(w for _, w in HUBS)} x uplift", True),
        StatementLine("performance", "Performance withhold", -at_stake, f"5% of budget {budget_pence} pence", True),
        StatementLine("performance", "Performance payment earned", payment,
                      f"withhold {at_stake} x weighted achievement {achievement}", True),
        StatementLine("risk_share", "Acute target", target, "baseline acute spend per weighted head x growth 3.5%"),
        StatementLine("risk_share", "Acute actual", actual, "acute activity cost of the registered population"),
        StatementLine("risk_share", "Provider share of acute variance", provider,
                      f"variance {variance} x 50% band share" + (f" x achievement {achievement}" if variance > 0 else ""), True),
        StatementLine("contingency", "Commissioner contingency (memo)", contingency, f"0.5% of budget {budget_pence}"),
    ]
    if deficit:
        lines.append(StatementLine("deficit", "Deficit transfer", deficit, "agreed repayment of the 2027 deficit plan", True))
    total = sum(line.amount_pence for line in lines if line.payable)
    lines.append(StatementLine("total", "Total payable", total, "sum of the payable lines"))
    return Statement(
        contract=CONTRACT, form=Form.FULL.value, year=year,
        budget=BudgetPart(budget_pence, by_hub, instalments),
        performance=PerformancePart(at_stake, str(achievement), payment, "withhold", False, metrics),
        risk_share=RiskSharePart("acute", target, actual, variance, provider, parties),
        contingency_pence=contingency, deficit_pence=deficit, total_payable_pence=total, lines=tuple(lines),
    )


def report_data(restricted: bool = False) -> ReportData:
    """The fixture: report year 2028, settled years 2027 and 2028."""
    pyramid = _pyramid()
    people = sum(r.people for r in pyramid)
    services = []
    for i, s in enumerate(Service):
        baseline = 4_000 + 9_731 * ((i * 7) % 15)
        services.append(ServiceRow(s, baseline + (i % 5 - 1) * 1_217, baseline))
    return ReportData(
        contract=ContractSummary(CONTRACT, Form.FULL, 2027, 15, 2026),
        year=2028,
        practices=23,
        # everyone registered all year: person-months = 12 x people, split by weighted population
        hubs=tuple(HubRow(h, pm, w) for (h, w), pm in zip(HUBS, allocate(12 * people, [w for _, w in HUBS]))),
        pyramid=pyramid,
        segments=(
            SegmentRow(Segment.VERY_HIGH_NEEDS, VERY_HIGH_NEEDS_PEOPLE, 3_912_004_518),
            SegmentRow(Segment.ONGOING_NEEDS, 41_883, 8_604_118_290),
            SegmentRow(Segment.SELF_LIMITING, 58_212, 3_301_557_102),
            SegmentRow(Segment.STAYING_WELL, people - VERY_HIGH_NEEDS_PEOPLE - 41_883 - 58_212, 1_207_330_981),
        ),
        concentration=Concentration(Decimal("0.212"), Decimal("0.301"), Decimal("0.463"), Decimal("0.741")),
        lorenz=tuple(LorenzPoint(D(p), D(s)) for p, s in (
            ("0", "0"), ("0.01", "0.212"), ("0.02", "0.301"), ("0.05", "0.463"), ("0.1", "0.588"),
            ("0.2", "0.741"), ("0.5", "0.931"), ("0.8", "0.991"), ("1", "1"))),
        services=tuple(services),
        statements=(statement(2027), statement(2028)),
        ledger=(
            LedgerVersion(CONTRACT, 2027, 1, "superseded", "2028-06-02T10:14:03Z", "first settlement"),
            LedgerVersion(CONTRACT, 2027, 2, "current", "2028-07-19T09:01:44Z", "corrected community activity feed"),
            LedgerVersion(CONTRACT, 2028, 1, "current", "2029-06-05T16:40:12Z", "first settlement"),
        ),
        inputs=tuple(InputFile(t, f"data/{t}.parquet", hashlib.sha256(t.encode()).hexdigest())
                     for t in ("practices", "memberships", "patients", "registrations", "activity", "conditions")),
        quality=DataQuality(UNATTRIBUTED_ROWS, 1_234_567, (
            "registrations row 14 column to_date: 2028-02-30 is not a date (expected YYYY-MM-DD)",
            "practices: hub Hillcrest is below the 30,000 guide size",
        )),
        restricted=restricted,
    )

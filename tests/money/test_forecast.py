"""In-year forecast outturn (issue 16.1), on a constructed case.

Year 2027 repeats the baseline month by month with every cost doubled: its months match
the baseline's profile exactly. Six months of it, forecast to the year (observed spend
and counts / the baseline's share of them in months 1-6), must give the statement the
whole year settles to, penny for penny.
"""

from __future__ import annotations

import datetime as dt

from conftest import write_tables
from wholepop.money.forecast import forecast_facts
from wholepop.pipeline import forecast, prepare, settle

CONTRACT = """
[contract]
name = "Forecast MCP"
form = "full"
start_year = 2027
term_years = 3
baseline_year = 2026
min_population = 0

[scope]
services = ["community"]

[budget]
uplift = 0.02
efficiency = 0
need_weighting = "age_sex"
unregistered = "none"

[performance]
share = 0.05
[[performance.metrics]]
id = "emergency_admissions_per_1000"
weight = 1
lower = 105
upper = 95
standardise = "age_sex"

[risk_share]
basis = ["outpatient", "emergency_admission"]
target_growth = 0.0
corridor = 0
bands = [ { upto = 1.0, provider_share = 0.5 } ]
parties = { commissioner = 1.0 }
"""

LINES = {"community": 1000, "outpatient": 9000, "emergency_admission": 250_000}


def activity(months_2027: int) -> str:
    """Baseline 2026: in month m, (m % 3) + 1 contacts a line for each of three people,
    costing the line's price + 10 p x m; 2027 the same contacts at twice the cost, for
    its first ``months_2027`` months."""
    rows = ["patient_id,date,service,cost_pence"]
    for year, factor, months in ((2026, 1, 12), (2027, 2, months_2027)):
        for m in range(1, months + 1):
            day = dt.date(year + (m > 9), (m + 2) % 12 + 1, 10)
            for service, price in LINES.items():
                for person in ("1", "2", "3"):
                    for _ in range(m % 3 + 1):
                        rows.append(f"{person},{day},{service},{(price + 10 * m) * factor}")
    return "\n".join(rows)


def folder(tmp_path, name: str, months_2027: int, covered_to: str):
    data = write_tables(tmp_path / name, {
        "practices": "practice_code,practice_name,hub\nA,Alpha,H\nB,Beta,H",
        "memberships": "practice_code,from_date,to_date,integration\nA,2026-04-01,,full\nB,2026-04-01,,full",
        "patients": "patient_id,sex,birth_year\n1,F,1950\n2,M,1990\n3,F,2010",
        "registrations": "patient_id,practice_code,from_date,to_date\n1,A,2020-01-01,\n2,B,2020-01-01,\n3,B,2020-01-01,",
        "activity": activity(months_2027),
        "coverage": f"table_name,from_date,to_date\nactivity,2026-04-01,{covered_to}",
    })
    (data / "contract.toml").write_text(CONTRACT)
    return data


def test_six_months_forecast_to_the_full_year_statement(tmp_path):
    full_run = prepare(*(lambda d: (d, d / "contract.toml"))(folder(tmp_path, "full", 12, "2028-03-31")))
    half_run = prepare(*(lambda d: (d, d / "contract.toml"))(folder(tmp_path, "half", 6, "2027-09-30")))
    try:
        assert half_run.year_coverage(2027).observed == 6
        full = settle(full_run, 2027)
        fc = forecast(half_run, 2027)
        # The baseline's spend share of months 1-6 on each line, e.g. community:
        # rows per person in months 1..12 are 2,3,1,2,3,1,... ; cost (1000 + 10m) each.
        # months 1-6: 3 x (2x1010 + 3x1020 + 1x1030 + 2x1040 + 3x1050 + 1x1060) = 3 x 12,400 = 37,200
        # months 7-12: 3 x (2x1070 + 3x1080 + 1x1090 + 2x1100 + 3x1110 + 1x1120) = 3 x 13,120 = 39,360
        # share = 37,200 / 76,560; forecast = observed 2 x 37,200 / share = 2 x 76,560 = the full year.
        shares = dict(fc.extra["forecast"]["spend_share"])
        from decimal import Decimal

        assert Decimal(shares["community"]) == Decimal(37_200) / Decimal(76_560)
        assert fc.extra["kind"] == "forecast" and "kind" not in full.extra
        assert fc.lines[0].section == "memo" and fc.lines[0].item.startswith("forecast outturn") and not fc.lines[0].payable
        assert [(x.item, x.amount_pence) for x in fc.lines[1:]] == [(x.item, x.amount_pence) for x in full.lines]
        assert fc.total_payable_pence == full.total_payable_pence
        assert fc.performance.metrics == full.performance.metrics
        assert fc.risk_share == full.risk_share
    finally:
        full_run.close()
        half_run.close()


def test_the_forecast_scales_spend_and_counts_by_line(tmp_path):
    """At the facts level: the half year's spend and events, scaled, are the full year's."""
    full_run = prepare(*(lambda d: (d, d / "contract.toml"))(folder(tmp_path, "full", 12, "2028-03-31")))
    half_run = prepare(*(lambda d: (d, d / "contract.toml"))(folder(tmp_path, "half", 6, "2027-09-30")))
    try:
        want = full_run.facts((2026, 2027))
        got, how = forecast_facts(half_run.facts((2026, 2027)), half_run.coverage, 2027, 2026, 6)
        assert how.observed == 6 and how.unscaled == ()
        assert {k: v for k, v in got.spend.items() if k[0] == 2027} == {k: v for k, v in want.spend.items() if k[0] == 2027}
        assert {k: v for k, v in got.events.items() if k[0] == 2027} == {k: v for k, v in want.events.items() if k[0] == 2027}
    finally:
        full_run.close()
        half_run.close()


def test_a_month_cut_short_by_the_extract_is_set_aside_not_counted(tmp_path):
    """The extract stops on 14 October 2027: October's rows so far (the 10th) are in the
    data but the month is not wholly in hand. They are set aside and October is forecast
    with the rest, so the forecast is still the full year's statement."""
    import shutil

    full_run = prepare(*(lambda d: (d, d / "contract.toml"))(folder(tmp_path, "full", 12, "2028-03-31")))
    cut = folder(tmp_path, "cut", 7, "2027-10-14")  # months 1-7 of activity, October cut short
    cut_run = prepare(cut, cut / "contract.toml")
    try:
        assert cut_run.year_coverage(2027).observed == 6
        full = settle(full_run, 2027)
        fc = forecast(cut_run, 2027)
        assert [(x.item, x.amount_pence) for x in fc.lines[1:]] == [(x.item, x.amount_pence) for x in full.lines]
        # 3 people x (7 % 3 + 1 = 2) contacts x 3 lines in October
        assert fc.extra["forecast"]["rows_set_aside"] == 18
        assert "18 activity rows after month 6 were set aside" in fc.lines[0].basis
    finally:
        full_run.close()
        cut_run.close()
        shutil.rmtree(cut, ignore_errors=True)

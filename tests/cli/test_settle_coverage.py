"""No settlement on data that does not cover the year (issue 16.1), through the CLI.

A synthetic MCP of 3,000 people has hundreds of rows a month on its main lines, enough
to judge every month against the baseline's ``[coverage] min_rows`` (30). Each case
copies the folder and takes something away; each refusal exits 1, names the months and
leaves the ledger exactly as it was.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import shutil
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from wholepop.inputs.coverage import declared_table
from wholepop.synth import generate


@pytest.fixture(scope="module")
def mcp(tmp_path_factory) -> Path:
    return generate(tmp_path_factory.mktemp("mcp") / "data", population=3000, years=3, start_year=2027, seed=11)


def variant(mcp: Path, to: Path, keep=None, coverage: tuple[dt.date, dt.date] | None = None, measures=None) -> Path:
    """A copy of the synthetic folder with activity rows ``keep`` (a pyarrow filter),
    another declared coverage, or other measures."""
    shutil.copytree(mcp, to)
    if keep is not None:
        a = pq.read_table(mcp / "activity.parquet")
        pq.write_table(a.filter(keep(a)), to / "activity.parquet")
    if coverage is not None:
        pq.write_table(declared_table(*coverage), to / "coverage.parquet")
    if measures is not None:
        m = pq.read_table(mcp / "measures.parquet")
        pq.write_table(m.filter(measures(m)), to / "measures.parquet")
    return to


def before(day: str):
    return lambda a: pc.less_equal(a["date"], pa.scalar(dt.date.fromisoformat(day)))


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def settle(data: Path, *args: str) -> int:
    return run_cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--quiet", *args])


@pytest.fixture
def ledger(mcp, tmp_path) -> Path:
    """A ledger holding a settled 2027, to show that a refusal leaves it unchanged."""
    path = tmp_path / "ledger.duckdb"
    assert settle(mcp, "--year", "2027", "--ledger", str(path)) == 0
    return path


def test_a_year_with_no_data_is_refused_and_the_ledger_is_unchanged(mcp, tmp_path, ledger, capsys):
    data = variant(mcp, tmp_path / "two-years", keep=before("2028-03-31"))
    was = digest(ledger)
    capsys.readouterr()
    assert settle(data, "--year", "2028", "--ledger", str(ledger)) == 1
    err = capsys.readouterr().err
    assert "cannot settle 2028" in err and "contract year 2028 has no activity" in err
    assert digest(ledger) == was


def test_half_a_year_declared_complete_is_refused_naming_the_missing_months(mcp, tmp_path, ledger, capsys):
    # The data stops on 30 September 2028, though the folder declares it complete to 2030.
    data = variant(mcp, tmp_path / "half", keep=before("2028-09-30"))
    assert pq.read_table(data / "coverage.parquet")["to_date"][0].as_py() == dt.date(2030, 3, 31)
    was = digest(ledger)
    capsys.readouterr()
    assert settle(data, "--year", "2028", "--ledger", str(ledger)) == 1
    err = capsys.readouterr().err
    assert "no activity at all in months 7-12 (October 2028-March 2029)" in err
    assert "--in-year` forecasts the outturn from months 1-6" in err
    assert digest(ledger) == was


def test_a_year_past_the_declared_coverage_is_refused(mcp, tmp_path, capsys):
    data = variant(mcp, tmp_path / "declared", coverage=(dt.date(2026, 4, 1), dt.date(2028, 12, 31)))
    assert settle(data, "--year", "2028") == 1
    assert "runs past the declared coverage of activity: months 10-12 (January 2029-March 2029) not covered" in capsys.readouterr().err
    assert settle(data, "--year", "2027") == 0


def test_one_line_missing_one_month_is_refused(mcp, tmp_path, capsys):
    # No outpatient activity in August 2027 (month 5 of contract year 2027).
    def keep(a):
        august = pc.and_(pc.greater_equal(a["date"], pa.scalar(dt.date(2027, 8, 1))),
                         pc.less_equal(a["date"], pa.scalar(dt.date(2027, 8, 31))))
        return pc.invert(pc.and_(august, pc.equal(a["service"], "outpatient")))

    data = variant(mcp, tmp_path / "hole", keep=keep)
    assert settle(data, "--year", "2027") == 1
    err = capsys.readouterr().err
    assert "contract year 2027 has no outpatient activity in month 5 (August 2027), where the baseline had" in err
    assert "at all" not in err


def test_a_missing_measure_is_refused_and_the_ledger_is_unchanged(mcp, tmp_path, ledger, capsys):
    data = variant(mcp, tmp_path / "no-measure", measures=lambda m: pc.not_equal(m["year"], 2028))
    was = digest(ledger)
    assert settle(data, "--year", "2028", "--ledger", str(ledger)) == 1
    assert "no value for metric 'patient_experience' in contract year 2028" in capsys.readouterr().err
    assert digest(ledger) == was


def test_settle_without_a_year_skips_a_partial_last_year_and_says_so(mcp, tmp_path, capsys):
    data = variant(mcp, tmp_path / "partial", keep=before("2028-09-30"))
    assert settle(data) == 0
    out = capsys.readouterr()
    assert "2027:" in out.out and "2028" not in out.out
    assert "skipped 2028: a partial year (2028 months 1-6)" in " ".join(out.err.split())


def test_in_year_forecasts_a_part_year_and_says_so(mcp, tmp_path, capsys):
    import json

    data = variant(mcp, tmp_path / "in-year", keep=before("2028-09-30"))
    out = tmp_path / "forecast.json"
    assert settle(data, "--year", "2028", "--in-year", "--json", str(out)) == 0
    assert "2028 FORECAST:" in capsys.readouterr().out
    s = json.loads(out.read_text())
    assert s["extra"]["kind"] == "forecast" and s["extra"]["forecast"]["months_observed"] == 6
    assert s["lines"][0]["basis"].startswith("FORECAST, not a settlement: months 1-6 (April 2028-September 2028) observed")
    # with a ledger the forecast is recorded as a forecast: listed apart, never a settlement
    from wholepop.ledger import list_forecasts, list_settlements

    ledger = tmp_path / "l.duckdb"
    assert settle(data, "--year", "2028", "--in-year", "--ledger", str(ledger)) == 0
    assert "forecast 1 written" in capsys.readouterr().out
    assert list_settlements(ledger) == ()
    (stored,) = list_forecasts(ledger)
    assert stored.year == 2028 and stored.kind == "forecast"


def test_in_year_refuses_a_missing_measure_as_a_settlement_does(mcp, tmp_path, capsys):
    data = variant(mcp, tmp_path / "in-year-no-measure", keep=before("2028-09-30"),
                   measures=lambda m: pc.not_equal(m["year"], 2028))
    assert settle(data, "--year", "2028", "--in-year") == 1
    assert "no value for metric 'patient_experience' in contract year 2028" in capsys.readouterr().err

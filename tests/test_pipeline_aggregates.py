"""`wholepop population` and the report read one aggregate (`pipeline.year_aggregates`),
and the follow-the-GP rule has one home (`population.spans`)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from conftest import run_cli
from wholepop.pipeline import prepared
from wholepop.population.spans import leaves_within_follow_gp
from wholepop.report.gather import gather_run


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    from wholepop.synth import generate

    folder = tmp_path_factory.mktemp("agg")
    data = generate(folder / "data", population=1500, years=1, seed=7)
    ledger = folder / "wholepop.duckdb"
    assert run_cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(ledger),
                    "--year", "2027", "--quiet"]) == 0
    return data, ledger


def test_population_command_and_report_agree(settled, tmp_path):
    data, ledger = settled
    contract = data / "contract.toml"
    out = tmp_path / "pop.json"
    assert run_cli(["population", "--data", str(data), "--contract", str(contract), "--year", "2027", "--json", str(out)]) == 0
    doc = json.loads(out.read_text())
    with prepared(data, contract, years=(2027,)) as run:
        report = gather_run(run, ledger, 2027)
    assert [h.hub for h in report.hubs] == [h["hub"] for h in doc["hubs"]]
    assert [h.person_months for h in report.hubs] == [round(h["person_months"]) for h in doc["hubs"]]
    assert {(s.segment.value, s.people, s.spend_pence) for s in report.segments} == {
        (s["segment"], s["people"], s["spend_pence"]) for s in doc["segments"] if s["people"]
    }
    assert report.quality.unattributed_rows == doc["unattributed_activity_rows"]
    assert report.practices == len(doc["practices"]) > 0
    assert float(report.concentration.top_5) == pytest.approx(doc["concentration"]["top_5"], abs=1e-4)


def test_patients_follow_the_gp_only_within_two_years_of_full_integration():
    """A practice full from the first contract day (1 April 2027) whose full span ends on
    31 March 2029 leaves within the window (its patients go with it); one ending on 1 April
    2029 does not. One that became full on 1 October 2028: the window runs to 30 September 2030."""
    start = dt.date(2027, 4, 1)
    assert leaves_within_follow_gp(start, dt.date(2029, 3, 31)) is True
    assert leaves_within_follow_gp(start, dt.date(2029, 4, 1)) is False
    assert leaves_within_follow_gp(dt.date(2028, 10, 1), dt.date(2030, 9, 30)) is True
    assert leaves_within_follow_gp(dt.date(2028, 10, 1), dt.date(2030, 10, 1)) is False


def test_an_error_that_blocks_only_money_does_not_stop_a_population_summary(settled, tmp_path, capsys):
    """Without the measures table the performance metric supplied from outside has no
    value: settling is blocked, the population summary is not (it shows the error)."""
    import shutil

    data, _ = settled
    copy = tmp_path / "data"
    shutil.copytree(data, copy)
    for f in copy.glob("measures*"):
        (shutil.rmtree if f.is_dir() else Path.unlink)(f)
    contract = copy / "contract.toml"
    capsys.readouterr()
    assert run_cli(["population", "--data", str(copy), "--contract", str(contract), "--year", "2027"]) == 0
    assert "error (blocks money): measures" in capsys.readouterr().err
    assert run_cli(["settle", "--data", str(copy), "--contract", str(contract), "--year", "2027", "--quiet"]) == 1

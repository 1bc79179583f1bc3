"""`wholepop import ...` and `wholepop hubs` end to end, and practice populations on every engine."""

from __future__ import annotations

import csv

import pyarrow.parquet as pq

from conftest import run_cli
from tests.conftest import SHARED_DATA, write_tables
from wholepop.engine import connect
from wholepop.hubs import practice_populations
from wholepop.inputs.load import open_inputs

NHS = SHARED_DATA / "nhs"


def test_import_nhs_then_plan_hubs_for_one_icb(tmp_path, capsys):
    data = tmp_path / "data"
    assert run_cli(["import", "nhs-lists", str(NHS / "gp-reg-pat-prac-quin-age-2026-07.zip"), "--out", str(data)]) == 0
    assert run_cli([
        "import", "nhs-map", str(NHS / "gp-reg-pat-prac-map-2026-07.zip"), "--out", str(data),
        "--weights", str(NHS / "weighted-populations-2024-25.csv"), "--icb", "QE1",
    ]) == 0
    assert pq.read_table(data / "list_counts.parquet").num_rows == 245_560
    assert pq.read_table(data / "practices.parquet").num_rows == 194
    out = tmp_path / "hubs.csv"
    capsys.readouterr()
    assert run_cli(["hubs", "--data", str(data), "--icb", "QE1", "--out", str(out), "--show", "0"]) == 0
    printed = capsys.readouterr().out
    assert "194 practices, 1,868,767 patients (from list_counts); band 30,000-50,000" in printed
    with open(out, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 194
    assert len({r["proposed_hub"] for r in rows}) == 48
    assert {r["hub"] for r in rows if r["practice_code"] == "A81001"} <= {"U89141"}


def test_import_nhs_lists_bad_layout_exits_1_and_writes_nothing(tmp_path, capsys):
    bad = tmp_path / "bad.csv"
    bad.write_text("A,B\n1,2\n")
    out = tmp_path / "out"
    assert run_cli(["import", "nhs-lists", str(bad), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "bad.csv row 1: unrecognised layout" in err
    assert not out.exists()


def test_import_synthea_command(tmp_path, capsys):
    out = tmp_path / "syn"
    assert run_cli(["import", "synthea", str(SHARED_DATA / "synthea"), "--out", str(out)]) == 0
    assert f"wrote {out / 'activity.parquet'} (604 rows)" in capsys.readouterr().out
    assert (out / "contract.toml").read_text().startswith("# Fitted by `wholepop import synthea`")


def test_hubs_without_coordinates_is_a_user_error(tmp_path, capsys):
    data = write_tables(tmp_path / "d", {"practices": "practice_code,practice_name,hub\nA1,One,H1\n"})
    assert run_cli(["hubs", "--data", str(data)]) == 2
    assert "no practice has coordinates" in capsys.readouterr().err


def test_practice_populations_prefers_the_latest_list(tmp_path, engine):
    folder = write_tables(
        tmp_path / "d",
        {
            "list_counts": """
                practice_code,sex,age_band,patients,extract_date
                A1,F,0_4,10,2026-04-01
                A1,M,0_4,12,2026-04-01
                A1,F,0_4,11,2026-07-01
                A1,M,0_4,13,2026-07-01
                B2,U,ALL,500,
            """,
            "weights": """
                practice_code,component,weighted_population,year
                A1,registered,99.6,2024
            """,
        },
    )
    table, source = practice_populations(open_inputs(folder, connect(engine)))
    got = sorted(tuple(r.values()) for r in table.to_pyarrow().to_pylist())
    assert (source, got) == ("list_counts", [("A1", 24), ("B2", 500)])


def test_practice_populations_falls_back_to_weights_then_registrations(tmp_path, engine):
    folder = write_tables(tmp_path / "w", {"weights": "practice_code,component,weighted_population,year\nA1,registered,99.6,2024\nA1,overall,120,2024\n"})
    table, source = practice_populations(open_inputs(folder, connect(engine)))
    assert (source, table.to_pyarrow().to_pylist()) == ("weights", [{"practice_code": "A1", "patients": 100}])
    folder = write_tables(
        tmp_path / "r",
        {"registrations": "patient_id,practice_code,from_date,to_date\n1,A1,2020-01-01,\n2,A1,2020-01-01,2021-01-01\n3,A1,2020-01-01,\n"},
    )
    table, source = practice_populations(open_inputs(folder, connect(engine)))
    assert (source, table.to_pyarrow().to_pylist()) == ("registrations", [{"practice_code": "A1", "patients": 2}])

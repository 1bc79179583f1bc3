"""Synthea CSV into the input layer: mappings, exact pence, the fitted contract, and `check`."""

from __future__ import annotations

import csv
import datetime as dt
import shutil
import textwrap
from decimal import ROUND_HALF_UP, Decimal

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import SHARED_DATA
from wholepop.contract import load_contract
from wholepop.errors import InputError
from wholepop.importers.synthea import condition_map, encounter_class_map, import_synthea, read_synthea
from wholepop.inputs import Severity, load_inputs
from wholepop.vocab import Condition, Service

SYNTHEA = SHARED_DATA / "synthea"


def test_mapping_tables_use_the_vocabularies():
    services = encounter_class_map()["service"].to_pylist()
    assert {Service(s) for s in services} <= set(Service)
    conditions = condition_map()
    assert {Condition(c) for c in conditions["condition"].to_pylist()} <= set(Condition)
    codes = conditions["snomed_code"].to_pylist()
    assert len(codes) == len(set(codes))  # one condition per code
    assert dict(zip(encounter_class_map()["encounterclass"].to_pylist(), services))["emergency"] == Service.AE


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    out = tmp_path_factory.mktemp("synthea_out")
    report = import_synthea(SYNTHEA, out)
    return out, report


def test_shared_sample_row_counts(imported):
    out, report = imported
    assert report.rows == {"patients": 27, "registrations": 27, "activity": 604, "conditions": 10, "practices": 25, "memberships": 25, "coverage": 1}
    assert {p.name for p in out.iterdir()} == {
        "patients.parquet", "registrations.parquet", "activity.parquet", "conditions.parquet",
        "practices.parquet", "memberships.parquet", "coverage.parquet", "contract.toml",
    }


def test_costs_are_exact_pence_of_total_claim_cost(imported):
    """Reference: Python Decimal, half up, over the raw CSV; the import must agree to the penny."""
    out, _ = imported
    with open(SYNTHEA / "encounters.csv", newline="") as f:
        expected = sum(int((Decimal(r["TOTAL_CLAIM_COST"]) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP)) for r in csv.DictReader(f))
    activity = pq.read_table(out / "activity.parquet")
    assert pc.sum(activity["cost_pence"]).as_py() == expected
    by_service = dict(zip(*activity.group_by("service").aggregate([("cost_pence", "sum")]).to_pydict().values(), strict=True))
    # emergency encounters are A&E; their dollars taken as pounds (268,762.45 in the sample).
    assert by_service[Service.AE.value] == 26_876_245


def test_services_follow_the_encounter_class_map(imported):
    out, _ = imported
    activity = pq.read_table(out / "activity.parquet")
    counts = dict(zip(*activity.group_by("service").aggregate([("service", "count")]).to_pydict().values(), strict=True))
    assert counts == {
        Service.PRIMARY_MEDICAL.value: 174 + 348,  # ambulatory + wellness
        Service.AE.value: 17,
        Service.EMERGENCY_ADMISSION.value: 11,
        Service.OUTPATIENT.value: 52,
        Service.URGENT_CARE.value: 2,
    }


def test_conditions_and_registrations(imported):
    out, _ = imported
    conditions = pq.read_table(out / "conditions.parquet")
    got = sorted(conditions["condition"].to_pylist())
    assert got.count(Condition.HYPERTENSION.value) == 6
    assert set(got) == {"hypertension", "chd", "copd", "asthma"}
    registrations = pq.read_table(out / "registrations.parquet")
    patients = pq.read_table(out / "patients.parquet")
    assert registrations["patient_id"].to_pylist() == patients["patient_id"].to_pylist()
    births = dict(zip(patients["patient_id"].to_pylist(), patients["birth_year"].to_pylist(), strict=True))
    for r in registrations.to_pylist():  # 27 rows
        assert r["from_date"].year == births[r["patient_id"]]
    practices = pq.read_table(out / "practices.parquet")
    assert set(practices["hub"].to_pylist()) == {"SYNTHEA-MA"}
    assert set(registrations["practice_code"].to_pylist()) == set(practices["practice_code"].to_pylist())


def test_contract_is_fitted_to_the_data(imported):
    out, _ = imported
    contract = load_contract(out / "contract.toml")
    # Activity ends 2024-02-02, in financial year 2023: the baseline is 2022.
    assert (contract.contract.baseline_year, contract.contract.start_year) == (2022, 2023)
    assert [(m.id, m.weight) for m in contract.performance.metrics] == [
        ("emergency_admissions_per_1000", Decimal("0.6")),
        ("ae_attendances_per_1000", Decimal("0.4")),
    ]
    memberships = pq.read_table(out / "memberships.parquet")
    assert set(memberships["from_date"].to_pylist()) == {dt.date(1967, 4, 1)}  # first encounter 1968-01-21


def test_import_passes_check(imported):
    out, _ = imported
    contract = load_contract(out / "contract.toml")
    _, problems = load_inputs(out, contract)
    errors = [str(p) for p in problems if p.severity is Severity.ERROR]
    assert errors == []


def _sample_copy(tmp_path, edit_encounters=None):
    folder = tmp_path / "syn"
    folder.mkdir()
    for name in ("patients", "conditions", "organizations", "encounters"):
        shutil.copy(SYNTHEA / f"{name}.csv", folder / f"{name}.csv")
    if edit_encounters:
        path = folder / "encounters.csv"
        lines = path.read_text().splitlines(keepends=True)
        lines = edit_encounters(lines)
        path.write_text("".join(lines))
    return folder


def test_unknown_encounter_class_is_located(tmp_path):
    def edit(lines):
        lines[3] = lines[3].replace(",ambulatory,", ",teleport,").replace(",wellness,", ",teleport,")
        return lines

    folder = _sample_copy(tmp_path, edit)
    with pytest.raises(InputError) as e:
        read_synthea(folder)
    assert str(e.value).startswith("encounters.csv row 4 column ENCOUNTERCLASS: 'teleport': expected an encounter class")


def test_half_pennies_round_up(tmp_path):
    """0.005 dollars is half a penny: 1p; 2.675 is 267.5p: 268p (a float would give 267)."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    (folder / "patients.csv").write_text("Id,BIRTHDATE,DEATHDATE,GENDER\np1,1950-05-01,,F\n")
    (folder / "organizations.csv").write_text("Id,NAME,CITY,STATE,ZIP,LAT,LON\no1,Surgery,Leeds,WY,LS1,53.8,-1.55\n")
    (folder / "conditions.csv").write_text("START,STOP,PATIENT,ENCOUNTER,CODE,DESCRIPTION\n2020-01-01,,p1,e1,44054006,Diabetes\n")
    (folder / "encounters.csv").write_text(
        textwrap.dedent(
            """\
            Id,START,STOP,PATIENT,ORGANIZATION,PROVIDER,PAYER,ENCOUNTERCLASS,CODE,DESCRIPTION,BASE_ENCOUNTER_COST,TOTAL_CLAIM_COST,PAYER_COVERAGE,REASONCODE,REASONDESCRIPTION
            e1,2020-01-01T10:00:00Z,,p1,o1,x,y,wellness,1,d,0,0.005,0,,
            e2,2021-06-01T10:00:00Z,,p1,o1,x,y,hospice,1,d,0,2.675,0,,
            """
        )
    )
    result = read_synthea(folder)
    activity = result.tables["activity"]
    assert activity["cost_pence"].to_pylist() == [1, 268]
    assert activity["service"].to_pylist() == [Service.PRIMARY_MEDICAL.value, Service.END_OF_LIFE.value]
    assert result.tables["conditions"].to_pylist() == [{"patient_id": "p1", "condition": "diabetes", "from_date": dt.date(2020, 1, 1)}]
    assert result.tables["practices"].to_pylist()[0]["hub"] == "SYNTHEA-WY"


def test_bad_cost_is_located(tmp_path):
    def edit(lines):
        head = lines[0].rstrip("\n").split(",")
        col = head.index("TOTAL_CLAIM_COST")
        cells = lines[2].rstrip("\n").split(",")
        cells[col] = "-5.00"
        lines[2] = ",".join(cells) + "\n"
        return lines

    with pytest.raises(InputError) as e:
        read_synthea(_sample_copy(tmp_path, edit))
    assert str(e.value) == "encounters.csv row 3 column TOTAL_CLAIM_COST: '-5.00': expected an amount of 0 or more, such as 129.16"


def test_missing_file_is_named(tmp_path):
    folder = _sample_copy(tmp_path)
    (folder / "encounters.csv").unlink()
    with pytest.raises(InputError, match=r"^encounters.csv: not found in .*a Synthea CSV export holds patients.csv, encounters.csv"):
        read_synthea(folder)

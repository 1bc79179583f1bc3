"""`wholepop import hes` on NHS England Digital's artificial HES files, and on tiny inline ones.

The counts the importer reports are checked against an independent count: the rules of
issue 19 applied to the raw rows with the plain ``csv`` module, not with the importer's
code or its engine.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import textwrap
import zipfile
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from conftest import SHARED_DATA, run_cli, write_tables

HES = SHARED_DATA / "hes"
APC, OP, AE = (HES / f"artificial_hes_{n}.csv" for n in ("apc_0102", "op_0304", "ae_0708"))
NO_PRACTICE = {"", "&", "V81997", "V81998", "V81999"}


def _rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _date(text: str) -> dt.date | None:
    try:
        d = dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        return None
    return d if d.year >= 1900 else None


def _age(text: str) -> int | None:
    try:
        x = float(text)
    except ValueError:
        return None
    if 7001 <= x <= 7007:
        return 0
    return int(x) if x == int(x) and 0 <= x <= 120 else None


def _independent_count() -> dict[str, Counter]:
    """Each file's rows by reason and written rows by service line, by the issue's rules.

    Admitted care: finished episodes (EPISTAT 3) with a date; one spell per (patient,
    PROCODE3, ADMIDATE); method 11-13 elective (day case with CLASSPAT 2), 21-28/2A-2D
    emergency, 31-32 and 81-83 other. Outpatients: ATTENDED 5 or 6. Then: a practice, and
    a patient with an age on some eligible row.
    """
    apc, op, ae = _rows(APC), _rows(OP), _rows(AE)
    events = []  # (dataset, patient, reason or None, service, age, practice)
    spells_seen: set[tuple] = set()
    # The first episode of a spell is the lowest EPIORDER; sort so it comes first.
    for r in sorted(apc, key=lambda r: float(r["EPIORDER"] or "inf")):
        d = _date(r["ADMIDATE"])
        if not r["PSEUDO_HESID"]:
            reason = "no_patient_id"
        elif r["EPISTAT"] != "3":
            reason = "unfinished_episode"
        elif d is None:
            reason = "no_date"
        elif (r["PSEUDO_HESID"], r["PROCODE3"], d) in spells_seen:
            reason = "later_episode"
        else:
            reason = None
        if reason is None:
            spells_seen.add((r["PSEUDO_HESID"], r["PROCODE3"], d))
        m = r["ADMIMETH"]
        if m in ("11", "12", "13"):
            service = "day_case" if r["CLASSPAT"] == "2" else "elective"
        elif m in {"21", "22", "23", "24", "25", "26", "27", "28", "2A", "2B", "2C", "2D"}:
            service = "emergency_admission"
        elif m in ("31", "32", "81", "82", "83"):
            service = "other"
        else:
            service = None
            reason = reason or "unknown_admission_method"
        events.append(("apc", r["PSEUDO_HESID"], reason, service, _age(r["STARTAGE"]), r["GPPRAC"]))
    for r in op:
        reason = None if _date(r["APPTDATE"]) else "no_date"
        if reason is None and r["ATTENDED"] not in ("5", "6"):
            reason = "not_attended"
        events.append(("op", r["PSEUDO_HESID"], reason, "outpatient", _age(r["APPTAGE"]), r["GPPRAC"]))
    for r in ae:
        reason = None if _date(r["ARRIVALDATE"]) else "no_date"
        events.append(("ae", r["PSEUDO_HESID"], reason, "ae", _age(r["ARRIVALAGE"]), r["GPPRAC"]))
    events = [(ds, p, reason or ("no_practice" if prac.strip() in NO_PRACTICE else None), svc, age, prac) for ds, p, reason, svc, age, prac in events]
    aged = {p for _, p, reason, _, age, _ in events if reason is None and age is not None}
    counts: dict[str, Counter] = {ds: Counter() for ds in ("apc", "op", "ae")}
    for ds, p, reason, svc, _, _ in events:
        reason = reason or (None if p in aged else "no_age")
        counts[ds][reason or "written"] += 1
        if reason is None:
            counts[ds][f"service:{svc}"] += 1
    return counts


@pytest.fixture(scope="module")
def imported(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("hes") / "data"
    code = run_cli(["import", "hes", "--apc", str(APC), "--op", str(OP), "--ae", str(AE), "--out", str(out)])
    assert code == 0
    return out


def test_every_row_is_written_or_excluded_with_a_reason_and_counts_match_an_independent_count(imported):
    report = json.loads((imported / "hes_import_report.json").read_text())
    expected = _independent_count()
    by_dataset = {d["dataset"]: d for d in report["datasets"]}
    for ds, path in (("apc", APC), ("op", OP), ("ae", AE)):
        d = by_dataset[ds]
        assert d["rows_read"] == len(_rows(path))  # 2,075 / 1,000 / 1,000
        assert sum(d["reasons"].values()) == d["rows_read"]
        reasons = {k: v for k, v in d["reasons"].items() if v}
        assert reasons == {k: v for k, v in expected[ds].items() if not k.startswith("service:")}
        assert d["services"] == {k.removeprefix("service:"): v for k, v in expected[ds].items() if k.startswith("service:")}
    # The counts the sample gives, for a reader of this test: 16 unfinished episodes, 182
    # outpatient appointments not attended, 59 A&E rows with GPPRAC "&".
    assert by_dataset["apc"]["reasons"]["unfinished_episode"] == 16
    assert by_dataset["op"]["reasons"]["not_attended"] == 40 + 91 + 51 + 0  # ATTENDED 2, 3, 4
    assert by_dataset["ae"]["reasons"]["no_practice"] == 59
    activity = pq.read_table(imported / "activity.parquet")
    assert activity.num_rows == sum(d["reasons"]["written"] for d in report["datasets"])


def test_the_folder_passes_check_and_says_per_head_rests_on_hospital_users(imported, capsys):
    assert run_cli(["check", "--data", str(imported)]) == 0
    printed = capsys.readouterr().out
    assert "0 errors, 0 warnings" in printed  # none before its patient's birth year, say
    report = json.loads((imported / "hes_import_report.json").read_text())
    assert any("hospital users only" in w for w in report["warnings"])
    assert any("ILLUSTRATIVE" in w for w in report["warnings"])
    patients = pq.read_table(imported / "patients.parquet")
    activity = pq.read_table(imported / "activity.parquet")
    assert set(patients["patient_id"].to_pylist()) == set(activity["patient_id"].to_pylist())
    # Coverage: the financial years of the data (the earliest admission is in 1996/97, the
    # last A&E arrival in March 2008).
    cov = imported / "coverage.parquet"
    rows = pq.read_table(cov).to_pylist() if cov.exists() else _rows(imported / "coverage.csv")
    assert [(r.get("table_name", r.get("table")), str(r["from_date"]), str(r["to_date"])) for r in rows] == [
        ("activity", "1996-04-01", "2008-03-31")
    ]


def test_shipped_costs_are_the_illustrative_national_averages(imported):
    """A&E at £148 and an outpatient attendance at £120 (Reference Costs 2016/17)."""
    activity = pq.read_table(imported / "activity.parquet").to_pylist()
    costs = {(r["service"], r["pod"]): r["cost_pence"] for r in activity}
    assert costs[("ae", "ae")] == 148_00
    assert costs[("outpatient", "outpatient_first")] == 120_00
    assert costs[("elective", "elective_inpatient")] == 3_684_00
    assert costs[("day_case", "day_case")] == 738_00
    assert costs[("emergency_admission", "non_elective")] == 1_590_00


APC_HEADER = "PSEUDO_HESID,ADMIDATE,ADMIMETH,CLASSPAT,EPIORDER,EPISTART,EPISTAT,EPIKEY,STARTAGE,SEX,GPPRAC,PROCODE3,SUSHRG,TRETSPEF"


def _csv(path: Path, text: str) -> Path:
    path.write_text(textwrap.dedent(text).strip() + "\n")
    return path


def _report(out: Path) -> dict:
    return json.loads((out / "hes_import_report.json").read_text())["datasets"][0]


def test_a_spell_is_counted_once_on_its_first_episode(tmp_path):
    """Three episodes of one spell (same patient, provider, admission date), listed out of
    order, are one elective spell taken from EPIORDER 1; a second admission the same day at
    another provider is a spell of its own; the same patient and day at the first provider
    again is the same spell."""
    apc = _csv(tmp_path / "apc.csv", f"""
        {APC_HEADER}
        P1,2027-05-03,11,1,03,2027-05-09,3,103,70,2,A81001,RXX,,100
        P1,2027-05-03,11,1,01,2027-05-03,3,101,70,2,A81001,RXX,,100
        P1,2027-05-03,21,1,02,2027-05-06,3,102,70,2,A81001,RXX,,100
        P1,2027-05-03,21,1,01,2027-05-03,3,104,70,2,A81001,RYY,,100
    """)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--apc", str(apc), "--out", str(out)]) == 0
    d = _report(out)
    assert {k: v for k, v in d["reasons"].items() if v} == {"written": 2, "later_episode": 2}
    activity = sorted(pq.read_table(out / "activity.parquet").to_pylist(), key=lambda r: r["provider"])
    assert [(r["provider"], r["service"], r["admission_method"]) for r in activity] == [
        ("RXX", "elective", "11"),  # from the EPIORDER 01 episode, not the emergency-coded 02
        ("RYY", "emergency_admission", "21"),
    ]


def test_registrations_follow_the_practice_on_each_event(tmp_path):
    """A patient seen at A81001 in May 2027 and at B82002 in January 2028 is registered at
    A81001 from the period's start (1 April 2027) to 31 December 2027, then at B82002 to
    the period's end (31 March 2028)."""
    ae = _csv(tmp_path / "ae.csv", """
        PSEUDO_HESID,ARRIVALDATE,ARRIVALAGE,SEX,GPPRAC
        P1,2027-05-03,40,1,A81001
        P1,2028-01-01,40,1,B82002
        P2,2027-06-01,7003,2,A81001
    """)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(ae), "--out", str(out)]) == 0
    regs = sorted(pq.read_table(out / "registrations.parquet").to_pylist(), key=lambda r: (r["patient_id"], r["from_date"]))
    assert [(r["patient_id"], r["practice_code"], r["from_date"], r["to_date"]) for r in regs] == [
        ("P1", "A81001", dt.date(2027, 4, 1), dt.date(2027, 12, 31)),
        ("P1", "B82002", dt.date(2028, 1, 1), dt.date(2028, 3, 31)),
        ("P2", "A81001", dt.date(2027, 4, 1), dt.date(2028, 3, 31)),
    ]
    patients = {r["patient_id"]: r for r in pq.read_table(out / "patients.parquet").to_pylist()}
    # The earliest of 2027 - 40 and 2028 - 40: no event before the birth year.
    assert (patients["P1"]["sex"], patients["P1"]["birth_year"]) == ("M", 2027 - 40)
    assert (patients["P2"]["sex"], patients["P2"]["birth_year"]) == ("F", 2027)  # 7003: under one year
    assert run_cli(["check", "--data", str(out)]) == 0


def test_years_prices_with_hrg_and_mff(tmp_path):
    """Outside 2027/28 is excluded; an HRG price beats the pod price; MFF 1.05 on £150.00
    is £157.50; a treatment-function price applies to its function only."""
    op = _csv(tmp_path / "op.csv", """
        PSEUDO_HESID,APPTDATE,ATTENDED,FIRSTATT,APPTAGE,SEX,GPPRAC,SUSHRG,TRETSPEF
        P1,2027-04-01,5,1,30,1,A81001,WF01A,110
        P1,2027-04-02,6,2,30,1,A81001,,110
        P1,2027-04-03,5,2,30,1,A81001,,300
        P1,2028-04-01,5,1,30,1,A81001,,110
    """)
    prices = _csv(tmp_path / "prices.csv", """
        pod,hrg,treatment_function,unit_cost,mff
        outpatient_first,,,100.00,
        outpatient_first,WF01A,,150.00,1.05
        outpatient_follow_up,,,80.00,
        outpatient_follow_up,,110,90.00,
    """)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--op", str(op), "--prices", str(prices), "--years", "2027", "--out", str(out)]) == 0
    d = _report(out)
    assert {k: v for k, v in d["reasons"].items() if v} == {"written": 3, "outside_years": 1}
    costs = sorted(r["cost_pence"] for r in pq.read_table(out / "activity.parquet").to_pylist())
    # 80.00 (follow-up, function 300: the pod price); 90.00 (follow-up, function 110);
    # 150.00 x 1.05 = 157.50 (first, HRG WF01A).
    assert costs == [80_00, 90_00, 157_50]


def test_lists_from_links_activity_to_the_registered_population(tmp_path, capsys):
    lists = write_tables(tmp_path / "lists", {
        "practices": "practice_code,practice_name,hub\nA81001,One,H1\n",
        "memberships": "practice_code,from_date,integration\nA81001,2027-04-01,full\n",
        "patients": "patient_id,sex,birth_year\nP1,M,1980\n",
        "registrations": "patient_id,practice_code,from_date\nP1,A81001,2020-01-01\n",
        "activity": "patient_id,date,service,cost_pence\n",
    })
    (lists / "activity.csv").unlink()
    ae = _csv(tmp_path / "ae.csv", """
        PSEUDO_HESID,ARRIVALDATE,ARRIVALAGE,SEX,GPPRAC
        P1,2027-05-03,47,1,&
        P9,2027-05-03,40,1,A81001
    """)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(ae), "--lists-from", str(lists), "--out", str(out)]) == 0
    d = _report(out)
    # P1 is held by the lists (its practice comes from them, so '&' does not exclude it); P9 is not.
    assert {k: v for k, v in d["reasons"].items() if v} == {"written": 1, "not_in_population": 1}
    assert pq.read_table(out / "activity.parquet")["patient_id"].to_pylist() == ["P1"]
    assert (out / "patients.csv").exists() and not (out / "patients.parquet").exists()  # copied, not rebuilt
    capsys.readouterr()
    assert run_cli(["check", "--data", str(out)]) == 0


def test_zipped_input_reads_as_the_csv_does(tmp_path):
    z = tmp_path / "ae.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        f.write(AE, AE.name)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(z), "--out", str(out)]) == 0
    assert _report(out)["reasons"]["written"] == _independent_count()["ae"]["written"]


def test_a_missing_column_or_an_unpriced_pod_fails_and_writes_nothing(tmp_path, capsys):
    ae = _csv(tmp_path / "ae.csv", """
        PSEUDO_HESID,ARRIVALDATE,SEX,GPPRAC
        P1,2027-05-03,1,A81001
    """)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(ae), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "ae.csv row 1: no column for age (tried ARRIVALAGE, Age_At_Arrival); map it with --mapping" in err
    assert not out.exists()
    op = _csv(tmp_path / "op.csv", """
        PSEUDO_HESID,APPTDATE,ATTENDED,FIRSTATT,APPTAGE,SEX,GPPRAC
        P1,2027-04-01,5,1,30,1,A81001
    """)
    prices = _csv(tmp_path / "prices.csv", "pod,unit_cost_pence\noutpatient_follow_up,8000\n")
    assert run_cli(["import", "hes", "--op", str(op), "--prices", str(prices), "--out", str(out)]) == 1
    assert "no price for point of delivery outpatient_first (1 rows)" in capsys.readouterr().err
    assert not out.exists() or not any(out.iterdir())


def test_an_existing_table_in_out_is_never_overwritten(tmp_path, capsys):
    out = write_tables(tmp_path / "out", {"practices": "practice_code,practice_name,hub\nA81001,One,PCN1\n"})
    for name in ("memberships", "patients", "registrations", "activity"):
        (out / f"{name}.csv").unlink()
    ae = _csv(tmp_path / "ae.csv", """
        PSEUDO_HESID,ARRIVALDATE,ARRIVALAGE,SEX,GPPRAC
        P1,2027-05-03,40,1,A81001
    """)
    assert run_cli(["import", "hes", "--ae", str(ae), "--out", str(out)]) == 2
    assert "already holds practices.csv; write to an empty folder or remove them" in capsys.readouterr().err
    assert sorted(f.name for f in out.iterdir()) == ["practices.csv"]


def test_a_mapping_file_renames_a_source_column(tmp_path):
    ae = _csv(tmp_path / "ae.csv", """
        PERSON,ARRIVALDATE,ARRIVALAGE,SEX,GPPRAC
        P1,2027-05-03,40,1,A81001
    """)
    mapping = _csv(tmp_path / "map.toml", """
        [ae.patient_id]
        source = ["PERSON"]
    """)
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(ae), "--mapping", str(mapping), "--out", str(out)]) == 0
    assert pq.read_table(out / "activity.parquet")["patient_id"].to_pylist() == ["P1"]


def test_parquet_input_reads_as_the_csv_does(tmp_path):
    """The same A&E rows as Parquet (every column text, as a warehouse export may hold them)."""
    import duckdb

    duckdb.sql(f"COPY (SELECT * FROM read_csv('{AE}', all_varchar = true)) TO '{tmp_path / 'ae.parquet'}' (FORMAT parquet)")
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(tmp_path / "ae.parquet"), "--out", str(out)]) == 0
    reasons = {k: v for k, v in _report(out)["reasons"].items() if v}
    assert reasons == {k: v for k, v in _independent_count()["ae"].items() if not k.startswith("service:")}


def test_nothing_to_write_is_an_error_that_writes_nothing(tmp_path, capsys):
    out = tmp_path / "out"
    assert run_cli(["import", "hes", "--ae", str(AE), "--years", "2030", "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert "no row could be written; nothing was written" in err
    assert "ae: outside_years 1,000" in err  # every row, and why
    assert not out.exists()

"""`wholepop build`: real practices, synthetic patients that reproduce the published lists exactly."""

from __future__ import annotations

import textwrap

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import run_cli
from tests.conftest import SHARED_DATA
from wholepop.contract import load_contract
from wholepop.errors import InputError, UserError
from wholepop.importers.nhs import AGE_BANDS
from wholepop.inputs import load_inputs
from wholepop.inputs.problems import Severity
from wholepop.synth import england
from wholepop.synth.lists import Selection, age_sex_cells, build, start_lists
from wholepop.vocab import NeedWeighting

NHS = SHARED_DATA / "nhs"
LISTS = NHS / "gp-reg-pat-prac-quin-age-2026-07.zip"
MAP = NHS / "gp-reg-pat-prac-map-2026-07.zip"
WEIGHTS = NHS / "weighted-populations-2024-25.csv"
IMD = NHS / "fingertips-imd-2025-gp-practice.csv"
PCN = "U88348"  # three practices of Blackburn with Darwen (sub-ICB 00Q): 34,139 patients, July 2026

# Registered on the census day (1 April of the baseline year), by practice, sex and the
# band of ``baseline - birth_year``, against the published counts.
_COMPARE = """
with reg as (
    select r.practice_code, p.sex, {base} - p.birth_year as age
    from '{d}/registrations.parquet' r join '{d}/patients.parquet' p using (patient_id)
    where r.from_date <= date '{day}' and (r.to_date is null or r.to_date >= date '{day}')),
got as (
    select practice_code, sex,
           case when age >= 95 then '95+' else (age // 5 * 5)::varchar || '_' || (age // 5 * 5 + 4)::varchar end as age_band,
           count(*) as n
    from reg group by all)
select l.practice_code, l.sex, l.age_band, l.patients, coalesce(got.n, 0)
from '{d}/list_counts.parquet' l full join got using (practice_code, sex, age_band)
order by all
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    out = tmp_path_factory.mktemp("pcn")
    report = build(out, [LISTS], MAP, Selection(pcns=(PCN,)), weights=WEIGHTS, imd=IMD, years=1, seed=7)
    return out, report


def test_generated_lists_equal_the_published_counts_exactly(built):
    out, report = built
    rows = duckdb.sql(_COMPARE.format(d=out, base=2026, day="2026-04-01")).fetchall()
    assert len(rows) == 3 * 2 * 20  # three practices x two sexes x twenty bands, nothing extra
    assert [r for r in rows if r[3] != r[4]] == []
    assert sum(r[3] for r in rows) == 34_139 == report.registered
    assert str(report.census_date) == "2026-04-01" and str(report.extract_date) == "2026-07-01"


def test_check_passes_on_the_built_folder(built):
    out, _ = built
    _, problems = load_inputs(out, out / "contract.toml")
    assert [str(p) for p in problems if p.severity is Severity.ERROR] == []


def test_practices_memberships_hubs_and_contract_come_from_the_real_files(built):
    out, _ = built
    practices = pq.read_table(out / "practices.parquet").to_pylist()
    assert [(p["practice_code"], p["hub"]) for p in practices] == [("P81051", PCN), ("P81140", PCN), ("P81633", PCN)]
    assert all(p["imd_score"] is not None and p["lat"] is not None for p in practices)
    members = pq.read_table(out / "memberships.parquet").to_pylist()
    assert {(m["from_date"].isoformat(), m["to_date"], m["integration"]) for m in members} == {("2026-04-01", None, "full")}
    assert set(pq.read_table(out / "weights.parquet")["practice_code"].to_pylist()) == {"P81051", "P81140", "P81633"}
    c = load_contract(out / "contract.toml")
    assert (c.contract.baseline_year, c.contract.start_year, c.contract.term_years) == (2026, 2027, 1)
    assert c.budget.need_weighting is NeedWeighting.SUPPLIED
    assert c.name == f"MCP of PCN {PCN}"


def test_the_population_lives_on_after_the_census_day(built):
    out, _ = built
    later = duckdb.sql(
        f"select count(*) filter (where from_date > date '2026-04-01'), count(*) filter (where to_date is not null) "
        f"from '{out}/registrations.parquet'"
    ).fetchall()[0]
    assert later[0] > 1000 and later[1] > 1000  # births, moves in and between practices; deaths and moves out


def _totals_files(tmp_path):
    lists = tmp_path / "gp-reg-pat-prac-all.csv"
    lists.write_text(textwrap.dedent("""\
        PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS
        GP_PRAC_PAT_LIST,2026-07-01,GP,A00001,,,ALL,ALL,1234
        GP_PRAC_PAT_LIST,2026-07-01,GP,A00002,,,ALL,ALL,877
        GP_PRAC_PAT_LIST,2026-07-01,GP,B00001,,,ALL,ALL,500
        """))
    practice_map = tmp_path / "map.csv"
    practice_map.write_text(textwrap.dedent("""\
        PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,SUB_ICB_LOCATION_CODE,ICB_CODE,COMM_REGION_CODE
        A00001,ONE SURGERY,AA1 1AA,U00001,PCN ONE,01A,QAA,Y01
        A00002,TWO SURGERY,AA1 1AB,U00001,PCN ONE,01A,QAA,Y01
        B00001,OTHER SURGERY,BB1 1AA,U00002,PCN TWO,02B,QAA,Y01
        """))
    return lists, practice_map


def test_practice_totals_are_spread_over_englands_pyramid_and_kept_exactly(tmp_path):
    lists, practice_map = _totals_files(tmp_path)
    out = tmp_path / "out"
    report = build(out, [lists], practice_map, Selection(sub_icb="01A"), years=1, start_year=2027, seed=3)
    assert any("spread over England's registered age-sex pyramid" in n for n in report.notes)
    rows = duckdb.sql(
        f"select practice_code, count(*) from '{out}/registrations.parquet' "
        "where from_date <= date '2026-04-01' and (to_date is null or to_date >= date '2026-04-01') group by all order by 1"
    ).fetchall()
    assert rows == [("A00001", 1234), ("A00002", 877)]
    assert load_contract(out / "contract.toml").budget.need_weighting is NeedWeighting.AGE_SEX


def test_age_sex_cells_spread_a_total_by_largest_remainder():
    lc = pa.table({
        "practice_code": ["X1", "X2", "X2"], "sex": ["U", "F", "M"], "age_band": ["ALL", "ALL", "ALL"],
        "patients": [10_000, 300, 200], "extract_date": pa.array([None] * 3, pa.date32()),
    })
    counts, notes, _ = age_sex_cells(lc, ["X1", "X2"])
    assert counts[0].sum() == 10_000 and counts[1].sum() == 500
    assert counts[1, 0].sum() == 300 and counts[1, 1].sum() == 200 and counts[1, 2].sum() == 0
    pyramid = np.array([england.PYRAMID_FEMALE, england.PYRAMID_MALE], float)
    expected = 10_000 * pyramid / pyramid.sum()
    assert np.all(np.abs(counts[0, :2] - expected) < 1.0)  # each cell within one person of its exact share
    assert len(notes) == 1


def test_start_lists_place_each_cell_with_ages_inside_its_band():
    counts = np.zeros((2, 3, len(AGE_BANDS)), np.int64)
    counts[0, 0, 0], counts[0, 1, 19], counts[1, 0, 7] = 3, 4, 5
    lists = start_lists(counts, np.random.default_rng(1))
    assert lists.practice.tolist() == [0] * 7 + [1] * 5
    assert lists.sex.tolist() == [0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0]
    assert all(0 <= a <= 4 for a in lists.age[:3]) and all(95 <= a <= 104 for a in lists.age[3:7])
    assert all(35 <= a <= 39 for a in lists.age[7:])


def test_selection_errors_name_the_code_and_column(tmp_path):
    lists, practice_map = _totals_files(tmp_path)
    with pytest.raises(InputError) as e:
        build(tmp_path / "out", [lists], practice_map, Selection(pcns=("U99999",)))
    assert str(e.value) == "map.csv column PCN_CODE: 'U99999' is not in the practice map"
    assert not (tmp_path / "out").exists()
    with pytest.raises(UserError, match="exactly one of"):
        Selection(sub_icb="01A", icb="QAA")


def test_build_command_writes_a_folder_that_check_accepts(tmp_path, capsys):
    lists, practice_map = _totals_files(tmp_path)
    out = tmp_path / "cli"
    args = ["build", "--lists", str(lists), "--map", str(practice_map), "--practices", "A00001,b00001",
            "--out", str(out), "--years", "1"]
    assert run_cli(args) == 0
    printed = capsys.readouterr()
    assert "2 practices (practices A00001, B00001), 1,734 registered on 2026-04-01" in printed.out.replace("\n", " ")
    assert run_cli(["check", "--data", str(out), "--contract", str(out / "contract.toml")]) == 0
    assert "0 errors" in capsys.readouterr().out


def test_build_into_a_non_empty_folder_refuses_without_force(tmp_path, capsys):
    """Issue 16.5: a folder already holding data or a ledger is not written into, and
    nothing in it changes, unless --force."""
    lists, practice_map = _totals_files(tmp_path)
    out = tmp_path / "held"
    out.mkdir()
    (out / "wholepop.duckdb").write_bytes(b"a ledger")
    args = ["build", "--lists", str(lists), "--map", str(practice_map), "--practices", "A00001",
            "--out", str(out), "--years", "1"]
    assert run_cli(args) == 2
    assert "already holds a ledger (wholepop.duckdb); write to an empty folder, or add --force" in capsys.readouterr().err
    assert sorted(p.name for p in out.iterdir()) == ["wholepop.duckdb"]
    assert run_cli([*args, "--force"]) == 0
    assert (out / "activity.parquet").exists() and (out / "wholepop.duckdb").read_bytes() == b"a ledger"
    assert run_cli(args) == 2  # now it holds data
    assert "already holds" in capsys.readouterr().err


def test_a_practice_given_twice_is_warned_about_and_counted_once(tmp_path, capsys):
    lists, practice_map = _totals_files(tmp_path)
    out = tmp_path / "twice"
    assert run_cli(["build", "--lists", str(lists), "--map", str(practice_map), "--practices", "A00001,a00001",
                    "--out", str(out), "--years", "1"]) == 0
    printed = capsys.readouterr()
    assert "--practices: A00001 given more than once; counted once" in " ".join(printed.err.split())
    assert "1 practices (practice A00001), 1,234 registered" in printed.out


def test_imd_deciles_rank_practices_within_the_file():
    """Decile 1 is the most deprived tenth (highest scores) of the file's practices; a
    practice without a score gets England's middle deciles (5 and 6 alternately)."""
    from wholepop.synth.lists import imd_deciles

    imd = pa.table({"practice_code": [f"P{i:02d}" for i in range(20)], "imd_score": [float(i) for i in range(20)]})
    decile, score, missing = imd_deciles(imd, ["P19", "P00", "P10", "ZZZ", "YYY"])
    assert decile.tolist() == [1, 10, 5, 6, 5]
    assert missing == 2 and score[0] == 19.0
    none, _, all_missing = imd_deciles(None, ["A", "B"])
    assert none.tolist() == [5, 6] and all_missing == 2

"""Practice map, weighted populations and IMD into ``practices`` and ``weights``."""

from __future__ import annotations

import textwrap

import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest

from tests.conftest import SHARED_DATA
from wholepop.errors import InputError
from wholepop.importers.nhs import WEIGHT_COLUMNS, build_practices, import_nhs_map, read_imd, read_practice_map, read_weights

NHS = SHARED_DATA / "nhs"

ICB_MAP = """
PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_CODE,SUB_ICB_LOCATION_NAME,ONS_ICB_CODE,ICB_CODE,ICB_NAME
GP_PRAC_PAT_LIST,01Jul2026,a81001,The Densham Surgery,TS18 1HU,U89141,STOCKTON PCN,E38000247,16C,Tees,E54000050,QHM,NENC
GP_PRAC_PAT_LIST,01Jul2026,A84035,Unallocated Surgery,NE1 1AA,U,Unallocated,E38000247,16C,Tees,E54000050,QHM,NENC
"""

WEIGHTS = (
    "Practice_Code,GP_Practice_Name,Latitude,Longitude,Patients,pop 2022/23,G&A WP,CS WP,MH WP,Mat WP,Health Ineq WP,Prescr WP,Final WP,Primary Medical Care WP,Final PMC WP\n"
    "A81001,The Densham Surgery,54.561687,-1.3189383,,4068.9,5044.1,5400.6,4690.4,3848.1,9099.3,4958.3,5230.2,4606.3,5280.3\n"
)


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def test_hub_is_the_pcn_and_unallocated_is_a_pseudo_hub_with_a_warning(tmp_path):
    table, warnings, layout = read_practice_map(write(tmp_path, "map.csv", ICB_MAP))
    got = [(r["practice_code"], r["hub"], r["sub_icb_code"], r["icb_code"], r["postcode"]) for r in table.to_pylist()]
    assert got == [("A81001", "U89141", "16C", "QHM", "TS18 1HU"), ("A84035", "UNALLOCATED-16C", "16C", "QHM", "NE1 1AA")]
    assert layout == "ICB era"
    assert warnings[0].startswith("1 practice(s) are in no PCN (PCN_CODE 'U')")


def test_ccg_era_map_is_accepted(tmp_path):
    text = (
        "PUBLICATION,EXTRACT_DATE,PRACTICE_CODE,PRACTICE_NAME,PRACTICE_POSTCODE,PCN_CODE,PCN_NAME,ONS_CCG_CODE,CCG_CODE,CCG_NAME,ONS_STP_CODE,STP_CODE,STP_NAME\n"
        "GP_PRAC_PAT_LIST,01JAN2021,A81001,Densham,TS18 1HU,U89141,STOCKTON PCN,E38000247,00K,Tees CCG,E54000050,QHM,NENC\n"
    )
    table, _, layout = read_practice_map(write(tmp_path, "map.csv", text))
    assert layout == "CCG era"
    assert table.to_pylist()[0]["sub_icb_code"] == "00K"


def test_unrecognised_map_layout(tmp_path):
    with pytest.raises(InputError) as e:
        read_practice_map(write(tmp_path, "map.csv", "CODE,NAME\nA1,X\n"))
    msg = str(e.value)
    assert "ICB era: PRACTICE_CODE, PRACTICE_NAME, PCN_CODE, SUB_ICB_LOCATION_CODE, ICB_CODE" in msg
    assert msg.endswith("Found: CODE, NAME")


def test_practice_listed_twice(tmp_path):
    text = textwrap.dedent(ICB_MAP).lstrip() + "GP_PRAC_PAT_LIST,01Jul2026,A81001,Again,TS18 1HU,U1,X,E3,16C,T,E5,QHM,N\n"
    with pytest.raises(InputError) as e:
        read_practice_map(write(tmp_path, "map.csv", text))
    assert str(e.value) == "map.csv row 4 column PRACTICE_CODE: practice A81001 is listed twice (first at row 2)"


def test_weights_columns_map_to_components(tmp_path):
    weights, coords = read_weights(write(tmp_path, "w.csv", WEIGHTS))
    got = {r["component"]: r["weighted_population"] for r in weights.to_pylist()}
    assert got == {
        "registered": 4068.9,
        "general_acute": 5044.1,
        "community": 5400.6,
        "mental_health": 4690.4,
        "maternity": 3848.1,
        "health_inequalities": 9099.3,
        "prescribing": 4958.3,
        "overall": 5230.2,
        "primary_medical": 5280.3,
    }
    assert set(weights["year"].to_pylist()) == {2024}
    assert coords.to_pylist() == [{"practice_code": "A81001", "lat": 54.561687, "lon": -1.3189383}]


def test_weights_file_missing_a_column(tmp_path):
    with pytest.raises(InputError) as e:
        read_weights(write(tmp_path, "w.csv", WEIGHTS.replace("Final WP", "Total")))
    assert "(missing: Final WP)" in str(e.value)


def test_weights_bad_number_is_located(tmp_path):
    with pytest.raises(InputError) as e:
        read_weights(write(tmp_path, "w.csv", WEIGHTS.replace("9099.3", "n/a")))
    assert str(e.value) == "w.csv row 2 column Health Ineq WP: 'n/a' is not a number"


def test_build_practices_adds_coordinates_and_imd(tmp_path):
    practice_map, _, _ = read_practice_map(write(tmp_path, "map.csv", ICB_MAP))
    _, coords = read_weights(write(tmp_path, "w.csv", WEIGHTS))
    imd = read_imd(write(tmp_path, "imd.csv", "PRACTICE_CODE,PRACTICE_NAME,IMD_YEAR,IMD_SCORE\nA81001,D,2025,33.519\n"))
    table, warnings = build_practices(practice_map, coords, imd)
    first, second = table.to_pylist()
    assert (first["lat"], first["lon"], first["imd_score"]) == (54.561687, -1.3189383, 33.519)
    assert (second["lat"], second["imd_score"]) == (None, None)
    assert warnings == ("1 of 2 practices have no coordinates (lat/lon) in the file given", "1 of 2 practices have no IMD score in the file given")


def test_real_files_into_a_folder(tmp_path):
    report = import_nhs_map(
        NHS / "gp-reg-pat-prac-map-2026-07.zip",
        tmp_path,
        NHS / "weighted-populations-2024-25.csv",
        NHS / "fingertips-imd-2025-gp-practice.csv",
    )
    practices = pq.read_table(tmp_path / "practices.parquet")
    weights = pq.read_table(tmp_path / "weights.parquet")
    assert report.rows == {"practices": 6139, "weights": weights.num_rows}
    unallocated = pc.sum(pc.cast(pc.starts_with(practices["hub"], "UNALLOCATED-"), "int64")).as_py()
    assert unallocated == 52
    assert pc.count_distinct(practices["hub"]).as_py() == 1298 + pc.count_distinct(
        practices.filter(pc.starts_with(practices["hub"], "UNALLOCATED-"))["hub"]
    ).as_py()
    a81001 = {r["component"]: r["weighted_population"] for r in weights.filter(pc.equal(weights["practice_code"], "A81001")).to_pylist()}
    assert a81001["overall"] == 5230.216323 and a81001["registered"] == 4068.906409
    assert set(pc.unique(weights["component"]).to_pylist()) == set(WEIGHT_COLUMNS.values())
    row = practices.filter(pc.equal(practices["practice_code"], "A81001")).to_pylist()[0]
    assert (row["hub"], row["lat"], row["imd_score"], row["icb_code"]) == ("U89141", 54.561687, 33.519, "QHM")


def test_icb_selection_keeps_its_practices_only(tmp_path):
    import_nhs_map(NHS / "gp-reg-pat-prac-map-2026-07.zip", tmp_path, NHS / "weighted-populations-2024-25.csv", icb=["qe1"])
    practices = pq.read_table(tmp_path / "practices.parquet")
    weights = pq.read_table(tmp_path / "weights.parquet")
    assert practices.num_rows == 194
    assert set(practices["icb_code"].to_pylist()) == {"QE1"}
    assert set(weights["practice_code"].to_pylist()) <= set(practices["practice_code"].to_pylist())


def test_nothing_is_written_when_an_input_is_bad(tmp_path):
    out = tmp_path / "out"
    bad = write(tmp_path, "w.csv", WEIGHTS.replace("9099.3", "n/a"))
    with pytest.raises(InputError):
        import_nhs_map(write(tmp_path, "map.csv", ICB_MAP), out, bad)
    assert not out.exists() or list(out.iterdir()) == []

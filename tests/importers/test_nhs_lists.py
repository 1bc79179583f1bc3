"""``read_list_counts``: every header generation, date style and file kind, and the real July 2026 file."""

from __future__ import annotations

import datetime as dt
import textwrap
import zipfile

import duckdb
import pyarrow.compute as pc
import pytest

from tests.conftest import SHARED_DATA
from wholepop.errors import InputError
from wholepop.importers.nhs import parse_extract_date, read_list_counts, read_practice_map

NHS = SHARED_DATA / "nhs"
QUIN_2026 = NHS / "gp-reg-pat-prac-quin-age-2026-07.zip"
MAP_2026 = NHS / "gp-reg-pat-prac-map-2026-07.zip"


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def rows(table) -> list[tuple]:
    return [(r["practice_code"], r["sex"], r["age_band"], r["patients"], r["extract_date"]) for r in table.to_pylist()]


def test_2026_layout_keeps_practice_rows_and_drops_aggregates(tmp_path):
    """Only GP rows count, and a practice's ALL rows are not added to its breakdown."""
    path = write(
        tmp_path,
        "quin.csv",
        """
        PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS
        GP_PRAC_PAT_LIST,2026-07-01,ICB,QE1,E54000048,,ALL,ALL,999
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,TS18 1HU,ALL,ALL,30
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,TS18 1HU,FEMALE,ALL,16
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,TS18 1HU,FEMALE,0_4,6
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,TS18 1HU,FEMALE,95+,10
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,TS18 1HU,MALE,ALL,14
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,TS18 1HU,MALE,5_9,14
        GP_PRAC_PAT_LIST,2026-07-01,PCN,U12345,,,MALE,5_9,500
        """,
    )
    table, layouts = read_list_counts(path)
    d = dt.date(2026, 7, 1)
    assert rows(table) == [
        ("A81001", "F", "0_4", 6, d),
        ("A81001", "F", "95+", 10, d),
        ("A81001", "M", "5_9", 14, d),
    ]
    assert layouts == {"quin.csv": "2026 (ORG_TYPE/ORG_CODE)"}


def test_ccg_era_single_years_aggregate_to_bands_with_upper_case_dates(tmp_path):
    """CCG-era single-year file, 01JAN2021 dates: ages 0-4 sum into 0_4, 97 goes to 95+."""
    path = write(
        tmp_path,
        "sing.csv",
        """
        PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS
        GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE13 6SA,MALE,0,3
        GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE13 6SA,MALE,4,5
        GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE13 6SA,MALE,5,7
        GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE13 6SA,MALE,97,2
        GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE13 6SA,MALE,95+,1
        GP_PRAC_PAT_LIST,01JAN2021,GP,00L,E38000130,A84002,NE13 6SA,MALE,ALL,18
        GP_PRAC_PAT_LIST,01JAN2021,CCG,00L,E38000130,00L,,MALE,0,3
        """,
    )
    table, layouts = read_list_counts(path)
    d = dt.date(2021, 1, 1)
    assert rows(table) == [("A84002", "M", "0_4", 8, d), ("A84002", "M", "5_9", 7, d), ("A84002", "M", "95+", 3, d)]
    assert layouts == {"sing.csv": "CCG era (CCG_CODE)"}


def test_icb_era_practice_totals_become_all_ages(tmp_path):
    """ICB-era totals file (ISO dates): one ALL/ALL row per practice -> sex U, age_band ALL."""
    path = write(
        tmp_path,
        "all.csv",
        """
        PUBLICATION,EXTRACT_DATE,TYPE,SUB_ICB_LOCATION_CODE,ONS_SUB_ICB_LOCATION_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS
        GP_PRAC_PAT_LIST,2026-04-01,GP,00L,E38000130,A84002,NE13 6SA,ALL,ALL,12345
        GP_PRAC_PAT_LIST,2026-04-01,GP,00L,E38000130,A84005,NE23 6UP,ALL,ALL,678
        """,
    )
    table, layouts = read_list_counts(path)
    d = dt.date(2026, 4, 1)
    assert rows(table) == [("A84002", "U", "ALL", 12345, d), ("A84005", "U", "ALL", 678, d)]
    assert layouts == {"all.csv": "ICB era (SUB_ICB_LOCATION_CODE)"}


@pytest.mark.parametrize(
    ("text", "expected"),
    [("01JAN2021", dt.date(2021, 1, 1)), ("2026-04-01", dt.date(2026, 4, 1)), ("01Jul2026", dt.date(2026, 7, 1)), ("July 2026", None)],
)
def test_date_styles(text, expected):
    assert parse_extract_date(text) == expected


def test_zipped_file_is_read_from_its_member(tmp_path):
    csv_text = (
        "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
        "GP_PRAC_PAT_LIST,01Jul2026,GP,B82005,,,FEMALE,20_24,41\n"
    )
    path = tmp_path / "lists.zip"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("inner/gp-reg-pat-prac-quin-age.csv", csv_text)
    table, layouts = read_list_counts(path)
    assert rows(table) == [("B82005", "F", "20_24", 41, dt.date(2026, 7, 1))]
    assert list(layouts) == ["lists.zip:inner/gp-reg-pat-prac-quin-age.csv"]


def test_unrecognised_layout_names_expected_and_found_columns(tmp_path):
    path = write(tmp_path, "odd.csv", "PRACTICE,WHEN,HOW_MANY\nA1,2026-01-01,3\n")
    with pytest.raises(InputError) as e:
        read_list_counts(path)
    message = str(e.value)
    assert message.startswith("odd.csv row 1: unrecognised layout.")
    assert "ORG_TYPE, ORG_CODE" in message and "SUB_ICB_LOCATION_CODE" in message and "CCG_CODE" in message
    assert message.endswith("Found: PRACTICE, WHEN, HOW_MANY")


def test_bad_count_names_file_row_and_column(tmp_path):
    path = write(
        tmp_path,
        "bad.csv",
        """
        PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS
        GP_PRAC_PAT_LIST,2026-07-01,ICB,QE1,,,ALL,ALL,lots
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,,FEMALE,0_4,6
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,,FEMALE,5_9,-2
        """,
    )
    with pytest.raises(InputError) as e:
        read_list_counts(path)
    assert str(e.value) == "bad.csv row 4 column NUMBER_OF_PATIENTS: '-2' is not a count of patients (expected a whole number, 0 or more)"


def test_bad_age_and_date_are_located(tmp_path):
    header = "PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS\n"
    age = tmp_path / "age.csv"
    age.write_text(header + "P,2026-07-01,GP,A1,,,MALE,0_4,1\nP,2026-07-01,GP,A1,,,MALE,3_7,1\n")
    with pytest.raises(InputError) as e:
        read_list_counts(age)
    assert str(e.value).startswith("age.csv row 3 column AGE_GROUP_5: '3_7' not recognised")
    date = tmp_path / "date.csv"
    date.write_text(header + "P,2026-07-01,GP,A1,,,MALE,0_4,1\nP,July 2026,GP,A1,,,MALE,5_9,1\n")
    with pytest.raises(InputError) as e:
        read_list_counts(date)
    assert str(e.value).startswith("date.csv row 3 column EXTRACT_DATE: 'July 2026' not recognised")


def test_same_file_twice_is_refused(tmp_path):
    path = write(
        tmp_path,
        "q.csv",
        """
        PUBLICATION,EXTRACT_DATE,ORG_TYPE,ORG_CODE,ONS_CODE,POSTCODE,SEX,AGE_GROUP_5,NUMBER_OF_PATIENTS
        GP_PRAC_PAT_LIST,2026-07-01,GP,A81001,,,FEMALE,0_4,6
        """,
    )
    with pytest.raises(InputError, match="given twice"):
        read_list_counts([path, path])


def test_sex_split_files_combine(tmp_path):
    """The single-year file used to come as one file per sex: both are read together."""
    header = "PUBLICATION,EXTRACT_DATE,TYPE,CCG_CODE,ONS_CCG_CODE,CODE,POSTCODE,SEX,AGE,NUMBER_OF_PATIENTS\n"
    f = tmp_path / "female.csv"
    m = tmp_path / "male.csv"
    f.write_text(header + "P,01JAN2021,GP,00L,E1,A1,,FEMALE,30,4\n")
    m.write_text(header + "P,01JAN2021,GP,00L,E1,A1,,MALE,31,5\n")
    table, _ = read_list_counts([f, m])
    assert [(r[1], r[2], r[3]) for r in rows(table)] == [("F", "30_34", 4), ("M", "30_34", 5)]


# --- The real July 2026 publication ------------------------------------------------------


@pytest.fixture(scope="module")
def real_lists():
    table, _ = read_list_counts(QUIN_2026)
    return table


def test_real_file_reproduces_england_total(real_lists):
    assert pc.sum(real_lists["patients"]).as_py() == 63_436_508
    assert pc.count_distinct(real_lists["practice_code"]).as_py() == 6_139
    assert set(real_lists["sex"].to_pylist()) == {"F", "M"}
    assert pc.count_distinct(real_lists["age_band"]).as_py() == 20  # 0_4 ... 95+, no ALL
    assert set(real_lists["extract_date"].to_pylist()) == {dt.date(2026, 7, 1)}


def test_real_file_reproduces_one_icbs_published_total(real_lists, tmp_path):
    """Practices of ICB QE1 (via the practice map) add up to the file's own ICB row."""
    practices, _, _ = read_practice_map(MAP_2026)
    qe1 = practices.filter(pc.equal(practices["icb_code"], "QE1"))["practice_code"]
    ours = pc.sum(real_lists.filter(pc.is_in(real_lists["practice_code"], value_set=qe1.combine_chunks()))["patients"]).as_py()
    with zipfile.ZipFile(QUIN_2026) as z:
        (tmp_path / "quin.csv").write_bytes(z.read(z.namelist()[0]))
    published = duckdb.sql(
        f"SELECT CAST(NUMBER_OF_PATIENTS AS BIGINT) FROM read_csv('{tmp_path / 'quin.csv'}', all_varchar=true) "
        "WHERE ORG_TYPE = 'ICB' AND ORG_CODE = 'QE1' AND SEX = 'ALL' AND AGE_GROUP_5 = 'ALL'"
    ).fetchall()
    assert ours == published[0][0] == 1_868_767

"""Spec tests of the hostile inputs of issue 21: one kind per test, a tiny input, the exact line.

Text-level CSV oddities, Unicode space-like characters, numbers that cannot be summed,
dates and people that cannot be, files and folders, contract files. Each starts from the
clean folder of ``test_bad_inputs`` and runs on DuckDB and Polars.
"""

from __future__ import annotations

import datetime as dt
import os

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given, strategies as st

from tests.conftest import write_tables
from tests.inputs.test_bad_inputs import CLEAN, check
from wholepop.inputs import load_inputs
from wholepop.inputs.files import list_inputs
from wholepop.inputs.raw import _not_utf8

ACTIVITY_HEADER = b"patient_id,date,service,cost_pence\n"


def lines_of(folder, engine, contract=None) -> list[str]:
    return [str(p) for p in load_inputs(folder, contract, engine=engine)[1]]


def folder_with(tmp_path, name: str, data: bytes):
    folder = write_tables(tmp_path / "data", CLEAN)
    (folder / f"{name}.csv").write_bytes(data)
    return folder


# --- text-level CSV oddities ---------------------------------------------------------


def test_bom_and_crlf_are_read_as_plain_csv(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", b"\xef\xbb\xbf" + ACTIVITY_HEADER.replace(b"\n", b"\r\n")
                         + b"1,2027-05-01,ae,12500\r\n2,2027-06-01,community,x\r\n")
    assert lines_of(folder, engine) == [
        'activity row 3 column cost_pence: "x" is not a whole number (expected whole pence, e.g. 1250 for £12.50)'
    ]


def test_cr_only_line_endings(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER.replace(b"\n", b"\r") + b"1,2027-05-01,ae,12500\r2,2027-06-01,ae,-1\r")
    assert lines_of(folder, engine) == ["activity row 3 column cost_pence: -1 is negative (expected 0 or more)"]


def test_non_utf8_bytes_name_the_row(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + b"1,2027-05-01,ae,12500\n2,2027-06-01,ae,1\xa3\n")
    assert lines_of(folder, engine) == ["activity row 3 column cost_pence: is not UTF-8 text (save the file as UTF-8)"]


def test_blank_lines_keep_spreadsheet_row_numbers(tmp_path, engine):
    # Rows 3 and 4 are blank (ignored); the bad row is the fifth a spreadsheet shows.
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + b"1,2027-05-01,ae,12500\n\n\n2,2027-06-01,ae,-5\n")
    assert lines_of(folder, engine) == ["activity row 5 column cost_pence: -5 is negative (expected 0 or more)"]


def test_embedded_newline_is_one_row(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + b'1,2027-05-01,"a\ne",12500\n2,2027-06-01,ae,-5\n')
    assert lines_of(folder, engine) == [
        'activity row 2 column service: "a\ne" is not a service line (expected one of '
        + ", ".join(s.value for s in __import__("wholepop.vocab", fromlist=["Service"]).Service) + ")",
        "activity row 3 column cost_pence: -5 is negative (expected 0 or more)",
    ]


def test_stray_quote_names_its_row(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + b'1,2027-05-01,ae,12500\n2,2027-06-01,"ae,5\n')
    assert lines_of(folder, engine) == [
        "activity row 3: has 3 field(s), expected 4 (a stray comma, or a quote opened and not closed?); the row is not read"
    ]


def test_nul_byte_names_the_row(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + b"1,2027-05-01,ae,125\x0000\n")
    assert lines_of(folder, engine) == [
        "activity row 2 column cost_pence: holds a NUL byte (expected text; was the file saved as UTF-16?)"
    ]


# A quoted line break makes record 2 span two physical lines: every located problem after
# it still names the record's row (the row a spreadsheet shows), not the physical line.
QUOTED_NEWLINE_ROW_2 = b'1,2027-05-01,"ae\n",12500\n2,2027-06-01,ae,100\n'


def test_non_utf8_after_a_quoted_newline_names_the_spreadsheet_row(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + QUOTED_NEWLINE_ROW_2 + b"2,2027-06-01,ae,1\xa3\n")
    assert lines_of(folder, engine)[0] == "activity row 4 column cost_pence: is not UTF-8 text (save the file as UTF-8)"


def test_nul_after_a_quoted_newline_names_the_spreadsheet_row(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + QUOTED_NEWLINE_ROW_2 + b"2,2027-06-01,ae,1\x000\n")
    assert lines_of(folder, engine)[0] == (
        "activity row 4 column cost_pence: holds a NUL byte (expected text; was the file saved as UTF-16?)")


def test_wrong_field_count_after_a_quoted_newline_names_the_spreadsheet_row(tmp_path, engine):
    # Rows: 1 header, 2 (two physical lines), 3, 4 short a field, 5 blank, 6 negative.
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + QUOTED_NEWLINE_ROW_2
                         + b"2,2027-06-01,ae\n\n2,2027-06-01,ae,-1\n")
    lines = lines_of(folder, engine)
    assert lines[0] == ("activity row 4: has 3 field(s), expected 4 (a stray comma, or a quote opened and not closed?); "
                        "the row is not read")
    assert "activity row 6 column cost_pence: -1 is negative (expected 0 or more)" in lines


def test_many_non_utf8_values_are_listed_up_to_the_cap_then_counted(tmp_path, engine):
    # 25 rows (2-26) with a Latin-1 pound sign in cost_pence, and rows 2 and 3 with one in
    # service too: 27 bad values in the table, the first 20 by row then column are listed.
    rows = b"".join(b"%d,2027-06-01,%s,1\xa3\n" % (i, b"a\xe9" if i < 2 else b"ae") for i in range(25))
    folder = folder_with(tmp_path, "activity", ACTIVITY_HEADER + rows)
    lines = [line for line in lines_of(folder, engine) if "UTF-8" in line]
    expected = []
    for row in range(2, 4):
        expected += [f"activity row {row} column service: is not UTF-8 text (save the file as UTF-8)",
                     f"activity row {row} column cost_pence: is not UTF-8 text (save the file as UTF-8)"]
    expected += [f"activity row {row} column cost_pence: is not UTF-8 text (save the file as UTF-8)" for row in range(4, 20)]
    expected.append("activity: ... and 7 more values that are not UTF-8 text (save the file as UTF-8)")
    assert lines == expected


UTF8_PIECES = [b"a", b"\xc3\xa9", b"\xe2\x82\xac", b"\xf0\x9f\x98\x80", b"\x80", b"\xc3", b"\xe2\x82", b"\xff",
               b"\xc0\xaf", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xe0\x80\x80"]


@given(st.lists(st.one_of(st.lists(st.sampled_from(UTF8_PIECES), max_size=4).map(b"".join), st.binary(max_size=5)),
                max_size=10), st.integers(0, 2))
def test_non_utf8_values_are_found_as_python_decodes(values, skip):
    # Staging finds bad values over the bytes at once; Python's decoder, value by value, is the judge.
    arr = pa.array(values, pa.binary()).slice(min(skip, len(values)))
    expected = []
    for i, v in enumerate(values[min(skip, len(values)):]):
        try:
            v.decode("utf-8")
        except UnicodeDecodeError:
            expected.append(i)
    assert list(_not_utf8(arr)) == expected


def test_duplicated_column_name(tmp_path, engine):
    assert check(tmp_path, engine, practices="""
        practice_code,practice_name,hub,hub
        A81001,Ash Surgery,North,North
    """) == ["practices: practices.csv names column 'hub' twice in its header (expected each column once)"]


def test_columns_named_like_internal_ones_are_a_users_extra_columns(tmp_path, engine):
    assert check(tmp_path, engine, practices="""
        practice_code,practice_name,hub,_row,file_row_number,_part
        A81001,Ash Surgery,North,99,99,x
        A81002,Beech Practice,North,99,99,x
    """) == []


# --- Unicode space-like characters ----------------------------------------------------


def test_space_like_characters_are_stripped_from_both_ends(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        \u00a01\u200b,2027-05-01\u3000,ae\ufeff,\u200912500\u2028
        2,2027-06-01,community,3000
    """) == []


def test_space_like_character_inside_a_number_is_refused(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,12\u00a0500
    """) == [
        'activity row 2 column cost_pence: "12\u00a0500" is not a whole number (it holds the space-like character '
        "U+00A0; expected whole pence, e.g. 1250 for £12.50)"
    ]


# --- numbers --------------------------------------------------------------------------


def test_cost_above_the_ceiling(tmp_path, engine):
    assert check(tmp_path, engine, activity="""
        patient_id,date,service,cost_pence
        1,2027-05-01,ae,100000000001
    """) == ["activity row 2 column cost_pence: 100000000001 is out of range (expected at most £1bn a row, 100000000000 pence)"]


def parquet_activity(tmp_path, cost: pa.Array):
    folder = write_tables(tmp_path / "data", {k: v for k, v in CLEAN.items() if k != "activity"})
    (folder / "activity.csv").unlink()
    n = len(cost)
    pq.write_table(pa.table({"patient_id": ["1"] * n, "date": [dt.date(2027, 5, 1)] * n, "service": ["ae"] * n,
                             "cost_pence": cost}), folder / "activity.parquet")
    return folder


def test_unsigned_64_bit_cost(tmp_path, engine):
    folder = parquet_activity(tmp_path, pa.array([100, 2**64 - 1], pa.uint64()))
    assert lines_of(folder, engine) == [
        "activity row 3 column cost_pence: 18446744073709551615 is out of range (expected at most £1bn a row, 100000000000 pence)"
    ]


def test_float_cost_of_1e20_nan_and_infinity(tmp_path, engine):
    folder = parquet_activity(tmp_path, pa.array([1e20, float("nan"), float("inf")]))
    assert lines_of(folder, engine) == [
        "activity row 3 column cost_pence: NaN is not a number (expected a finite value)",
        "activity row 4 column cost_pence: infinity is not a number (expected a finite value)",
        "activity row 2 column cost_pence: 1e+20 is out of range (expected at most £1bn a row, 100000000000 pence)",
    ]


def test_measure_nan_in_csv_and_1e20(tmp_path, engine):
    assert check(tmp_path, engine, measures="""
        year,measure,value
        2027,a,NaN
        2027,b,1e20
    """) == [
        'measures row 2 column value: "NaN" is not a number (expected digits with an optional decimal point)',
        "measures row 3 column value: 1e+20 is out of range (expected at most 10**12 in size)",
    ]


def test_measure_given_twice_for_one_year(tmp_path, engine):
    assert check(tmp_path, engine, measures="""
        year,measure,value
        2027,patient_experience,80
        2027,patient_experience,60
    """) == ["measures rows 2, 3 column year+measure: the same year+measure appears more than once (expected each once)"]


# --- dates and people -----------------------------------------------------------------


@pytest.mark.parametrize("date", ["0000-01-01", "9999-12-31"])
def test_years_0_and_9999(tmp_path, engine, date):
    assert check(tmp_path, engine, activity=f"""
        patient_id,date,service,cost_pence
        1,{date},ae,5
    """) == [f'activity row 2 column date: "{date}" is out of range (expected a date from 1850 to 2199)']


def test_parquet_date_beyond_pythons_range(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {k: v for k, v in CLEAN.items() if k != "activity"})
    (folder / "activity.csv").unlink()
    pq.write_table(pa.table({"patient_id": ["1"], "date": pa.array([4_000_000], pa.date32()), "service": ["ae"],
                             "cost_pence": [5]}), folder / "activity.parquet")
    assert lines_of(folder, engine) == [
        'activity row 2 column date: "12921-08-18" is out of range (expected a date from 1850 to 2199)'
    ]


def test_death_before_birth(tmp_path, engine):
    assert check(tmp_path, engine, patients="""
        patient_id,sex,birth_year,death_date
        1,F,1950,1949-12-31
        2,M,1980,
    """) == [
        "patients row 2 column death_date: 1949-12-31 is before the birth year 1950 (expected a death after birth)",
        "activity row 2 column date: after its patient's death (counted as unattributed)",
    ]


def test_birth_after_the_data_and_the_term(tmp_path, engine):
    # The latest date in the data is 2027-06-01 (activity); no contract is given.
    assert check(tmp_path, engine, patients="""
        patient_id,sex,birth_year
        1,F,1950
        2,M,2031
    """) == [
        "patients row 3 column birth_year: 2031 is after the data's latest date, 2027-06-01 (expected a birth year the data can hold)",
        "activity row 3 column date: before its patient's birth year (counted as unattributed)",
    ]


def test_activity_after_death_is_a_warning(tmp_path, engine):
    lines = check(tmp_path, engine, patients="""
        patient_id,sex,birth_year,death_date
        1,F,1950,2027-04-30
        2,M,1980,
    """)
    assert lines == ["activity row 2 column date: after its patient's death (counted as unattributed)"]


# --- files and folders ----------------------------------------------------------------


def test_table_given_as_csv_and_parquet(tmp_path, engine):
    folder = write_tables(tmp_path / "data", CLEAN)
    pq.write_table(pa.table({"patient_id": ["1"]}), folder / "activity.parquet")
    assert lines_of(folder, engine) == [
        "activity: given twice, as activity.csv and activity.parquet (expected one; remove the other)"
    ]


def test_folder_where_a_file_should_be(tmp_path, engine):
    folder = write_tables(tmp_path / "data", CLEAN)
    (folder / "activity.csv").unlink()
    (folder / "activity.csv").mkdir()
    assert lines_of(folder, engine) == ["activity: activity.csv is a folder (expected a CSV file)"]


def test_symlink_loop_where_a_file_should_be(tmp_path, engine):
    folder = write_tables(tmp_path / "data", CLEAN)
    (folder / "activity.csv").unlink()
    os.symlink(folder / "activity.csv", folder / "activity.csv")
    assert lines_of(folder, engine) == [
        "activity: activity.csv is a symbolic link that loops back on itself (expected a file)"
    ]


def test_hidden_and_junk_parts_are_ignored_and_said(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {k: v for k, v in CLEAN.items() if k != "activity"})
    (folder / "activity.csv").unlink()
    parts = folder / "activity"
    (parts / "_temporary").mkdir(parents=True)
    pq.write_table(pa.table({"patient_id": ["1"], "date": [dt.date(2027, 5, 1)], "service": ["ae"], "cost_pence": [5]}),
                   parts / "part-0.parquet")
    (parts / "_SUCCESS").write_bytes(b"")
    (parts / ".part-0.parquet.crc").write_bytes(b"junk")
    (parts / "_temporary" / "part-1.parquet").write_bytes(b"not parquet")
    assert lines_of(folder, engine) == [
        "activity: 3 file(s) in activity/ not read: .part-0.parquet.crc, _SUCCESS, _temporary/ "
        "(names starting . or _ are hidden or bookkeeping; only files ending .parquet are parts)"
    ]
    # The one lister: exactly the part that is read is what the ledger hashes.
    assert [f.name for _, f in list_inputs(folder).files() if _ == "activity"] == ["part-0.parquet"]


def test_truncated_parquet_is_an_error_from_check(tmp_path, engine):
    folder = parquet_activity(tmp_path, pa.array([100, 200], pa.int64()))
    data = (folder / "activity.parquet").read_bytes()
    (folder / "activity.parquet").write_bytes(data[: len(data) // 2])
    assert lines_of(folder, engine) == [
        "activity: cannot read activity.parquet (Parquet magic bytes not found in footer. Either the file is "
        "corrupted or this is not a parquet file.)"
    ]


def test_extra_parquet_columns_a_user_has_are_fine(tmp_path, engine):
    folder = write_tables(tmp_path / "data", {k: v for k, v in CLEAN.items() if k != "activity"})
    (folder / "activity.csv").unlink()
    pq.write_table(pa.table({"patient_id": ["1"], "date": [dt.date(2027, 5, 1)], "service": ["ae"], "cost_pence": [5],
                             "file_row_number": [7], "filename": ["x"], "_row": [0], "notes": ["mine"]}),
                   folder / "activity.parquet")
    inputs, problems = load_inputs(folder, engine=engine)
    assert [str(p) for p in problems] == []
    assert inputs.backend.to_pyarrow(inputs.activity).to_pylist() == [
        {"patient_id": "1", "date": dt.date(2027, 5, 1), "service": "ae", "cost_pence": 5, "pod": None, "code": None,
         "admission_method": None, "provider": None, "data_source": None}
    ]


def test_space_like_characters_around_header_names(tmp_path, engine):
    folder = folder_with(tmp_path, "activity", "patient_id ,\u00a0date,service\t,cost_pence\n1,2027-05-01,ae,-1\n".encode())
    assert lines_of(folder, engine) == ["activity row 2 column cost_pence: -1 is negative (expected 0 or more)"]

"""Parquet inputs (stored types, row numbers, folders of parts) and exact row numbering.

A Parquet column stored in a type that cannot hold the declared one is reported once,
without a row; a float ``cost_pence`` holding fractions is reported per row. Row numbers
count as a spreadsheet does (header = row 1), for CSV and Parquet alike, and stay exact
on files large enough to be read in parallel.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pyarrow as pa
import pyarrow.parquet as pq
from hypothesis import given, strategies as st

from tests.conftest import write_tables
from tests.inputs.test_bad_inputs import CLEAN
from wholepop.engine import connect
from wholepop.inputs import load_inputs
from wholepop.inputs.raw import parse
from wholepop.inputs.schema import DType


def folder_with_activity(tmp_path, activity: pa.Table, name: str = "activity.parquet"):
    tables = {k: v for k, v in CLEAN.items() if k != "activity"}
    folder = write_tables(tmp_path / "data", tables)
    (folder / "activity.csv").unlink()  # written as a header only; Parquet replaces it
    target = folder / name
    target.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(activity, target)
    return folder


def activity(n: int, **overrides) -> pa.Table:
    cols = {
        "patient_id": pa.array(["1"] * n),
        "date": pa.array([dt.date(2027, 5, 1)] * n),
        "service": pa.array(["ae"] * n),
        "cost_pence": pa.array([100] * n, pa.int64()),
    }
    cols.update(overrides)
    return pa.table(cols)


def lines(folder, engine) -> list[str]:
    return [str(p) for p in load_inputs(folder, engine=engine)[1]]


def test_clean_parquet_activity(tmp_path, engine):
    assert lines(folder_with_activity(tmp_path, activity(3)), engine) == []


def test_parquet_column_of_incompatible_type_is_reported_once(tmp_path, engine):
    folder = folder_with_activity(tmp_path, activity(3, date=pa.array([20270501] * 3, pa.int64())))
    assert lines(folder, engine) == ["activity column date: stored as int64 (expected a date)"]


def test_parquet_float_cost_with_fractions_is_reported_per_row(tmp_path, engine):
    folder = folder_with_activity(tmp_path, activity(3, cost_pence=pa.array([100.0, 12.5, 7.0])))
    assert lines(folder, engine) == [
        "activity row 3 column cost_pence: 12.5 is not a whole number (expected whole pence, e.g. 1250 for £12.50)"
    ]


def test_parquet_row_numbers_count_the_header(tmp_path, engine):
    services = ["ae"] * 5000
    services[4318] = "A&E"  # data row 4319, spreadsheet row 4320
    folder = folder_with_activity(tmp_path, activity(5000, service=pa.array(services)))
    found = lines(folder, engine)
    assert len(found) == 1
    assert found[0].startswith('activity row 4320 column service: "A&E" is not a service line')


def test_parquet_text_dates_are_parsed_like_csv(tmp_path, engine):
    folder = folder_with_activity(tmp_path, activity(2, date=pa.array(["2027-05-01", "2027-02-30"])))
    assert lines(folder, engine) == ['activity row 3 column date: "2027-02-30" is not a date (expected YYYY-MM-DD)']


def test_folder_of_parts_names_the_part(tmp_path, engine):
    folder = folder_with_activity(tmp_path, activity(3), name="activity/year=2027/part-0.parquet")
    pq.write_table(activity(4, cost_pence=pa.array([1, 2, -3, 4], pa.int64())), folder / "activity" / "year=2027" / "part-1.parquet")
    assert lines(folder, engine) == [
        "activity/year=2027/part-1.parquet row 4 column cost_pence: -3 is negative (expected 0 or more)"
    ]


def test_csv_row_numbers_are_exact_on_a_large_file(tmp_path, engine):
    """Large enough for a parallel reader to split; the row must still be exact."""
    body = [f"1,2027-05-01,ae,{i}" for i in range(60_000)]
    body[51_233] = "1,2027-05-01,ae,-7"  # data row 51,234, spreadsheet row 51,235
    tables = {**CLEAN, "activity": "patient_id,date,service,cost_pence\n" + "\n".join(body)}
    folder = write_tables(tmp_path / "data", tables)
    assert lines(folder, engine) == ["activity row 51235 column cost_pence: -7 is negative (expected 0 or more)"]


def test_values_are_trimmed_as_the_typed_tables_trim_them(tmp_path, engine):
    assert lines(write_tables(tmp_path / "data", {**CLEAN, "activity": """
        patient_id,date,service,cost_pence
        1, 2027-05-01 , ae ,  12500
    """}), engine) == []


def _reference_date(text: str) -> dt.date | None:
    """The slow, obvious twin: a date only if it is exactly YYYY-MM-DD and a real day."""
    if len(text) != 10 or text[4] != "-" or text[7] != "-" or not (text[:4] + text[5:7] + text[8:]).isdigit():
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


@given(st.lists(
    st.one_of(
        st.dates(min_value=dt.date(1000, 1, 1)).map(lambda d: d.isoformat()),
        st.tuples(st.integers(1000, 2999), st.integers(0, 13), st.integers(0, 32)).map(
            lambda t: f"{t[0]:04d}-{t[1]:02d}-{t[2]:02d}"
        ),
        st.text(alphabet="0123456789-/ ", max_size=11),
    ),
    min_size=1, max_size=20,
))
def test_date_parsing_matches_the_reference(texts):
    t = ibis.memtable(pa.table({"a": pa.array(texts, pa.string())}))
    expected = [_reference_date(x) for x in texts]
    for engine in ("duckdb", "polars"):
        got = connect(engine).to_pyarrow(t.select(d=parse(t.a, DType.DATE))).column("d").to_pylist()
        assert got == expected, engine

"""What every generated data set promises, checked on small ones (200-2,000 people).

Activity lies inside a registration of its patient and never after death; a patient's
registration spans do not overlap and touch where a patient moves; the files hold exactly
the declared columns and types; the contract validates and matches the data's years.
"""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from wholepop.contract import load_contract
from wholepop.engine import connect
from wholepop.inputs.load import open_inputs
from wholepop.inputs.schema import TABLES, DType
from wholepop.synth import generate
from wholepop.vocab import Form, Service

ARROW = {DType.STRING: pa.string(), DType.INT: pa.int64(), DType.FLOAT: pa.float64(), DType.DATE: pa.date32()}
WRITTEN = ("practices", "memberships", "patients", "registrations", "activity", "conditions", "unregistered", "measures", "coverage")


@pytest.fixture(scope="module", params=[(7, 6, 2027, 10), (200, 1, 2027, 11), (1_500, 3, 2027, 12), (2_000, 4, 2030, 13)], ids=lambda p: f"n{p[0]}y{p[1]}")
def data(request, tmp_path_factory):
    population, years, start, seed = request.param
    folder = generate(tmp_path_factory.mktemp("small"), population=population, years=years, start_year=start, seed=seed)
    con = duckdb.connect()
    for name in WRITTEN:
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / name}.parquet')")
    return folder, con, population, years, start


def count(con, sql: str) -> int:
    return con.execute(sql).fetchone()[0]


def test_files_hold_exactly_the_declared_columns_and_types(data):
    folder = data[0]
    for decl in TABLES:
        if decl.name not in WRITTEN:
            assert not (folder / f"{decl.name}.parquet").exists()
            continue
        schema = pq.read_schema(folder / f"{decl.name}.parquet")
        assert [(f.name, f.type) for f in schema] == [(c.name, ARROW[c.dtype]) for c in decl.columns], decl.name


def test_required_columns_have_no_nulls_and_vocabularies_hold(data):
    con = data[1]
    for decl in TABLES:
        if decl.name not in WRITTEN:
            continue
        for c in decl.required_columns:
            assert count(con, f"SELECT count(*) FROM {decl.name} WHERE {c.name} IS NULL") == 0, (decl.name, c.name)
        for c in decl.columns:
            if c.vocab is not None:
                values = {r[0] for r in con.execute(f"SELECT DISTINCT {c.name} FROM {decl.name} WHERE {c.name} IS NOT NULL").fetchall()}
                assert values <= {v.value for v in c.vocab}, (decl.name, c.name, values)
            if c.non_negative:
                assert count(con, f"SELECT count(*) FROM {decl.name} WHERE {c.name} < 0") == 0
        if decl.key:
            assert count(con, f"SELECT count(*) - count(DISTINCT ({', '.join(decl.key)})) FROM {decl.name}") == 0


def test_activity_lies_inside_a_registration(data):
    con = data[1]
    assert count(con, "SELECT count(*) FROM activity") > 0
    outside = count(
        con,
        """SELECT count(*) FROM activity a WHERE NOT EXISTS (SELECT 1 FROM registrations r WHERE r.patient_id = a.patient_id
           AND a.date BETWEEN r.from_date AND coalesce(r.to_date, DATE '2100-01-01'))""",
    )
    assert outside == 0


def test_practice_contacts_are_with_the_practice_registered_that_day(data):
    con = data[1]
    wrong = count(
        con,
        f"""SELECT count(*) FROM activity a WHERE service = '{Service.PRIMARY_MEDICAL}' AND NOT EXISTS (SELECT 1 FROM registrations r
           WHERE r.patient_id = a.patient_id AND r.practice_code = a.provider
           AND a.date BETWEEN r.from_date AND coalesce(r.to_date, DATE '2100-01-01'))""",
    )
    assert wrong == 0


def test_no_activity_or_registration_after_death(data):
    con = data[1]
    assert count(con, "SELECT count(*) FROM activity JOIN patients USING (patient_id) WHERE date > death_date") == 0
    assert count(con, "SELECT count(*) FROM registrations JOIN patients USING (patient_id) WHERE coalesce(to_date, DATE '2100-01-01') > death_date") == 0


def test_registration_spans_do_not_overlap_and_moves_touch(data):
    con = data[1]
    assert count(con, "SELECT count(*) FROM registrations WHERE to_date < from_date") == 0
    steps = con.execute(
        """SELECT count(*) FILTER (WHERE nxt <= to_date), count(*) FILTER (WHERE nxt <> to_date + 1) FROM (
             SELECT to_date, lead(from_date) OVER (PARTITION BY patient_id ORDER BY from_date) AS nxt FROM registrations)
           WHERE nxt IS NOT NULL"""
    ).fetchone()
    assert steps == (0, 0)


def test_activity_falls_in_the_data_years(data):
    _, con, _, years, start = data
    lo, hi = con.execute("SELECT min(date), max(date) FROM activity").fetchone()
    assert dt.date(start - 1, 4, 1) <= lo and hi <= dt.date(start + years, 3, 31)


def test_population_on_day_one_is_the_requested_size(data):
    _, con, population, _, start = data
    on_day_one = count(
        con,
        f"""SELECT count(DISTINCT patient_id) FROM registrations WHERE from_date <= DATE '{start - 1}-04-01'
            AND coalesce(to_date, DATE '2100-01-01') >= DATE '{start - 1}-04-01'""",
    )
    assert on_day_one == population


def test_contract_validates_and_matches_the_data(data):
    folder, con, _, years, start = data
    contract = load_contract(folder / "contract.toml")
    assert (contract.contract.form.value, contract.contract.start_year, contract.contract.baseline_year) == (Form.FULL, start, start - 1)
    assert contract.contract.term_years == years
    assert "patient_experience" in {m.id for m in contract.performance.metrics}
    measured = [r[0] for r in con.execute("SELECT year FROM measures WHERE measure = 'patient_experience' ORDER BY year").fetchall()]
    assert measured == list(contract.contract.years)


def test_memberships_start_with_the_data_and_leave_only_with_notice(data):
    _, con, _, years, start = data
    assert {r[0] for r in con.execute("SELECT DISTINCT from_date FROM memberships").fetchall()} == {dt.date(start - 1, 4, 1)}
    leavers = con.execute("SELECT to_date, notice_date FROM memberships WHERE to_date IS NOT NULL").fetchall()
    if years >= 3:
        assert len(leavers) == 1
        to_date, notice = leavers[0]
        assert to_date == dt.date(start + 2, 3, 31)  # the day before the exit window of 1 April
        assert notice <= dt.date(start + 1, 3, 31)  # 12 months' notice at least
    else:
        assert leavers == []


def test_tables_open_on_every_engine(data, engine):
    folder, con = data[0], data[1]
    inputs = open_inputs(folder, connect(engine))
    for name in ("patients", "activity", "registrations"):
        assert inputs.tables[name].count().execute() == count(con, f"SELECT count(*) FROM {name}")
    assert inputs.activity.cost_pence.sum().execute() == count(con, "SELECT sum(cost_pence) FROM activity")


def test_the_validator_finds_no_problem(data, engine):
    from wholepop.inputs.validate import load_inputs

    folder = data[0]
    _, problems = load_inputs(folder, load_contract(folder / "contract.toml"), engine=engine)
    # Small data sets are smaller than a hub or an MCP: those size warnings are expected,
    # and so is the warning that the synthetic contract's term (its data years) is shorter than an MCP's, and
    # that a one-year term holds no two-yearly exit window.
    assert [str(p) for p in problems if " serves " not in p.message and p.column not in ("contract.term_years", "contract.exit_window_years")] == []


def test_progress_reaches_its_total_in_order(tmp_path):
    calls = []
    generate(tmp_path / "p", population=300, years=2, seed=1, progress=lambda done, total, what: calls.append((done, total, what)))
    dones = [d for d, _, _ in calls]
    assert dones == sorted(dones)
    assert calls[-1][0] == calls[-1][1]
    assert {w for _, _, w in calls} >= {"people 2026", "activity 2028", "done"}


def test_a_failed_run_leaves_no_files(tmp_path, monkeypatch):
    import wholepop.synth.dataset as dataset

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(dataset, "measures_table", broken)
    with pytest.raises(RuntimeError, match="disk full"):
        generate(tmp_path / "out", population=300, years=1, seed=1)
    assert list((tmp_path / "out").iterdir()) == []

"""The generator at 300,000 people hits England's figures within 10% (issue 2, part 4), and
every service line's spend per head within 20% of its cited national figure (issue 18).

One data set (seed 42, baseline 2026 + contract years 2027-2029) is generated once for the
module; each test reads one target from its Parquet files with DuckDB SQL. National
figures: NHS England Digital registered lists (July 2026), QOF prevalence, HES/ECDS/GPAD
activity per 1,000 people, National Cost Collection costs.
"""

from __future__ import annotations

import duckdb
import pytest

from wholepop.synth import generate
from wholepop.synth.england import SPEND_PER_HEAD
from wholepop.vocab import Condition, Integration, Service

pytestmark = pytest.mark.slow

N = 300_000
START = 2027
BASE = START - 1
DATA_YEARS = range(BASE, START + 3)
# Registered on the first day of the data.
ON_DAY_ONE = f"from_date <= DATE '{BASE}-04-01' AND coalesce(to_date, DATE '2100-01-01') >= DATE '{BASE}-04-01'"


def near(value: float, target: float, tolerance: float = 0.10) -> bool:
    return abs(value - target) <= tolerance * target


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    folder = generate(tmp_path_factory.mktemp("synth300k"), population=N, years=3, start_year=START, seed=42)
    con = duckdb.connect()
    for name in ("practices", "memberships", "patients", "registrations", "activity", "conditions", "unregistered", "measures"):
        con.execute(f"CREATE VIEW {name} AS SELECT * FROM read_parquet('{folder / name}.parquet')")
    con.execute(f"CREATE TABLE day_one AS SELECT DISTINCT patient_id, practice_code FROM registrations WHERE {ON_DAY_ONE}")
    # Person-years registered in each data year (April-March).
    con.execute(
        f"""CREATE TABLE exposure AS
        SELECT y AS year, patient_id,
               sum(datediff('day', greatest(from_date, make_date(y, 4, 1)),
                            least(coalesce(to_date, DATE '2100-01-01'), make_date(y + 1, 3, 31))) + 1) / 365.0 AS person_years
        FROM registrations, range({BASE}, {START + 3}) t(y)
        WHERE from_date <= make_date(y + 1, 3, 31) AND coalesce(to_date, DATE '2100-01-01') >= make_date(y, 4, 1)
        GROUP BY ALL"""
    )
    con.execute(
        """CREATE TABLE spend AS
        SELECT e.year, e.patient_id, coalesce(sum(a.cost_pence), 0) AS cost_pence
        FROM exposure e LEFT JOIN activity a
          ON a.patient_id = e.patient_id AND a.date BETWEEN make_date(e.year, 4, 1) AND make_date(e.year + 1, 3, 31)
        GROUP BY ALL"""
    )
    return con


def one(db, sql: str):
    return db.execute(sql).fetchone()


def test_population_on_day_one_is_the_requested_size(db):
    assert one(db, "SELECT count(*) FROM day_one")[0] == N


def test_practice_list_sizes_are_englands(db):
    median, mean, biggest = one(db, "SELECT median(n), avg(n), max(n) FROM (SELECT count(*) n FROM day_one GROUP BY practice_code)")
    assert near(median, 8_800), median
    assert near(mean, 10_300), mean
    assert biggest > 2 * median  # the long right tail


def test_hubs_serve_30_to_50_thousand(db):
    sizes = [r[0] for r in db.execute("SELECT count(*) FROM day_one JOIN practices USING (practice_code) GROUP BY hub").fetchall()]
    assert len(sizes) == 8
    assert all(30_000 <= s <= 50_000 for s in sizes), sizes


@pytest.mark.parametrize(("lo", "hi", "share"), [(0, 14, 0.157), (65, 200, 0.185), (85, 200, 0.024)])
def test_age_pyramid_is_englands(db, lo, hi, share):
    got = one(db, f"SELECT avg(({BASE} - birth_year BETWEEN {lo} AND {hi})::INT) FROM day_one JOIN patients USING (patient_id)")[0]
    assert near(got, share), got


@pytest.mark.parametrize(("condition", "share"), [(Condition.DIABETES, 0.075), (Condition.HYPERTENSION, 0.14), (None, 0.25)])
def test_long_term_condition_prevalence(db, condition, share):
    which = f"AND condition = '{condition}'" if condition else ""
    got = one(
        db,
        f"""SELECT count(DISTINCT c.patient_id) / (SELECT count(*) FROM day_one) FROM day_one d
            JOIN conditions c ON c.patient_id = d.patient_id AND c.from_date < DATE '{BASE}-04-01' {which}""",
    )[0]
    assert near(got, share), got


def test_conditions_rise_with_age(db):
    young, old = one(
        db,
        f"""SELECT avg((n > 0)::INT) FILTER (WHERE age < 40), avg((n > 0)::INT) FILTER (WHERE age >= 65) FROM (
              SELECT d.patient_id, {BASE} - p.birth_year AS age, count(c.condition) AS n FROM day_one d JOIN patients p USING (patient_id)
              LEFT JOIN conditions c ON c.patient_id = d.patient_id AND c.from_date < DATE '{BASE}-04-01' GROUP BY ALL)""",
    )
    assert old > 4 * young


@pytest.mark.parametrize("year", DATA_YEARS)
@pytest.mark.parametrize(
    ("service", "per_1000"),
    [(Service.PRIMARY_MEDICAL, 5_800), (Service.AE, 420), (Service.EMERGENCY_ADMISSION, 105), (Service.OUTPATIENT, 1_600)],
)
def test_activity_per_1000_people_a_year(db, year, service, per_1000):
    rows = one(db, f"SELECT count(*) FROM activity WHERE service = '{service}' AND date BETWEEN DATE '{year}-04-01' AND DATE '{year + 1}-03-31'")[0]
    person_years = one(db, f"SELECT sum(person_years) FROM exposure WHERE year = {year}")[0]
    assert near(1000 * rows / person_years, per_1000), 1000 * rows / person_years


@pytest.mark.parametrize("service", list(Service), ids=lambda s: s.value)
def test_spend_per_head_of_every_line_is_englands(db, service):
    """Every line's baseline spend per person-year within 20% of its cited national figure (england.SPEND_PER_HEAD)."""
    pence = one(db, f"SELECT coalesce(sum(cost_pence), 0) FROM activity WHERE service = '{service}' "
                    f"AND date BETWEEN DATE '{BASE}-04-01' AND DATE '{BASE + 1}-03-31'")[0]
    person_years = one(db, f"SELECT sum(person_years) FROM exposure WHERE year = {BASE}")[0]
    pounds, source = SPEND_PER_HEAD[service]
    got = pence / 100 / person_years
    assert near(got, pounds, 0.20), (got, pounds, source)


def test_emergency_admission_costs_about_2600_pounds(db):
    mean_pence = one(db, f"SELECT avg(cost_pence) FROM activity WHERE service = '{Service.EMERGENCY_ADMISSION}' AND date < DATE '{START}-04-01'")[0]
    assert near(mean_pence / 100, 2_600), mean_pence


def test_every_service_line_appears_with_positive_costs(db):
    rows = dict(db.execute("SELECT service, min(cost_pence) FROM activity GROUP BY service").fetchall())
    assert set(rows) == {s.value for s in Service}
    assert min(rows.values()) > 0


@pytest.mark.parametrize("year", DATA_YEARS)
def test_costliest_five_percent_hold_about_half_of_spend(db, year):
    share = one(
        db,
        f"""SELECT sum(cost_pence) FILTER (WHERE rank <= n * 0.05) / sum(cost_pence) FROM (
              SELECT cost_pence, row_number() OVER (ORDER BY cost_pence DESC, patient_id) AS rank, count(*) OVER () AS n
              FROM spend WHERE year = {year})""",
    )[0]
    assert 0.45 <= share <= 0.55, share


def test_heavy_users_stay_heavy(db):
    """Of the costliest 5% in the baseline year, far more than 5% are again in the next year."""
    kept = one(
        db,
        f"""WITH r AS (SELECT year, patient_id, percent_rank() OVER (PARTITION BY year ORDER BY cost_pence) AS pr FROM spend)
            SELECT avg((b.pr >= 0.95)::INT) FROM r a JOIN r b ON a.patient_id = b.patient_id
            WHERE a.year = {BASE} AND b.year = {START} AND a.pr >= 0.95""",
    )[0]
    assert kept > 0.25, kept


def test_population_changes_across_years(db):
    deaths = dict(db.execute("SELECT year(death_date), count(*) FROM patients WHERE death_date IS NOT NULL GROUP BY 1").fetchall())
    births = one(db, f"SELECT count(*) FROM patients WHERE birth_year >= {START}")[0]
    movers = one(db, "SELECT count(*) FROM (SELECT patient_id FROM registrations GROUP BY 1 HAVING count(DISTINCT practice_code) > 1)")[0]
    moved_away = one(
        db, "SELECT count(*) FROM registrations r JOIN patients p USING (patient_id) WHERE r.to_date IS NOT NULL AND p.death_date IS NULL "
        "AND NOT EXISTS (SELECT 1 FROM registrations n WHERE n.patient_id = r.patient_id AND n.from_date = r.to_date + 1)"
    )[0]
    # Crude death rate about 0.9% a year; births about 0.9%; list turnover a few per cent.
    assert all(near(deaths[y], 0.009 * N, 0.25) for y in (2027, 2028, 2029)), deaths
    assert near(births / 3.25, 0.0092 * N, 0.25), births  # January 2027 to March 2030
    assert movers > 0.01 * N
    assert moved_away > 0.1 * N


def test_a_practice_leaves_at_the_first_exit_window(db):
    leavers = db.execute("SELECT integration, to_date, notice_date FROM memberships WHERE to_date IS NOT NULL").fetchall()
    assert [(i, str(t)) for i, t, _ in leavers] == [(Integration.FULL, f"{START + 2}-03-31")]
    assert str(leavers[0][2]) <= f"{START + 1}-03-31"  # at least 12 months' notice
    assert one(db, f"SELECT count(*) FROM memberships WHERE integration = '{Integration.PARTIAL}'")[0] >= 1


def test_unregistered_and_measures_are_written(db):
    years = [r[0] for r in db.execute("SELECT DISTINCT year FROM unregistered ORDER BY 1").fetchall()]
    assert years == list(DATA_YEARS)
    measures = db.execute("SELECT year, measure, value FROM measures ORDER BY year").fetchall()
    assert [(y, m) for y, m, _ in measures] == [(y, "patient_experience") for y in range(START, START + 3)]
    assert all(70 < v < 85 for _, _, v in measures)

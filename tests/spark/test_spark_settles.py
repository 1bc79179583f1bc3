"""The same pipeline on Spark (Ibis's PySpark backend, local mode) settles to the penny.

Needs Java and pyspark: skipped, saying which is missing, when either is absent. One
small synthetic data set is validated, built and settled on DuckDB and on Spark; the two
statements must be identical (every line, every penny, the JSON byte for byte).
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest

from tests.inputs.test_check_and_settle_agree import (
    ODD,
    assert_check_and_money_agree,
    world,
)
from wholepop.pipeline import prepare, settle
from wholepop.synth import generate

pytestmark = pytest.mark.spark


def _why_not_spark() -> str | None:
    if importlib.util.find_spec("pyspark") is None:
        return "pyspark is not installed (pip install -e '.[spark]')"
    java = shutil.which("java")
    if java is None:
        return "Java is not installed (Spark needs Java 17+)"
    try:
        subprocess.run([java, "-version"], capture_output=True, check=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"java -version failed: {exc}"
    return None


_REASON = _why_not_spark()


def _small_data_session():
    """A local session tuned for a tiny data set: one shuffle partition, no whole-stage
    code generation or adaptive re-planning (each costs more than the data), a JVM that
    starts fast. ``prepare(..., "spark")`` then finds and uses this session."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master("local[2]")
        .appName("wholepop-tests")
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.default.parallelism", "1")
        .config("spark.sql.codegen.wholeStage", "false")
        .config("spark.sql.adaptive.enabled", "false")
        .config("spark.driver.extraJavaOptions", "-XX:+UseSerialGC -XX:TieredStopAtLevel=1")
        .getOrCreate()
    )


@pytest.fixture(scope="module")
def statements(tmp_path_factory):
    if _REASON is not None:
        pytest.skip(_REASON)
    session = _small_data_session()
    session.sparkContext.setLogLevel("ERROR")
    # A few hundred people keep Spark's per-query overhead (about a second a query in
    # local mode) the cost, not the data.
    folder = generate(tmp_path_factory.mktemp("spark"), population=600, years=1, seed=23)
    contract = folder / "contract.toml"
    out = {}
    for engine in ("duckdb", "spark"):
        run = prepare(folder, contract, engine)
        try:
            out[engine] = settle(run, 2027)
        finally:
            run.close()
    session.stop()
    return out


def test_spark_statement_is_duckdbs_to_the_penny(statements):
    duck, spark = statements["duckdb"], statements["spark"]
    assert [(line.section, line.item, line.amount_pence) for line in spark.lines] == [
        (line.section, line.item, line.amount_pence) for line in duck.lines
    ]
    assert spark.total_payable_pence == duck.total_payable_pence
    assert spark.to_json() == duck.to_json()


def test_the_statement_has_money_in_it(statements):
    # Identical empty statements would pass the test above; this one has a budget.
    assert statements["spark"].budget is not None
    assert statements["spark"].budget.total_pence > 0


@pytest.fixture(scope="module")
def spark_session():
    if _REASON is not None:
        pytest.skip(_REASON)
    session = _small_data_session()
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.mark.parametrize("form", ["csv", "parquet"])
def test_odd_unicode_check_and_settle_agree_on_spark(spark_session, tmp_path, form):
    # Space-like characters (U+00A0, U+200B, U+3000, U+FEFF, ...) at the ends of ids, codes,
    # numbers and dates: on Spark too, the values check parsed are the ones the money used.
    # As Parquet, the text columns keep their odd characters and the engine strips them.
    folder = world(tmp_path / "odd", ODD)
    if form == "parquet":
        csv_file = folder / "activity.csv"
        text = pacsv.read_csv(csv_file, convert_options=pacsv.ConvertOptions(
            column_types={c: pa.string() for c in ("patient_id", "date", "service", "cost_pence")}))
        strip = "".join(chr(c) for c in range(0x110000) if chr(c).isspace()) + "\u200b\ufeff"
        table = text.set_column(3, "cost_pence", pa.array([int(v.strip(strip)) for v in text["cost_pence"].to_pylist()]))
        assert any(v != v.strip(strip) for v in table["service"].to_pylist())  # still odd text
        csv_file.unlink()
        pq.write_table(table, folder / "activity.parquet")
    assert_check_and_money_agree(folder, "spark")

"""Where relational work runs: an Ibis backend chosen by name (DESIGN section 2).

Stages build unexecuted Ibis expressions; only this module knows which engine runs them.
DuckDB is the embedded default; Polars is the second engine the tests compare against;
Spark (Ibis's PySpark backend) runs the same expressions on a cluster or, for tests, in
local mode. No stage branches on the engine: choosing one is the only change.
"""

from __future__ import annotations

from pathlib import Path

import ibis
from ibis.backends import BaseBackend

from wholepop.errors import UserError

__all__ = ["ALL_ENGINES", "ENGINES", "connect", "spark_session"]

# The engines every stage is tested on (the test suite's ``engine`` fixture runs over
# these); Spark is offered too, but needs Java and is tested end to end on its own.
ENGINES: tuple[str, ...] = ("duckdb", "polars")
ALL_ENGINES: tuple[str, ...] = (*ENGINES, "spark")


def connect(
    engine: str = "duckdb",
    *,
    memory_limit: str | None = None,
    temp_directory: str | None = None,
    database: str | None = None,
    work_dir: str | None = None,
    session=None,
) -> BaseBackend:
    """A fresh connection to ``engine``.

    Args:
        engine: ``duckdb`` (default), ``polars`` or ``spark``.
        memory_limit: DuckDB only, e.g. ``"16GB"``; past it DuckDB spills to disk.
        temp_directory: DuckDB only, where it spills.
        database: DuckDB only, a database file for the stage tables a run materialises
            (``Table.cache()``). They are then stored compressed in that file, about a
            tenth of their size as in-memory temporary tables, which is what lets a
            whole-England run fit on one machine; default: in memory.
        work_dir: DuckDB only, for runs larger than memory: spill to this folder and
            keep the stage tables in ``<work_dir>/wholepop-work.duckdb`` (started afresh;
            it holds nothing after the run), with insertion order not preserved (which
            lets large results spill; no stage depends on row order).
        session: Spark only: an existing ``SparkSession`` (on Databricks, ``spark``);
            default: a local-mode session on this machine's cores.
    """
    if engine != "duckdb" and (memory_limit or temp_directory or database or work_dir):
        raise UserError(f"--memory-limit and --work-dir apply to the duckdb engine, not {engine}")
    if work_dir:
        Path(work_dir).mkdir(parents=True, exist_ok=True)
        temp_directory = temp_directory or str(work_dir)
        work_file = Path(work_dir) / "wholepop-work.duckdb"
        for old in (work_file, work_file.with_name(work_file.name + ".wal")):
            old.unlink(missing_ok=True)
        database = database or str(work_file)
    if engine == "duckdb":
        backend = _duckdb_backend()
        con = backend.connect(database=database) if database else backend.connect()
        con.persist_cache = database is not None
        # DuckDB draws its own progress bar on long queries, over the CLI's Rich output.
        con.raw_sql("SET enable_progress_bar = false")
        if memory_limit:
            try:
                con.raw_sql(f"SET memory_limit = '{memory_limit}'")
            except Exception as exc:  # DuckDB's parser and conversion errors
                raise UserError(f"--memory-limit: {memory_limit!r} is not a size DuckDB understands (e.g. 12GB)") from exc
        if temp_directory:
            con.raw_sql(f"SET temp_directory = '{temp_directory}'")
        if work_dir:
            con.raw_sql("SET preserve_insertion_order = false")
        return con
    if engine == "polars":
        return _polars_backend().connect()
    if engine == "spark":
        return _spark_backend().connect(session if session is not None else spark_session())
    raise UserError(f"--engine: unknown engine {engine!r}; expected one of {', '.join(ALL_ENGINES)}")


def spark_session():
    """A local-mode ``SparkSession`` for this machine (created once, then reused).

    Dates are read and compared in UTC, so a day never shifts with the machine's zone;
    shuffles use a few partitions because local data sets are small.

    Raises:
        UserError: pyspark is not installed or Java cannot be started.
    """
    from wholepop.errors import UserError

    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise UserError("--engine spark: pyspark is not installed (pip install 'wholepop[spark]'; it needs Java 17+)") from exc
    try:
        return (
            SparkSession.builder.master("local[*]")
            .appName("wholepop")
            .config("spark.sql.session.timeZone", "UTC")
            .config("spark.sql.shuffle.partitions", "4")
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
            .config("spark.sql.ansi.enabled", "false")
            .getOrCreate()
        )
    except Exception as exc:  # Java missing or failing to start: py4j raises plain errors
        raise UserError(f"--engine spark: could not start a local Spark session ({exc}); is Java 17+ installed?") from exc


def _duckdb_backend() -> BaseBackend:
    """Ibis's DuckDB backend, dropping cached tables with plain SQL, and optionally
    caching into the database file rather than memory.

    With the sqlglot this project runs on, Ibis 12 renders the statement that drops a
    ``Table.cache()`` table as ``DROP TABLE IF EXISTS`` without the table name, so the drop
    fails (a traceback when the cached expression is collected) and the table stays; this
    issues the statement itself.
    """
    from ibis.backends.duckdb import Backend

    class DuckDBBackend(Backend):
        persist_cache = False

        def _create_cached_table(self, name, expr):
            # Ibis caches into temporary tables, which DuckDB keeps uncompressed in
            # memory (spilling when over the limit); tables of a database file are
            # compressed as they are written.
            return self.create_table(name, expr, schema=expr.schema(), temp=not self.persist_cache)

        def _drop_cached_table(self, name):
            quoted = '"' + name.replace('"', '""') + '"'
            self.con.execute(f"DROP TABLE IF EXISTS {quoted}")

    return DuckDBBackend()


def _polars_backend() -> BaseBackend:
    """Ibis's Polars backend, computing a cached table when it is cached.

    Ibis 12 caches on Polars with ``LazyFrame.cache()``, which keeps the whole plan lazy:
    every later query re-plans the stages beneath it, and Polars 2.1 panics
    (``matches!(options.args.how, JoinType::Cross)``) optimising the union of the
    segments' per-year plans over those shared lazy inputs. Collecting the table when it
    is cached is what caching means on the other engines, and avoids both.
    """
    from ibis.backends.polars import Backend

    class PolarsBackend(Backend):
        def _create_cached_table(self, name, expr):
            self._run_pre_execute_hooks(expr)
            return self.create_table(name, self.compile(expr).collect())

    return PolarsBackend()


def _spark_backend() -> BaseBackend:
    """Ibis's PySpark backend, with in-memory tables registered before caching.

    Ibis 12 compiles ``Table.cache()`` on PySpark without first registering the
    ``ibis.memtable``s the expression reads (execute and to_pyarrow do register them),
    so Spark cannot find e.g. the need-weight lookup; this registers them first.
    """
    from ibis.backends.pyspark import Backend

    ibis.pyspark  # noqa: B018  (loading it through ibis registers the options its compiler reads)

    class SparkBackend(Backend):
        def _create_cached_table(self, name, expr):
            self._run_pre_execute_hooks(expr)
            return super()._create_cached_table(name, expr)

    return SparkBackend()

"""Tables in a catalogue (not files) settle exactly as the same data in files.

Runs on DuckDB (a schema of tables stands in for a Spark/Databricks catalogue); the
Spark path is the same code with ``connect("spark", session=spark)``.
"""

from __future__ import annotations

import pytest

from wholepop.contract import load_contract
from wholepop.engine import connect
from wholepop.errors import UserError
from wholepop.inputs.load import open_catalog
from wholepop.pipeline import build, prepare, settle
from wholepop.synth import generate


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("catalogue"), population=800, years=1, seed=31)


def _catalogue(folder, skip=()):
    con = connect("duckdb")
    con.raw_sql("CREATE SCHEMA nhs")
    for f in sorted(folder.glob("*.parquet")):
        if f.stem not in skip:
            con.raw_sql(f"CREATE TABLE nhs.{f.stem} AS SELECT * FROM read_parquet('{f}')")
    return con


def test_catalogue_tables_settle_like_the_files(folder):
    contract = folder / "contract.toml"
    inputs = open_catalog(_catalogue(folder), "nhs")
    assert str(inputs.files["activity"]) == "nhs.activity"
    run = build(inputs, load_contract(contract), contract)
    from_catalogue = settle(run, 2027)
    run.close()
    run = prepare(folder, contract)
    from_files = settle(run, 2027)
    run.close()
    assert from_catalogue.total_payable_pence == from_files.total_payable_pence
    assert from_catalogue.to_json() == from_files.to_json()


def test_absent_optional_tables_are_empty_and_absent_required_ones_are_named(folder):
    inputs = open_catalog(_catalogue(folder, skip={"measures"}), "nhs")
    assert not inputs.has("measures")
    assert inputs.measures.count().execute() == 0
    with pytest.raises(UserError, match=r"^activity: cannot read table nhs\.activity"):
        open_catalog(_catalogue(folder, skip={"activity"}), "nhs")

"""Settlement end to end on a small synthetic MCP: repeatable to the byte, same on every engine."""

from __future__ import annotations

import pytest

from wholepop.pipeline import prepare, settle
from wholepop.synth import generate


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    return generate(tmp_path_factory.mktemp("mcp"), population=3000, years=3, start_year=2027, seed=7)


def statements(data, engine):
    run = prepare(data, data / "contract.toml", engine)
    try:
        return [settle(run, y).to_json() for y in (2027, 2028, 2029)]
    finally:
        run.close()


def test_settling_twice_gives_the_same_bytes(data):
    assert statements(data, "duckdb") == statements(data, "duckdb")


def test_duckdb_and_polars_settle_to_the_same_penny(data):
    assert statements(data, "duckdb") == statements(data, "polars")


def test_statement_reconciles_with_its_parts(data):
    run = prepare(data, data / "contract.toml")
    try:
        s = settle(run, 2027)
    finally:
        run.close()
    withhold = next(x.amount_pence for x in s.lines if x.item == "performance withhold")
    assert s.total_payable_pence == (
        s.budget.total_pence + withhold + s.performance.payment_pence + s.risk_share.provider_pence - s.deficit_pence
    )
    assert sum(h.budget_pence for h in s.budget.by_hub) == s.budget.total_pence

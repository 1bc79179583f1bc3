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
    # a transferred deficit is the provider's debt, never deducted from what the commissioner pays
    assert s.total_payable_pence == (
        s.budget.total_pence + withhold + s.performance.payment_pence + s.risk_share.provider_pence
    )
    assert sum(h.budget_pence for h in s.budget.by_hub) == s.budget.total_pence
    assert sum(p.budget_pence for p in s.budget.by_practice) == s.budget.total_pence
    p = s.provider_position
    assert p.surplus_pence == s.total_payable_pence - p.in_scope_cost_pence - s.deficit_pence


def test_building_only_the_settled_year_gives_the_same_statement(data):
    """settle --year builds the baseline and that year only; nothing in a statement
    depends on the years in between."""
    full = statements(data, "duckdb")
    for i, year in enumerate((2027, 2028, 2029)):
        run = prepare(data, data / "contract.toml", years=(year,))
        try:
            assert {int(y) for y in run.population.select("year").distinct().to_pyarrow().column("year").to_pylist()} == {2026, year}
            assert settle(run, year).to_json() == full[i]
        finally:
            run.close()


def test_the_stage_hook_sees_every_stage_in_order_around_its_work(data):
    """pipeline.StageHook: the CLI's status line and the benchmarks' timings both rely on
    being told each stage by name, in order, around the work of that stage."""
    from contextlib import contextmanager

    from wholepop.pipeline import prepared

    seen = []

    @contextmanager
    def hook(name):
        seen.append(("start", name))
        yield
        seen.append(("end", name))

    with prepared(data, data / "contract.toml", years=(2027,), stage=hook) as run:
        assert settle(run, 2027).year == 2027
    names = ["validation", "counted spans", "costing", "population", "segments"]
    assert seen == [(edge, n) for n in names for edge in ("start", "end")]


def test_stage_tables_cached_in_a_database_file_settle_the_same(data, tmp_path):
    """connect(database=...) keeps the cached stage tables in the file (compressed), not
    as temporary tables; the statements are unchanged and closing the run drops them."""
    from wholepop.contract import load_contract
    from wholepop.engine import connect
    from wholepop.inputs import load_inputs
    from wholepop.pipeline import build

    con = connect("duckdb", database=str(tmp_path / "work.duckdb"))
    contract = load_contract(data / "contract.toml")
    inputs, problems = load_inputs(data, contract, backend=con)
    run = build(inputs, contract, data / "contract.toml", problems)
    tables = con.con.execute("SELECT table_name, temporary FROM duckdb_tables() WHERE table_name LIKE 'ibis_cached%'").fetchall()
    assert len(tables) == 4 and not any(temp for _, temp in tables)  # spans, costs, population, segments
    assert [settle(run, y).to_json() for y in (2027, 2028, 2029)] == statements(data, "duckdb")
    run.close()
    assert con.con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name LIKE 'ibis_cached%'").fetchone()[0] == 0


def test_costing_in_parts_gives_the_same_tables(data):
    """build(parts=3) attributes the activity in three passes over a partition of the
    people; the costs, population and statements are those of one pass."""
    from wholepop.contract import load_contract
    from wholepop.inputs import load_inputs
    from wholepop.pipeline import build

    contract = load_contract(data / "contract.toml")
    runs = []
    for parts in (1, 3):
        inputs, problems = load_inputs(data, contract)
        runs.append(build(inputs, contract, data / "contract.toml", problems, parts=parts))
    one, three = runs
    try:
        for name in ("costs", "population"):
            a, b = (getattr(r, name).to_pyarrow() for r in runs)
            keys = [(c, "ascending") for c in a.column_names]
            assert a.num_rows > 0 and a.sort_by(keys).equals(b.sort_by(keys)), name
        assert settle(three, 2028).to_json() == settle(one, 2028).to_json()
    finally:
        one.close()
        three.close()


def _cli(argv, capsys) -> tuple[int, str]:
    from conftest import run_cli

    code = run_cli(argv)
    out = capsys.readouterr()
    return code, out.out + out.err


def test_settle_out_of_core_options_give_the_same_statement(data, tmp_path, capsys):
    """--memory-limit, --work-dir and --parts change where and how, not what."""
    out, work = tmp_path / "s.json", tmp_path / "work"
    code, text = _cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--year", "2028",
                       "--json", str(out), "--quiet", "--memory-limit", "1GB", "--work-dir", str(work), "--parts", "2"], capsys)
    assert code == 0, text
    assert out.read_text(encoding="utf-8") == statements(data, "duckdb")[1]
    assert work.is_dir() and not list(work.glob("wholepop-work.duckdb*"))  # the stage tables went with the run


def test_settle_with_a_memory_limit_duckdb_cannot_read_says_so(data, tmp_path, capsys):
    out = tmp_path / "s.json"
    code, text = _cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--year", "2028",
                       "--json", str(out), "--memory-limit", "lots"], capsys)
    assert code != 0
    assert "--memory-limit: 'lots' is not a size DuckDB understands" in text
    assert not out.exists()


def test_settle_in_parts_on_another_engine_says_it_is_duckdbs(data, capsys):
    code, text = _cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--year", "2028",
                       "--engine", "polars", "--parts", "2"], capsys)
    assert code == 2 and "--parts applies to the duckdb engine, not polars" in text

"""``wholepop report`` from real stage tables: a small synthetic MCP, settled into a ledger."""

from __future__ import annotations

import pytest

from conftest import run_cli
from wholepop.pipeline import Scale
from wholepop.report.gather import gather


@pytest.fixture(scope="module")
def settled(tmp_path_factory):
    """A 1,500-person MCP with data for 2027 and 2028; only 2027 settled into a ledger."""
    from wholepop.synth import generate

    folder = tmp_path_factory.mktemp("report")
    data = generate(folder / "data", population=1500, years=2, seed=5)
    ledger = folder / "wholepop.duckdb"
    assert run_cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(ledger),
                    "--year", "2027", "--quiet"]) == 0
    return data, ledger


def test_report_command_writes_the_html_and_the_workbook(settled, tmp_path):
    data, ledger = settled
    html, xlsx = tmp_path / "r.html", tmp_path / "s.xlsx"
    assert run_cli(["report", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(ledger),
                    "--out", str(html), "--xlsx", str(xlsx)]) == 0
    text = html.read_text(encoding="utf-8")
    assert "2027" in text and "<svg" in text and "http://" not in text.replace("http://www.w3.org", "")
    assert xlsx.stat().st_size > 0


def test_report_data_is_the_same_out_of_core(settled, tmp_path):
    """A work directory and costing in parts change where the stages run, not the report."""
    data, ledger = settled
    contract = data / "contract.toml"
    plain = gather(data, contract, ledger)
    apart = gather(data, contract, ledger, scale=Scale(memory_limit="1GB", work_dir=tmp_path / "work", parts=3))
    assert plain == apart
    assert plain.statements and plain.year == 2027
    assert not list((tmp_path / "work").glob("wholepop-work.duckdb*"))


def test_report_builds_only_its_year_and_the_baseline_and_says_the_same(settled):
    """gather builds the report's year (here the latest settled, 2027) and the baseline,
    not 2028: the report reads nothing else, so it equals one drawn from every year."""
    from wholepop.pipeline import prepare
    from wholepop.population.count import table_years
    from wholepop.report.gather import gather_run

    data, ledger = settled
    contract = data / "contract.toml"
    run = prepare(data, contract)
    try:
        assert table_years(run.population) == (2026, 2027, 2028)
        every_year = gather_run(run, ledger)
    finally:
        run.close()
    assert gather(data, contract, ledger) == every_year


def test_a_missing_ledger_is_reported_before_any_data_is_read(settled, tmp_path):
    from wholepop.errors import UserError

    data, _ = settled
    with pytest.raises(UserError, match="does not exist"):
        gather(tmp_path / "no-data-here", data / "contract.toml", tmp_path / "none.duckdb")

"""Spec tests of hostile contract files and commands (issue 21): the exact line, the exit code.

Each contract is the `full` preset with one change, checked by `wholepop check` against a
tiny clean folder; commands are run as a user runs them.
"""

from __future__ import annotations

import re

import pytest

from tests.conftest import run_cli
from tests.inputs.test_check_and_settle_agree import CONTRACT, WORLD, world
from wholepop.inputs import load_inputs


def contract_lines(tmp_path, change, engine="duckdb") -> list[str]:
    folder = world(tmp_path / "data")
    path = folder / "contract.toml"
    if isinstance(change, bytes):
        path.write_bytes(change)
    else:
        path.write_text(change(CONTRACT), encoding="utf-8")
    _, problems = load_inputs(folder, path, engine=engine)
    # A two-practice test world is below every size an MCP has, and its 3-year term is
    # shorter than an MCP's: those warnings are not what these tests are about.
    return [str(p) for p in problems
            if "hub North" not in str(p) and "min_population" not in str(p) and p.column != "contract.term_years"]


def sub(pattern: str, replacement: str):
    return lambda text: re.sub(pattern, replacement, text, count=1, flags=re.M)


def test_contract_not_utf8_names_its_line(tmp_path):
    data = CONTRACT.encode().replace(b"Example MCP", b"Exampl\xe9 MCP")
    assert contract_lines(tmp_path, data) == ["contract.toml line 7: not UTF-8 text (save the file as UTF-8)"]


@pytest.mark.parametrize(("pattern", "replacement", "line"), [
    (r"^uplift = .*$", "uplift = []",
     "contract.toml budget.uplift: an empty list (expected a rate, or a list of one rate per year)"),
    (r"^efficiency = .*$", "efficiency = []",
     "contract.toml budget.efficiency: an empty list (expected a rate, or a list of one rate per year)"),
    (r"^basis = .*$", "basis = []",
     "contract.toml risk_share.basis: an empty list (expected at least one service line; leave out [risk_share] for none)"),
])
def test_empty_list_where_a_list_is_needed(tmp_path, pattern, replacement, line):
    assert contract_lines(tmp_path, sub(pattern, replacement)) == [line]


def test_amount_too_large_for_the_money_types(tmp_path):
    assert contract_lines(tmp_path, lambda t: t + "\n[deficit]\namount = 1e30\nyears = 5\n") == [
        "contract.toml deficit.amount: must be less than or equal to 1000000000000, got 1E+30"
    ]


def test_threshold_beyond_decimal_arithmetic(tmp_path):
    assert contract_lines(tmp_path, sub(r"^lower = 105.0.*$", "lower = 1e999999999")) == [
        "contract.toml performance.metrics[0].lower: must be at most 10**12 in size, got 1E+999999999"
    ]


def test_supplied_need_weighting_without_weights(tmp_path):
    assert contract_lines(tmp_path, sub(r"^need_weighting = .*$", 'need_weighting = "supplied"')) == [
        'weights: the contract sets budget.need_weighting = "supplied", but no weights table was given '
        "(expected weights.csv or weights.parquet: NHS England's weighted populations per practice)"
    ]


def test_aco_without_mssp_is_caught_by_check(tmp_path):
    assert contract_lines(tmp_path, sub(r"^form = .*$", 'form = "aco"')) == [
        "contract.toml mssp: an aco contract needs an [mssp] table (see `wholepop init --form aco`)"
    ]


def test_exit_window_longer_than_the_term_is_a_warning(tmp_path):
    # The test contract's term is 3 years.
    assert contract_lines(tmp_path, sub(r"^exit_window_years = .*$", "exit_window_years = 4")) == [
        "contract column contract.exit_window_years: 4 years is longer than the term of 3 years, so no exit window "
        "falls inside it (expected at most term_years)"
    ]


# --- commands ------------------------------------------------------------------------


def test_output_in_a_missing_folder_is_refused_before_any_work(tmp_path, capsys):
    folder = world(tmp_path / "data")
    missing = tmp_path / "nowhere" / "statement.json"
    code = run_cli(["settle", "--data", str(folder), "--contract", str(folder / "contract.toml"), "--json", str(missing)])
    err = capsys.readouterr().err
    assert code == 2
    assert err.strip() == f"error: --json {missing}: the folder {missing.parent} does not exist (create it first)"
    assert "building the population" not in capsys.readouterr().out


def test_bad_data_gives_one_line_per_error_and_writes_nothing(tmp_path, capsys):
    folder = world(tmp_path / "data", {**WORLD, "activity": WORLD["activity"] + "1,2027-09-01,ae,1\u00a0000\n"})
    out = tmp_path / "statement.json"
    code = run_cli(["settle", "--data", str(folder), "--contract", str(folder / "contract.toml"), "--json", str(out)])
    captured = capsys.readouterr()
    assert code == 1
    assert "Traceback" not in captured.out + captured.err
    assert ('activity row 10 column cost_pence: "1\u00a0000" is not a whole number (it holds the space-like '
            "character U+00A0; expected whole pence, e.g. 1250 for £12.50)") in captured.err
    assert not out.exists()

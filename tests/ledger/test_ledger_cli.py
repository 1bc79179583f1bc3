"""``wholepop ledger list|show|diff|verify`` through the CLI entry point (exit codes included)."""

from __future__ import annotations

import shutil

import duckdb
import pytest
from conftest import run_cli
from ledger_factory import provenance, statement

from wholepop import ledger
from wholepop.cli import main


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    p = tmp_path_factory.mktemp("template") / "wholepop.duckdb"
    ledger.append(p, statement(2027), provenance("a"))
    ledger.append(p, statement(2027, (1_000_000, 260_000)), provenance("b"), correct="late activity")
    return p


@pytest.fixture
def path(template, tmp_path):
    """A fresh copy of a ledger holding northfield 2027 version 1 and its correction, version 2."""
    p = tmp_path / "wholepop.duckdb"
    shutil.copyfile(template, p)
    return p


def run(argv, capsys) -> tuple[int, str, str]:
    code = run_cli(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_list_shows_each_version_and_which_is_current(path, capsys):
    code, out, _ = run(["ledger", "list", "--ledger", str(path)], capsys)
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("│ northfield")]
    assert [[c.strip() for c in row.strip("│ ").split("│")][:4] + [row.split("│")[-2].strip()] for row in rows] == [
        ["northfield", "2027", "1", "superseded", "£12,500.50"],
        ["northfield", "2027", "2", "current", "£12,600.00"],
    ]
    assert out.splitlines()[-1] == "northfield 2027 version 2 supersedes version 1: late activity"


def test_show_json_is_byte_identical_to_what_settle_wrote(path, tmp_path, capsys):
    out_file = tmp_path / "v1.json"
    code, out, _ = run(["ledger", "show", "northfield", "2027", "--version", "1", "--json", str(out_file), "--ledger", str(path)], capsys)
    assert code == 0
    assert out_file.read_bytes() == statement(2027).to_json().encode("utf-8")
    assert "version 1 (original, superseded)" in out
    assert "total payable £12,500.50" in out


def test_show_json_to_stdout_is_only_the_json(path, capfdbinary):
    with pytest.raises(SystemExit) as e:
        main(["ledger", "show", "northfield", "2027", "--json", "-", "--ledger", str(path)])
    assert e.value.code == 0
    assert capfdbinary.readouterr().out == statement(2027, (1_000_000, 260_000)).to_json().encode("utf-8")


def test_show_unknown_year_exits_3_naming_what_is_settled(path, capsys):
    code, _, err = run(["ledger", "show", "northfield", "2031", "--ledger", str(path)], capsys)
    assert code == 3
    assert "northfield 2031 is not settled in this ledger (settled: northfield 2027)" in err


def test_diff_gives_the_change_in_pounds(path, capsys):
    code, out, _ = run(["ledger", "diff", "northfield", "2027", "1", "2", "--ledger", str(path)], capsys)
    assert code == 0
    assert "version 2 supersedes version 1: late activity" in out
    assert "changed files: activity" in out
    (line,) = [x for x in out.splitlines() if "instalment 2" in x]
    assert [c.strip() for c in line.strip("│ ").split("│")] == ["budget", "instalment 2", "£2,500.50", "£2,600.00", "+£99.50"]
    (total,) = [x for x in out.splitlines() if "total payable" in x]
    assert "£12,500.50" in total and "£12,600.00" in total and "+£99.50" in total


def test_verify_ok(path, capsys):
    code, out, _ = run(["ledger", "verify", "--ledger", str(path)], capsys)
    assert (code, out.strip()) == (0, "ledger ok: 2 settlements verified")


def test_verify_exits_3_listing_each_problem(path, capsys):
    con = duckdb.connect(str(path))
    con.execute("UPDATE statement_lines SET amount_pence = 0 WHERE seq = 1 AND line_no = 1")
    con.close()
    code, out, err = run(["ledger", "verify", "--ledger", str(path)], capsys)
    assert code == 3
    assert "3 problem(s) found" in err
    assert "statement_lines row 1.1 column amount_pence: northfield 2027 version 1 line 1 stores 0, the statement says 1000000" in err
    assert "ledger ok" not in out


def test_busy_ledger_exits_4(path, capsys, monkeypatch):
    from wholepop.errors import LedgerBusy

    def busy(*args, **kwargs):
        raise LedgerBusy(f"{path}: ledger busy, retry (another wholepop process is using it)")

    monkeypatch.setattr(ledger, "list_settlements", busy)
    code, _, err = run(["ledger", "list", "--ledger", str(path)], capsys)
    assert code == 4
    assert "ledger busy, retry" in err

"""``wholepop ledger list|show|diff|verify|head`` through the CLI entry point (exit codes
included), with ``--ledger`` a DuckDB file or a ``postgresql://`` URL."""

from __future__ import annotations

import pytest

from conftest import run_cli
from ledger_db import sql
from ledger_factory import provenance, statement
from wholepop import ledger
from wholepop.cli import main


@pytest.fixture
def path(ledger_at):
    """A ledger holding northfield 2027 version 1 and its correction, version 2."""
    p = ledger_at()
    ledger.append(p, statement(2027), provenance("a"))
    ledger.append(p, statement(2027, (1_000_000, 260_000)), provenance("b"), correct="late activity")
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
    sql(path, "UPDATE statement_lines SET amount_pence = 0 WHERE seq = 1 AND line_no = 1")
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


def test_head_prints_the_newest_rows_hash(path, capsys):
    code, out, _ = run(["ledger", "head", "--ledger", str(path)], capsys)
    assert (code, out.strip()) == (0, f"chain head {ledger.head(path).hash} (row 2)")


def test_verify_head_proves_a_held_head_and_catches_a_cut_off_newest_settlement(path, capsys):
    held = ledger.head(path).hash
    code, out, _ = run(["ledger", "verify", "--head", held, "--ledger", str(path)], capsys)
    assert code == 0
    assert out.splitlines() == ["ledger ok: 2 settlements verified", f"the chain still holds head {held} and every settlement before it"]
    sql(path, "DELETE FROM statement_lines WHERE seq = 2; DELETE FROM settlement_inputs WHERE seq = 2; DELETE FROM settlements WHERE seq = 2")
    assert run(["ledger", "verify", "--ledger", str(path)], capsys)[0] == 0  # without the head: unseen
    code, out, err = run(["ledger", "verify", "--head", held, "--ledger", str(path)], capsys)
    assert code == 3
    assert f"the chain no longer contains the head {held}" in " ".join(err.split())


def test_list_shows_forecasts_apart(path, capsys):
    ledger.append(path, statement(2028, (5, 6)), provenance("m6"), kind="forecast")
    code, out, _ = run(["ledger", "list", "--ledger", str(path)], capsys)
    assert code == 0
    settled, _, forecasts = out.partition("In-year forecasts (forecast outturns: never settlements, not in the settled versions above):")
    assert "2028" not in settled
    (row,) = [line for line in forecasts.splitlines() if line.startswith("│ northfield")]
    assert [c.strip() for c in row.strip("│ ").split("│")][:4] == ["northfield", "2028", "1", "latest"]


def test_show_on_an_edited_record_reports_tampering_not_a_traceback(path, capsys):
    sql(path, "UPDATE settlements SET statement_json = '{\"contract\": 1' WHERE seq = 2")
    code, out, err = run(["ledger", "show", "northfield", "2027", "--ledger", str(path)], capsys)
    assert code == 3
    text = " ".join(err.split())
    assert "northfield 2027 version 2 has been tampered with: its stored statement is not a valid statement (JSONDecodeError" in text
    assert "run `wholepop ledger verify --ledger" in text
    assert "Traceback" not in out + err


def test_a_missing_ledger_folder_is_refused_before_any_work(tmp_path, capsys):
    code, _, err = run(["settle", "--data", str(tmp_path / "no-data"), "--contract", str(tmp_path / "c.toml"),
                        "--ledger", str(tmp_path / "nowhere" / "l.duckdb")], capsys)
    assert code == 2
    assert f"--ledger {tmp_path / 'nowhere' / 'l.duckdb'}: the folder {tmp_path / 'nowhere'} does not exist (create it first)" in " ".join(err.split())


def test_a_ledger_url_is_not_taken_for_a_file_in_a_missing_folder(pg, capsys):
    """A URL whose database name has a dot is still a URL, not a file path."""
    from ledger_db import sql

    url = pg.create_db()
    ledger.append(url, statement(2027), provenance("a"))
    dotted = url.rsplit("/", 1)[0] + "/ledger.prod"
    sql(pg.url(), 'CREATE DATABASE "ledger.prod"')
    ledger.append(dotted, statement(2027), provenance("a"))
    code, out, err = run(["ledger", "list", "--ledger", dotted], capsys)
    assert code == 0, err
    assert "northfield" in out

"""``make demo`` end to end on a small population: every step runs, and a second run
leaves the ledger as it was (the demo calls the command functions directly, so a new
command option without a value here would break it)."""

from __future__ import annotations

from wholepop.cli.demo import main


def test_the_demo_runs_every_step_and_is_idempotent(tmp_path, capsys):
    out = tmp_path / "demo"
    main(["--out", str(out), "--population", "2000"])
    first = capsys.readouterr().out
    for name in ("report.html", "statement.xlsx", "projection.json", "wholepop.duckdb"):
        assert (out / name).stat().st_size > 0, name
    assert first.count("version 1 written") == 3
    ledger = (out / "wholepop.duckdb").read_bytes()
    main(["--out", str(out), "--population", "2000"])
    second = capsys.readouterr().out
    assert second.count("nothing written") == 3
    assert (out / "wholepop.duckdb").read_bytes() == ledger

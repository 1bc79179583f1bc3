"""``wholepop synth`` writes the data set and says where, how much and how fast."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest

from wholepop.cli import main


def test_synth_writes_the_folder_and_reports_rows(tmp_path, capsys):
    out = tmp_path / "demo"
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--out", str(out), "--population", "400", "--years", "2", "--start-year", "2028", "--seed", "9"])
    assert exit_info.value.code == 0
    printed = capsys.readouterr().out
    rows = pq.ParquetFile(out / "activity.parquet").metadata.num_rows
    assert f"{rows:,} activity rows" in printed
    assert "baseline 2027 + 2 contract years" in printed
    assert "rows/s" in printed
    assert 'baseline_year = 2027' in (out / "contract.toml").read_text()
    # The default term is 15 years: the two years with data are settled, the rest projected.
    assert "of a 15-year term" in printed
    assert "term_years = 15 " in (out / "contract.toml").read_text()


def test_synth_term_option_writes_the_term(tmp_path):
    out = tmp_path / "t"
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--out", str(out), "--population", "300", "--years", "1", "--term", "10", "--seed", "3"])
    assert exit_info.value.code == 0
    assert "term_years = 10 " in (out / "contract.toml").read_text()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--population", "0"], "--population: must be at least 1, got 0"),
        (["--years", "0"], "--years: must be at least 1, got 0"),
        (["--years", "4", "--term", "3"], "--term: must be between --years (4) and 30, got 3"),
    ],
)
def test_synth_refuses_bad_arguments(tmp_path, capsys, args, message):
    with pytest.raises(SystemExit) as exit_info:
        main(["synth", "--out", str(tmp_path / "x"), *args])
    assert exit_info.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "x").exists()

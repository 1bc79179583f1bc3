"""`wholepop template`: a blank folder, filled by hand, judged by `check` as any folder is."""

from __future__ import annotations

import csv
from pathlib import Path

from conftest import run_cli
from wholepop.importers.template import example_row
from wholepop.inputs.schema import TABLES


def _fill(folder: Path, table: str, rows: list[dict[str, str]]) -> None:
    """Append rows to the template's CSV, by its own header."""
    path = folder / f"{table}.csv"
    with open(path, newline="") as f:
        header = next(csv.reader(f))
    with open(path, "a", newline="") as f:
        w = csv.DictWriter(f, fieldnames=header, lineterminator="\n")
        for r in rows:
            w.writerow(r)


def test_template_is_a_header_per_table_and_a_readme(tmp_path, capsys):
    out = tmp_path / "t"
    assert run_cli(["template", "--out", str(out)]) == 0
    for t in TABLES:
        assert (out / f"{t.name}.csv").read_text() == ",".join(c.name for c in t.columns) + "\n"
    readme = (out / "README.md").read_text()
    for t in TABLES:
        row = example_row(t)
        assert ",".join(row) + "\n" + ",".join(row.values()) in readme  # the example row under its header
        assert f"### `{t.name}`" in readme  # its columns, types and allowed values
    assert "| `service` | text | yes | service line | `primary_medical`, `prescribing`," in readme
    # A second run refuses to overwrite what the analyst may have filled.
    assert run_cli(["template", "--out", str(out)]) == 2
    assert "already holds" in capsys.readouterr().err


def test_the_filled_template_passes_check_and_each_problem_is_named_as_check_names_it(tmp_path, capsys):
    out = tmp_path / "t"
    assert run_cli(["template", "--out", str(out)]) == 0
    for t in TABLES:
        _fill(out, t.name, [example_row(t)])
    capsys.readouterr()
    assert run_cli(["check", "--data", str(out)]) == 0
    assert "0 errors, 0 warnings" in capsys.readouterr().out

    good = example_row(next(t for t in TABLES if t.name == "activity"))
    _fill(out, "activity", [
        good | {"service": "acute"},  # row 3: not a service line
        good | {"cost_pence": "-5"},  # row 4: negative money
        good | {"patient_id": "P999999"},  # row 5: not a listed patient
    ])
    _fill(out, "registrations", [{"patient_id": "P000002", "practice_code": "A81001", "from_date": "2027-02-30", "to_date": ""}])
    capsys.readouterr()
    assert run_cli(["check", "--data", str(out)]) == 1
    printed = capsys.readouterr().out
    assert 'activity row 3 column service: "acute" is not a service line (expected one of primary_medical,' in printed
    assert "activity row 4 column cost_pence: -5 is negative (expected 0 or more)" in printed
    assert "activity row 5 column patient_id: not in patients (expected a patient_id listed in patients)" in printed
    assert 'registrations row 3 column from_date: "2027-02-30" is not a date (expected YYYY-MM-DD)' in printed

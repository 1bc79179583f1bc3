"""``settle --ledger`` end to end on a small synthetic MCP, on both stores.

Contract ids (renaming keeps one current settlement; a new id for settled practices is
refused unless --new-contract), provenance taken before reading and checked after (an
input swapped during a settlement is refused), the chain head printed, and nothing
written (not even the --json file) when the ledger refuses.
"""

from __future__ import annotations

import re
import shutil

import pytest

from conftest import run_cli
from ledger_db import exists
from wholepop import ledger

NAME = 'name = "Synthetic MCP 2027"'
ID = 'id = "example-mcp"'


@pytest.fixture(scope="module")
def template(tmp_path_factory):
    """A 400-person synthetic MCP with data for 2027 and 2028 (contract id example-mcp)."""
    from wholepop.synth import generate

    return generate(tmp_path_factory.mktemp("synth") / "data", population=400, years=2, seed=5)


@pytest.fixture
def data(template, tmp_path):
    """A copy of the data folder each test may edit."""
    return shutil.copytree(template, tmp_path / "data")


def settle(data, where, *extra, capsys=None) -> tuple[int, str]:
    code = run_cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(where),
                    "--year", "2027", "--quiet", *extra])
    out = capsys.readouterr() if capsys else None
    return code, (out.out + out.err) if out else ""


def edit_contract(data, old: str, new: str) -> None:
    path = data / "contract.toml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


def test_settle_records_id_practices_and_prints_the_head(data, ledger_at, capsys):
    where = ledger_at()
    code, out = settle(data, where, capsys=capsys)
    assert code == 0, out
    (record,) = ledger.list_settlements(where)
    assert (record.contract, record.contract_id, record.year, record.version) == ("Synthetic MCP 2027", "example-mcp", 2027, 1)
    # The practices are those with a registered population in 2027, sorted.
    assert record.practices and list(record.practices) == sorted(record.practices)
    assert f"ledger chain head {ledger.head(where).hash}" in " ".join(out.split())


def test_renaming_a_contract_keeps_one_current_settlement(data, ledger_at, capsys):
    where = ledger_at()
    assert settle(data, where)[0] == 0
    edit_contract(data, NAME, 'name = "Northfield MCP"')
    code, out = settle(data, where, capsys=capsys)
    assert code == 3  # the contract file changed: a correction needs a reason
    assert "changed since version 1: contract" in out
    assert settle(data, where, "--correct", "renamed the contract")[0] == 0
    records = ledger.list_settlements(where)
    assert [(r.contract, r.contract_id, r.version, r.current) for r in records] == [
        ("Synthetic MCP 2027", "example-mcp", 1, False),
        ("Northfield MCP", "example-mcp", 2, True),
    ]
    # Shown by id, or by either name it had.
    for key in ("example-mcp", "Northfield MCP", "Synthetic MCP 2027"):
        assert ledger.get_statement(where, key, 2027)[0].version == 2


def test_a_new_id_for_practices_already_settled_is_refused_unless_new_contract(data, ledger_at, capsys):
    where = ledger_at()
    assert settle(data, where)[0] == 0
    capsys.readouterr()
    edit_contract(data, ID, 'id = "northfield"')
    code, out = settle(data, where, capsys=capsys)
    assert code == 3
    assert (
        "Synthetic MCP 2027 2027: contract id 'northfield' is new to this ledger, but Synthetic MCP 2027 (id 'example-mcp') "
        "already settled 2027 for the same practices (version 1)"
    ) in " ".join(out.split())
    assert len(ledger.list_settlements(where)) == 1
    assert settle(data, where, "--new-contract")[0] == 0
    assert [(r.contract_id, r.version) for r in ledger.list_settlements(where)] == [("example-mcp", 1), ("northfield", 1)]


def test_a_contract_without_id_is_keyed_on_its_name_with_a_warning(data, ledger_at, capsys):
    where = ledger_at()
    text = (data / "contract.toml").read_text()
    (data / "contract.toml").write_text(re.sub(r'(?m)^id = "example-mcp".*\n', "", text))
    code, out = settle(data, where, capsys=capsys)
    assert code == 0
    assert 'has no [contract] id; the ledger keys this contract on its name \'Synthetic MCP 2027\'' in " ".join(out.split())
    assert 'add id = "synthetic-mcp-2027" under [contract]' in " ".join(out.split())
    (record,) = ledger.list_settlements(where)
    assert record.contract_id == "Synthetic MCP 2027"


def test_an_input_swapped_during_the_settlement_is_refused(data, ledger_at, capsys, monkeypatch, tmp_path):
    """The activity file is replaced after it was read: its hash then differs from the one
    taken before reading, so the settlement is refused and nothing is recorded."""
    from wholepop import pipeline

    where = ledger_at()
    json_out = tmp_path / "statement.json"
    real = pipeline.settle
    replacement = data / "measures.parquet"  # any other valid bytes will do

    def settle_then_swap(run, year):
        statement = real(run, year)
        shutil.copyfile(replacement, data / "activity.parquet")
        return statement

    monkeypatch.setattr(pipeline, "settle", settle_then_swap)
    code, out = settle(data, where, "--json", str(json_out), capsys=capsys)
    assert code == 3
    assert (
        "activity: changed while the settlement was being computed (the file's hash before reading differs from its hash "
        "after the last read); nothing was recorded"
    ) in " ".join(out.split())
    assert not json_out.exists()
    assert not exists(where)  # not even created


def test_a_ledger_refusal_writes_no_json_file(data, ledger_at, capsys, tmp_path):
    where = ledger_at()
    assert settle(data, where)[0] == 0
    text = (data / "contract.toml").read_text()
    (data / "contract.toml").write_text(re.sub(r"(?m)^uplift = [0-9.]+", "uplift = 0.05", text, count=1))
    json_out = tmp_path / "statement.json"
    code, out = settle(data, where, "--json", str(json_out), capsys=capsys)
    assert code == 3 and "already settled as version 1 with different inputs" in out
    assert not json_out.exists()
    # Accepted, the JSON is written and equals the stored statement byte for byte.
    assert settle(data, where, "--json", str(json_out), "--correct", "uplift agreed at 5%")[0] == 0
    assert json_out.read_text(encoding="utf-8") == ledger.get_statement(where, "example-mcp", 2027)[2]


def test_several_years_are_settled_together_or_not_at_all(data, ledger_at, capsys):
    """``settle --year 2027 --year 2028`` appends both in one transaction: 2028 already settled
    under other terms refuses the run, and 2027 (not settled before) is not left written."""
    where = ledger_at()

    def settle_years(*years: int, extra: tuple[str, ...] = ()) -> int:
        args = ["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(where), "--quiet"]
        for y in years:
            args += ["--year", str(y)]
        return run_cli([*args, *extra])

    assert settle_years(2028) == 0
    before = ledger.head(where)
    text = (data / "contract.toml").read_text()
    (data / "contract.toml").write_text(re.sub(r"(?m)^uplift = [0-9.]+", "uplift = 0.05", text, count=1))
    capsys.readouterr()
    code = settle_years(2027, 2028)
    out = capsys.readouterr()
    said = " ".join((out.out + out.err).split())
    assert code == 3 and "2028 is already settled as version 1 with different inputs" in said
    assert ledger.head(where) == before  # nothing written: not 2027 either
    assert [(r.year, r.version) for r in ledger.list_settlements(where)] == [(2028, 1)]
    # with a reason both are written in one go: 2027 as version 1, 2028 superseded by version 2
    assert settle_years(2027, 2028, extra=("--correct", "uplift agreed at 5%")) == 0
    assert sorted((r.year, r.version) for r in ledger.list_settlements(where)) == [(2027, 1), (2028, 1), (2028, 2)]
    assert ledger.verify(where) == []  # the chain links the two rows written in one transaction


def test_changed_inputs_mark_the_settled_year_stale_naming_the_tables(data, ledger_at, capsys, template):
    where = ledger_at()
    assert settle(data, where)[0] == 0
    current = ledger.input_hashes(ledger.input_files(data))
    assert ledger.stale_years(where, "example-mcp", current) == ()
    shutil.copyfile(template / "activity.parquet", data / "measures.parquet")  # measures "changed"
    (data / "unregistered.parquet").unlink()  # and a table gone
    stale = ledger.stale_years(where, "example-mcp", ledger.input_hashes(ledger.input_files(data)))
    assert stale == (ledger.StaleYear(2027, 1, ("measures", "unregistered")),)
    code = run_cli(["ledger", "show", "example-mcp", "2027", "--data", str(data), "--ledger", str(where)])
    out = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert "stale: 2027 version 1 was settled on inputs that have changed since: measures, unregistered" in out


def _resubmit_measures(data) -> None:
    """The measures file resubmitted: 2028's patient experience score one point higher."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    t = pq.read_table(data / "measures.parquet")
    bump = pc.and_(pc.equal(t["year"], 2028), pc.equal(t["measure"], "patient_experience"))
    assert pc.sum(bump.cast(pa.int64())).as_py() == 1
    value = pc.if_else(bump, pc.add(t["value"], 1.0), t["value"])
    pq.write_table(t.set_column(t.schema.get_field_index("value"), "value", value), data / "measures.parquet")


def test_the_report_marks_stale_years_and_carries_the_head(data, ledger_at, template, tmp_path, capsys):
    """After a correction of one year on new inputs, the other year (settled on the old
    inputs) is marked stale on the report's page and terminal (``ReportData.stale_years``)."""
    where = ledger_at()
    assert run_cli(["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(where),
                    "--quiet"]) == 0  # 2027 and 2028
    _resubmit_measures(data)
    assert settle(data, where, "--correct", "measures resubmitted")[0] == 0  # 2027 corrected on the new inputs
    assert [(y.year, y.version, y.changed) for y in ledger.stale_years(where, "example-mcp", ledger.input_hashes(ledger.input_files(data)))] == [
        (2028, 1, ("measures",))
    ]
    out = tmp_path / "r.html"
    capsys.readouterr()
    assert run_cli(["report", "--data", str(data), "--contract", str(data / "contract.toml"), "--ledger", str(where),
                    "--out", str(out)]) == 0
    printed = " ".join(capsys.readouterr().out.split())
    assert "stale: 2027" not in printed
    assert "stale: 2028 version 1 was settled on inputs that have changed since: measures" in printed
    assert f"ledger chain head {ledger.head(where).hash}" in printed
    assert "<strong>Stale:</strong> 2028 (version 1) was settled on inputs that have changed since: measures." in out.read_text()

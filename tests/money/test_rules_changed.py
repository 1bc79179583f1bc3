"""A ledger written under earlier rules keeps working: `settle` says the rules changed and asks for --correct."""

from __future__ import annotations

import dataclasses

import pytest

from conftest import write_tables
from test_mixed_economy import CONTRACT, CONVERTING
from wholepop import __version__
from wholepop.cli import main
from wholepop.ledger import append, list_settlements, provenance
from wholepop.pipeline import prepare, settle


def folder(tmp_path):
    f = write_tables(tmp_path / "d", {
        "practices": "practice_code,practice_name,hub\nF,Eff,H1\nP,Pea,H1\nQ,Queue,H2",
        "memberships": "practice_code,from_date,to_date,integration,notice_date\n" + CONVERTING,
        "patients": "patient_id,sex,birth_year\n1,F,1960\n2,M,1960\n3,F,1970",
        "registrations": "patient_id,practice_code,from_date,to_date\n1,F,2020-01-01,\n2,P,2020-01-01,\n3,Q,2020-01-01,",
        "activity": "patient_id,date,service,cost_pence\n1,2026-06-01,primary_medical,6000\n2,2026-06-01,community,1200\n"
                    "1,2027-06-01,community,500",
    })
    (f / "contract.toml").write_text(CONTRACT)
    return f


def test_settle_says_the_rules_changed_and_corrects_when_told(tmp_path, capsys):
    data = folder(tmp_path)
    ledger = tmp_path / "ledger.duckdb"
    run = prepare(data, data / "contract.toml")
    try:
        s = settle(run, 2027)
        files = dict(run.inputs.files)
    finally:
        run.close()
    # the statement an earlier wholepop stored: the same inputs, another rule's figures
    old = dataclasses.replace(s, lines=tuple(
        dataclasses.replace(x, basis=x.basis + " (old rule)") if x.item == "community" else x for x in s.lines))
    append(ledger, old, provenance(files, data / "contract.toml", "0.1.0"))
    args = ["settle", "--data", str(data), "--contract", str(data / "contract.toml"), "--year", "2027", "--ledger", str(ledger), "--quiet"]
    with pytest.raises(SystemExit) as e:
        main(args)
    assert e.value.code != 0
    err = capsys.readouterr().err
    assert "the money rules changed since version 1 was stored" in err
    assert f"settled by wholepop 0.1.0; this is wholepop {__version__}" in err
    assert len(list_settlements(ledger)) == 1  # nothing written
    with pytest.raises(SystemExit) as e:
        main([*args, "--correct", f"rules changed in wholepop {__version__}"])
    assert e.value.code == 0
    records = list_settlements(ledger)
    assert [(r.version, r.engine_version, r.reason) for r in records][-1] == (2, __version__, f"rules changed in wholepop {__version__}")

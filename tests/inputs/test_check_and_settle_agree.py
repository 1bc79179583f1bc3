"""`check` and `settle` read the same values, and fail closed together.

1. Odd Unicode (space-like characters at the ends of ids, codes, numbers and dates) on
   DuckDB and Polars: the values `check` parsed (the staged values) are the ones the money
   facts summed.
2. A property test (hypothesis) mutating a valid folder and contract at random (bytes,
   values, columns, files): `check` and `settle` either both succeed, or both fail with a
   documented exit code; never a traceback, and nothing is written on failure. CI runs a
   few derandomised examples; WHOLEPOP_HOSTILE_EXAMPLES turns the count up.
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import textwrap
from pathlib import Path

import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from hypothesis import given, settings, strategies as st

from wholepop.cli import main
from wholepop.contract.presets import __file__ as _presets_file
from wholepop.errors import EXIT_CODES, SYSTEM_EXIT_CODE
from wholepop.inputs import load_inputs
from wholepop.inputs.raw import stage
from wholepop.pipeline import prepare

CONTRACT = (Path(_presets_file).parent / "presets" / "full.toml").read_text().replace("term_years = 15", "term_years = 3")

WORLD = {
    "practices": "practice_code,practice_name,hub\nA81001,Ash Surgery,North\nA81002,Beech Practice,North\n",
    "memberships": "practice_code,from_date,to_date,integration\nA81001,2020-04-01,,full\nA81002,2020-04-01,,partial\n",
    "patients": "patient_id,sex,birth_year,death_date\n1,F,1950,\n2,M,1980,\n3,F,2001,\n4,M,1940,2027-09-30\n",
    "registrations": "patient_id,practice_code,from_date,to_date\n1,A81001,2020-04-01,\n2,A81002,2020-04-01,\n"
                     "3,A81001,2021-04-01,\n4,A81002,2020-04-01,\n",
    "activity": "patient_id,date,service,cost_pence\n1,2026-05-01,ae,12500\n2,2026-06-01,community,3000\n"
                "3,2026-07-01,emergency_admission,250000\n4,2026-08-01,primary_medical,4000\n1,2027-05-01,ae,13500\n"
                "2,2027-06-01,community,3100\n3,2027-07-01,outpatient,15000\n4,2027-08-01,prescribing,900\n",
    "measures": "year,measure,value\n2027,patient_experience,80\n",
}


def world(folder: Path, tables: dict[str, str] = WORLD) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        (folder / f"{name}.csv").write_text(text, encoding="utf-8")
    (folder / "contract.toml").write_text(CONTRACT, encoding="utf-8")
    return folder


# --- 1. the values check parsed are the values settle used ---------------------------

ODD = {
    **WORLD,
    "activity": textwrap.dedent("""\
        patient_id,date,service,cost_pence
        \u00a01\u200b,2026-05-01\u3000,ae\ufeff,\u200912500
        2\u2028,\u20032026-06-01,\u202fcommunity,3000\u205f
        3,2026-07-01,emergency_admission\u0085,\ufeff250000
        4\t,2026-08-01,primary_medical,4000
        1,2027-05-01,ae,13500\u00a0
        \u30002,2027-06-01,community,3100
        3,2027-07-01,outpatient\u200b,15000
        4,2027-08-01,prescribing,\u2000900
        """),
}


def test_odd_unicode_values_check_parsed_are_the_ones_money_used(tmp_path, engine):
    assert_check_and_money_agree(world(tmp_path / "odd", ODD), engine)


def assert_check_and_money_agree(folder: Path, engine: str) -> None:
    """`check` finds no error in ``folder``, and the values it parsed are the ones the money
    facts summed (also run on Spark, by tests/spark)."""
    _, problems = load_inputs(folder, folder / "contract.toml", engine=engine)
    assert [p for p in problems if p.severity == "error"] == []
    # What check parsed: the staged values, per contract year and service.
    from wholepop.engine import connect

    backend = connect(engine)
    v = stage(folder, backend)["activity"].values
    year = v.date.year() - (v.date.month() < 4).cast("int64")
    parsed = {(r["year"], r["service"]): r["pence"] for r in backend.to_pyarrow(
        v.group_by(year=year, service=v.service).agg(pence=v.cost_pence.sum())).to_pylist()}
    assert parsed[(2026, "ae")] == 12500 and parsed[(2027, "prescribing")] == 900  # stripped, parsed
    # What the money facts summed (every patient is registered, so all is attributed).
    run = prepare(folder, folder / "contract.toml", engine)
    try:
        facts = run.facts((2026, 2027))
    finally:
        run.close()
    used: dict[tuple[int, str], int] = {}
    for (y, service, _integration), pence in facts.spend.items():
        used[(y, str(service))] = used.get((y, str(service)), 0) + pence
    assert {k: p for k, p in used.items() if p} == parsed


# --- 2. check and settle agree, or fail closed together ------------------------------

DOCUMENTED = {code for _, code in EXIT_CODES} | {SYSTEM_EXIT_CODE}

HOSTILE_VALUES = ["", " ", "\u00a0", "NaN", "inf", "-1", "1e20", "18446744073709551615", "0000-01-01",
                  "9999-12-31", "2027-02-30", "\x00", "\ufeff", '"', ",", "\n", "ae", "F", "X", "2027",
                  "12\u00a0500", "1.5", "A81001", "999999999999999999999"]


def run_cli(args: list[str]) -> tuple[int, str]:
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        try:
            main(args)
        except SystemExit as e:
            return int(e.code or 0), out.getvalue()
    return 0, out.getvalue()


@st.composite
def mutation(draw):
    kind = draw(st.sampled_from(["bytes", "value", "drop_column", "duplicate_header", "parquet", "junk_file",
                                 "contract_bytes", "contract_value"]))
    table = draw(st.sampled_from(sorted(WORLD)))
    return kind, table, draw(st.integers(0, 10_000)), draw(st.sampled_from(HOSTILE_VALUES)), draw(st.binary(min_size=1, max_size=4))


def mutate(folder: Path, m) -> None:
    kind, table, n, value, blob = m
    csv_file = folder / f"{table}.csv"
    text = csv_file.read_text(encoding="utf-8")
    lines = text.splitlines()
    if kind == "bytes":
        data = csv_file.read_bytes()
        at = n % (len(data) + 1)
        csv_file.write_bytes(data[:at] + blob + data[at:])
    elif kind == "value":
        row = 1 + n % (len(lines) - 1)
        cells = lines[row].split(",")
        cells[n % len(cells)] = value
        lines[row] = ",".join(cells)
        csv_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    elif kind == "drop_column":
        col = n % len(lines[0].split(","))
        csv_file.write_text("\n".join(",".join(c for i, c in enumerate(line.split(",")) if i != col) for line in lines) + "\n")
    elif kind == "duplicate_header":
        header = lines[0].split(",")
        header[n % len(header)] = header[(n + 1) % len(header)]
        csv_file.write_text("\n".join([",".join(header), *lines[1:]]) + "\n")
    elif kind == "parquet":
        t = pacsv.read_csv(csv_file)  # pyarrow's own guesses of the types: ints, dates, floats
        csv_file.unlink()
        pq.write_table(t, folder / f"{table}.parquet")
    elif kind == "junk_file":
        (folder / f"{table}.parquet").write_bytes(blob)  # the table given twice, once as junk
    elif kind == "contract_bytes":
        data = (folder / "contract.toml").read_bytes()
        at = n % (len(data) + 1)
        (folder / "contract.toml").write_bytes(data[:at] + blob + data[at:])
    else:
        lines = CONTRACT.splitlines()
        numbered = [i for i, line in enumerate(lines) if "=" in line and not line.startswith("#")]
        i = numbered[n % len(numbered)]
        key = lines[i].split("=")[0]
        lines[i] = f"{key}= {value!r}" if not value.strip() or not value.replace(".", "").isdigit() else f"{key}= {value}"
        (folder / "contract.toml").write_text("\n".join(lines) + "\n")


@settings(max_examples=int(os.environ.get("WHOLEPOP_HOSTILE_EXAMPLES", "6")), derandomize=True, deadline=None)
@given(m=mutation())
def test_check_and_settle_agree_or_fail_closed(tmp_path_factory, m):
    folder = world(tmp_path_factory.mktemp("hostile") / "data")
    mutate(folder, m)
    contract = folder / "contract.toml"
    checked, check_out = run_cli(["check", "--data", str(folder), "--contract", str(contract)])
    out = folder.parent / "statement.json"
    settled, settle_out = run_cli(["settle", "--data", str(folder), "--contract", str(contract), "--year", "2027",
                                   "--quiet", "--json", str(out)])
    assert "Traceback" not in check_out + settle_out
    assert checked in DOCUMENTED | {0}, check_out
    assert settled in DOCUMENTED | {0}, settle_out
    # check passing means settle succeeds; check failing means settle fails and writes nothing.
    assert (checked == 0) == (settled == 0), (m, check_out, settle_out)
    assert out.exists() == (settled == 0)
    shutil.rmtree(folder.parent)

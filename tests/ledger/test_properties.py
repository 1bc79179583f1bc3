"""Properties: any statement round-trips byte for byte, and settling twice changes nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from ledger_db import rows as rows_of
from ledger_factory import provenance
from wholepop import ledger
from wholepop.money.statement import PerformancePart, Statement, StatementLine

# Free text as finance users type it: accents, pound signs, brackets, quotes, newlines.
# (NUL aside: no ledger stores it, see the test below.)
text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",), exclude_characters="\0"), max_size=30)
lines = st.lists(
    st.tuples(st.sampled_from(["budget", "performance", "risk_share", "memo"]), text,
              st.integers(-10**12, 10**12), text, st.booleans()),
    max_size=12,
)


def _statement(year: int, rows) -> Statement:
    ls = tuple(StatementLine(s, i, a, b, p) for s, i, a, b, p in rows)
    return Statement(
        contract="northfield £ [test]", form="full", year=year, budget=None,
        performance=PerformancePart(0, "0", 0, "none", False, ()), risk_share=None,
        contingency_pence=0, deficit_pence=0,
        total_payable_pence=sum(line.amount_pence for line in ls if line.payable), lines=ls,
    )


def _counts(path) -> tuple[int, ...]:
    return tuple(rows_of(path, f"SELECT COUNT(*) FROM {t}")[0][0] for t in ("settlements", "statement_lines"))


@settings(max_examples=8)
@given(rows=lines, year=st.integers(2020, 2040))
def test_any_statement_round_trips_and_settling_twice_changes_nothing(ledger_at, rows, year):
    """Both stores keep every character byte for byte."""
    path = ledger_at()
    s = _statement(year, rows)
    assert ledger.append(path, s, provenance("a")).status == "written"
    counts = _counts(path)
    assert counts == (1, len(rows))
    again = ledger.append(path, s, provenance("a"))
    assert (again.status, again.version) == ("unchanged", 1)
    assert _counts(path) == counts
    record, back, json_text = ledger.get_statement(path, s.contract, year)
    assert json_text == s.to_json() and back == s
    assert record.total_payable_pence == s.total_payable_pence
    assert ledger.verify(path) == []


def test_a_nul_character_is_refused_by_both_stores_alike(ledger_at):
    from wholepop.errors import LedgerError

    path = ledger_at()
    s = _statement(2027, [("budget", "instalment\0 1", 5, "basis", True)])
    with pytest.raises(LedgerError, match=r"^northfield £ \[test\] 2027: line 1 item holds a NUL character, which a ledger cannot store$"):
        ledger.append(path, s, provenance("a"))


def test_the_ledger_code_never_updates_or_deletes():
    """Append-only by construction: no UPDATE or DELETE statement anywhere in the ledger package."""
    src = Path(ledger.__file__).parent
    offenders = [
        f"{p.name}:{n}"
        for p in sorted(src.glob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if re.search(r"""["'].*\b(UPDATE|DELETE)\s+(FROM\s+)?\w+""", line)
    ]
    assert offenders == []

"""Checking a ledger end to end: every stored statement adds up and every hash still holds.

``verify`` reads the whole ledger and reports every problem it finds (it does not stop
at the first). Problems name the table, the row key and the column, in the house format
``<table> row <key> column <column>: <message>``; a settlement row's key is its ``seq``
and a line's is ``<seq>.<line_no>``.

What it proves, and what it cannot (docs/ledger.md says the same to users): see ``verify``.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict

from wholepop.errors import LedgerError
from wholepop.ledger.chain import GENESIS, LineRow, SettlementContent, chain_hash
from wholepop.ledger.store import DEFAULT_BUSY_TIMEOUT, Location, Store, open_store
from wholepop.money.statement import Statement

__all__ = ["verify", "verify_count"]

_HASH = re.compile(r"^[0-9a-f]{64}$")

_LINE_FIELDS = ("line_no", "section", "item", "amount_pence", "basis", "payable")


def verify(path: Location, *, head: str | None = None, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> list[str]:
    """Recompute each stored statement's totals from its line rows and check every hash.

    Checks, for every record (settlement or forecast): the line rows match the stored
    statement JSON line for line; the payable lines sum to the stored total and to the
    JSON's total; the JSON parses into a ``Statement`` (whose own checks pass) and is in
    canonical form; the contract file's text still has its hash; versions of a contract
    year run 1, 2, ... with each correction superseding the one before and giving a reason
    (forecasts: numbered 1, 2, ... apart, superseding nothing); and the hash chain,
    recomputed from the stored rows, matches every stored hash.

    With ``head`` (a hash printed earlier by ``settle``, ``report`` or ``ledger head``), it
    also proves that the chain still contains that hash: so no row up to it was removed,
    and none was rewritten, even the newest with its own hash recomputed.

    What it cannot prove: that rows newer than the newest head you hold were not removed
    (nothing after them breaks), nor, without a held head, that someone who can write the
    database did not rewrite rows and recompute every hash after them (the chain is not
    signed).

    Returns:
        The problems found; empty if the ledger is intact.

    Raises:
        LedgerError: there is no ledger at ``path`` or it is not one, or ``head`` is not a
            64-digit hex hash.
    """
    return verify_count(path, head=head, busy_timeout=busy_timeout)[1]


def verify_count(
    path: Location, *, head: str | None = None, busy_timeout: float = DEFAULT_BUSY_TIMEOUT
) -> tuple[int, list[str]]:
    """``verify``, also returning how many records were checked."""
    if head is not None and not _HASH.match(head.strip().lower()):
        raise LedgerError(f"--head: expected the 64 hex digits `ledger head` prints, got {head!r}")
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        count, problems = _verify(store)
        if head is not None:
            problems += _check_head(store, head.strip().lower())
    return count, problems


def _check_head(store: Store, head: str) -> list[str]:
    if head == GENESIS:
        return []
    if store.query("SELECT seq FROM settlements WHERE hash = ?", (head,)):
        return []  # and every row up to it was checked by the chain above
    newest = store.query("SELECT seq, hash FROM settlements ORDER BY seq DESC LIMIT 1")
    now = f"the newest row now is {newest[0][0]} with hash {newest[0][1]}" if newest else "the ledger is now empty"
    problem = (
        f"settlements column hash: the chain no longer contains the head {head}; a settlement up to it was removed "
        f"or rewritten ({now})"
    )
    return [problem]


def _verify(store: Store) -> tuple[int, list[str]]:
    problems: list[str] = []
    contracts = dict(store.query("SELECT contract_hash, contract_text FROM contracts"))
    for h, text in sorted(contracts.items()):
        if text is not None and hashlib.sha256(text.encode("utf-8")).hexdigest() != h:
            problems.append(f"contracts row {h[:12]} column contract_text: the stored contract no longer has its hash")

    inputs: dict[int, list[tuple[str, str]]] = defaultdict(list)
    for seq, name, sha in store.query("SELECT seq, name, sha256 FROM settlement_inputs ORDER BY seq, name"):
        inputs[seq].append((name, sha))
    lines: dict[int, list[LineRow]] = defaultdict(list)
    for seq, *row in store.query(
        "SELECT seq, line_no, section, item, amount_pence, basis, payable FROM statement_lines ORDER BY seq, line_no"
    ):
        lines[seq].append(LineRow(row[0], row[1], row[2], int(row[3]), row[4], bool(row[5])))

    rows = store.query(
        "SELECT seq, contract, year, version, status, created_at, engine_version, contract_hash, supersedes, reason, "
        "statement_json, total_payable_pence, line_count, prev_hash, hash, kind, contract_id, practices, contract_name "
        "FROM settlements ORDER BY seq"
    )
    prev = GENESIS
    versions: dict[tuple[str, str, int], list[tuple[int, int, str, int | None, str | None]]] = defaultdict(list)
    expected_seq = 1
    for row in rows:
        (seq, contract, year, version, status, created_at, engine, contract_hash, supersedes, reason,
         json_text, total, line_count, prev_hash, stored_hash, kind, contract_id, practices, contract_name) = row
        where = f"settlements row {seq}"
        name = contract_name if contract_name is not None else contract
        label = f"{name} {year} {'forecast' if kind == 'forecast' else 'version'} {version}"
        if seq != expected_seq:
            problems.append(f"{where} column seq: expected {expected_seq}; a settlement is missing before {label}")
        expected_seq = seq + 1
        if prev_hash != prev:
            problems.append(f"{where} column prev_hash: does not match the hash of the settlement before ({label})")
        content = SettlementContent(
            seq=seq, contract=contract, year=year, version=version, status=status, created_at=created_at,
            engine_version=engine, contract_hash=contract_hash, supersedes=supersedes, reason=reason,
            statement_json=json_text, total_payable_pence=int(total), inputs=tuple(inputs.get(seq, ())),
            lines=tuple(lines.get(seq, ())), kind=kind, contract_id=contract_id, practices=practices,
            contract_name=contract_name,
        )
        if chain_hash(prev_hash, content) != stored_hash:
            problems.append(f"{where} column hash: the stored rows of {label} no longer match its hash")
        prev = stored_hash
        if contract_hash not in contracts:
            problems.append(f"{where} column contract_hash: {label} names a contract that is not stored")
        if kind not in (None, "settlement", "forecast"):
            problems.append(f"{where} column kind: {label} has kind {kind!r} (expected settlement or forecast)")
        versions[(contract_id or contract, kind or "settlement", year)].append((seq, version, status, supersedes, reason))
        problems += _check_statement(seq, label, name, year, json_text, int(total), line_count, lines.get(seq, []))

    for (contract, kind, year), vs in sorted(versions.items()):
        for n, (seq, version, status, supersedes, reason) in enumerate(sorted(vs), start=1):
            where = f"settlements row {seq}"
            if version != n:
                noun = "forecast" if kind == "forecast" else "version"
                problems.append(
                    f"{where} column version: {contract} {year} has {noun} {version} where {noun} {n} was expected "
                    f"({noun}s run 1, 2, 3, ... in the order written)"
                )
            elif kind == "forecast":
                if status != "forecast" or supersedes is not None or reason is not None:
                    problems.append(f"{where} column status: {contract} {year} forecast {n} must be a forecast that supersedes nothing")
            elif n == 1 and (status != "original" or supersedes is not None):
                problems.append(f"{where} column status: {contract} {year} version 1 must be an original that supersedes nothing")
            elif n > 1 and (status != "correction" or supersedes != n - 1 or not reason):
                problems.append(
                    f"{where} column supersedes: {contract} {year} version {n} must be a correction of version {n - 1} with a reason"
                )
    return len(rows), problems


def _check_statement(
    seq: int, label: str, contract: str, year: int, json_text: str, total: int, line_count: int, rows: list[LineRow]
) -> list[str]:
    """The statement JSON against its line rows and totals."""
    where = f"settlements row {seq}"
    problems: list[str] = []
    from_rows = sum(r.amount_pence for r in rows if r.payable)
    if from_rows != total:
        problems.append(
            f"{where} column total_payable_pence: {label} stores {total} pence, its payable lines sum to {from_rows}"
        )
    if len(rows) != line_count:
        problems.append(f"{where} column line_count: {label} stores {line_count} lines, {len(rows)} line rows found")
    try:
        data = json.loads(json_text)
        statement = Statement.from_dict(data)
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        # ValueError covers bad JSON and a statement that does not add up (StatementError);
        # the others, JSON of the wrong shape. A tampered ledger is reported, never a traceback.
        problems.append(f"{where} column statement_json: {label} is not a valid statement ({type(e).__name__}: {e})")
        return problems
    if statement.to_json() != json_text:
        problems.append(f"{where} column statement_json: {label} is not in canonical form (edited by hand?)")
    if (statement.contract, statement.year) != (contract, year):
        problems.append(
            f"{where} column statement_json: {label} holds the statement of {statement.contract} {statement.year}"
        )
    if statement.total_payable_pence != total:
        problems.append(
            f"{where} column statement_json: {label} says total payable {statement.total_payable_pence} pence, "
            f"the row stores {total}"
        )
    if len(statement.lines) != len(rows):
        problems.append(f"{where} column statement_json: {label} has {len(statement.lines)} lines, {len(rows)} line rows stored")
    for line_no, (line, row) in enumerate(zip(statement.lines, rows, strict=False), start=1):
        stored = (row.line_no, row.section, row.item, row.amount_pence, row.basis, row.payable)
        expected = (line_no, line.section, line.item, line.amount_pence, line.basis, line.payable)
        for col, a, b in zip(_LINE_FIELDS, stored, expected, strict=True):
            if a != b:
                problems.append(
                    f"statement_lines row {seq}.{row.line_no} column {col}: {label} line {line_no} stores {a!r}, "
                    f"the statement says {b!r}"
                )
    return problems

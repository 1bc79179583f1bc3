"""Appending a settled statement: once, idempotently, or as a correction with a reason.

Nothing in the ledger is ever updated or deleted. A settlement is written in one
transaction (contract, settlement row, input hashes, statement lines), with its version
number and chain link read inside that same transaction, so a crash leaves either the
whole settlement or no trace of it, and two writers can never both take one version.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from wholepop.errors import LedgerError
from wholepop.ledger.chain import GENESIS, SettlementContent, chain_hash, line_rows
from wholepop.ledger.provenance import Provenance
from wholepop.ledger.records import AppendResult
from wholepop.ledger.store import DEFAULT_BUSY_TIMEOUT, Store, open_store
from wholepop.money.statement import Statement

__all__ = ["append", "default_path"]

LEDGER_FILE = "wholepop.duckdb"


def default_path(contract_path: str | Path) -> Path:
    """The default ledger: ``wholepop.duckdb`` in the contract file's folder."""
    return Path(contract_path).with_name(LEDGER_FILE)


def append(
    ledger_path: str | Path,
    statement: Statement,
    provenance: Provenance,
    correct: str | None = None,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> AppendResult:
    """Record a settled statement in the ledger.

    - The year is not settled yet: version 1 is written.
    - The latest version has the same contract hash, the same input hashes and the same
      statement JSON: nothing is written (``status="unchanged"``).
    - Otherwise the year is settled differently: refused, unless ``correct`` gives a
      reason; then a new version is written that supersedes the latest, with the reason.

    Args:
        ledger_path: the DuckDB ledger file (created if missing).
        statement: the settled statement; its JSON text is stored exactly.
        provenance: hashes of the inputs and contract the statement was computed from.
        correct: the reason for a correction (``settle --correct "reason"``).
        busy_timeout: seconds to wait for another process writing the ledger.

    Returns:
        What was done, with a one-line message for the user.

    Raises:
        LedgerError: the year is already settled differently and no reason was given, or
            the reason is blank.
        LedgerBusy: another process kept the ledger busy for ``busy_timeout`` seconds.
    """
    if correct is not None and not correct.strip():
        raise LedgerError('--correct needs a reason, e.g. --correct "activity for March was incomplete"')
    json_text = statement.to_json()
    with open_store(ledger_path, write=True, busy_timeout=busy_timeout) as store, store.transaction():
        return _append(store, statement, json_text, provenance, correct)


def _append(store: Store, statement: Statement, json_text: str, prov: Provenance, correct: str | None) -> AppendResult:
    contract, year = statement.contract, statement.year
    latest = store.query(
        "SELECT seq, version, contract_hash, statement_json, engine_version FROM settlements "
        "WHERE contract = ? AND year = ? ORDER BY version DESC LIMIT 1",
        (contract, year),
    )
    supersedes: int | None = None
    if latest:
        seq, version, contract_hash, stored_json, stored_engine = latest[0]
        stored_inputs = dict(store.query("SELECT name, sha256 FROM settlement_inputs WHERE seq = ?", (seq,)))
        changed = _changes(stored_inputs, prov.input_map(), contract_hash, prov.contract_hash)
        if not changed and stored_json == json_text:
            return AppendResult(
                "unchanged", contract, year, version, None,
                f"{contract} {year} is already settled as version {version} with the same inputs and contract; nothing written",
            )
        if correct is None:
            if changed:
                raise LedgerError(
                    f"{contract} {year} is already settled as version {version} with different inputs; "
                    f'rerun with --correct "reason" to supersede it\n  changed since version {version}: {", ".join(changed)}'
                )
            raise LedgerError(
                f"{contract} {year} is already settled as version {version} with the same inputs but a different statement "
                f"(stored by wholepop {stored_engine}, now {prov.engine_version}); "
                f'rerun with --correct "reason" to supersede it'
            )
        supersedes = version

    head = store.query("SELECT seq, hash FROM settlements ORDER BY seq DESC LIMIT 1")
    seq, prev_hash = (head[0][0] + 1, head[0][1]) if head else (1, GENESIS)
    version = (supersedes or 0) + 1
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    lines = line_rows(statement.lines)
    content = SettlementContent(
        seq=seq,
        contract=contract,
        year=year,
        version=version,
        status="correction" if supersedes else "original",
        created_at=now,
        engine_version=prov.engine_version,
        contract_hash=prov.contract_hash,
        supersedes=supersedes,
        reason=correct.strip() if supersedes and correct else None,
        statement_json=json_text,
        total_payable_pence=statement.total_payable_pence,
        inputs=tuple((i.name, i.sha256) for i in prov.inputs),
        lines=lines,
    )
    if not store.query("SELECT 1 FROM contracts WHERE contract_hash = ?", (prov.contract_hash,)):
        store.execute(
            "INSERT INTO contracts (contract_hash, name, contract_text, first_seen_at) VALUES (?, ?, ?, ?)",
            (prov.contract_hash, contract, prov.contract_text, now),
        )
    store.execute(
        "INSERT INTO settlements (seq, contract, year, version, status, created_at, engine_version, contract_hash, "
        "supersedes, reason, statement_json, total_payable_pence, line_count, prev_hash, hash) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq, contract, year, version, content.status, now, prov.engine_version, prov.contract_hash,
            supersedes, content.reason, json_text, statement.total_payable_pence, len(lines),
            prev_hash, chain_hash(prev_hash, content),
        ),
    )
    store.insert_rows("settlement_inputs", ("seq", "name", "sha256"), [(seq, i.name, i.sha256) for i in prov.inputs])
    store.insert_rows(
        "statement_lines",
        ("seq", "line_no", "section", "item", "amount_pence", "basis", "payable"),
        [(seq, r.line_no, r.section, r.item, r.amount_pence, r.basis, r.payable) for r in lines],
    )
    if supersedes:
        message = f"{contract} {year}: version {version} written, superseding version {supersedes} ({content.reason})"
    else:
        message = f"{contract} {year}: version 1 written"
        if correct:
            message += " (nothing to correct: the year was not settled before, so the reason is not stored)"
    return AppendResult("written", contract, year, version, supersedes, message)


def _changes(stored: dict[str, str], now: dict[str, str], stored_contract: str, now_contract: str) -> list[str]:
    """Names of the inputs (and ``contract``) whose hashes differ; inputs added or dropped count."""
    changed = ["contract"] if stored_contract != now_contract else []
    changed += [name for name in sorted(stored.keys() | now.keys()) if stored.get(name) != now.get(name)]
    return changed

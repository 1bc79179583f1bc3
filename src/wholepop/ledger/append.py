"""Appending a settled statement: once, idempotently, or as a correction with a reason.

Nothing in the ledger is ever updated or deleted. A settlement is written in one
transaction (contract, settlement row, input hashes, statement lines), with its version
number and chain link read inside that same transaction, which excludes every other
writer (see ``store.Store.transaction``), so a crash leaves either the whole settlement
or no trace of it, and two writers can never both take one version.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from wholepop.errors import LedgerError
from wholepop.ledger.chain import GENESIS, SettlementContent, chain_hash, line_rows
from wholepop.ledger.provenance import Provenance
from wholepop.ledger.records import AppendResult, Head
from wholepop.ledger.store import DEFAULT_BUSY_TIMEOUT, Location, Store, open_store
from wholepop.money.statement import Statement

__all__ = ["KINDS", "append", "append_all", "default_path", "head"]

LEDGER_FILE = "wholepop.duckdb"


def default_path(contract_path: str | Path) -> Path:
    """The default ledger: ``wholepop.duckdb`` in the contract file's folder."""
    return Path(contract_path).with_name(LEDGER_FILE)


KINDS = ("settlement", "forecast")


def append(
    ledger_path: Location,
    statement: Statement,
    provenance: Provenance,
    correct: str | None = None,
    *,
    contract_id: str | None = None,
    kind: str = "settlement",
    practices: Sequence[str] = (),
    new_contract: bool = False,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> AppendResult:
    """Record a settled statement (or an in-year forecast) in the ledger.

    A settlement (``kind="settlement"``), keyed by contract id and year:

    - The year is not settled yet: version 1 is written; unless ``new_contract``, it is
      refused if another contract id already settled this year for the same practices
      (a renamed contract whose id changed would otherwise be settled twice).
    - The latest version has the same contract hash, the same input hashes and the same
      statement JSON: nothing is written (``status="unchanged"``).
    - Otherwise the year is settled differently: refused, unless ``correct`` gives a
      reason; then a new version is written that supersedes the latest, with the reason.

    A forecast (``kind="forecast"``: an in-year forecast outturn) is versioned apart: a
    new forecast of a year is written as its next forecast version without a reason
    (forecasts are expected to move month by month); the same one again writes nothing.
    A forecast never becomes, blocks or supersedes a settlement, though it is linked
    into the hash chain like every row.

    Args:
        ledger_path: a DuckDB ledger file (created if missing) or a ``postgresql://`` URL.
        statement: the settled statement; its JSON text is stored exactly.
        provenance: hashes of the inputs and contract the statement was computed from.
        correct: the reason for a correction (``settle --correct "reason"``).
        contract_id: the contract's stable id (``Contract.id``); default the id the
            provenance read from the contract file, else the statement's contract name.
        kind: ``settlement`` or ``forecast``.
        practices: the practice codes the statement covers (recorded, and compared with
            other contract ids' settlements of the year).
        new_contract: the id is new but the practices and year match another id's
            settlement, and this is really a different contract (``--new-contract``).
        busy_timeout: seconds to wait for another process writing the ledger.

    Returns:
        What was done, with a one-line message for the user and the chain's head.

    Raises:
        LedgerError: the year is already settled differently and no reason was given,
            the reason is blank, or the practices and year are settled under another id.
        LedgerBusy: another process kept the ledger busy for ``busy_timeout`` seconds.
    """
    (result,) = append_all(ledger_path, ((statement, practices),), provenance, correct, contract_id=contract_id, kind=kind,
                           new_contract=new_contract, busy_timeout=busy_timeout)
    return result


def append_all(
    ledger_path: Location,
    entries: Sequence[tuple[Statement, Sequence[str]]],
    provenance: Provenance,
    correct: str | None = None,
    *,
    contract_id: str | None = None,
    kind: str = "settlement",
    new_contract: bool = False,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> tuple[AppendResult, ...]:
    """Record several statements (each with the practices it covers) in one transaction:
    every one of them, or (when the ledger refuses any, or anything fails) none.

    ``wholepop settle`` with several years appends them so: a year already settled
    differently refuses the run without leaving the years before it written. Each entry
    is recorded exactly as ``append`` records one (same checks, versions and messages, in
    order); the arguments are ``append``'s.

    Raises:
        LedgerError, LedgerBusy: as ``append``; nothing is written.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, got {kind!r}")
    if correct is not None and not correct.strip():
        raise LedgerError('--correct needs a reason, e.g. --correct "activity for March was incomplete"')
    todo = []
    for statement, practices in entries:  # a few contract years
        key = _Key(contract_id or provenance.contract_id or statement.contract, kind, ",".join(sorted(set(practices))) or None)
        _refuse_nul(statement, key)
        todo.append((statement, statement.to_json(), key))
    with open_store(ledger_path, write=True, busy_timeout=busy_timeout) as store, store.transaction(exclusive=True):
        return tuple(_append(store, s, text, provenance, correct, key, new_contract) for s, text, key in todo)


@dataclass(frozen=True)
class _Key:
    contract_id: str
    kind: str
    practices: str | None

    @property
    def column(self) -> str:
        """What the ``contract`` column stores from schema 2 on: the id for a settlement,
        ``forecast:<id>`` for a forecast. Schema 1's unique (contract, year, version), which
        a migration cannot drop, then keys exactly what must be unique: id, kind, year, version."""
        return self.contract_id if self.kind == "settlement" else f"{self.kind}:{self.contract_id}"


# Rows written before schema 2 have NULL id, kind and name: their ``contract`` column is
# the name, which is also their id, and they are settlements.
ID_SQL = "COALESCE(contract_id, contract)"
KIND_SQL = "COALESCE(kind, 'settlement')"
NAME_SQL = "COALESCE(contract_name, contract)"


def _append(
    store: Store, statement: Statement, json_text: str, prov: Provenance, correct: str | None, key: _Key, new_contract: bool
) -> AppendResult:
    contract, year = statement.contract, statement.year
    forecast = key.kind == "forecast"
    latest = store.query(
        "SELECT seq, version, contract_hash, statement_json, engine_version FROM settlements "
        f"WHERE {ID_SQL} = ? AND {KIND_SQL} = ? AND year = ? ORDER BY version DESC LIMIT 1",
        (key.contract_id, key.kind, year),
    )
    supersedes: int | None = None
    previous = 0
    if latest:
        seq, version, contract_hash, stored_json, stored_engine = latest[0]
        previous = version
        stored_inputs = dict(store.query("SELECT name, sha256 FROM settlement_inputs WHERE seq = ?", (seq,)))
        changed = _changes(stored_inputs, prov.input_map(), contract_hash, prov.contract_hash)
        if not changed and stored_json == json_text:
            what = f"forecast {version}" if forecast else f"version {version}"
            return AppendResult(
                "unchanged", contract, year, version, None,
                f"{contract} {year} is already {'forecast' if forecast else 'settled'} as {what} with the same inputs and contract; "
                "nothing written",
                _head(store).hash, key.kind,
            )
        if not forecast:
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
    elif not forecast and not new_contract and key.practices:
        _refuse_same_practices(store, contract, year, key)

    head = _head(store)
    seq, prev_hash = head.seq + 1, head.hash
    version = previous + 1
    now = datetime.now(UTC).isoformat(timespec="milliseconds")
    lines = line_rows(statement.lines)
    status = "forecast" if forecast else "correction" if supersedes else "original"
    content = SettlementContent(
        seq=seq,
        contract=key.column,
        year=year,
        version=version,
        status=status,
        created_at=now,
        engine_version=prov.engine_version,
        contract_hash=prov.contract_hash,
        supersedes=supersedes,
        reason=correct.strip() if supersedes and correct else None,
        statement_json=json_text,
        total_payable_pence=statement.total_payable_pence,
        inputs=tuple((i.name, i.sha256) for i in prov.inputs),
        lines=lines,
        kind=key.kind,
        contract_id=key.contract_id,
        practices=key.practices,
        contract_name=contract,
    )
    if not store.query("SELECT 1 FROM contracts WHERE contract_hash = ?", (prov.contract_hash,)):
        store.execute(
            "INSERT INTO contracts (contract_hash, name, contract_text, first_seen_at) VALUES (?, ?, ?, ?)",
            (prov.contract_hash, contract, prov.contract_text, now),
        )
    new_hash = chain_hash(prev_hash, content)
    store.execute(
        "INSERT INTO settlements (seq, contract, year, version, status, created_at, engine_version, contract_hash, "
        "supersedes, reason, statement_json, total_payable_pence, line_count, prev_hash, hash, kind, contract_id, practices, "
        "contract_name) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            seq, key.column, year, version, status, now, prov.engine_version, prov.contract_hash,
            supersedes, content.reason, json_text, statement.total_payable_pence, len(lines),
            prev_hash, new_hash, key.kind, key.contract_id, key.practices, contract,
        ),
    )
    store.insert_rows("settlement_inputs", ("seq", "name", "sha256"), [(seq, i.name, i.sha256) for i in prov.inputs])
    store.insert_rows(
        "statement_lines",
        ("seq", "line_no", "section", "item", "amount_pence", "basis", "payable"),
        [(seq, r.line_no, r.section, r.item, r.amount_pence, r.basis, r.payable) for r in lines],
    )
    if forecast:
        message = f"{contract} {year}: forecast {version} written (an in-year forecast outturn, not a settlement)"
    elif supersedes:
        message = f"{contract} {year}: version {version} written, superseding version {supersedes} ({content.reason})"
    else:
        message = f"{contract} {year}: version 1 written"
        if correct:
            message += " (nothing to correct: the year was not settled before, so the reason is not stored)"
    return AppendResult("written", contract, year, version, supersedes, message, new_hash, key.kind)


def _refuse_nul(statement: Statement, key: _Key) -> None:
    """PostgreSQL text cannot hold a NUL character; refuse it in either store, so a
    statement either store accepts, the other accepts too."""
    texts = [("the contract name", statement.contract), ("the contract id", key.contract_id), ("the practices", key.practices or "")]
    for n, line in enumerate(statement.lines, start=1):
        texts += [(f"line {n} section", line.section), (f"line {n} item", line.item), (f"line {n} basis", line.basis)]
    for where, text in texts:
        if "\0" in text:
            raise LedgerError(f"{statement.contract.replace(chr(0), '')} {statement.year}: {where} holds a NUL character, which a ledger cannot store")


def _refuse_same_practices(store: Store, contract: str, year: int, key: _Key) -> None:
    """Refuse a first settlement whose practices and year another contract id has settled."""
    rows = store.query(
        f"SELECT {ID_SQL}, {NAME_SQL}, version FROM settlements WHERE {KIND_SQL} = 'settlement' AND year = ? "
        f"AND practices = ? AND {ID_SQL} <> ? ORDER BY seq DESC LIMIT 1",
        (year, key.practices, key.contract_id),
    )
    if rows:
        other_id, other_name, version = rows[0]
        raise LedgerError(
            f"{contract} {year}: contract id {key.contract_id!r} is new to this ledger, but {other_name} (id {other_id!r}) "
            f"already settled {year} for the same practices (version {version}); if this is that contract, set "
            f'[contract] id = "{other_id}" in the contract file; if it really is a different contract, rerun with --new-contract'
        )


def head(ledger_path: Location, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> Head:
    """The chain's head: the newest row's seq and hash (seq 0 and 64 zeros if empty).

    Raises:
        LedgerError: there is no ledger at ``ledger_path`` or it is not one.
    """
    with open_store(ledger_path, write=False, busy_timeout=busy_timeout) as store:
        return _head(store)


def _head(store: Store) -> Head:
    row = store.query("SELECT seq, hash FROM settlements ORDER BY seq DESC LIMIT 1")
    return Head(int(row[0][0]), row[0][1]) if row else Head(0, GENESIS)


def _changes(stored: dict[str, str], now: dict[str, str], stored_contract: str, now_contract: str) -> list[str]:
    """Names of the inputs (and ``contract``) whose hashes differ; inputs added or dropped count."""
    changed = ["contract"] if stored_contract != now_contract else []
    changed += [name for name in sorted(stored.keys() | now.keys()) if stored.get(name) != now.get(name)]
    return changed

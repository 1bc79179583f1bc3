"""Reading the ledger: the list of settlements, one stored statement, two versions compared."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from wholepop.errors import LedgerError
from wholepop.ledger.provenance import InputHash
from wholepop.ledger.records import DiffRow, LedgerDiff, SettlementRecord
from wholepop.ledger.store import DEFAULT_BUSY_TIMEOUT, Store, open_store
from wholepop.money.statement import Statement

__all__ = ["diff", "get_statement", "list_settlements"]

_RECORD_COLUMNS = (
    "seq, contract, year, version, status, created_at, engine_version, contract_hash, "
    "supersedes, reason, total_payable_pence, line_count, hash"
)


def list_settlements(path: str | Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> tuple[SettlementRecord, ...]:
    """Every stored settlement version, by contract, year and version.

    Raises:
        LedgerError: there is no ledger at ``path`` or it is not one.
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        return _records(store, "", ())


def get_statement(
    path: str | Path,
    contract: str,
    year: int,
    version: int | None = None,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> tuple[SettlementRecord, Statement, str]:
    """One stored statement: the latest version of the year unless ``version`` is given.

    Returns:
        The record, the ``Statement`` and its JSON text exactly as ``settle`` wrote it.

    Raises:
        LedgerError: no such contract, year or version in the ledger.
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        record = _find(store, contract, year, version)
        json_text = store.query("SELECT statement_json FROM settlements WHERE seq = ?", (record.seq,))[0][0]
    return record, Statement.from_json(json_text), json_text


def diff(
    path: str | Path,
    contract: str,
    year: int,
    v1: int,
    v2: int,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> LedgerDiff:
    """Compare two versions of a contract year line by line.

    Lines are matched by (section, item) and, where a statement repeats that pair, by
    its occurrence (first with first, ...).

    Raises:
        LedgerError: either version is not in the ledger.
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        r1 = _find(store, contract, year, v1)
        r2 = _find(store, contract, year, v2)
        lines1 = _lines(store, r1.seq)
        lines2 = _lines(store, r2.seq)
    rows: list[DiffRow] = []
    for key, (payable, amount) in lines1.items():
        other = lines2.get(key)
        rows.append(DiffRow(key[0], key[1], other[0] if other else payable, amount, other[1] if other else None))
    for key, (payable, amount) in lines2.items():
        if key not in lines1:
            rows.append(DiffRow(key[0], key[1], payable, None, amount))
    changed = ["contract"] if r1.contract_hash != r2.contract_hash else []
    h1 = {i.name: i.sha256 for i in r1.inputs}
    h2 = {i.name: i.sha256 for i in r2.inputs}
    changed += [n for n in sorted(h1.keys() | h2.keys()) if h1.get(n) != h2.get(n)]
    return LedgerDiff(r1, r2, tuple(rows), tuple(changed))


def _lines(store: Store, seq: int) -> dict[tuple[str, str, int], tuple[bool, int]]:
    """(section, item, occurrence) -> (payable, amount_pence), in line order."""
    seen: Counter[tuple[str, str]] = Counter()
    out: dict[tuple[str, str, int], tuple[bool, int]] = {}
    rows = store.query(
        "SELECT section, item, payable, amount_pence FROM statement_lines WHERE seq = ? ORDER BY line_no", (seq,)
    )
    for section, item, payable, amount in rows:
        seen[(section, item)] += 1
        out[(section, item, seen[(section, item)])] = (bool(payable), int(amount))
    return out


def _find(store: Store, contract: str, year: int, version: int | None) -> SettlementRecord:
    records = _records(store, "WHERE contract = ? AND year = ?", (contract, year))
    if not records:
        settled = sorted({(r.contract, r.year) for r in _records(store, "", ())})
        known = ", ".join(f"{c} {y}" for c, y in settled) or "none"
        raise LedgerError(f"{store.location}: {contract} {year} is not settled in this ledger (settled: {known})")
    if version is None:
        return records[-1]
    for r in records:
        if r.version == version:
            return r
    raise LedgerError(
        f"{store.location}: {contract} {year} has no version {version} (versions 1 to {records[-1].version})"
    )


def _records(store: Store, where: str, params: tuple) -> tuple[SettlementRecord, ...]:
    rows = store.query(f"SELECT {_RECORD_COLUMNS} FROM settlements {where} ORDER BY contract, year, version", params)
    if not rows:
        return ()
    inputs: dict[int, list[InputHash]] = {}
    for seq, name, sha in store.query("SELECT seq, name, sha256 FROM settlement_inputs ORDER BY seq, name"):
        inputs.setdefault(seq, []).append(InputHash(name, sha))
    latest: dict[tuple[str, int], int] = {}
    for r in rows:
        latest[(r[1], r[2])] = max(latest.get((r[1], r[2]), 0), r[3])
    return tuple(
        SettlementRecord(
            seq=seq,
            contract=contract,
            year=year,
            version=version,
            status=status,
            current=latest[(contract, year)] == version,
            created_at=created_at,
            engine_version=engine_version,
            contract_hash=contract_hash,
            inputs=tuple(inputs.get(seq, ())),
            supersedes=supersedes,
            reason=reason,
            total_payable_pence=int(total),
            line_count=line_count,
            hash=hash_,
        )
        for (seq, contract, year, version, status, created_at, engine_version, contract_hash, supersedes, reason, total, line_count, hash_) in rows
    )

"""Reading the ledger: the list of settlements (and forecasts), one stored statement, two
versions compared, and the settled years whose inputs have moved since.

A contract is named by its id or, where no record has that id, by its name (as
``ledger show "Example MCP" 2027`` is typed); a name that several ids have carried is
refused with the ids to choose from.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping

from wholepop.errors import LedgerError
from wholepop.ledger.append import ID_SQL, KIND_SQL, NAME_SQL
from wholepop.ledger.provenance import InputHash
from wholepop.ledger.records import DiffRow, LedgerDiff, SettlementRecord, StaleYear
from wholepop.ledger.store import DEFAULT_BUSY_TIMEOUT, Location, Store, open_store
from wholepop.money.statement import Statement

__all__ = ["diff", "get_statement", "list_forecasts", "list_settlements", "stale_years"]

_RECORD_COLUMNS = (
    f"seq, {NAME_SQL}, year, version, status, created_at, engine_version, contract_hash, "
    f"supersedes, reason, total_payable_pence, line_count, hash, {ID_SQL}, {KIND_SQL}, practices"
)


def list_settlements(path: Location, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> tuple[SettlementRecord, ...]:
    """Every stored settlement version (forecasts apart), by contract id, year and version.

    Raises:
        LedgerError: there is no ledger at ``path`` or it is not one.
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        return _records(store, "settlement", "", ())


def list_forecasts(path: Location, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT) -> tuple[SettlementRecord, ...]:
    """Every stored in-year forecast, by contract id, year and forecast number (``current``:
    the year's latest forecast). Forecasts are never settlements.

    Raises:
        LedgerError: there is no ledger at ``path`` or it is not one.
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        return _records(store, "forecast", "", ())


def stale_years(
    path: Location,
    contract: str,
    current_inputs: Mapping[str, str],
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> tuple[StaleYear, ...]:
    """The settled years of ``contract`` whose current version recorded input hashes that
    differ from ``current_inputs`` (the input folder as it is now), with the tables that changed.

    Args:
        path: the ledger.
        contract: the contract id (or a name, as ``get_statement`` takes it).
        current_inputs: input table name -> sha256 now (``input_hashes(files)``, or
            ``Provenance.input_map()``). A table recorded but absent now, or present now
            but not recorded, counts as changed.

    Returns:
        One ``StaleYear`` per stale year, ascending; empty when every year is current.

    Raises:
        LedgerError: no ledger there, or the contract has no settled year in it.
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        contract_id = _contract_id(store, contract)
        records = [r for r in _records(store, "settlement", f"WHERE {ID_SQL} = ?", (contract_id,)) if r.current]
    out = []
    for r in records:
        recorded = {i.name: i.sha256 for i in r.inputs}
        changed = tuple(n for n in sorted(recorded.keys() | current_inputs.keys()) if recorded.get(n) != current_inputs.get(n))
        if changed:
            out.append(StaleYear(r.year, r.version, changed))
    return tuple(out)


def get_statement(
    path: Location,
    contract: str,
    year: int,
    version: int | None = None,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
) -> tuple[SettlementRecord, Statement, str]:
    """One stored statement: the latest version of the year unless ``version`` is given.

    Args:
        contract: the contract id, or its name (see the module docstring).

    Returns:
        The record, the ``Statement`` and its JSON text exactly as ``settle`` wrote it.

    Raises:
        LedgerError: no such contract, year or version in the ledger, or a stored
            statement that no longer reads as one (an edited ledger: ``verify`` locates it).
    """
    with open_store(path, write=False, busy_timeout=busy_timeout) as store:
        record = _find(store, contract, year, version)
        json_text = store.query("SELECT statement_json FROM settlements WHERE seq = ?", (record.seq,))[0][0]
    try:
        statement = Statement.from_dict(json.loads(json_text))
    except (ValueError, TypeError, KeyError, AttributeError) as e:
        raise LedgerError(
            f"{store.location}: {record.contract} {year} version {record.version} has been tampered with: its stored "
            f"statement is not a valid statement ({type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}); "
            f"run `wholepop ledger verify --ledger {store.location}` to locate every problem"
        ) from None
    return record, statement, json_text


def diff(
    path: Location,
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


def _contract_id(store: Store, contract: str) -> str:
    """The id ``contract`` names: itself if any record has that id, else the one id that
    has carried that name."""
    if store.query(f"SELECT 1 FROM settlements WHERE {ID_SQL} = ? LIMIT 1", (contract,)):
        return contract
    ids = sorted(r[0] for r in store.query(f"SELECT DISTINCT {ID_SQL} FROM settlements WHERE {NAME_SQL} = ?", (contract,)))
    if len(ids) > 1:
        raise LedgerError(
            f"{store.location}: the name {contract!r} was used by more than one contract id ({', '.join(ids)}); give the id"
        )
    return ids[0] if ids else contract


def _find(store: Store, contract: str, year: int, version: int | None) -> SettlementRecord:
    contract = _contract_id(store, contract)
    records = _records(store, "settlement", f"WHERE {ID_SQL} = ? AND year = ?", (contract, year))
    if not records:
        settled = sorted({(r.contract, r.year) for r in _records(store, "settlement", "", ())})
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


def _records(store: Store, kind: str, where: str, params: tuple) -> tuple[SettlementRecord, ...]:
    where = f"{where} AND " if where else "WHERE "
    rows = store.query(
        f"SELECT {_RECORD_COLUMNS} FROM settlements {where}{KIND_SQL} = ? ORDER BY {ID_SQL}, year, version", (*params, kind)
    )
    if not rows:
        return ()
    inputs: dict[int, list[InputHash]] = {}
    for seq, name, sha in store.query("SELECT seq, name, sha256 FROM settlement_inputs ORDER BY seq, name"):
        inputs.setdefault(seq, []).append(InputHash(name, sha))
    latest: dict[tuple[str, int], int] = {}
    try:
        for r in rows:
            latest[(r[13], r[2])] = max(latest.get((r[13], r[2]), 0), r[3])
        return tuple(
            SettlementRecord(
                seq=seq,
                contract=contract,
                year=year,
                version=version,
                status=status,
                current=latest[(contract_id, year)] == version,
                created_at=created_at,
                engine_version=engine_version,
                contract_hash=contract_hash,
                inputs=tuple(inputs.get(seq, ())),
                supersedes=supersedes,
                reason=reason,
                total_payable_pence=int(total),
                line_count=line_count,
                hash=hash_,
                contract_id=contract_id,
                kind=kind_,
                practices=tuple(practices.split(",")) if practices else (),
            )
            for (seq, contract, year, version, status, created_at, engine_version, contract_hash, supersedes, reason, total,
                 line_count, hash_, contract_id, kind_, practices) in rows
        )
    except (TypeError, ValueError, KeyError, AttributeError):
        # A column emptied or retyped by hand (an int that is NULL...): say so, never a traceback.
        raise LedgerError(
            f"{store.location}: a stored settlement has been tampered with (a column holds an impossible value); "
            f"run `wholepop ledger verify --ledger {store.location}` to locate it"
        ) from None

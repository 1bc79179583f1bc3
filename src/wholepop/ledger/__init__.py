"""The ledger: settled statements, append-only and versioned, with their provenance.

``settle`` calls ``provenance(...)`` to hash the input files and the contract, then
``append(ledger, statement, provenance, correct, contract_id=..., practices=...)``: the
first settlement of a contract year is version 1; re-running with the same inputs writes
nothing; different inputs are refused unless a correction reason is given, which writes
a new version superseding the last. In-year forecasts are appended with
``kind="forecast"`` and versioned apart. Nothing is updated in place or deleted, each
append is one transaction (``append_all`` records several years in one: all or none), and a hash chain over every stored row lets ``verify`` catch
tampering (and, given a ``head`` kept from earlier, the removal of the newest rows).

A ledger is a DuckDB file (the default) or a PostgreSQL database named by a
``postgresql://`` URL: every function taking a ledger takes either.

Modules: ``store`` (the small storage interface), ``duckdb_store`` and
``postgres_store`` (the two stores), ``migrations`` (the schema, as data),
``provenance`` (hashing), ``chain`` (the hash chain), ``append``, ``read`` and ``verify``.
"""

from wholepop.ledger.append import KINDS, LEDGER_FILE, append, append_all, default_path, head
from wholepop.ledger.provenance import (
    InputHash,
    Provenance,
    input_files,
    input_hashes,
    provenance,
    recheck,
)
from wholepop.ledger.read import (
    diff,
    get_statement,
    list_forecasts,
    list_settlements,
    stale_years,
)
from wholepop.ledger.records import (
    AppendResult,
    DiffRow,
    Head,
    LedgerDiff,
    SettlementRecord,
    StaleYear,
)
from wholepop.ledger.store import Location, describe, is_url
from wholepop.ledger.verify import verify, verify_count

__all__ = [
    "KINDS",
    "LEDGER_FILE",
    "AppendResult",
    "DiffRow",
    "Head",
    "InputHash",
    "LedgerDiff",
    "Location",
    "Provenance",
    "SettlementRecord",
    "StaleYear",
    "append",
    "append_all",
    "default_path",
    "describe",
    "diff",
    "get_statement",
    "head",
    "input_files",
    "input_hashes",
    "is_url",
    "list_forecasts",
    "list_settlements",
    "provenance",
    "recheck",
    "stale_years",
    "verify",
    "verify_count",
]

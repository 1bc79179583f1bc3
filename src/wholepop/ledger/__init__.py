"""The ledger: settled statements, append-only and versioned, with their provenance.

``settle`` calls ``provenance(...)`` to hash the input files and the contract, then
``append(ledger, statement, provenance, correct)``: the first settlement of a year is
version 1; re-running with the same inputs writes nothing; different inputs are refused
unless a correction reason is given, which writes a new version superseding the last.
Nothing is updated in place or deleted, each settlement is one transaction, and a hash
chain over every stored row lets ``verify`` catch tampering.

Modules: ``store`` (the small storage interface), ``duckdb_store`` (the DuckDB file
store), ``migrations`` (the schema, as data), ``provenance`` (hashing), ``chain`` (the
hash chain), ``append``, ``read`` and ``verify``.
"""

from wholepop.ledger.append import LEDGER_FILE, append, default_path
from wholepop.ledger.provenance import InputHash, Provenance, provenance
from wholepop.ledger.read import diff, get_statement, list_settlements
from wholepop.ledger.records import AppendResult, DiffRow, LedgerDiff, SettlementRecord
from wholepop.ledger.verify import verify, verify_count

__all__ = [
    "LEDGER_FILE",
    "AppendResult",
    "DiffRow",
    "InputHash",
    "LedgerDiff",
    "Provenance",
    "SettlementRecord",
    "append",
    "default_path",
    "diff",
    "get_statement",
    "list_settlements",
    "provenance",
    "verify",
    "verify_count",
]

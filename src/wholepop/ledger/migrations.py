"""The ledger schema, as data: one ``Migration`` per schema version, from the first release on.

A ledger records the versions applied in ``schema_version``. Opening a ledger for writing
applies the missing migrations in order, each in its own transaction; a ledger written by
a newer wholepop (a version this one does not know) is refused rather than guessed at.
Migrations are only ever added at the end of ``MIGRATIONS``; a released one never changes.

Tables (schema 1):

- ``contracts``: one row per contract file content. Key ``contract_hash`` (hex SHA-256
  of the file's bytes); ``name``; ``contract_text`` (the file, if UTF-8); ``first_seen_at``.
- ``settlements``: one row per settled version of a contract year. Key ``seq`` (the
  order rows were written in, across the whole ledger); unique (``contract``, ``year``,
  ``version``); ``status`` ``original`` (version 1) or ``correction``; ``created_at``
  (ISO 8601 UTC); ``engine_version``; ``contract_hash``; ``supersedes`` (the version it
  replaces) and ``reason``; ``statement_json`` (the exact text ``settle`` wrote);
  ``total_payable_pence``; ``line_count``; ``prev_hash`` and ``hash`` (the hash chain,
  see ``chain.py``).
- ``settlement_inputs``: one row per (settlement, input file): ``name``, ``sha256``.
- ``statement_lines``: one row per (settlement, line): ``line_no`` (1-based, the order of
  ``Statement.lines``), ``section``, ``item``, ``amount_pence``, ``basis``, ``payable``.

Schema 2 adds to ``settlements``:

- ``contract_id``: the contract's stable ``[contract] id``, which versions are keyed on;
- ``contract_name``: the name the contract had at that version. From schema 2 on,
  ``contract`` holds the record's key instead: the id for a settlement, ``forecast:<id>``
  for a forecast, so that schema 1's unique (``contract``, ``year``, ``version``) keys
  exactly what must be unique;
- ``kind``: ``settlement`` or ``forecast`` (an in-year forecast outturn, versioned apart
  and never a current settlement);
- ``practices``: the practice codes the statement covered, sorted, comma-separated;
- a unique index on (``contract_id``, ``kind``, ``year``, ``version``).

Rows written before schema 2 keep NULL in the new columns, which reads as "``contract``
is the name and the id, a settlement, practices not recorded"; their hashes were taken without them (see
``chain.py``), so migrating never rewrites a stored row.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from wholepop.errors import LedgerError

__all__ = ["MIGRATIONS", "SCHEMA_VERSION", "Migration", "current_version", "migrate"]


@dataclass(frozen=True)
class Migration:
    """One schema version.

    Attributes:
        version: the schema version this migration brings the ledger to.
        description: what it adds, for ``schema_version``.
        statements: portable SQL, run in order in one transaction.
    """

    version: int
    description: str
    statements: tuple[str, ...]


# The bookkeeping table itself exists before any migration, so it is created apart.
_SCHEMA_TABLE = """
CREATE TABLE IF NOT EXISTS schema_version (
    version INTEGER NOT NULL PRIMARY KEY,
    description VARCHAR NOT NULL,
    applied_at VARCHAR NOT NULL
)
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration(
        version=1,
        description="contracts, settlements, settlement inputs and statement lines",
        statements=(
            """
            CREATE TABLE contracts (
                contract_hash VARCHAR NOT NULL PRIMARY KEY,
                name VARCHAR NOT NULL,
                contract_text VARCHAR,
                first_seen_at VARCHAR NOT NULL
            )
            """,
            """
            CREATE TABLE settlements (
                seq INTEGER NOT NULL PRIMARY KEY,
                contract VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                version INTEGER NOT NULL,
                status VARCHAR NOT NULL,
                created_at VARCHAR NOT NULL,
                engine_version VARCHAR NOT NULL,
                contract_hash VARCHAR NOT NULL REFERENCES contracts (contract_hash),
                supersedes INTEGER,
                reason VARCHAR,
                statement_json VARCHAR NOT NULL,
                total_payable_pence BIGINT NOT NULL,
                line_count INTEGER NOT NULL,
                prev_hash VARCHAR NOT NULL,
                hash VARCHAR NOT NULL,
                UNIQUE (contract, year, version)
            )
            """,
            """
            CREATE TABLE settlement_inputs (
                seq INTEGER NOT NULL REFERENCES settlements (seq),
                name VARCHAR NOT NULL,
                sha256 VARCHAR NOT NULL,
                PRIMARY KEY (seq, name)
            )
            """,
            """
            CREATE TABLE statement_lines (
                seq INTEGER NOT NULL REFERENCES settlements (seq),
                line_no INTEGER NOT NULL,
                section VARCHAR NOT NULL,
                item VARCHAR NOT NULL,
                amount_pence BIGINT NOT NULL,
                basis VARCHAR NOT NULL,
                payable BOOLEAN NOT NULL,
                PRIMARY KEY (seq, line_no)
            )
            """,
        ),
    ),
    Migration(
        version=2,
        description="contract ids and names, record kinds (settlement or forecast) and practices on settlements",
        statements=(
            "ALTER TABLE settlements ADD COLUMN contract_id VARCHAR",
            "ALTER TABLE settlements ADD COLUMN contract_name VARCHAR",
            "ALTER TABLE settlements ADD COLUMN kind VARCHAR",
            "ALTER TABLE settlements ADD COLUMN practices VARCHAR",
            "CREATE UNIQUE INDEX settlements_id_kind_year_version ON settlements (contract_id, kind, year, version)",
        ),
    ),
)

SCHEMA_VERSION = MIGRATIONS[-1].version


def current_version(store) -> int | None:
    """The ledger's schema version; None if it has no ``schema_version`` table yet.

    Raises:
        LedgerError: the ledger was written by a newer wholepop.
    """
    tables = {
        r[0]
        for r in store.query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
        )
    }
    if "schema_version" not in tables:
        if tables:
            raise LedgerError(f"{store.location}: is a database but not a wholepop ledger (it has no schema_version table)")
        return None
    version = store.query("SELECT MAX(version) FROM schema_version")[0][0]
    if version is not None and version > SCHEMA_VERSION:
        raise LedgerError(
            f"{store.location}: ledger schema version {version} was written by a newer wholepop; "
            f"this one knows versions up to {SCHEMA_VERSION}"
        )
    return version


def migrate(store) -> int:
    """Apply every migration the ledger lacks, each in one transaction.

    Returns:
        How many migrations were applied.
    """
    applied = 0
    with store.transaction():
        store.execute(_SCHEMA_TABLE)
    version = current_version(store) or 0
    for m in MIGRATIONS:
        if m.version <= version:
            continue
        with store.transaction():
            for sql in m.statements:
                store.execute(sql)
            store.execute(
                "INSERT INTO schema_version (version, description, applied_at) VALUES (?, ?, ?)",
                (m.version, m.description, datetime.now(UTC).isoformat(timespec="seconds")),
            )
        applied += 1
    return applied

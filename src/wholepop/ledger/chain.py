"""The hash chain that makes tampering with a stored settlement visible.

Every settlement row stores ``hash = sha256(prev_hash + "\\n" + content)``, where
``prev_hash`` is the hash of the settlement written just before it in the ledger (by
``seq``; the first uses ``GENESIS``) and ``content`` is the canonical JSON of everything
stored about the settlement: its key, status, times, engine version, contract hash,
input hashes, supersession and reason, the statement's JSON text and each statement line
row. Changing any of these, or deleting or re-ordering a settlement, breaks the hash of
that row or of the next one; ``verify`` recomputes the whole chain.

Rows written from schema 2 on also hash their contract id, kind (``settlement`` or
``forecast``), practices and contract name (``contract`` then holds the record's key); rows written before keep the content they were hashed with
(those three keys absent), so old ledgers verify unchanged. A schema-2 row whose kind is
blanked to look old no longer matches its hash.

A chain alone cannot show that the *newest* rows were cut off, or that the newest row
was rewritten with its own hash recomputed (nothing comes after them to break). The
*head* (the newest row's hash, printed by ``settle``, ``report`` and ``ledger head``)
closes that gap for whoever keeps it: ``verify --head`` proves the chain still holds that
hash and everything before it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass

__all__ = ["GENESIS", "LineRow", "SettlementContent", "chain_hash", "line_rows"]

GENESIS = "0" * 64


@dataclass(frozen=True)
class LineRow:
    """One ``statement_lines`` row (see ``migrations``)."""

    line_no: int
    section: str
    item: str
    amount_pence: int
    basis: str
    payable: bool


@dataclass(frozen=True)
class SettlementContent:
    """Everything hashed for one settlement row (the row's columns minus the chain)."""

    seq: int
    contract: str
    year: int
    version: int
    status: str
    created_at: str
    engine_version: str
    contract_hash: str
    supersedes: int | None
    reason: str | None
    statement_json: str
    total_payable_pence: int
    inputs: tuple[tuple[str, str], ...]  # (name, sha256), sorted by name
    lines: tuple[LineRow, ...]  # sorted by line_no
    # Schema 2 (None on rows written before it, which were hashed without these keys).
    kind: str | None = None
    contract_id: str | None = None
    practices: str | None = None
    contract_name: str | None = None

    def canonical(self) -> bytes:
        """Canonical JSON bytes: sorted keys, no spaces, UTF-8."""
        d = {
            "seq": self.seq,
            "contract": self.contract,
            "year": self.year,
            "version": self.version,
            "status": self.status,
            "created_at": self.created_at,
            "engine_version": self.engine_version,
            "contract_hash": self.contract_hash,
            "supersedes": self.supersedes,
            "reason": self.reason,
            "statement_json": self.statement_json,
            "total_payable_pence": self.total_payable_pence,
            "inputs": [list(i) for i in sorted(self.inputs)],
            "lines": [
                [r.line_no, r.section, r.item, r.amount_pence, r.basis, bool(r.payable)]
                for r in sorted(self.lines, key=lambda r: r.line_no)
            ],
        }
        if self.kind is not None:
            d.update(kind=self.kind, contract_id=self.contract_id, practices=self.practices, contract_name=self.contract_name)
        return json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def chain_hash(prev_hash: str, content: SettlementContent) -> str:
    """The hash of a settlement row given the previous row's hash."""
    return hashlib.sha256(prev_hash.encode("ascii") + b"\n" + content.canonical()).hexdigest()


def line_rows(lines: Sequence) -> tuple[LineRow, ...]:
    """``StatementLine``s as rows, numbered from 1 in statement order."""
    return tuple(
        LineRow(i, line.section, line.item, int(line.amount_pence), line.basis, bool(line.payable))
        for i, line in enumerate(lines, start=1)
    )

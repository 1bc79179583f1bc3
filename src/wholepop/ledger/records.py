"""What the ledger hands back: frozen records of settlements, appends and diffs."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from wholepop.ledger.provenance import InputHash

__all__ = ["AppendResult", "DiffRow", "Head", "LedgerDiff", "SettlementRecord", "StaleYear"]


@dataclass(frozen=True)
class SettlementRecord:
    """One stored settlement version (a ``settlements`` row and its input hashes).

    Attributes:
        seq: order of writing across the ledger (1, 2, ...).
        contract: the contract name (``Statement.contract``).
        year: the contract year (April-March, named by its first year).
        version: 1 for the first settlement of the year; each correction adds one.
        status: ``original`` or ``correction``.
        current: whether this is the year's latest version (a derived flag; nothing is
            ever updated in place).
        created_at: when it was written, ISO 8601 UTC.
        engine_version: the wholepop version that computed it.
        contract_hash: SHA-256 of the contract file.
        inputs: the hash of every input file, sorted by name.
        supersedes: the version this one replaces (None for version 1).
        reason: why it replaced it (the ``--correct`` text).
        total_payable_pence: the statement's total payable, whole pence.
        line_count: how many statement lines are stored.
        hash: this row's link in the hash chain.
        contract_id: the contract's stable id (``[contract] id``; for rows written before
            ids existed, and contracts without one, the name).
        kind: ``settlement``, or ``forecast`` for an in-year forecast outturn (versioned
            apart; never a current settlement).
        practices: the practice codes the statement covered, sorted (empty if not recorded).
    """

    seq: int
    contract: str
    year: int
    version: int
    status: str
    current: bool
    created_at: str
    engine_version: str
    contract_hash: str
    inputs: tuple[InputHash, ...]
    supersedes: int | None
    reason: str | None
    total_payable_pence: int
    line_count: int
    hash: str
    contract_id: str = ""
    kind: str = "settlement"
    practices: tuple[str, ...] = ()


@dataclass(frozen=True)
class StaleYear:
    """A settled year whose recorded input hashes differ from the input folder as it is now.

    Attributes:
        year: the contract year.
        version: its current version (the one whose hashes were compared).
        changed: the input tables whose hash differs, or that were added or removed, sorted.
    """

    year: int
    version: int
    changed: tuple[str, ...]


@dataclass(frozen=True)
class AppendResult:
    """What ``append`` did.

    Attributes:
        status: ``written`` (a new version was stored) or ``unchanged`` (the year is already
            settled with the same inputs, contract and statement: nothing was written).
        contract: the contract name.
        year: the contract year.
        version: the version written, or the existing version that matched.
        supersedes: the version a correction replaced (None otherwise).
        message: one line for the user.
        head: the chain's head after the append (the newest row's hash): keep it, and
            ``verify --head`` proves later that nothing up to it was removed or rewritten.
        kind: ``settlement`` or ``forecast``.
    """

    status: Literal["written", "unchanged"]
    contract: str
    year: int
    version: int
    supersedes: int | None
    message: str
    head: str = ""
    kind: str = "settlement"


@dataclass(frozen=True)
class DiffRow:
    """One statement line compared between two versions (None: absent from that version).

    Attributes:
        section: the line's section.
        item: the line's item.
        payable: whether the line adds to the total payable (in the later version if there).
        v1_pence: the amount in the first version compared, whole pence.
        v2_pence: the amount in the second version compared, whole pence.
    """

    section: str
    item: str
    payable: bool
    v1_pence: int | None
    v2_pence: int | None

    @property
    def change_pence(self) -> int:
        """v2 - v1, an absent line counting as zero."""
        return (self.v2_pence or 0) - (self.v1_pence or 0)


@dataclass(frozen=True)
class LedgerDiff:
    """Two versions of one contract year, line by line.

    Attributes:
        v1: the first version's record.
        v2: the second version's record.
        rows: every line of either version, in the first version's order, then lines new
            in the second.
        changed_inputs: names of inputs whose hash differs (or that one version lacks),
            plus ``contract`` if the contract file changed.
    """

    v1: SettlementRecord
    v2: SettlementRecord
    rows: tuple[DiffRow, ...]
    changed_inputs: tuple[str, ...]

    @property
    def total_change_pence(self) -> int:
        """Change in the total payable, whole pence."""
        return self.v2.total_payable_pence - self.v1.total_payable_pence


@dataclass(frozen=True)
class Head:
    """The head of the hash chain: the newest row.

    Attributes:
        seq: the newest row's ``seq`` (0 for an empty ledger).
        hash: its hash (64 zeros for an empty ledger).
    """

    seq: int
    hash: str

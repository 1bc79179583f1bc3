"""Provenance: the SHA-256 of every input file and of the contract a statement came from.

Two settlements with the same provenance (and the same statement) are the same
settlement, so re-running ``settle`` writes nothing; a different provenance for a year
already settled is a correction, which must give a reason.

Hashes are taken *before* the inputs are read (``provenance(input_files(folder), ...)``)
and taken again after the last read (``recheck``): a file replaced in between refuses the
settlement, so a ledger can never store a new file's hash beside the old file's figures.
The files hashed are exactly the files read: ``input_files`` finds each table with the
reader's own ``find_file``, and a folder of parts is listed by ``parquet_parts``, the
reader's lister.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from wholepop.errors import LedgerError

__all__ = ["InputHash", "Provenance", "hash_path", "input_files", "input_hashes", "provenance", "recheck"]

# Read files in 1 MiB pieces so hashing a multi-gigabyte activity file needs no memory.
_CHUNK = 1 << 20


@dataclass(frozen=True)
class InputHash:
    """The hash of one input table's file.

    Attributes:
        name: the input table name (``registrations``, ``activity``, ...).
        sha256: hex SHA-256 of the file's bytes; for a folder of Parquet parts, of the
            sorted list of (relative path, part hash) pairs (see ``hash_path``).
    """

    name: str
    sha256: str


@dataclass(frozen=True)
class Provenance:
    """Where a statement came from.

    Attributes:
        inputs: one ``InputHash`` per input file, sorted by name.
        contract_hash: hex SHA-256 of the contract file's bytes.
        contract_text: the contract file's text (kept in the ledger so a settlement can be
            audited against the exact contract); None if it is not UTF-8.
        engine_version: the wholepop version that computed the statement.
    """

    inputs: tuple[InputHash, ...]
    contract_hash: str
    contract_text: str | None
    engine_version: str

    def __post_init__(self) -> None:
        names = [i.name for i in self.inputs]
        if names != sorted(set(names)):
            raise ValueError("Provenance.inputs must be sorted by name, one entry per input")

    def input_map(self) -> dict[str, str]:
        """Input name -> sha256."""
        return {i.name: i.sha256 for i in self.inputs}


def input_files(folder: str | Path) -> dict[str, Path]:
    """Table name -> the file (or folder of parts) the reader will read it from, for every
    declared table present in ``folder``: the same lookup the reader makes."""
    from wholepop.inputs.load import find_file
    from wholepop.inputs.schema import TABLES

    folder = Path(folder)
    found = {decl.name: find_file(folder, decl.name) for decl in TABLES}
    return {name: path for name, path in found.items() if path is not None}


def input_hashes(files: Mapping[str, Path]) -> dict[str, str]:
    """Table name -> SHA-256 of its file (or folder of parts), as the ledger records them.

    Raises:
        LedgerError: a file cannot be read.
    """
    return {name: hash_path(Path(p), name) for name, p in sorted(files.items())}


def recheck(before: Provenance, folder: str | Path, contract_path: str | Path) -> None:
    """Hash the inputs and the contract again after the last read, and refuse if any
    changed since ``before`` was taken (or a table appeared or went).

    Raises:
        LedgerError: naming each changed file; nothing may be recorded.
    """
    after = provenance(input_files(folder), Path(contract_path), before.engine_version)
    then, now = before.input_map(), after.input_map()
    changed = [n for n in sorted(then.keys() | now.keys()) if then.get(n) != now.get(n)]
    if after.contract_hash != before.contract_hash:
        changed.insert(0, "contract")
    if changed:
        raise LedgerError(
            f"{', '.join(changed)}: changed while the settlement was being computed (the file's hash before reading "
            "differs from its hash after the last read); nothing was recorded: settle again once the files are final"
        )


def provenance(input_files: Mapping[str, Path], contract_path: Path, engine_version: str) -> Provenance:
    """Hash every input file and the contract file.

    Args:
        input_files: input table name -> file (or folder of Parquet parts) it was read
            from, as in ``Inputs.files``.
        contract_path: the contract TOML file.
        engine_version: ``wholepop.__version__`` of the run.

    Returns:
        The ``Provenance``, inputs sorted by name.

    Raises:
        LedgerError: a file cannot be read.
    """
    inputs = tuple(InputHash(name, hash_path(Path(p), name)) for name, p in sorted(input_files.items()))
    contract_path = Path(contract_path)
    try:
        data = contract_path.read_bytes()
    except OSError as e:
        raise LedgerError(f"{contract_path}: cannot read the contract file to hash it ({e.strerror})") from None
    try:
        text: str | None = data.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    return Provenance(
        inputs=inputs,
        contract_hash=hashlib.sha256(data).hexdigest(),
        contract_text=text,
        engine_version=engine_version,
    )


def hash_path(path: Path, name: str | None = None) -> str:
    """SHA-256 of a file's bytes, or of a folder of parts.

    A folder (a Parquet dataset, possibly hive-partitioned) hashes the text
    ``"<relative posix path>\\0<part sha256>\\n"`` of every visible file under it, sorted by
    relative path: the partition values live in the paths, so they are part of the hash,
    while the order the file system lists parts in is not. Hidden files (``.crc``,
    ``.DS_Store``) are skipped.

    Raises:
        LedgerError: the path is missing or unreadable (``name`` labels the message).
    """
    label = name or str(path)
    try:
        if path.is_dir():
            parts = sorted(
                (p for p in path.rglob("*") if p.is_file() and not any(s.startswith(".") for s in p.relative_to(path).parts)),
                key=lambda p: p.relative_to(path).as_posix(),
            )
            digest = hashlib.sha256()
            for part in parts:
                digest.update(f"{part.relative_to(path).as_posix()}\0{_file_sha256(part)}\n".encode())
            return digest.hexdigest()
        return _file_sha256(path)
    except OSError as e:
        raise LedgerError(f"{label}: cannot read {path} to hash it ({e.strerror or e})") from None


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

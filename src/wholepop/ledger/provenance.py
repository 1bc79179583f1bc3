"""Provenance: the SHA-256 of every input file and of the contract a statement came from.

Two settlements with the same provenance (and the same statement) are the same
settlement, so re-running ``settle`` writes nothing; a different provenance for a year
already settled is a correction, which must give a reason.

Hashes are taken *before* the inputs are read (``provenance(input_files(folder), ...)``)
and taken again after the last read (``recheck``): a file replaced in between refuses the
settlement, so a ledger can never store a new file's hash beside the old file's figures.
The files hashed are exactly the files read: ``input_files`` asks the reader's own lister
(``wholepop.inputs.files.list_inputs``) which files each table is read from, and a table
is hashed over exactly those files (a folder of parts: the parts it reads, never the
``_SUCCESS``, ``.crc`` or other files beside them).
"""

from __future__ import annotations

import hashlib
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from wholepop.errors import LedgerError

__all__ = ["InputHash", "Provenance", "Source", "hash_path", "hash_source", "input_files", "input_hashes", "provenance", "recheck"]

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
        contract_id: the contract file's ``[contract] id`` (its name if it has none; None
            if the file is not readable TOML): the ledger's key when ``append`` is not
            given one, so every caller that hashes the contract keys it alike.
    """

    inputs: tuple[InputHash, ...]
    contract_hash: str
    contract_text: str | None
    engine_version: str
    contract_id: str | None = None

    def __post_init__(self) -> None:
        names = [i.name for i in self.inputs]
        if names != sorted(set(names)):
            raise ValueError("Provenance.inputs must be sorted by name, one entry per input")

    def input_map(self) -> dict[str, str]:
        """Input name -> sha256."""
        return {i.name: i.sha256 for i in self.inputs}


class TableSource(Protocol):
    """Where a table is read from, as the inputs lister gives it (``inputs.files.TableFiles``)."""

    path: Path
    files: tuple[Path, ...]


# What the provenance functions take per table: the lister's ``TableFiles`` (exactly the
# files read), or a bare path (a file, or a folder whose visible files are all hashed).
Source = TableSource | Path | str


def input_files(folder: str | Path) -> dict[str, Source]:
    """Table name -> where the reader reads it from, for every declared table found in
    ``folder``: the reader's own listing, so the hashes cover exactly the files read."""
    try:
        from wholepop.inputs.files import list_inputs
    except ImportError:  # pragma: no cover  (before the inputs lister: the reader's own lookup)
        from wholepop.inputs.load import find_file
        from wholepop.inputs.schema import TABLES

        found = {decl.name: find_file(Path(folder), decl.name) for decl in TABLES}
        return {name: path for name, path in found.items() if path is not None}
    return dict(list_inputs(folder).tables)


def input_hashes(files: Mapping[str, Source]) -> dict[str, str]:
    """Table name -> SHA-256 of its file (or folder of parts), as the ledger records them.

    Raises:
        LedgerError: a file cannot be read.
    """
    return {name: hash_source(src, name) for name, src in sorted(files.items())}


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


def provenance(input_files: Mapping[str, Source], contract_path: Path, engine_version: str) -> Provenance:
    """Hash every input file and the contract file.

    Args:
        input_files: input table name -> where it is read from: ``input_files(folder)``
            (exactly the files read), or a file or folder of Parquet parts.
        contract_path: the contract TOML file.
        engine_version: ``wholepop.__version__`` of the run.

    Returns:
        The ``Provenance``, inputs sorted by name.

    Raises:
        LedgerError: a file cannot be read.
    """
    inputs = tuple(InputHash(name, sha) for name, sha in input_hashes(input_files).items())
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
        contract_id=_contract_id(text),
    )


def _contract_id(text: str | None) -> str | None:
    """``[contract] id`` (else ``name``) of a contract file's text, as ``Contract.id`` gives it."""
    if text is None:
        return None
    try:
        terms = tomllib.loads(text).get("contract", {})
    except tomllib.TOMLDecodeError:
        return None
    value = terms.get("id") or terms.get("name") if isinstance(terms, dict) else None
    return value if isinstance(value, str) and value else None


def hash_source(source: Source, name: str | None = None) -> str:
    """SHA-256 of one table's source: of exactly the listed files for a lister's
    ``TableFiles``, else ``hash_path``."""
    if isinstance(source, (str, Path)):
        return hash_path(Path(source), name)
    root, files = Path(source.path), tuple(source.files)
    if not root.is_dir():
        return hash_path(root, name)
    try:
        return _parts_sha256(root, files)
    except OSError as e:
        raise LedgerError(f"{name or root}: cannot read {root} to hash it ({e.strerror or e})") from None


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
            parts = [p for p in path.rglob("*") if p.is_file() and not any(s.startswith(".") for s in p.relative_to(path).parts)]
            return _parts_sha256(path, parts)
        return _file_sha256(path)
    except OSError as e:
        raise LedgerError(f"{label}: cannot read {path} to hash it ({e.strerror or e})") from None


def _parts_sha256(root: Path, parts) -> str:
    """The folder hash: ``"<relative posix path>\\0<part sha256>\\n"`` per part, sorted by path."""
    digest = hashlib.sha256()
    for part in sorted(parts, key=lambda p: p.relative_to(root).as_posix()):
        digest.update(f"{part.relative_to(root).as_posix()}\0{_file_sha256(part)}\n".encode())
    return digest.hexdigest()


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()

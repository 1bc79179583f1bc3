"""Which files hold the input tables: the one lister the reader and the hasher both use.

``list_inputs(folder)`` decides, once, which files each declared table is read from:
``<table>.csv``, ``<table>.parquet`` (a file, or a folder of parts as Spark writes it) or
a folder ``<table>/`` of Parquet parts. The reader (``wholepop.inputs.raw.stage``) reads
exactly ``TableFiles.files`` and nothing else, and the ledger hashes exactly the same
files, so the provenance of a settlement covers what was read and only that.

Inside a folder of parts, names starting with ``.`` or ``_`` (``_SUCCESS``,
``.part-0.parquet.crc``, ``_temporary/``, ``_delta_log/``, as Spark and Hive write them)
and files not ending ``.parquet`` are never read; they are listed in
``TableFiles.ignored`` and said as a warning. Symbolic links to folders are not
followed (a link loop cannot hang the walk).

Nothing here raises for a user's mistake: a table given twice, a folder where a file
should be, a link that loops or leads nowhere, a folder with no parts, each becomes a
message in ``InputListing.errors``, which ``wholepop check`` reports with the table.
"""

from __future__ import annotations

import errno
import os
import stat
import types
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from wholepop.inputs.schema import TABLES

__all__ = ["HIDDEN_PREFIXES", "InputListing", "TableFiles", "list_inputs"]

# Hidden files, and the bookkeeping Spark and Hive write beside the parts of a data set.
HIDDEN_PREFIXES: tuple[str, ...] = (".", "_")
_SHOWN_IGNORED = 5  # ignored names quoted in the warning before "and N more"


@dataclass(frozen=True)
class TableFiles:
    """Where one table is read from.

    Attributes:
        name: the declared table name.
        path: the file, or the folder of parts, as given.
        format: ``csv`` or ``parquet``.
        files: exactly the files read, sorted by their path relative to ``path`` (for a
            single file, the file itself).
        ignored: files and folders under ``path`` that are not read (hidden, bookkeeping,
            not ``.parquet``), relative to ``path``.
    """

    name: str
    path: Path
    format: str
    files: tuple[Path, ...]
    ignored: tuple[str, ...] = ()

    @property
    def parts(self) -> bool:
        """Whether the table is a folder of Parquet parts."""
        return self.path.is_dir()

    def part_name(self, file: Path) -> str:
        """A part's name as problem lines show it (``activity/year=2027/part-1.parquet``)."""
        return f"{self.path.name}/{file.relative_to(self.path).as_posix()}"


@dataclass(frozen=True)
class InputListing:
    """The files of every declared table of a folder.

    Attributes:
        folder: the data folder.
        tables: table name -> its ``TableFiles``, for each table found and listable.
        absent: declared tables with nothing in the folder.
        errors: table name -> why its files cannot be used (given twice, a folder where a
            file should be, a link loop, no parts...): an error of that table.
    """

    folder: Path
    tables: Mapping[str, TableFiles] = field(default_factory=dict)
    absent: tuple[str, ...] = ()
    errors: Mapping[str, str] = field(default_factory=dict)

    def files(self) -> tuple[tuple[str, Path], ...]:
        """Every file read, as (table name, file), tables in declaration order."""
        return tuple((t.name, f) for t in self.tables.values() for f in t.files)


def list_inputs(folder: str | Path) -> InputListing:
    """List the files each declared table of ``folder`` is read from.

    Args:
        folder: the data folder.

    Returns:
        The listing: files to read per table, tables absent, and per-table errors. Never
        raises for the folder's contents (only the caller checks ``folder`` is a folder).
    """
    folder = Path(folder)
    tables: dict[str, TableFiles] = {}
    absent: list[str] = []
    errors: dict[str, str] = {}
    for decl in TABLES:
        candidates = [p for p in (folder / f"{decl.name}.csv", folder / f"{decl.name}.parquet", folder / decl.name)
                      if os.path.lexists(p)]
        if not candidates:
            absent.append(decl.name)
            continue
        if len(candidates) > 1:
            names = " and ".join(_shown(p) for p in candidates)
            errors[decl.name] = f"given twice, as {names} (expected one; remove the other)"
            continue
        found = _table_files(decl.name, candidates[0])
        if isinstance(found, str):
            errors[decl.name] = found
        else:
            tables[decl.name] = found
    return InputListing(
        folder=folder,
        tables=types.MappingProxyType(tables),
        absent=tuple(absent),
        errors=types.MappingProxyType(errors),
    )


def _shown(path: Path) -> str:
    return path.name + ("/" if path.is_dir() and path.suffix != ".parquet" else "")


def _table_files(name: str, path: Path) -> TableFiles | str:
    """The files of a table given as ``path``, or why it cannot be used."""
    try:
        mode = os.stat(path).st_mode  # follows links: a loop or a dangling link fails here
    except OSError as e:
        if os.path.islink(path):
            if e.errno == errno.ELOOP:
                return f"{path.name} is a symbolic link that loops back on itself (expected a file)"
            return f"{path.name} is a symbolic link to {os.readlink(path)}, which does not exist (expected a file)"
        return f"cannot read {path.name} ({e.strerror or e})"
    if path.suffix == ".csv":
        if not stat.S_ISREG(mode):
            kind = "a folder" if stat.S_ISDIR(mode) else "not a regular file"
            return f"{path.name} is {kind} (expected a CSV file)"
        return TableFiles(name, path, "csv", (path,))
    if stat.S_ISREG(mode):
        if path.suffix != ".parquet":
            return f"{path.name} is a file without an extension (expected {name}.csv, {name}.parquet or a folder {name}/ of Parquet parts)"
        return TableFiles(name, path, "parquet", (path,))
    if not stat.S_ISDIR(mode):
        return f"{path.name} is not a regular file or folder (expected a Parquet file)"
    parts, ignored = _walk_parts(path)
    if isinstance(parts, str):
        return parts
    if not parts:
        shown = f" (it holds only {', '.join(ignored[:_SHOWN_IGNORED])}{', ...' if len(ignored) > _SHOWN_IGNORED else ''})" if ignored else ""
        return f"the folder {path.name}/ holds no Parquet parts{shown} (expected files ending .parquet)"
    return TableFiles(name, path, "parquet", tuple(parts), tuple(ignored))


def _walk_parts(root: Path) -> tuple[list[Path] | str, list[str]]:
    """Parquet parts under ``root`` (sorted by relative path) and the names not read."""
    parts: list[Path] = []
    ignored: list[str] = []
    failures: list[OSError] = []
    for here, dirs, files in os.walk(root, onerror=failures.append, followlinks=False):
        base = Path(here)
        rel = base.relative_to(root)
        keep = []
        for d in sorted(dirs):
            if d.startswith(HIDDEN_PREFIXES) or os.path.islink(base / d):
                ignored.append((rel / d).as_posix() + "/")
            else:
                keep.append(d)
        dirs[:] = keep  # os.walk descends only into these
        for f in sorted(files):
            p = base / f
            if f.startswith(HIDDEN_PREFIXES) or not f.endswith(".parquet"):
                ignored.append((rel / f).as_posix())
            elif not os.path.isfile(p):  # a link to a folder, a loop, a dangling link
                ignored.append((rel / f).as_posix())
            else:
                parts.append(p)
    if failures:
        e = failures[0]
        return f"cannot list the folder {root.name}/ ({e.strerror or e})", ignored
    parts.sort(key=lambda p: p.relative_to(root).as_posix())
    ignored.sort()
    return parts, ignored


def ignored_note(t: TableFiles) -> str | None:
    """The warning that files of a parts folder were not read, or None."""
    if not t.ignored:
        return None
    shown = ", ".join(t.ignored[:_SHOWN_IGNORED]) + (f" and {len(t.ignored) - _SHOWN_IGNORED} more" if len(t.ignored) > _SHOWN_IGNORED else "")
    return (f"{len(t.ignored)} file(s) in {t.path.name}/ not read: {shown} "
            "(names starting . or _ are hidden or bookkeeping; only files ending .parquet are parts)")

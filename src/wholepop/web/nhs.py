"""The NHS files a provider is built from, read once and kept: the practice map (ICBs,
sub-ICBs, PCNs and practices, with their names) and the published list sizes.

Files are found in a folder by their published names (``gp-reg-pat-prac-map*``,
``gp-reg-pat-prac-quin-age*`` / ``-sing-age*`` / ``-all*``, ``weighted-populations*``,
``*imd*``), as ``../shared/data/nhs`` holds them; a user's own files are uploaded to a
temporary folder and checked by the same readers before anything is built.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path

import pyarrow.compute as pc

from wholepop.errors import UserError

__all__ = ["Catalogue", "NhsFiles", "find_files"]


@dataclass(frozen=True)
class NhsFiles:
    practice_map: Path
    lists: tuple[Path, ...]
    weights: Path | None = None
    imd: Path | None = None


def _first(folder: Path, *patterns: str) -> list[Path]:
    for pattern in patterns:
        found = sorted(p for p in folder.glob(pattern) if p.is_file())
        if found:
            return found
    return []


def find_files(folder: Path) -> NhsFiles:
    """The NHS files in ``folder``.

    Raises:
        UserError: no practice map or no list-size file there.
    """
    maps = _first(folder, "gp-reg-pat-prac-map*")
    lists = _first(folder, "gp-reg-pat-prac-quin-age*", "gp-reg-pat-prac-sing-age*", "gp-reg-pat-prac-all*")
    if not maps or not lists:
        raise UserError(f"{folder}: expected NHS England's gp-reg-pat-prac-map and gp-reg-pat-prac-quin-age files")
    weights = _first(folder, "weighted-populations*.csv")
    imd = _first(folder, "*imd*.csv")
    return NhsFiles(maps[-1], (lists[-1],), weights[-1] if weights else None, imd[-1] if imd else None)


class Catalogue:
    """ICBs, sub-ICBs, PCNs and practices with names and list sizes (read on first use)."""

    def __init__(self, files: NhsFiles) -> None:
        self.files = files
        self._rows: list[dict] | None = None
        self._lock = threading.Lock()

    def rows(self) -> list[dict]:
        """One dict per practice: codes, names, registered patients."""
        with self._lock:
            if self._rows is None:
                from wholepop.importers.nhs import read_list_counts, read_practice_map

                table, _, _ = read_practice_map(self.files.practice_map)
                counts, _ = read_list_counts(self.files.lists)
                sizes = counts.group_by("practice_code").aggregate([("patients", "sum")])
                size = dict(zip(sizes["practice_code"].to_pylist(), sizes["patients_sum"].to_pylist()))
                names = _names(self.files.practice_map)
                rows = table.to_pylist()
                for r in rows:
                    r["patients"] = int(size.get(r["practice_code"], 0) or 0)
                    r["sub_icb_name"] = names["sub_icb"].get(r["sub_icb_code"], "")
                    r["icb_name"] = names["icb"].get(r["icb_code"], "")
                self._rows = [r for r in rows if r["patients"] > 0]
            return self._rows

    def icbs(self) -> list[tuple[str, str, int]]:
        return _group(self.rows(), "icb_code", "icb_name")

    def sub_icbs(self, icb: str) -> list[tuple[str, str, int]]:
        return _group([r for r in self.rows() if r["icb_code"] == icb], "sub_icb_code", "sub_icb_name")

    def pcns(self, sub_icb: str) -> list[tuple[str, str, int]]:
        return _group([r for r in self.rows() if r["sub_icb_code"] == sub_icb], "hub", "pcn_name")

    def practices(self, sub_icb: str) -> list[dict]:
        return sorted((r for r in self.rows() if r["sub_icb_code"] == sub_icb), key=lambda r: (r["hub"], r["practice_name"] or ""))


def _group(rows: list[dict], code: str, name: str) -> list[tuple[str, str, int]]:
    out: dict[str, list] = {}
    for r in rows:
        entry = out.setdefault(r[code], [r[code], r.get(name) or "", 0])
        entry[2] += r["patients"]
    return sorted((tuple(v) for v in out.values()), key=lambda v: (v[1], v[0]))


def _names(path: Path) -> dict[str, dict[str, str]]:
    """ICB and sub-ICB names, which the practices table does not carry."""
    import io
    import zipfile

    import pyarrow.csv as pacsv

    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as z:
            member = next(n for n in z.namelist() if n.lower().endswith(".csv"))
            data = z.read(member)
    else:
        data = path.read_bytes()
    t = pacsv.read_csv(io.BytesIO(data))
    cols = {c.upper(): c for c in t.column_names}
    out: dict[str, dict[str, str]] = {"icb": {}, "sub_icb": {}}
    for kind, code, name in (("icb", "ICB_CODE", "ICB_NAME"), ("sub_icb", "SUB_ICB_LOCATION_CODE", "SUB_ICB_LOCATION_NAME")):
        if code in cols and name in cols:
            codes = pc.utf8_upper(pc.utf8_trim_whitespace(t[cols[code]].cast("string"))).to_pylist()
            out[kind] = dict(zip(codes, t[cols[name]].cast("string").to_pylist()))
    return out

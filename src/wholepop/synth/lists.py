"""``build``: an input folder for a provider made of real practices (issue 8, part 2).

Public surface:

- ``build(out, lists, practice_map, selection, ...) -> BuildReport``: select practices
  from NHS England's practice map, and write an input folder for them: ``practices`` and
  ``memberships`` from the real files, ``list_counts`` as published, ``weights`` (when
  given), and synthetic patient-level ``patients``, ``registrations``, ``activity`` and
  ``conditions`` whose lists on the chosen day equal the published counts exactly; plus
  synthetic ``unregistered`` and ``measures`` and a fitted ``contract.toml``.
- ``Selection``: which practices (codes, PCNs, a sub-ICB or an ICB).
- the people are placed from ``population.cells.age_sex_cells``: the (practice, sex, age
  band) count table, spreading practice totals over England's pyramid.

**The day the counts hold.** The published counts (extract date, e.g. 1 July 2026) are
placed on **1 April of the baseline year**, the first day of the data (the baseline is
the financial year holding the extract date unless ``start_year`` says otherwise). On
that day, exactly ``patients`` people of each (practice, sex, age band) are registered,
where a person's age is ``baseline_year - birth_year``, the convention of every stage
that knows only a birth year. Single years of age are drawn within each band (uniform
within 5-year bands; 95+ spread over 95-104 with England's survival); birth dates fall
in the birth year and before 1 April. From then on the population lives as the
synthetic generator's does: ageing, deaths, births, moves in, out and between practices.

**Rates.** Conditions, deaths and activity are calibrated on an England-shaped
reference population (the unconditioned generator's area of the same seed), not on the
built area itself, so an older or more deprived area has more of each than England's
average, as it should. Deprivation: with an IMD file, each practice's decile is its rank
among all practices in that file (decile 1 = the most deprived tenth); each patient lives
within two deciles of it, and activity rates scale from 1.3 (decile 1) to 1.0 (decile
10), as in the generator. Without one, practices alternate between deciles 5 and 6, so
the average deprivation factor is England's.

Everything is read and checked before anything is written; the folder is written all or
nothing. No Python loop walks patients: the count table is expanded with ``np.repeat``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wholepop.contract.calendar import financial_year, year_end, year_start
from wholepop.contract.load import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.errors import InputError, UserError
from wholepop.importers.nhs import (
    UNALLOCATED_HUB_PREFIX,
    build_practices,
    read_imd,
    read_list_counts,
    read_practice_map,
    read_weights,
)
from wholepop.inputs.coverage import declared_table
from wholepop.inputs.problems import Problem
from wholepop.population.cells import age_sex_cells
from wholepop.synth import activity as act, england
from wholepop.synth.dataset import _PARQUET, ID_WIDTH, _conditions, _patients, _prefixed, _registrations
from wholepop.synth.measures import measures_table
from wholepop.synth.people import Area, Calibration, StartLists, simulate
from wholepop.synth.practices import Practices, draw_practices, memberships_table
from wholepop.synth.unregistered import unregistered_table
from wholepop.vocab import Form, Integration, NeedWeighting

__all__ = ["BuildReport", "Selection", "build", "england_calibration", "imd_deciles", "start_lists"]

# People in the England-shaped reference population the rates are calibrated on.
REFERENCE_PEOPLE = 100_000
# People per activity block (bounds memory, as in the generator).
BLOCK_PEOPLE = 200_000
# Single years of the open band 95+: 95..OLDEST_AGE with England's yearly survival.
_OLDEST = england.OLDEST_DECAY ** np.arange(england.OLDEST_AGE - 95 + 1)
_OLDEST_CUM = np.cumsum(_OLDEST / _OLDEST.sum())

Progress = Callable[[int, int, str], None]


@dataclass(frozen=True)
class Selection:
    """Which practices make the provider: exactly one of the four is given.

    Attributes:
        practices: practice codes.
        pcns: PCN codes (the map's ``PCN_CODE``).
        sub_icb: a sub-ICB location code (``SUB_ICB_LOCATION_CODE``).
        icb: an ICB code (``ICB_CODE``).
    """

    practices: tuple[str, ...] = ()
    pcns: tuple[str, ...] = ()
    sub_icb: str | None = None
    icb: str | None = None

    def __post_init__(self) -> None:
        given = [bool(self.practices), bool(self.pcns), bool(self.sub_icb), bool(self.icb)]
        if sum(given) != 1:
            raise UserError("give exactly one of --practices, --pcn, --sub-icb, --icb")

    @property
    def label(self) -> str:
        """A short name for the provider ("sub-ICB 00Q", "PCN U12345", ...)."""
        if self.practices:
            shown = ", ".join(self.practices[:3]) + (", ..." if len(self.practices) > 3 else "")
            return f"practice{'s' if len(self.practices) != 1 else ''} {shown}"
        if self.pcns:
            return f"PCN {', '.join(self.pcns)}"
        return f"sub-ICB {self.sub_icb}" if self.sub_icb else f"ICB {self.icb}"


@dataclass(frozen=True)
class BuildReport:
    """What ``build`` wrote.

    Attributes:
        out: the folder.
        practices: practices selected.
        registered: people registered on ``census_date`` (equal to the published total).
        people: people ever in the data.
        activity_rows: activity rows written.
        census_date: the day the published counts hold (1 April of the baseline year).
        extract_date: the lists' (latest) extract date.
        notes: what the user should know (spread totals, missing weights, ...).
    """

    out: Path
    practices: int
    registered: int
    people: int
    activity_rows: int
    census_date: dt.date
    extract_date: dt.date | None
    notes: tuple[str, ...]


# --------------------------------------------------------------------------------------
# Selecting practices
# --------------------------------------------------------------------------------------


def _codes(values: Sequence[str]) -> list[str]:
    return [v.strip().upper() for v in values if v.strip()]


def select(practice_map: pa.Table, selection: Selection, map_name: str) -> pa.Table:
    """The map's rows for the selected practices (sorted by practice code).

    Raises:
        InputError: a code named in the selection is not in the map (every one is listed).
    """
    if selection.practices:
        col, wanted, what = "practice_code", _codes(selection.practices), "PRACTICE_CODE"
    elif selection.pcns:
        col, wanted, what = "hub", _codes(selection.pcns), "PCN_CODE"
    elif selection.sub_icb:
        col, wanted, what = "sub_icb_code", _codes([selection.sub_icb]), "SUB_ICB_LOCATION_CODE"
    else:
        col, wanted, what = "icb_code", _codes([selection.icb or ""]), "ICB_CODE"
    present = set(pc.unique(practice_map[col]).to_pylist())
    missing = [c for c in wanted if c not in present]  # the codes the user typed, not rows
    if missing:
        raise InputError(tuple(Problem(map_name, None, what, f"{c!r} is not in the practice map") for c in missing))
    return practice_map.filter(pc.is_in(practice_map[col], value_set=pa.array(wanted, pa.string()))).sort_by("practice_code")


def start_lists(counts: np.ndarray, rng: np.random.Generator) -> StartLists:
    """Exactly ``counts[p, s, b]`` people of each cell, with a single year of age each.

    Ages are uniform within a 5-year band; 95+ runs 95..104 with England's survival.
    People come in cell order (practice, then sex, then band).
    """
    _, n_sex, n_band = counts.shape
    flat = counts.reshape(-1)
    cell = np.repeat(np.arange(flat.size), flat)
    practice, rest = np.divmod(cell, n_sex * n_band)
    sex, band = np.divmod(rest, n_band)
    u = rng.random(len(cell))
    open_band = band == n_band - 1
    age = np.where(open_band, 95 + np.searchsorted(_OLDEST_CUM, u, side="right").clip(0, len(_OLDEST) - 1), band * 5 + np.floor(u * 5))
    return StartLists(practice=practice.astype(np.int64), age=age.astype(np.int64), sex=sex.astype(np.int8))


def imd_deciles(imd: pa.Table | None, codes: Sequence[str]) -> tuple[np.ndarray, np.ndarray, int]:
    """Deprivation decile per practice (1 = most deprived tenth of the file's practices).

    Returns:
        (decile, score, missing): decile int64 and score float64 (NaN without one) per
        practice of ``codes``; missing counts practices without a score, which, like
        every practice when ``imd`` is None, alternate between deciles 5 and 6.
    """
    k = len(codes)
    neutral = 5 + (np.arange(k) % 2)
    if imd is None or imd.num_rows == 0:
        return neutral.astype(np.int64), np.full(k, np.nan), k
    scores = np.sort(imd["imd_score"].to_numpy(zero_copy_only=False).astype(np.float64))
    at = pc.index_in(pa.array(list(codes), pa.string()), value_set=imd["practice_code"])
    where = at.to_numpy(zero_copy_only=False)
    valid = at.is_valid().to_numpy(zero_copy_only=False)
    score = np.full(k, np.nan)
    score[valid] = imd["imd_score"].to_numpy(zero_copy_only=False)[where[valid].astype(np.int64)]
    # Share of the file's practices less deprived (lower score) than this one.
    below = np.searchsorted(scores, np.nan_to_num(score), side="left") / len(scores)
    decile = np.clip(10 - np.floor(below * 10), 1, 10).astype(np.int64)
    return np.where(valid, decile, neutral).astype(np.int64), score, int((~valid).sum())


# --------------------------------------------------------------------------------------
# Calibration and generation
# --------------------------------------------------------------------------------------


def england_calibration(baseline_year: int, seed: int) -> tuple[Calibration, np.ndarray]:
    """Condition, death and activity scales fitted on an England-shaped population.

    The reference is the unconditioned generator's area of ``REFERENCE_PEOPLE`` people
    (England's pyramid and list sizes, practices of every deprivation decile), lived for
    one year; its all-ages prevalences, crude death rate and rates per person-year are
    England's by construction.

    Returns:
        (calibration, activity_scales): for ``people.simulate`` and ``activity.activity_block``.
    """
    ref = draw_practices(REFERENCE_PEOPLE, seed)
    frames = []
    pop = simulate(ref.area, REFERENCE_PEOPLE, baseline_year, 1, (seed, 11), on_year=frames.append)
    return pop.calibration, act.fit_scales(act.catalogue(ref.codes), frames[0])


def _generate(
    work: Path,
    practices: Practices,
    lists: StartLists,
    baseline: int,
    n_data_years: int,
    seed: int,
    tick: Callable[[str], None],
) -> tuple[int, int]:
    """Live ``lists`` through the data years and write activity, patients, registrations
    and conditions into ``work``; return (people, activity rows)."""
    calibration, scales = england_calibration(baseline, seed)
    cat = act.catalogue(practices.codes)
    state = {"ids": _prefixed("P", np.arange(1, int(len(lists.age) * (1 + 0.07 * n_data_years)) + 2), ID_WIDTH), "rows": 0}

    def ids(people: int) -> pa.Array:
        if len(state["ids"]) < people:
            state["ids"] = _prefixed("P", np.arange(1, 2 * people + 1), ID_WIDTH)
        return state["ids"]

    writer = pq.ParquetWriter(work / "activity.parquet", act.ACTIVITY_SCHEMA, **_PARQUET)

    def on_year(frame) -> None:
        tick(f"people and activity {frame.year}")
        for b in range(-(-len(frame) // BLOCK_PEOPLE)):  # blocks of people
            rng = np.random.default_rng([seed, 4, frame.year, b])
            block = frame.block(b * BLOCK_PEOPLE, (b + 1) * BLOCK_PEOPLE)
            people = int(block.person.max()) + 1 if len(block) else 0
            rows = act.activity_block(cat, scales, block, ids(people), rng, frame.year - baseline)
            state["rows"] += rows.num_rows
            writer.write_table(rows)

    try:
        pop = simulate(
            practices.area, len(lists.age), baseline, n_data_years, seed, on_year=on_year, lists=lists, calibration=calibration
        )
    finally:
        writer.close()
    tick("patients, registrations, conditions")
    person_ids = ids(len(pop))
    pq.write_table(_patients(pop, person_ids), work / "patients.parquet", **_PARQUET)
    pq.write_table(_registrations(pop, person_ids, practices.codes), work / "registrations.parquet", **_PARQUET)
    pq.write_table(_conditions(pop, person_ids), work / "conditions.parquet", **_PARQUET)
    return len(pop), state["rows"]


def contract_text(name: str, start_year: int, years: int, need_weighting: NeedWeighting) -> str:
    """The ``full`` preset with the calendar fitted and the need weighting chosen."""
    text = preset_text(Form.FULL)
    # A stable id for the ledger, from the name as built (the name may be edited later; the id stays).
    slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "contract"
    subs = {
        "name": '"' + name.replace('"', "'") + '"',
        "id": f'"{slug}-{start_year}"',
        "start_year": str(start_year),
        "baseline_year": str(start_year - 1),
        "term_years": str(years),
        "need_weighting": f'"{need_weighting.value}"',
    }
    for key, value in subs.items():
        text, n = re.subn(rf"(?m)^({key}\s*=\s*)(\"[^\"]*\"|\d+)", lambda m, v=value: m.group(1) + v, text, count=1)
        if n != 1:  # pragma: no cover  (the shipped preset holds every key)
            raise RuntimeError(f"full preset has no {key} line")
    parse_contract(text)  # the edited preset must still validate
    return text


def build(
    out: str | Path,
    lists: Sequence[str | Path],
    practice_map: str | Path,
    selection: Selection,
    weights: str | Path | None = None,
    imd: str | Path | None = None,
    years: int = 3,
    start_year: int | None = None,
    seed: int = 42,
    progress: Progress | None = None,
) -> BuildReport:
    """Write an input folder for the selected real practices (see the module docstring).

    Args:
        out: folder to write (created if absent; files of the same names are replaced).
        lists: "Patients Registered at a GP Practice" file(s) (``read_list_counts``).
        practice_map: the practice -> PCN / sub-ICB / ICB map.
        selection: which practices.
        weights: NHS England weighted populations per practice; when given, ``weights``
            is written and the contract uses ``need_weighting = "supplied"``.
        imd: deprivation score per practice (activity rates follow deprivation).
        years: contract years (the data has one baseline year more).
        start_year: first contract year; default the year after the financial year of
            the lists' extract date.
        seed: the seed; the same arguments give the same data.
        progress: called with (done, total, description) as work proceeds.

    Returns:
        A ``BuildReport``.

    Raises:
        InputError: a bad file, a selected code not in the map, or no selected practice
            in the lists (nothing is written).
        UserError: a bad ``years`` or ``start_year``.
    """
    if years < 1:
        raise UserError(f"--years: must be at least 1, got {years}")
    total_units = years + 1 + 4
    done = 0

    def tick(description: str) -> None:
        nonlocal done
        done = min(done + 1, total_units - 1)
        if progress is not None:
            progress(done, total_units, description)

    tick("reading the practice map and lists")
    map_table, _, _ = read_practice_map(practice_map)
    chosen = select(map_table, selection, Path(practice_map).name)
    list_counts, _ = read_list_counts(list(lists))
    listed = pc.is_in(chosen["practice_code"], value_set=list_counts["practice_code"])
    unlisted = chosen.filter(pc.invert(listed))["practice_code"].to_pylist()
    chosen = chosen.filter(listed)
    if chosen.num_rows == 0:
        raise InputError((Problem(", ".join(Path(p).name for p in lists), None, "ORG_CODE", f"no practice of {selection.label} is in the lists"),))
    codes = tuple(chosen["practice_code"].to_pylist())
    weights_table = coords = imd_table = None
    if weights is not None:
        weights_table, coords = read_weights(weights)
        weights_table = weights_table.filter(pc.is_in(weights_table["practice_code"], value_set=pa.array(codes, pa.string())))
    if imd is not None:
        imd_table = read_imd(imd)
    practices_table, practice_warnings = build_practices(chosen, coords, imd_table)

    counts, notes, extract_date = age_sex_cells(list_counts, codes)
    if start_year is None:
        start_year = (financial_year(extract_date) if extract_date else dt.date.today().year) + 1
    if not 2001 <= start_year <= 2100:
        raise UserError(f"--start-year: must be between 2001 and 2100, got {start_year}")
    baseline = start_year - 1
    notes = list(notes)
    if unlisted:
        notes.append(f"{len(unlisted)} selected practice(s) are not in the lists and were left out: {', '.join(unlisted[:10])}")
    notes.extend(practice_warnings)
    unallocated = pc.sum(pc.cast(pc.starts_with(chosen["hub"], UNALLOCATED_HUB_PREFIX), pa.int64())).as_py() or 0
    if unallocated:
        notes.append(f"{unallocated} practice(s) are in no PCN: their hub is {UNALLOCATED_HUB_PREFIX}<sub-ICB code>")
    decile, score, no_imd = imd_deciles(imd_table, codes)
    if imd is not None and no_imd:
        notes.append(f"{no_imd} practice(s) have no IMD score: they are given England's middle deciles (5 and 6)")
    if weights_table is not None:
        with_weights = set(weights_table.filter(pc.equal(weights_table["component"], "overall"))["practice_code"].to_pylist())
        lacking = [c for c in codes if c not in with_weights]  # practices, not patients
        if lacking:
            notes.append(f"{len(lacking)} practice(s) have no weighted population: they weigh 1.0 ({', '.join(lacking[:10])})")

    sizes = counts.sum(axis=(1, 2))
    k = len(codes)
    hub_names = chosen["hub"].to_pylist()
    hub_index = {h: i for i, h in enumerate(dict.fromkeys(hub_names))}
    practices = Practices(
        codes=codes,
        sizes=sizes,
        hub=np.array([hub_index[h] for h in hub_names], np.int64),
        integration=(Integration.FULL,) * k,
        leaver=-1,
        area=Area(sizes, decile, 1_000_000 + np.arange(k) * 40),
        imd_score=score,
    )
    lists_start = start_lists(counts, np.random.default_rng([seed, 12]))
    name = f"MCP of {selection.label}"
    need = NeedWeighting.SUPPLIED if weights_table is not None else NeedWeighting.AGE_SEX
    text = contract_text(name, start_year, years, need)
    contract = parse_contract(text).contract

    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    clashes = [f.name for f in folder.glob("*.csv") if f.stem in _WRITTEN]
    if clashes:
        raise InputError((Problem(str(folder), None, None, f"already holds {', '.join(clashes)}; write to an empty folder or remove them"),))
    work = Path(tempfile.mkdtemp(prefix=".build-", dir=folder))
    try:
        people, rows = _generate(work, practices, lists_start, baseline, years + 1, seed, tick)
        registered = int(sizes.sum())
        selected_lists = list_counts.filter(pc.is_in(list_counts["practice_code"], value_set=pa.array(codes, pa.string())))
        pq.write_table(practices_table, work / "practices.parquet", **_PARQUET)
        pq.write_table(
            memberships_table(practices, baseline, start_year, years, contract.exit_window_years, contract.exit_notice_months),
            work / "memberships.parquet", **_PARQUET,
        )
        pq.write_table(selected_lists, work / "list_counts.parquet", **_PARQUET)
        if weights_table is not None:
            pq.write_table(weights_table, work / "weights.parquet", **_PARQUET)
        pq.write_table(unregistered_table(registered, baseline, years + 1, seed), work / "unregistered.parquet", **_PARQUET)
        pq.write_table(measures_table(registered, start_year, years, seed), work / "measures.parquet", **_PARQUET)
        pq.write_table(declared_table(year_start(baseline), year_end(baseline + years),
                                      "synthetic activity for the real lists: every day of the generated years"),
                       work / "coverage.parquet", **_PARQUET)
        (work / "contract.toml").write_text(text, encoding="utf-8")
        tick("moving files into place")
        for f in sorted(work.iterdir()):
            os.replace(f, folder / f.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if progress is not None:
        progress(total_units, total_units, "done")
    return BuildReport(
        out=folder,
        practices=k,
        registered=registered,
        people=people,
        activity_rows=rows,
        census_date=year_start(baseline),
        extract_date=extract_date,
        notes=tuple(notes),
    )


_WRITTEN = frozenset({
    "practices", "memberships", "list_counts", "weights", "patients", "registrations", "activity",
    "conditions", "unregistered", "measures", "coverage",
})

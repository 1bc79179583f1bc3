"""``generate``: write a whole synthetic MCP data set (every input table and a contract).

The run: draw practices and hubs; draw the population on 1 April of the baseline year and
live it through the data years (baseline + contract years), generating each year's
activity in blocks of people as soon as the year is lived, so memory holds one block of
rows at a time; then write the people, registrations, conditions and the small tables.

Same seed, same bytes: every random stream is seeded from (seed, purpose, year, block),
and Parquet is written without the Arrow schema blob or any timestamp.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from wholepop.contract.calendar import year_end, year_start
from wholepop.contract.load import parse_contract
from wholepop.contract.presets import preset_text
from wholepop.inputs.coverage import declared_table
from wholepop.synth import activity as act
from wholepop.synth.measures import measures_table
from wholepop.synth.people import CONDITIONS, FEMALE, MALE, NO_DAY, UNKNOWN, Area, Population, YearFrame, simulate
from wholepop.synth.practices import draw_practices, memberships_table, practices_table
from wholepop.synth.unregistered import unregistered_table
from wholepop.vocab import Condition, Form, Sex

__all__ = ["BLOCK_PEOPLE", "DISTRICT_PEOPLE", "Progress", "districts", "generate"]

# People per activity block: about 12 rows a person-year keeps a block near 2.5 million rows.
BLOCK_PEOPLE = 200_000
ID_WIDTH = 8
# People simulated at once: a district of whole practices holds at most this many on day
# one (about 1 GB of person state); England (63 million) is about 32 districts.
DISTRICT_PEOPLE = 2_000_000

# progress(done, total, description): work units done so far out of total.
Progress = Callable[[int, int, str], None]

_PARQUET = dict(compression="zstd", compression_level=1, store_schema=False, write_statistics=True)


def _sex_dictionary() -> pa.Array:
    values = [None, None, None]
    values[FEMALE], values[MALE], values[UNKNOWN] = Sex.FEMALE.value, Sex.MALE.value, Sex.UNKNOWN.value
    return pa.array(values, pa.string())


def _prefixed(prefix: str, numbers: np.ndarray, width: int) -> pa.Array:
    """``prefix`` + zero-padded ``numbers`` as strings, built in Arrow (no Python loop)."""
    digits = pc.utf8_lpad(pc.cast(pa.array(numbers, pa.int64()), pa.string()), width=width, padding="0")
    return pc.binary_join_element_wise(prefix, digits, "")


def _dates(days: np.ndarray) -> pa.Array:
    """date32 values, null where ``days`` is ``NO_DAY``."""
    days = np.asarray(days, np.int32)
    return pa.array(days, mask=days == NO_DAY).cast(pa.date32())


# The synthetic provider's capacity to bear risk, per registered person: reserves about 3%
# of a year's budget (the full preset's budget is about 790 pounds a head on the synthetic
# data) and working capital about one month of it. Illustrations for the projection's
# headlines, not a benchmark.
RESERVES_PER_HEAD = 24
WORKING_CAPITAL_PER_HEAD = 66


def _contract_text(start_year: int, term: int, population: int | None = None) -> str:
    text = preset_text(Form.FULL)
    subs = {
        "name": f'"Synthetic MCP {start_year}"',
        "start_year": str(start_year),
        "baseline_year": str(start_year - 1),
        "term_years": str(term),
    }
    for key, value in subs.items():
        text, n = re.subn(rf"(?m)^({key}\s*=\s*)(\"[^\"]*\"|\d+)", lambda m, v=value: m.group(1) + v, text, count=1)
        if n != 1:  # pragma: no cover  (the shipped preset holds every key)
            raise RuntimeError(f"full preset has no {key} line")
    if population is not None:
        text += (
            "\n[provider]                    # the synthetic provider (illustrative: what it can bear)\n"
            'organisation = "nhs_trust"        # since 2019 a full (ICP) contract goes to a statutory body\n'
            f"reserves = {population * RESERVES_PER_HEAD}        # pounds: about 3% of a year's budget\n"
            f"working_capital = {population * WORKING_CAPITAL_PER_HEAD} # pounds: about one month of the budget\n"
        )
    return text


def generate(
    out_dir: str | Path,
    population: int = 300_000,
    years: int = 3,
    start_year: int = 2027,
    seed: int = 42,
    progress: Progress | None = None,
    block_people: int = BLOCK_PEOPLE,
    district_people: int = DISTRICT_PEOPLE,
    partitioned: bool | None = None,
    term: int | None = None,
) -> Path:
    """Write a synthetic, England-shaped MCP data set and its contract to ``out_dir``.

    Writes ``practices``, ``memberships``, ``patients``, ``registrations``, ``activity``,
    ``conditions``, ``unregistered`` and ``measures`` as Parquet (the columns and types of
    ``wholepop.inputs.schema``) and a ``contract.toml`` from the ``full`` preset with
    baseline year ``start_year - 1``; data covers the baseline year and ``years`` contract
    years (April-March). All activity lies inside a registration of its patient and on or
    before their death.

    Populations larger than ``district_people`` are simulated district by district
    (groups of whole practices, one after another, each with its own random streams), so
    memory holds one district's people and two blocks of rows whatever the population.
    Partitioned output writes ``activity/year=<year>/part-<district>.parquet`` and
    ``patients/``, ``registrations/``, ``conditions/`` as folders of one part per
    district (``open_inputs`` reads both layouts); otherwise each table is one file.

    Args:
        out_dir: folder to write (created if absent; files of the same names are replaced).
        population: people registered on 1 April of the baseline year.
        years: contract years with data (the data has ``years + 1`` years).
        start_year: the first contract year.
        seed: the seed; the same arguments give byte-identical files.
        progress: called as work proceeds, with (done, total, description).
        block_people: people per activity block (bounds memory).
        district_people: most people simulated at once (bounds memory).
        partitioned: write the partitioned layout; default: when there is more than one
            district.
        term: the contract's ``term_years`` (default ``years``); the years after those
            with data are left for ``wholepop project``.

    Returns:
        ``out_dir`` as a ``Path``.
    """
    if population < 1 or years < 1:
        raise ValueError("population and years must be at least 1")
    term = years if term is None else term
    if term < years:
        raise ValueError(f"the term ({term} years) must hold the {years} contract years with data")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    # Files are written into a hidden folder inside ``out`` and moved into place only when
    # all are complete, so a failed run leaves no half-written data set behind.
    work = Path(tempfile.mkdtemp(prefix=".synth-", dir=out))
    try:
        total = _write(work, population, years, start_year, seed, progress, block_people, district_people, partitioned, term)
        for f in sorted(work.iterdir()):
            # A table is a file or a folder of parts: drop the other spelling left by an
            # earlier run, which readers would otherwise find first.
            stem = f.name.removesuffix(".parquet")
            for stale in (out / stem, out / f"{stem}.parquet", out / f.name):
                if stale.is_dir():
                    shutil.rmtree(stale)
                elif stale.exists() and stale.name != f.name:
                    stale.unlink()
            os.replace(f, out / f.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if progress is not None:
        progress(total, total, "done")
    return out


def districts(sizes: np.ndarray, district_people: int) -> list[tuple[int, int]]:
    """Contiguous practice ranges ``[lo, hi)`` of at most ``district_people`` registered
    people each (a practice larger than that is a district of its own)."""
    cum = np.cumsum(sizes)
    bounds = [0]
    while bounds[-1] < len(sizes):  # districts, not people
        lo = bounds[-1]
        base = int(cum[lo - 1]) if lo else 0
        bounds.append(max(int(np.searchsorted(cum, base + district_people, side="right")), lo + 1))
    return list(itertools.pairwise(bounds))


class _Sinks:
    """Parquet writers opened on first write, by path relative to the output folder."""

    def __init__(self, out: Path) -> None:
        self.out = out
        self.writers: dict[str, pq.ParquetWriter] = {}

    def write(self, path: str, table: pa.Table) -> None:
        writer = self.writers.get(path)
        if writer is None:
            target = self.out / path
            target.parent.mkdir(parents=True, exist_ok=True)
            writer = self.writers[path] = pq.ParquetWriter(target, table.schema, **_PARQUET)
        writer.write_table(table)

    def close(self, path: str | None = None) -> None:
        for key in [path] if path is not None else list(self.writers):
            writer = self.writers.pop(key, None)
            if writer is not None:
                writer.close()


def _write(
    out: Path, population: int, years: int, start_year: int, seed: int, progress: Progress | None,
    block_people: int, district_people: int, partitioned: bool | None, term: int | None = None,
) -> int:
    """Write every file of the data set into ``out`` (see ``generate``); return the work units."""
    baseline = start_year - 1
    n_data_years = years + 1
    contract_text = _contract_text(start_year, years if term is None else term, population)
    contract = parse_contract(contract_text)

    practices = draw_practices(population, seed)
    cat = act.catalogue(practices.codes)
    parts = districts(practices.sizes, district_people)
    parted = len(parts) > 1 if partitioned is None else partitioned

    expected_people = int(population * (1 + 0.07 * n_data_years)) + 1
    blocks_per_year = -(-expected_people // block_people) + len(parts) - 1
    total = n_data_years * (1 + blocks_per_year) + len(parts) + 1
    done = 0

    def tick(description: str, units: int = 1) -> None:
        nonlocal done
        done = min(done + units, total - 1)
        if progress is not None:
            progress(done, total, description)

    sinks = _Sinks(out)
    # One writer thread: block b is compressed and written while block b + 1 is drawn
    # (both release the GIL). Blocks are written in order, so the bytes do not depend on
    # timing; waiting for the previous write bounds memory to two blocks.
    pool = ThreadPoolExecutor(max_workers=1)
    pending: list[Future] = []

    def flush() -> None:
        if pending:
            pending.pop().result()

    def write(path: str, table: pa.Table) -> None:
        flush()
        pending.append(pool.submit(sinks.write, path, table))

    def part(table: str, d: int) -> str:
        return f"{table}/part-{d:05d}.parquet" if parted else f"{table}.parquet"

    offset = 0  # people simulated in earlier districts (their ids come first)
    try:
        for d, (lo, hi) in enumerate(parts):  # districts, not people
            key = (seed,) if len(parts) == 1 else (seed, 7, d)
            area = Area(practices.area.practice_sizes[lo:hi], practices.area.practice_decile[lo:hi], practices.area.practice_lsoa0[lo:hi])
            d_people = int(area.practice_sizes.sum())
            state: dict = {"scales": None, "first": None, "ids": _prefixed("P", offset + np.arange(1, int(d_people * (1 + 0.07 * n_data_years)) + 2), ID_WIDTH)}

            def ids(people: int, state=state, offset=offset) -> pa.Array:
                """patient_id strings for the district's persons 0..people-1 (person i is
                "P" + offset + i + 1, padded)."""
                if len(state["ids"]) < people:
                    state["ids"] = _prefixed("P", offset + np.arange(1, 2 * people + 1), ID_WIDTH)
                return state["ids"]

            def on_year(frame: YearFrame, state=state, ids=ids, key=key, lo=lo, d=d) -> None:
                tick(f"people {frame.year}")
                if state["scales"] is None:
                    state["scales"], state["first"] = act.fit_scales(cat, frame), frame.year
                path = f"activity/year={frame.year}/part-{d:05d}.parquet" if parted else "activity.parquet"
                n_blocks = -(-len(frame) // block_people)
                for b in range(n_blocks):  # blocks of people
                    rng = np.random.default_rng([*key, 4, frame.year, b])
                    block = frame.block(b * block_people, (b + 1) * block_people)
                    if lo:  # practice indices of the district -> of the area
                        block = replace(block, practice=block.practice + lo, new_practice=block.new_practice + lo)
                    people = int(block.person.max()) + 1 if len(block) else 0
                    write(path, act.activity_block(cat, state["scales"], block, ids(people), rng, frame.year - state["first"]))
                    tick(f"activity {frame.year}")
                if len(parts) == 1:
                    tick(f"activity {frame.year}", max(blocks_per_year - n_blocks, 0))
                if parted:
                    flush()
                    sinks.close(path)

            pop = simulate(area, d_people, baseline, n_data_years, key if len(parts) > 1 else seed, on_year=on_year)
            flush()
            tick("people, registrations, conditions")
            person_ids = ids(len(pop))
            sinks.write(part("patients", d), _patients(pop, person_ids))
            sinks.write(part("registrations", d), _registrations(pop, person_ids, practices.codes[lo:hi]))
            sinks.write(part("conditions", d), _conditions(pop, person_ids))
            if parted:
                for table in ("patients", "registrations", "conditions"):
                    sinks.close(part(table, d))
            offset += len(pop)
            del pop, state
    finally:
        pool.shutdown(wait=True)
        sinks.close()

    c = contract.contract
    pq.write_table(practices_table(practices, seed), out / "practices.parquet", **_PARQUET)
    pq.write_table(
        memberships_table(practices, baseline, start_year, years, c.exit_window_years, c.exit_notice_months),
        out / "memberships.parquet", **_PARQUET,
    )
    pq.write_table(unregistered_table(population, baseline, n_data_years, seed), out / "unregistered.parquet", **_PARQUET)
    pq.write_table(measures_table(population, start_year, years, seed), out / "measures.parquet", **_PARQUET)
    pq.write_table(declared_table(year_start(baseline), year_end(baseline + n_data_years - 1),
                                  "synthetic activity: every day of the generated years"),
                   out / "coverage.parquet", **_PARQUET)
    (out / "contract.toml").write_text(contract_text, encoding="utf-8")
    return total


def _patients(pop: Population, ids: pa.Array) -> pa.Table:
    n = len(pop)
    return pa.table(
        {
            "patient_id": ids.slice(0, n),
            "sex": _sex_dictionary().take(pa.array(pop.sex.astype(np.int64))),
            "birth_year": pa.array(pop.birth_year, pa.int64()),
            "death_date": _dates(pop.death_day),
            "lsoa": _prefixed("E0", pop.lsoa, 7),
            "imd_decile": pa.array(pop.imd_decile, pa.int64()),
        }
    )


def _registrations(pop: Population, ids: pa.Array, codes: tuple[str, ...]) -> pa.Table:
    person = np.concatenate(pop.reg_person).astype(np.int64)
    practice = np.concatenate(pop.reg_practice).astype(np.int64)
    start = np.concatenate(pop.reg_from)
    end = np.concatenate(pop.reg_to)
    order = np.lexsort((start, person))
    return pa.table(
        {
            "patient_id": ids.take(pa.array(person[order])),
            "practice_code": pa.array(codes, pa.string()).take(pa.array(practice[order])),
            "from_date": _dates(start[order]),
            "to_date": _dates(end[order]),
        }
    )


def _conditions(pop: Population, ids: pa.Array) -> pa.Table:
    person = np.concatenate(pop.cond_person).astype(np.int64)
    code = np.concatenate(pop.cond_code).astype(np.int64)
    start = np.concatenate(pop.cond_from)
    order = np.lexsort((code, person))
    names: tuple[Condition, ...] = CONDITIONS
    return pa.table(
        {
            "patient_id": ids.take(pa.array(person[order])),
            "condition": pa.array([c.value for c in names], pa.string()).take(pa.array(code[order])),
            "from_date": _dates(start[order]),
        }
    )

"""What the server holds between requests: the providers, their prepared money facts, and
the long jobs (building, preparing) with their progress.

**The cache.** Preparing a provider (validation, counted spans, costing, population,
segments) takes seconds to minutes; the money rules then read a few hundred numbers
(``MoneyFacts``). So the facts of every year with data, and the projection's baseline
cells, are computed once and kept in this process, keyed by the SHA-256 of each input
file and by the contract terms that decide who counts (``terms.population_terms``). A
change to any other term (a money term) finds the same key and re-runs only the money
rules; a change to the calendar, need weighting or segmentation misses it and rebuilds,
as a job with progress. A file's hash is memoised by its size and modification time, so
a look-up stats the files instead of reading them.

DuckDB work (preparing, the report's tables) is serialised by one lock: two cores are
shared by everyone, and a DuckDB connection is not for concurrent use.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from wholepop.contract import Contract, load_contract
from wholepop.errors import UserError
from wholepop.inputs.load import find_file
from wholepop.inputs.schema import TABLES
from wholepop.ledger.provenance import hash_path
from wholepop.money.facts import MoneyFacts
from wholepop.web.terms import population_terms

__all__ = ["Job", "Jobs", "Prepared", "Provider", "Workspace"]

GENERIC = ("data", "input", "inputs")

# One process-wide lock for DuckDB work (see the module docstring).
DUCKDB = threading.RLock()


@dataclass
class Job:
    """A long piece of work, run on a thread, with its progress for the page to poll."""

    id: str
    label: str
    done: int = 0
    total: int | None = None
    step: str = "waiting for another job to finish"
    state: str = "running"  # running | done | failed
    error: str | None = None
    result: str | None = None  # the provider id it made or prepared
    started: float = field(default_factory=time.monotonic)
    log: list[str] = field(default_factory=list)

    def progress(self, done: int, total: int | None, step: str) -> None:
        self.done, self.total, self.step = done, total, step
        self.log.append(f"{time.monotonic() - self.started:6.1f} s  {step}")

    def as_json(self) -> dict:
        return {"id": self.id, "label": self.label, "done": self.done, "total": self.total, "step": self.step,
                "state": self.state, "error": self.error, "result": self.result, "log": self.log[-12:],
                "seconds": round(time.monotonic() - self.started, 1)}


class Jobs:
    """Jobs by id; one runs at a time (the others wait their turn)."""

    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._running: dict[str, Job] = {}
        self._turn = threading.Lock()

    def get(self, job_id: str) -> Job | None:
        return self._jobs.get(job_id)

    def start(self, label: str, work: Callable[[Job], str], key: str | None = None) -> Job:
        """Run ``work(job)`` on a thread; its return value (a provider id) is the job's
        result. A ``UserError`` fails the job with the CLI's message; anything else is a
        bug, logged to the server's console, and the page says so without a traceback.
        A job with the ``key`` of one still running is that job (a page asked twice
        prepares once)."""
        if key is not None:
            running = self._running.get(key)
            if running is not None and running.state == "running":
                return running
        job = Job(uuid.uuid4().hex[:12], label)
        self._jobs[job.id] = job
        if key is not None:
            self._running[key] = job

        def run() -> None:
            with self._turn:
                try:
                    job.result = work(job)
                    job.state = "done"
                except UserError as e:
                    job.error, job.state = str(e), "failed"
                except Exception:  # noqa: BLE001  (a bug: the console gets the traceback, the page one line)
                    traceback.print_exc()
                    job.error, job.state = "internal error (the server's console has the details)", "failed"

        threading.Thread(target=run, name=f"wholepop-job-{job.id}", daemon=True).start()
        return job


@dataclass
class Prepared:
    """A provider's patient-level tables built once, and what money reads from them.

    Attributes:
        run: the pipeline run (its tables stay cached on its DuckDB connection).
        facts: the money facts of the baseline and every contract year ``settle`` would
            settle: what the Settle and What-if pages state, and what a projection
            continues from (``wholepop project`` reads the same).
        years: the contract years ``settle`` would settle (the data covers them,
            ``pipeline.settleable``).
        key: the cache key (input hashes and population terms).
        part_years: contract years with some data that the data does not cover (a part
            year, a gap): ``settle`` refuses them and a projection projects them.
    """

    run: object
    facts: MoneyFacts
    years: tuple[int, ...]
    key: str
    part_years: tuple[int, ...] = ()
    _base: object = None

    def projection_base(self):
        """The projection's baseline cells (computed on first use, then kept)."""
        if self._base is None:
            from wholepop.projection import base_from_run

            with DUCKDB:
                self._base = base_from_run(self.run, facts=self.facts)
        return self._base

    def statement(self, contract: Contract, year: int):
        """The statement of ``year`` under ``contract`` (``whatif.settle`` on the cached
        facts), refused in ``settle``'s own words when the data does not cover the year.

        Every page and download that states a year goes through here, so none can state
        (or write to the ledger) what ``wholepop settle`` would refuse.

        Raises:
            InputError: a year the data does not cover (one of ``part_years``).
            UserError: not a contract year, or no registered population in it.
        """
        from wholepop.web import whatif

        if year in self.part_years:
            from wholepop.pipeline import refuse_uncovered

            with DUCKDB:
                refuse_uncovered(self.run, year)
        return whatif.settle(self.facts, contract, year)


_warmed = threading.Event()


def _warm_charts() -> None:
    """Start vl-convert's chart engine once per process (its first chart takes a second
    or more, every later one milliseconds): while preparing, not in the first What-if."""
    if not _warmed.is_set():
        import vl_convert

        vl_convert.vegalite_to_svg({"mark": "point", "data": {"values": [{}]}}, allowed_base_urls=[])
        _warmed.set()


@dataclass
class Provider:
    """A data folder the team works on, with its contract file and ledger."""

    id: str
    folder: Path
    ledger: str
    label: str

    @property
    def contract_path(self) -> Path:
        return self.folder / "contract.toml"

    def contract(self) -> Contract:
        return load_contract(self.contract_path)


class Workspace:
    """The providers, the cache of prepared facts, and the jobs."""

    def __init__(self, ledger: str | None = None, engine: str = "duckdb") -> None:
        self.providers: dict[str, Provider] = {}
        self.jobs = Jobs()
        self._ledger = ledger
        self._engine = engine
        self._cache: dict[str, Prepared] = {}
        self._hashes: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()

    # -- providers ------------------------------------------------------------------------

    def add(self, folder: str | Path, label: str | None = None) -> Provider:
        """Register a prepared data folder (one holding ``contract.toml``).

        Raises:
            UserError: not a folder, or no contract file in it.
        """
        folder = Path(folder).expanduser()
        if not folder.is_dir():
            raise UserError(f"--data: {folder} is not a folder")
        if not (folder / "contract.toml").is_file():
            raise UserError(f"--data: {folder} has no contract.toml; write one with `wholepop init` or on the Contract page")
        folder = folder.resolve()
        for p in self.providers.values():
            if p.folder == folder:
                return p
        # a folder called data (demo/data) is named by its parent too
        name = f"{folder.parent.name}-{folder.name}" if folder.name.lower() in GENERIC else folder.name
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "provider"
        pid, n = slug, 2
        while pid in self.providers:
            pid, n = f"{slug}-{n}", n + 1
        from wholepop.ledger import default_path

        ledger = self._ledger or str(default_path(folder / "contract.toml"))
        provider = Provider(pid, folder, ledger, label or name)
        self.providers[pid] = provider
        return provider

    def get(self, pid: str) -> Provider:
        try:
            return self.providers[pid]
        except KeyError:
            raise UserError(f"no provider {pid!r} is open; open its folder on the Providers page") from None

    # -- the cache ------------------------------------------------------------------------

    def _file_hash(self, path: Path) -> str:
        st = path.stat()
        memo = (str(path), st.st_size, st.st_mtime_ns)
        if memo not in self._hashes:
            self._hashes[memo] = hash_path(path)
        return self._hashes[memo]

    def key(self, provider: Provider, contract: Contract) -> str:
        """The cache key: each input file's SHA-256 and the population terms."""
        inputs = {}
        for decl in TABLES:
            path = find_file(provider.folder, decl.name)
            if path is not None:
                inputs[decl.name] = self._file_hash(path)
        doc = {"inputs": inputs, "population": population_terms(contract), "engine": self._engine}
        return hashlib.sha256(json.dumps(doc, sort_keys=True).encode()).hexdigest()

    def cached(self, provider: Provider, contract: Contract) -> Prepared | None:
        """The prepared facts valid for ``contract``, if built already."""
        return self._cache.get(self.key(provider, contract))

    def prepare(self, provider: Provider, job: Job | None = None) -> Prepared:
        """Build (or find) the prepared facts for the provider's saved contract."""
        from wholepop.pipeline import prepare, settleable
        from wholepop.population.count import table_years

        contract = provider.contract()
        key = self.key(provider, contract)
        if key in self._cache:
            return self._cache[key]

        @contextmanager
        def stage(name: str) -> Iterator[None]:
            if job is not None:
                job.progress(job.done + 1, 7, name)
            yield

        with DUCKDB:
            run = prepare(provider.folder, provider.contract_path, self._engine, stage=stage)
            if job is not None:
                job.progress(5, 7, "money facts")
            have = table_years(run.population)
            with_data = tuple(y for y in contract.contract.years if y in have)
            # settled where `settle` would settle (the coverage rule), as `wholepop project` does
            years = settleable(run, with_data)
            facts = run.facts((contract.contract.baseline_year, *years))
        prepared = Prepared(run, facts, years, key, tuple(y for y in with_data if y not in years))
        if job is not None:
            job.progress(6, 7, "projection cells")
        prepared.projection_base()  # now, so the first What-if answers as fast as the rest
        _warm_charts()
        with self._lock:
            # keep one prepared run per provider: an older one (other terms) is dropped
            for k, old in list(self._cache.items()):
                if getattr(old.run, "contract_path", None) == provider.contract_path and k != key:
                    del self._cache[k]
                    with DUCKDB:
                        old.run.close()
            self._cache[key] = prepared
        if job is not None:
            job.progress(7, 7, "ready")
        return prepared

    def close(self) -> None:
        with DUCKDB:
            for p in self._cache.values():
                p.run.close()
        self._cache.clear()

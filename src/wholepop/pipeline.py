"""The stages in order, once: what ``settle``, ``report`` and the demo all run.

contract -> inputs (validated) -> counted spans -> costing -> population -> segments ->
money facts -> statement. Costing is the one attribution of activity to the counted
spans; the population's need weights read its baseline year. Patient-level tables are
cached on the backend after they are first built, so each is computed once however many
years are settled or reports drawn from it.
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import ibis

from wholepop.contract import Contract, load_contract
from wholepop.errors import InputError, UserError
from wholepop.inputs import Inputs, Problem, Severity, load_inputs
from wholepop.inputs.coverage import Coverage, YearCoverage, assess, measure as measure_coverage
from wholepop.money.facts import MoneyFacts, gather_facts
from wholepop.money.settle import settle as settle_money
from wholepop.money.statement import Statement
from wholepop.vocab import NeedWeighting

__all__ = [
    "Run", "Scale", "StageHook", "YearAggregates", "build", "cached_costs", "forecast", "prepare", "prepared", "refuse_uncovered",
    "settle", "settleable", "unobserved", "year_aggregates",
]

# Called with each stage's name around the work of that stage: the CLI names the stage in
# its status line (a settlement at England scale takes minutes per stage) and the
# benchmarks time it, without either repeating the order of the stages.
StageHook = Callable[[str], AbstractContextManager[None]]


def unobserved(name: str) -> AbstractContextManager[None]:
    return nullcontext()


@dataclass(frozen=True)
class Run:
    """A validated data folder and contract with the patient-level stage tables built.

    Attributes:
        contract: the frozen contract.
        contract_path: where it was read from.
        inputs: the typed input tables.
        problems: warnings found by validation (errors stop ``prepare``).
        population: ``population.person_months`` (cached).
        costs: ``costing.cost`` (cached).
        segments: ``segments.segment`` (cached).
        spans: ``population.counted_spans`` (cached), which population and costing share.
    """

    contract: Contract
    contract_path: Path
    inputs: Inputs
    problems: tuple[Problem, ...]
    population: ibis.Table
    costs: ibis.Table
    segments: ibis.Table
    spans: ibis.Table | None = None

    def close(self) -> None:
        """Drop the cached tables now, not in a finaliser at interpreter exit (where
        DuckDB may already be shutting down)."""
        for table in (self.segments, self.costs, self.population, self.spans):
            if table is None:
                continue
            try:
                table.release()
            except Exception:  # noqa: BLE001  (already released, or the backend is gone)
                pass

    @cached_property
    def coverage(self) -> Coverage:
        """What the activity covers, by contract year, month and line (counted once)."""
        return measure_coverage(self.inputs)

    def year_coverage(self, year: int) -> YearCoverage:
        c = self.contract
        return assess(self.coverage, year, c.contract.baseline_year, c.coverage.min_rows)

    def facts(self, years) -> MoneyFacts:
        by_component = self.contract.budget.need_weighting is NeedWeighting.COMPONENTS
        return gather_facts(
            self.population, self.costs, self.segments, self.inputs.unregistered, self.inputs.measures, years,
            weights=self.inputs.weights if by_component else None,
        )


@dataclass(frozen=True)
class Scale:
    """How a run works when its data is larger than memory (DuckDB only).

    Attributes:
        memory_limit: DuckDB's memory limit, e.g. ``"12GB"``; past it DuckDB spills.
        work_dir: spill here, and keep the stage tables compressed in a DuckDB file here
            (``engine.connect(work_dir=...)``); the file goes when the run ends.
        parts: attribute the activity in this many passes (``build(parts=...)``).
    """

    memory_limit: str | None = None
    work_dir: Path | None = None
    parts: int = 1


@contextmanager
def prepared(
    data: str | Path,
    contract_path: str | Path,
    engine: str = "duckdb",
    years: tuple[int, ...] | None = None,
    scale: Scale = Scale(),
    stage: StageHook = unobserved,
    needs: frozenset[str] | None = None,
    segmented: tuple[int, ...] | None = None,
) -> Iterator[Run]:
    """``prepare`` as a context: the run's tables are dropped at the end, and a work
    directory's database file removed, whether or not the block (or preparing) fails."""
    from wholepop.engine import connect

    if scale.parts > 1 and engine != "duckdb":
        raise UserError(f"--parts applies to the duckdb engine, not {engine}")
    backend = None
    if scale.memory_limit or scale.work_dir:
        work_dir = str(scale.work_dir) if scale.work_dir else None
        backend = connect(engine, memory_limit=scale.memory_limit, work_dir=work_dir)
    try:
        run = prepare(data, contract_path, engine, years, backend=backend, parts=scale.parts, stage=stage, needs=needs,
                      segmented=segmented)
        try:
            yield run
        finally:
            run.close()
    finally:
        if scale.work_dir:
            backend.disconnect()
            for leftover in Path(scale.work_dir).glob("wholepop-work.duckdb*"):
                leftover.unlink()


def prepare(
    data: str | Path,
    contract_path: str | Path,
    engine: str = "duckdb",
    years: tuple[int, ...] | None = None,
    *,
    backend=None,
    parts: int = 1,
    stage: StageHook = unobserved,
    needs: frozenset[str] | None = None,
    segmented: tuple[int, ...] | None = None,
) -> Run:
    """Load and validate, then build the patient-level tables (of ``years``, in ``parts``
    passes, segments of ``segmented``, see ``build``), on ``backend`` if given (e.g. ``engine.connect`` with a memory
    limit) or a fresh connection to ``engine``. ``stage`` is entered around validation
    ("validation") and each stage ``build`` names. ``needs``: the stages the caller uses
    (e.g. ``{"population", "segments", "costing"}`` for a population summary); an error
    that blocks none of them (a missing performance measure blocks only money) is kept in
    ``Run.problems`` instead of stopping the run. Default: every error stops it.

    Raises:
        ContractError: the contract is invalid.
        InputError: the data has errors (every one is listed).
    """
    contract = load_contract(contract_path)
    with stage("validation"):
        inputs, problems = load_inputs(data, contract, engine=engine, backend=backend)
    errors = tuple(
        p for p in problems
        if p.severity is Severity.ERROR and (needs is None or not p.blocks or needs & set(p.blocks))
    )
    if errors:
        raise InputError(errors, f"{len(errors)} error(s) in the input data; run `wholepop check` to list them:\n"
                         + "\n".join(str(p) for p in errors[:20]))
    return build(inputs, contract, contract_path, problems, years, parts, stage, segmented)


def build(
    inputs: Inputs,
    contract: Contract,
    contract_path: str | Path = "",
    problems: tuple[Problem, ...] = (),
    years: tuple[int, ...] | None = None,
    parts: int = 1,
    stage: StageHook = unobserved,
    segmented: tuple[int, ...] | None = None,
) -> Run:
    """Build (and cache) the patient-level tables from typed inputs already in hand, e.g.
    tables of a Spark catalogue (``inputs.load.open_catalog``); ``prepare`` does this after
    validating a folder.

    ``years``: the contract years wanted (the baseline year is always added, since the
    budget and the need weights read it); None means every year with data. Settling one
    year needs only that year and the baseline.

    Activity is attributed to counted spans once, by costing; the need weights read the
    baseline year of the result. So the order is spans, costs, population, segments.

    ``parts``: attribute the activity in this many passes, each over a range of patient
    ids, appended to one table (DuckDB). Each pass's join and group-by then hold a part
    of the people, which is what lets tens of millions of people be costed within a
    memory limit, and where the files are laid out by patient (as the generator writes
    them) each pass reads only its part; the result is the same table.

    ``stage``: entered around each stage, with its name: "counted spans", "costing",
    "population", "segments".

    ``segmented``: the years whose care-model segments are built (None: every year
    built). Each year is segmented on its own (``segments.segment``), so a year's segments
    are the same whichever others are built; a caller that reads the segments of some
    years only (a projection: the baseline's cells, ``projection.segment_years``) saves
    the rest, the costliest stage per year after costing.
    """
    from wholepop.population import counted_spans, person_months
    from wholepop.population.count import data_years
    from wholepop.segments import segment

    base = contract.contract.baseline_year
    years = tuple(sorted({base, *years})) if years else data_years(inputs, contract)
    with stage("counted spans"):
        spans = counted_spans(inputs, contract).cache()
    with stage("costing"):
        costs = cached_costs(inputs, contract, years, spans, parts)
    with stage("population"):
        population = person_months(inputs, contract, years, spans=spans, costs=costs).cache()
    with stage("segments"):
        people = population if segmented is None else population.filter(population.year.isin(sorted(set(segmented))))
        segments = segment(people, costs, inputs, contract).cache()
    return Run(contract, Path(contract_path), inputs, problems, population, costs, segments, spans)


def cached_costs(inputs: Inputs, contract: Contract, years, spans: ibis.Table, parts: int = 1) -> ibis.Table:
    """``costing.cost`` of ``years``, cached; in ``parts`` passes appended to one table
    (see ``build``)."""
    from wholepop.costing import cost
    from wholepop.costing.spend import id_ranges

    if parts <= 1:
        return cost(inputs, contract, years, spans).cache()
    first, *rest = id_ranges(spans, parts)
    costs = cost(inputs, contract, years, spans, people=first).cache()
    for people in rest:
        inputs.backend.insert(costs.op().name, cost(inputs, contract, years, spans, people=people))
    return costs


def uncovered(run: Run, year: int) -> tuple[str, ...]:
    """Why the data does not cover contract ``year`` and its baseline (empty: it does)."""
    base = run.contract.contract.baseline_year
    reasons = run.year_coverage(year).refusals()
    return reasons + tuple(f"{r} (the baseline year)" for r in run.year_coverage(base).refusals())


def settleable(run: Run, years) -> tuple[int, ...]:
    """The contract years of ``years`` that ``settle`` would settle: those the data covers
    (``uncovered`` is empty: no part-year, no gap, baseline covered). A projection treats
    only these as settled; a part-year is projected."""
    return tuple(y for y in years if y in run.contract.contract.years and not uncovered(run, y))


def settle(run: Run, year: int) -> Statement:
    """The statement of contract year ``year``.

    Raises:
        UserError: ``year`` is not a contract year.
        InputError: the data does not cover ``year`` (``inputs.coverage``) or holds no
            registered population in it; nothing is settled.
    """
    c = run.contract
    if year not in c.contract.years:
        raise UserError(f"--year: {year} is not a contract year of {c.name} ({c.contract.years[0]}-{c.contract.years[-1]})")
    refuse_uncovered(run, year)
    return _statement(run, year, run.facts((c.contract.baseline_year, year)))


def refuse_uncovered(run: Run, year: int) -> None:
    """``settle``'s refusal of a year the data does not cover (``uncovered``), in its words.

    Raises:
        InputError: the data does not cover ``year`` or its baseline; nothing is settled.
    """
    reasons = uncovered(run, year)
    if reasons:
        raise InputError(tuple(Problem("activity", None, "date", r) for r in reasons),
                         f"cannot settle {year}: the data does not cover it\n" + "\n".join(f"  {r}" for r in reasons)
                         + (f"\n  (`settle --year {year} --in-year` forecasts the outturn from months 1-{cov.observed})"
                            if (cov := run.year_coverage(year)).observed else ""))


def forecast(run: Run, year: int) -> Statement:
    """A forecast outturn of part-year ``year`` (``money.forecast``): the months in hand
    plus the rest from the baseline's monthly profile, marked a forecast.

    Raises:
        UserError: ``year`` is not a contract year.
        InputError: no month of ``year`` is in hand, or the baseline is not covered.
    """
    from wholepop.money.forecast import forecast_facts, mark

    c = run.contract
    if year not in c.contract.years:
        raise UserError(f"--year: {year} is not a contract year of {c.name} ({c.contract.years[0]}-{c.contract.years[-1]})")
    base = c.contract.baseline_year
    cov = run.year_coverage(year)
    reasons = tuple(f"{r} (the baseline year)" for r in run.year_coverage(base).refusals())
    if cov.observed == 0:
        reasons = cov.refusals() + reasons or (f"month 1 of {year} is not in hand",)
    if reasons:
        raise InputError(tuple(Problem("activity", None, "date", r) for r in reasons),
                         f"cannot forecast {year}:\n" + "\n".join(f"  {r}" for r in reasons))
    later = sum(n for (y, m, _), n in run.coverage.rows.items() if y == year and m > cov.observed)
    if later:
        # Activity after the months in hand (a month cut short by the extract, or data
        # beyond a gap) would be counted and then scaled up again: the year's stages are
        # built once more from the activity up to the end of month ``observed``.
        from wholepop.inputs.coverage import month_end

        act = run.inputs.activity
        kept = dataclasses.replace(run.inputs, tables=types.MappingProxyType(
            {**run.inputs.tables, "activity": act.filter(act.date <= month_end(year, cov.observed))}))
        part = build(kept, c, run.contract_path, run.problems, (year,))
        try:
            facts = part.facts((base, year))
        finally:
            part.close()
    else:
        facts = run.facts((base, year))
    facts, how = forecast_facts(facts, run.coverage, year, base, cov.observed, set_aside=later)
    return mark(_statement(run, year, facts), how)


def _statement(run: Run, year: int, facts: MoneyFacts) -> Statement:
    c = run.contract
    if not any(p.year == year for p in facts.practices):
        raise UserError(f"--year: the data holds no registered population in contract year {year}")
    if not any(p.year == c.contract.baseline_year for p in facts.practices):
        raise UserError(f"the data holds no registered population in the baseline year {c.contract.baseline_year}")
    return settle_money(facts, c, year)


@dataclass(frozen=True)
class YearAggregates:
    """One year of a run, aggregated: what ``wholepop population`` prints and the report
    shows (both read it from here, so they cannot disagree).

    Attributes:
        year: the contract (or baseline) year.
        person_months, weighted_population: totals over the population.
        hubs: per hub: hub, person_months, weighted_population (sorted by hub).
        practices: per practice: practice_code, hub, person_months, weighted_population
            (sorted by code).
        segments: per care-model level, most severe first: segment, people, spend_pence.
        services: attributed spend in pence per service line with any.
        unattributed_rows, unattributed_cost_pence: activity no counted day explains.
        concentration: ``costing.concentration`` of the year.
    """

    year: int
    person_months: float
    weighted_population: float
    hubs: tuple[dict, ...]
    practices: tuple[dict, ...]
    segments: tuple[dict, ...]
    services: dict
    unattributed_rows: int
    unattributed_cost_pence: int
    concentration: object


def year_aggregates(run: Run, year: int) -> YearAggregates:
    """Aggregate ``run``'s patient-level tables for ``year`` (a handful of small queries;
    nothing patient-level leaves the backend)."""
    from wholepop.costing import concentration
    from wholepop.population import unattributed
    from wholepop.vocab import Segment

    def rows(expr: ibis.Table) -> list[dict]:
        return expr.to_pyarrow().to_pylist()

    p = run.population.filter(run.population.year == year)
    c = run.costs.filter(run.costs.year == year)
    sums = dict(person_months=p.person_months.sum(), weighted_population=p.weighted_population.sum())
    totals = rows(p.aggregate(**sums))[0]
    hubs = sorted(rows(p.group_by("hub").agg(**sums)), key=lambda r: str(r["hub"]))
    practices = sorted(rows(p.group_by("practice_code", "hub").agg(**sums)), key=lambda r: r["practice_code"])
    s = run.segments.filter(run.segments.year == year)
    spend = c.group_by("patient_id").agg(spend_pence=c.cost_pence.sum())
    sj = s.left_join(spend, "patient_id")
    by_segment = {
        r["segment"]: r
        for r in rows(sj.group_by("segment").agg(people=sj.count(), spend_pence=sj.spend_pence.sum().fill_null(0)))
    }
    segments = tuple(
        {"segment": level.value, "people": int(by_segment.get(level.value, {}).get("people") or 0),
         "spend_pence": int(by_segment.get(level.value, {}).get("spend_pence") or 0)}
        for level in Segment
    )
    services = {r["service"]: int(r["spend_pence"]) for r in rows(c.group_by("service").agg(spend_pence=c.cost_pence.sum()))}
    un = unattributed(run.inputs, run.contract, years=(year,), costs=run.costs)
    u = rows(un.aggregate(rows=un.rows.sum(), cost=un.cost_pence.sum()))[0]
    return YearAggregates(
        year=year,
        person_months=totals["person_months"] or 0.0,
        weighted_population=totals["weighted_population"] or 0.0,
        hubs=tuple(hubs),
        practices=tuple(practices),
        segments=segments,
        services=services,
        unattributed_rows=int(u["rows"] or 0),
        unattributed_cost_pence=int(u["cost"] or 0),
        concentration=concentration(run.costs, run.population, year),
    )

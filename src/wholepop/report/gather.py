"""Filling ``ReportData`` from the stages and the ledger: the only part of the report that
reads data. Everything patient-level is aggregated by Ibis before it arrives here.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from wholepop.costing import lorenz
from wholepop.errors import UserError
from wholepop.inputs import Severity
from wholepop.ledger import get_statement, head, input_hashes, is_url, list_settlements, stale_years
from wholepop.money.pence import D, to_pence
from wholepop.pipeline import Run, Scale, StageHook, prepared, unobserved, year_aggregates
from wholepop.report.data import (
    Concentration,
    ContractSummary,
    DataQuality,
    HubRow,
    InputFile,
    LedgerVersion,
    LorenzPoint,
    PyramidRow,
    ReportData,
    SegmentRow,
    ServiceRow,
    StaleYearRow,
)
from wholepop.vocab import Service

__all__ = ["gather", "gather_run", "with_projection"]


def gather(data: Path, contract: Path, ledger: Path, year: int | None = None, restricted: bool = False,
           engine: str = "duckdb", scale: Scale = Scale(), stage: StageHook = unobserved) -> ReportData:
    """Run the stages on ``data`` and read the settled years of ``contract`` from ``ledger``
    (``stage``: see ``pipeline.StageHook``; the last one is "report tables").

    The ledger is read first, so a missing ledger or an unsettled contract is reported
    before any data is read, and only the report's year and the baseline are built.
    """
    from wholepop.contract import load_contract

    _, current = _settled(load_contract(contract).id, ledger)
    year = year or current[-1].year
    with prepared(data, contract, engine, (year,), scale, stage) as run, stage("report tables"):
        return gather_run(run, ledger, year, restricted)


def _settled(contract_id: str, ledger: Path | str) -> tuple[list, list]:
    """Every ledger record of the contract with id ``contract_id``, and the current ones by year.

    Raises:
        UserError: no ledger file, or no settled year of the contract in it.
    """
    if not is_url(ledger) and not Path(ledger).exists():
        raise UserError(f"--ledger: {ledger} does not exist; run `wholepop settle ... --ledger {ledger}` first")
    records = [r for r in list_settlements(ledger) if r.contract_id == contract_id]
    if not records:
        raise UserError(f"{ledger}: no settled year of contract {contract_id!r}; run `wholepop settle` with --ledger first")
    return records, sorted((r for r in records if r.current), key=lambda r: r.year)


def _rows(expr) -> list[dict]:
    return expr.to_pyarrow().to_pylist()


def gather_run(run: Run, ledger: Path, year: int | None = None, restricted: bool = False) -> ReportData:
    """``ReportData`` for a prepared run and its ledger.

    Args:
        year: the contract year of the population sections; default the latest settled.
    """
    c = run.contract
    records, current = _settled(c.id, ledger)
    statements = tuple(get_statement(ledger, c.id, r.year)[1] for r in current)
    # Settled years whose recorded input hashes differ from the files read now.
    stale = stale_years(ledger, c.id, input_hashes(run.inputs.files))
    year = year or current[-1].year
    pop, costs = run.population, run.costs
    p = pop.filter(pop.year == year)
    base = c.contract.baseline_year

    agg = year_aggregates(run, year)  # what `wholepop population` prints, from one function
    hubs = tuple(
        HubRow(hub=r["hub"], person_months=round(r["person_months"]),
               weighted_population=D(r["weighted_population"]).quantize(Decimal("0.01")))
        for r in agg.hubs
    )
    people = p.select("patient_id", "age_band", "sex").distinct(on="patient_id", keep="first")
    pyramid = tuple(
        PyramidRow(age_band=r["age_band"], sex=r["sex"], people=int(r["n"]))
        for r in sorted(_rows(people.group_by(["age_band", "sex"]).agg(n=people.count())),
                        key=lambda r: (_band_start(r["age_band"]), r["sex"]))
    )
    segments = tuple(SegmentRow(segment=r["segment"], people=r["people"], spend_pence=r["spend_pence"])
                     for r in agg.segments if r["people"])
    conc = agg.concentration
    curve = tuple(LorenzPoint(population_share=D(r["population_share"]), spend_share=D(r["spend_share"]))
                  for r in _rows(lorenz(costs, pop, year)))
    facts = run.facts((base, year))
    services = []
    for service in Service:
        per_head = []
        for y in (year, base):
            per_head.append(to_pence(facts.per_weighted_head(y, (service,))))
        services.append(ServiceRow(service=service, spend_per_head_pence=per_head[0], baseline_spend_per_head_pence=per_head[1]))
    warnings = tuple(str(x) for x in run.problems if x.severity is Severity.WARNING)
    latest = next(r for r in current if r.year == year) if any(r.year == year for r in current) else current[-1]
    return ReportData(
        contract=ContractSummary(name=c.name, form=c.form, start_year=c.contract.start_year,
                                 term_years=c.contract.term_years, baseline_year=base),
        year=year,
        practices=len(agg.practices),
        hubs=hubs,
        pyramid=pyramid,
        segments=segments,
        concentration=Concentration(top_1=D(conc.top_1), top_2=D(conc.top_2), top_5=D(conc.top_5), top_20=D(conc.top_20)),
        lorenz=curve,
        services=tuple(services),
        statements=statements,
        ledger=tuple(LedgerVersion(contract=r.contract, year=r.year, version=r.version, status=r.status,
                                   created_at=r.created_at, reason=r.reason or "") for r in records),
        stale_years=tuple(StaleYearRow(year=y.year, version=y.version, changed=", ".join(y.changed)) for y in stale),
        ledger_head=head(ledger).hash,
        inputs=tuple(InputFile(table=h.name, file=_file_name(run, h.name), sha256=h.sha256) for h in latest.inputs),
        quality=DataQuality(unattributed_rows=agg.unattributed_rows, unattributed_cost_pence=agg.unattributed_cost_pence, warnings=warnings),
        restricted=restricted,
    )


def _file_name(run: Run, table: str) -> str:
    path = run.inputs.files.get(table)
    if path is not None:
        return path.name
    return run.contract_path.name if table == "contract" else table


def _band_start(band: str) -> int:
    """'0_4' -> 0, '95+' -> 95: age bands in display order."""
    return int(band.split("_")[0].rstrip("+"))


def with_projection(data: ReportData, path: Path) -> ReportData:
    """``data`` with the projection of ``wholepop project --json`` added."""
    import dataclasses
    import json

    from wholepop.report.data import ProjectionSummary

    try:
        doc = json.loads(Path(path).read_text(encoding="utf-8"))
        summary = ProjectionSummary.from_json(doc)
    except OSError as e:
        raise UserError(f"--projection: cannot read {path} ({e.strerror})") from None
    except (ValueError, KeyError, TypeError) as e:
        raise UserError(f"--projection: {path} is not the JSON of `wholepop project --json` ({e})") from None
    return dataclasses.replace(data, projection=summary)

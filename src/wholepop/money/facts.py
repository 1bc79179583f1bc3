"""The small facts money needs, reduced from the patient-level tables in one place.

Everything per patient is summed here by Ibis (on whichever backend holds the tables);
what comes out is a few hundred numbers per year, held exactly (Decimal, int pence), on
which the money rules then work in plain Python. Tests of the money rules build
``MoneyFacts`` by hand, so every golden case can be worked on paper.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

import ibis
import ibis.expr.datatypes as dt

from wholepop.money.pence import ONE, ZERO, D, to_pence
from wholepop.numbers import gbp, population, significant
from wholepop.population.spans import PROVIDER_SUFFIX
from wholepop.vocab import RATE_METRICS, Segment, Service

__all__ = ["GrownSpend", "MoneyFacts", "PracticeYear", "gather_facts"]

# A person in the extensive-care cohort is "in contact" with 4 or more community contacts
# in the year (issue 4: the extensive_care_contact_rate metric).
EXTENSIVE_CARE_CONTACTS = 4

# Person-months and weighted populations are summed at this precision (9 decimal places
# of a person-year are far below anything that reaches a penny).
EXACT = dt.Decimal(38, 9)


@dataclass(frozen=True)
class PracticeYear:
    """A practice's population in one year under one integration mode."""

    year: int
    practice_code: str
    hub: str
    integration: str
    person_months: Decimal
    weighted_population: Decimal


@dataclass(frozen=True)
class GrownSpend:
    """Baseline spend on some lines per weighted head, carried to a later year.

    ``amount_pence = to_pence(base_spend_pence / base_weighted_population
    x weighted_population x factor)``: the one rule behind a budget line, the virtual
    at-stake, a gain/risk-share target and the report's spend per head.
    """

    base_spend_pence: int
    base_weighted_population: Decimal
    weighted_population: Decimal
    factor: Decimal
    amount_pence: int

    @property
    def rate(self) -> Decimal:
        """Baseline pence per weighted head (0 with no baseline population)."""
        return Decimal(self.base_spend_pence) / self.base_weighted_population if self.base_weighted_population else ZERO

    def basis(self, base: int, year: int, what: str) -> str:
        return (
            f"baseline {base} spend on {what} {gbp(self.base_spend_pence)} / weighted population "
            f"{population(self.base_weighted_population)} = £{self.rate / 100:,.6f} per weighted head;"
            f" x weighted population {year} {population(self.weighted_population)} x {significant(self.factor, 12)}"
        )


@dataclass(frozen=True)
class MoneyFacts:
    """Everything the money rules read, already aggregated.

    Attributes:
        practices: population per (year, practice, integration).
        spend: (year, service, integration) -> attributed spend in pence.
        events: (year, service) -> attributed activity rows.
        unregistered: (year, service) -> spend on the unregistered population in pence.
        measures: (year, measure id) -> value supplied in the measures table.
        extensive_care: year -> (people in the very-high-needs cohort, of whom with
            at least ``EXTENSIVE_CARE_CONTACTS`` community contacts).
        age_sex_events: (year, service, age band, sex) -> activity rows, for the lines
            of the rate metrics (``RATE_METRICS``): the observed counts of an
            indirectly standardised ratio.
        age_sex_person_years: (year, age band, sex) -> person-months / 12: the
            denominators of the reference (baseline) rates and of the expected counts.
    """

    practices: tuple[PracticeYear, ...]
    spend: Mapping[tuple[int, str, str], int]
    events: Mapping[tuple[int, str], int] = field(default_factory=dict)
    unregistered: Mapping[tuple[int, str], int] = field(default_factory=dict)
    measures: Mapping[tuple[int, str], Decimal] = field(default_factory=dict)
    extensive_care: Mapping[int, tuple[int, int]] = field(default_factory=dict)
    age_sex_events: Mapping[tuple[int, str, str, str], int] = field(default_factory=dict)
    age_sex_person_years: Mapping[tuple[int, str, str], Decimal] = field(default_factory=dict)
    # need_weighting = "components": (practice code, component) -> component / overall
    # weighted population (money.components); absent: the overall weight (ratio 1).
    component_ratios: Mapping[tuple[str, str], Decimal] = field(default_factory=dict)

    def component_ratio(self, practice_code: str, component: str | None) -> Decimal:
        """A practice's component weight over its overall weight (1 for None or no data).
        Patients who stay with the provider (``<practice>-PROVIDER``) keep their practice's."""
        if component is None:
            return ONE
        return self.component_ratios.get((practice_code.removesuffix(PROVIDER_SUFFIX), component), ONE)

    def weighted_population(
        self, year: int, integrations: Iterable[str] | None = None, component: str | None = None
    ) -> Decimal:
        """Weighted population of ``year`` (practices of ``integrations``; a line's ``component``)."""
        keep = None if integrations is None else set(integrations)
        return sum(
            (p.weighted_population * self.component_ratio(p.practice_code, component)
             for p in self.practices if p.year == year and (keep is None or p.integration in keep)),
            ZERO,
        )

    def person_months(self, year: int) -> Decimal:
        return sum((p.person_months for p in self.practices if p.year == year), ZERO)

    def spend_on(self, year: int, services: Iterable[Service], integrations: Iterable[str] | None = None) -> int:
        wanted = {s.value for s in services}
        keep = None if integrations is None else set(integrations)
        return sum(
            v
            for (y, s, i), v in self.spend.items()
            if y == year and s in wanted and (keep is None or i in keep)
        )

    def per_weighted_head(
        self, year: int, services: Iterable[Service], integrations: Iterable[str] | None = None
    ) -> Decimal:
        """Spend on ``services`` per weighted head in ``year`` (pence, exact; 0 without population)."""
        keep = None if integrations is None else tuple(integrations)
        wp = self.weighted_population(year, keep)
        return Decimal(self.spend_on(year, services, keep)) / wp if wp else ZERO

    def grown(
        self,
        base: int,
        year: int,
        services: Iterable[Service],
        factor: Decimal,
        integrations: Iterable[str] | None = None,
        rate_integrations: Iterable[str] | None = None,
        component: str | None = None,
    ) -> GrownSpend:
        """Baseline spend on ``services`` per weighted head x weighted population of ``year`` x ``factor``.

        ``integrations``: the practices whose population counts (None: all). The rate is
        read from the same practices' baseline, or from ``rate_integrations`` when given
        (a line whose eligible practices had no baseline population takes the rate of
        every member practice, see ``money.budget``). ``component``: weight both years by
        that need component (``money.components``) instead of the overall weight.
        """
        services = tuple(services)
        who = None if integrations is None else tuple(integrations)
        rate_who = who if rate_integrations is None else tuple(rate_integrations)
        base_spend = self.spend_on(base, services, rate_who)
        base_wp = self.weighted_population(base, rate_who, component)
        wp = self.weighted_population(year, who, component)
        amount = to_pence(Decimal(base_spend) / base_wp * wp * factor) if base_wp else 0
        return GrownSpend(base_spend, base_wp, wp, factor, amount)

    def years(self) -> tuple[int, ...]:
        return tuple(sorted({p.year for p in self.practices}))


def _rows(expr: ibis.Table) -> list[dict]:
    return expr.to_pyarrow().to_pylist()


def gather_facts(
    population: ibis.Table,
    costs: ibis.Table,
    segments: ibis.Table | None,
    unregistered: ibis.Table,
    measures: ibis.Table,
    years: Iterable[int],
    weights: ibis.Table | None = None,
) -> MoneyFacts:
    """Reduce the patient-level tables to ``MoneyFacts`` for ``years``.

    Args:
        population: ``population.person_months`` (patient x practice x year x integration).
        costs: ``costing.cost`` (patient x year x service, with the practice's integration).
        segments: ``segments.segment`` (patient x year) or None (no extensive-care metric).
        unregistered: the ``unregistered`` input table.
        measures: the ``measures`` input table.
        years: the years wanted (the baseline year and the years being settled).
        weights: the ``weights`` input table, under ``need_weighting = "components"``
            (each practice's component ratios, ``money.components``); None otherwise.
    """
    years = sorted(set(years))
    pop = population.filter(population.year.isin(years))
    # Summed as exact decimals: a float sum's last bits depend on how the engine splits
    # the work between threads, and a statement must be the same bytes every time.
    pop_rows = _rows(
        pop.group_by(["year", "practice_code", "hub", "integration"]).agg(
            person_months=pop.person_months.cast(EXACT).sum(),
            weighted_population=pop.weighted_population.cast(EXACT).sum(),
        )
    )
    practices = tuple(
        sorted(
            (
                PracticeYear(
                    year=int(r["year"]),
                    practice_code=r["practice_code"],
                    hub=r["hub"],
                    integration=r["integration"],
                    person_months=D(r["person_months"]),
                    weighted_population=D(r["weighted_population"]),
                )
                for r in pop_rows
            ),
            key=lambda p: (p.year, p.hub, p.practice_code, p.integration),
        )
    )
    c = costs.filter(costs.year.isin(years))
    spend_rows = _rows(c.group_by(["year", "service", "integration"]).agg(cost_pence=c.cost_pence.sum(), events=c.events.sum()))
    spend: dict[tuple[int, str, str], int] = {}
    events: dict[tuple[int, str], int] = {}
    for r in spend_rows:
        spend[(int(r["year"]), r["service"], r["integration"])] = int(r["cost_pence"])
        key = (int(r["year"]), r["service"])
        events[key] = events.get(key, 0) + int(r["events"])
    u = unregistered.filter(unregistered.year.isin(years))
    unreg = {
        (int(r["year"]), r["service"]): int(r["cost_pence"])
        for r in _rows(u.group_by(["year", "service"]).agg(cost_pence=u.cost_pence.sum()))
    }
    m = measures.filter(measures.year.isin(years))
    meas = {(int(r["year"]), r["measure"]): D(r["value"]) for r in _rows(m.select("year", "measure", "value"))}
    extensive: dict[int, tuple[int, int]] = {}
    if segments is not None:
        cohort = segments.filter(segments.year.isin(years) & (segments.segment == Segment.VERY_HIGH_NEEDS.value))
        community = c.filter(c.service == Service.COMMUNITY.value).group_by(["patient_id", "year"]).agg(n=c.events.sum())
        joined = cohort.left_join(community, ["patient_id", "year"])
        contacted = (joined.n.fill_null(0) >= EXTENSIVE_CARE_CONTACTS).cast("int64")
        for r in _rows(joined.group_by(cohort.year).agg(people=joined.count(), contacted=contacted.sum())):
            extensive[int(r["year"])] = (int(r["people"]), int(r["contacted"] or 0))
    cell_events, person_years = _age_sex_cells(pop, c)
    ratios = {}
    if weights is not None:
        from wholepop.money.components import component_ratios

        ratios = component_ratios(weights)
    return MoneyFacts(
        practices=practices, spend=spend, events=events, unregistered=unreg, measures=meas, extensive_care=extensive,
        age_sex_events=cell_events, age_sex_person_years=person_years, component_ratios=ratios,
    )


def _age_sex_cells(pop: ibis.Table, costs: ibis.Table) -> tuple[dict, dict]:
    """Events of the rate metrics' lines and person-years, by year, 5-year band and sex:
    what an indirectly standardised ratio reads (``performance``). A person's band and
    sex are the same on every practice row of a year, so the distinct rows key the join."""
    py = pop.group_by(["year", "age_band", "sex"]).agg(person_months=pop.person_months.cast(EXACT).sum())
    person_years = {
        (int(r["year"]), r["age_band"], r["sex"]): D(r["person_months"]) / 12 for r in _rows(py)
    }
    who = pop.select("patient_id", "year", "age_band", "sex").distinct()
    lines = costs.filter(costs.service.isin(list(RATE_METRICS.values())))
    j = lines.join(who, ["patient_id", "year"])
    ev = j.group_by(["year", "service", "age_band", "sex"]).agg(events=j.events.sum())
    cell_events = {(int(r["year"]), r["service"], r["age_band"], r["sex"]): int(r["events"]) for r in _rows(ev)}
    return cell_events, person_years

"""The deterministic projection: each projected year settled by the contract's own rules.

For each year from the first contract year to the horizon, the mean paths (``paths``,
levers at the midpoint of their ranges) become ``MoneyFacts`` for that year, and
``money.settle`` settles it, so the budget, the performance payment and the
gain/risk share are exactly what settlement of such a year would give. Two projection
assumptions enter the contract: the term is extended to the horizon when the horizon is
longer, and the performance metrics are replaced by one metric whose achievement is the
scenario's ``expected_achievement`` (the quality gate reads the same achievement).

Definitions (pence, per year; see docs/projection.md):

- in-scope cost = spend with levers on the budget's service lines (``primary_medical``
  only for fully integrated practices, as the budget covers it);
- provider position = total payable to the provider - in-scope cost - deficit repayment
  - lever costs (``money.position``'s definition, plus the levers);
- counterfactual = spend without levers on every service line (what the commissioner
  and the other payers would meet without the provider's levers);
- commissioner paid = total payable + spend with levers outside the budget + the shares
  of the gain/risk variance of parties other than the commissioner (the acute provider);
- commissioner position = counterfactual - commissioner paid;
- gross savings = spend without levers - spend with levers (all lines); net savings =
  gross savings - lever costs; ROI = cumulative net savings / cumulative lever costs;
  NPV = net savings discounted at the scenario's rate (Green Book 3.5%) to the first
  contract year (which is not discounted).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from types import MappingProxyType

import numpy as np

from wholepop.contract.model import Contract, Metric, Performance
from wholepop.errors import UserError
from wholepop.inputs.vocab import Form, Integration, Service
from wholepop.money.budget import eligible
from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.money.pence import D, ONE, ZERO, allocate, to_pence
from wholepop.money.risk import share_rule
from wholepop.money.settle import settle
from wholepop.money.sharing import ShareRule, share_variance
from wholepop.money.statement import Statement
from wholepop.projection.base import LEVELS, SERVICES, ProjectionBase
from wholepop.projection.paths import Paths, build_paths
from wholepop.projection.scenario import Scenario

__all__ = ["ACHIEVEMENT_METRIC", "Projection", "ProjectedYear", "SharePlan", "project", "projection_contract"]

# The one metric the projection scores: read from the facts' measures, never computed.
ACHIEVEMENT_METRIC = "projection_expected_achievement"


@dataclass(frozen=True)
class ProjectedYear:
    """One projected contract year (money in pence; people in person-years).

    Attributes:
        year: the contract year.
        people, weighted_population: the registered list and its need-weighted size.
        people_by_level: care-model level -> people, with levers (read-only mapping).
        spend_pence, spend_without_levers_pence: service line -> spend (read-only mappings).
        budget_pence: the whole-population budget (0 for ``virtual``).
        performance_pence: performance payment earned less any withhold.
        share_target_pence, share_actual_pence: the gain/risk share's target and actual
            spend (0 when the contract has no share).
        risk_share_pence: the provider's gain (+) or loss (-).
        loss_capped: the provider's loss hit its cap this year.
        total_payable_pence: what settlement pays the provider.
        in_scope_cost_pence, lever_cost_pence, provider_position_pence: see the module docstring.
        counterfactual_pence, commissioner_paid_pence, commissioner_position_pence: ditto.
        gross_savings_pence, net_savings_pence, cumulative_net_savings_pence: ditto.
        statement: the settled statement of the year.
    """

    year: int
    people: float
    weighted_population: float
    people_by_level: Mapping[str, float]
    spend_pence: Mapping[str, int]
    spend_without_levers_pence: Mapping[str, int]
    budget_pence: int
    performance_pence: int
    share_target_pence: int
    share_actual_pence: int
    risk_share_pence: int
    loss_capped: bool
    total_payable_pence: int
    in_scope_cost_pence: int
    lever_cost_pence: int
    provider_position_pence: int
    counterfactual_pence: int
    commissioner_paid_pence: int
    commissioner_position_pence: int
    gross_savings_pence: int
    net_savings_pence: int
    cumulative_net_savings_pence: int
    statement: Statement


@dataclass(frozen=True, eq=False)
class SharePlan:
    """What a Monte Carlo run needs to re-share each year's variance (None rules: no share).

    Attributes:
        rules: per projected contract year, the ``ShareRule`` settlement used (caps in pence).
        targets: per year, the share's target in pence.
        basis: ``(15,)`` 1 for the lines whose spend the share compares with its target.
        in_scope: ``(15,)`` share of each line's spend inside the budget.
        achievement: the assumed performance achievement.
        other_parties: share of the variance left after the provider that the
            commissioner pays out to other parties (the acute provider).
        fixed_payable: per year, total payable less the provider's risk share.
    """

    rules: tuple[ShareRule | None, ...]
    targets: np.ndarray
    basis: np.ndarray
    in_scope: np.ndarray
    achievement: Decimal
    other_parties: Decimal
    fixed_payable: np.ndarray


@dataclass(frozen=True, eq=False)
class Projection:
    """The deterministic projection of one contract under one scenario.

    Attributes:
        contract: the contract as projected (term extended, performance assumed).
        scenario: the scenario.
        base_year: the base (baseline) year.
        years: one ``ProjectedYear`` per contract year up to the horizon.
        roi: cumulative net savings / cumulative lever costs (None without lever costs).
        npv_pence: net savings discounted to the first contract year.
        paths: the mean paths (for Monte Carlo).
        plan: the money each Monte Carlo run re-computes.
    """

    contract: Contract
    scenario: Scenario
    base_year: int
    years: tuple[ProjectedYear, ...]
    roi: Decimal | None
    npv_pence: int
    paths: Paths
    plan: SharePlan


def horizon(contract: Contract, scenario: Scenario) -> tuple[int, int]:
    """(first, last) projected contract year: the term, or ``horizon_years`` from the start."""
    first = contract.contract.start_year
    n = scenario.scenario.horizon_years or contract.contract.term_years
    return first, first + n - 1


def projection_contract(contract: Contract, scenario: Scenario, last_year: int) -> Contract:
    """The contract with its term reaching ``last_year`` and performance read from the scenario."""
    terms = contract.contract
    term = max(terms.term_years, last_year - terms.start_year + 1)
    metric = Metric(id=ACHIEVEMENT_METRIC, weight=ONE, lower=ZERO, upper=ONE)
    performance = Performance(share=contract.performance.share, mode=contract.performance.mode, metrics=(metric,))
    return contract.model_copy(
        update={"contract": terms.model_copy(update={"term_years": term}), "performance": performance}
    )


def share_terms(contract: Contract):
    """(terms, basis lines) of the contract's acute gain/risk share, or None. (A pacs's
    system share is settled inside ``money.settle`` and enters the fixed payable.)"""
    if contract.risk_share is not None:
        return contract.risk_share, tuple(contract.risk_share.basis)
    return None


def _integration_split(base: ProjectionBase) -> dict[Service, tuple[tuple[str, ...], tuple[int, ...]]]:
    """Per line, the integration modes its baseline spend fell in and the amounts (the split of future spend)."""
    facts = base.facts
    modes_by_wp: dict[str, Decimal] = {}
    for p in facts.practices:
        if p.year == base.year:
            modes_by_wp[p.integration] = modes_by_wp.get(p.integration, ZERO) + p.weighted_population
    split = {}
    for s in SERVICES:
        amounts = {i: v for (y, line, i), v in facts.spend.items() if y == base.year and line == s.value and v > 0}
        if amounts:
            modes = tuple(sorted(amounts))
            split[s] = (modes, tuple(amounts[m] for m in modes))
        else:
            modes = tuple(sorted(modes_by_wp)) or (Integration.FULL.value,)
            split[s] = (modes, tuple(to_pence(modes_by_wp.get(m, ONE) * 1000) for m in modes))
    return split


def _year_facts(base: ProjectionBase, paths: Paths, spend: np.ndarray, t: int, split) -> tuple[list[PracticeYear], dict]:
    year = paths.years[t]
    wp_ratio = D(float(paths.weighted[t] / paths.weighted_base)) if paths.weighted_base else ONE
    pm_ratio = D(float(paths.people[t].sum() / paths.people_base)) if paths.people_base else ONE
    practices = [
        PracticeYear(year, p.practice_code, p.hub, p.integration, p.person_months * pm_ratio, p.weighted_population * wp_ratio)
        for p in base.facts.practices
        if p.year == base.year
    ]
    lines = {}
    for si, s in enumerate(SERVICES):  # 15 service lines
        modes, weights = split[s]
        for m, amount in zip(modes, allocate(to_pence(D(float(spend[t, si]))), weights)):
            lines[(year, s.value, m)] = amount
    return practices, lines


def project(base: ProjectionBase, contract: Contract, scenario: Scenario) -> Projection:
    """Project ``contract`` under ``scenario`` from ``base``, levers at their midpoints.

    Raises:
        UserError: the contract's form has no projection (``aco``), or its first year is
            not after the base year.
    """
    if contract.form is Form.ACO:
        raise UserError("the projection covers the English forms (virtual, partial, full, pacs), not aco")
    first, last = horizon(contract, scenario)
    if first <= base.year:
        raise UserError(f"the contract starts in {first}, not after the base year {base.year}")
    paths = build_paths(base, scenario, last, first)
    pc = projection_contract(contract, scenario, last)
    achievement = scenario.scenario.expected_achievement
    with_levers = paths.spend(paths.mid)
    split = _integration_split(base)
    practices = [p for p in base.facts.practices if p.year == base.year]
    spend = {k: v for k, v in base.facts.spend.items() if k[0] == base.year}
    projected = tuple(range(first, last + 1))
    for y in projected:
        ps, lines = _year_facts(base, paths, with_levers, paths.index(y), split)
        practices.extend(ps)
        spend.update(lines)
    facts = MoneyFacts(
        practices=tuple(practices),
        spend=spend,
        unregistered=dict(base.facts.unregistered),
        measures={(y, ACHIEVEMENT_METRIC): achievement for y in projected},
    )
    budget_lines = set(pc.budget_services)
    shared = share_terms(pc)
    basis_lines = set(shared[1]) if shared else set()
    in_scope_w = np.zeros(len(SERVICES))
    for si, s in enumerate(SERVICES):
        if s in budget_lines:
            modes, weights = split[s]
            who = eligible(s)
            total = sum(weights)
            in_scope_w[si] = sum(w for m, w in zip(modes, weights) if who is None or m in who) / total if total else 1.0
    other = ZERO
    if shared:
        other = sum((v for k, v in shared[0].parties.items() if k != "commissioner"), ZERO)

    years = []
    rules: list[ShareRule | None] = []
    targets, fixed = [], []
    cumulative = 0
    npv = ZERO
    rate = scenario.scenario.discount_rate
    for y in projected:  # contract years
        t = paths.index(y)
        st = settle(facts, pc, y)
        budget = st.budget.total_pence if st.budget else 0
        risk = st.risk_share
        provider_share = risk.provider_pence if risk else 0
        perf = sum(line.amount_pence for line in st.lines if line.section == "performance" and line.payable)
        by_line = {s.value: sum(facts.spend.get((y, s.value, m), 0) for m in split[s][0]) for s in SERVICES}
        without = {s.value: to_pence(D(float(paths.spend0[t, si]))) for si, s in enumerate(SERVICES)}
        in_scope = sum(
            facts.spend.get((y, s.value, m), 0)
            for s in SERVICES
            if s in budget_lines
            for m in split[s][0]
            if eligible(s) is None or m in eligible(s)
        )
        lever_cost = sum(to_pence(D(float(c))) for c in paths.lever_cost[t])
        others = sum(p.amount_pence for p in risk.parties if p.party != "commissioner") if risk else 0
        total_spend = sum(by_line.values())
        counterfactual = sum(without.values())
        paid = st.total_payable_pence + (total_spend - in_scope) + others
        gross = counterfactual - total_spend
        net = gross - lever_cost
        cumulative += net
        npv += D(net) / (ONE + rate) ** (y - first)
        capped = False
        rule = None
        if shared:
            cap_base = risk.target_pence if pc.form is Form.VIRTUAL else budget
            rule = share_rule(shared[0], cap_base)
            result = share_variance(risk.target_pence, risk.actual_pence, rule, achievement)
            capped = result.capped and result.variance_pence < 0
        rules.append(rule)
        targets.append(risk.target_pence if risk else 0)
        fixed.append(st.total_payable_pence - provider_share)
        levels = paths.levels[t] + np.einsum("l,lg->g", paths.mid, paths.level_unit[:, t])
        years.append(
            ProjectedYear(
                year=y,
                people=float(paths.people[t].sum()),
                weighted_population=float(paths.weighted[t]),
                people_by_level=MappingProxyType({g.value: float(levels[gi]) for gi, g in enumerate(LEVELS)}),
                spend_pence=MappingProxyType(by_line),
                spend_without_levers_pence=MappingProxyType(without),
                budget_pence=budget,
                performance_pence=perf,
                share_target_pence=risk.target_pence if risk else 0,
                share_actual_pence=risk.actual_pence if risk else 0,
                risk_share_pence=provider_share,
                loss_capped=capped,
                total_payable_pence=st.total_payable_pence,
                in_scope_cost_pence=in_scope,
                lever_cost_pence=lever_cost,
                provider_position_pence=st.total_payable_pence - in_scope - st.deficit_pence - lever_cost,
                counterfactual_pence=counterfactual,
                commissioner_paid_pence=paid,
                commissioner_position_pence=counterfactual - paid,
                gross_savings_pence=gross,
                net_savings_pence=net,
                cumulative_net_savings_pence=cumulative,
                statement=st,
            )
        )
    total_cost = sum(y.lever_cost_pence for y in years)
    roi = D(cumulative) / D(total_cost) if total_cost else None
    plan = SharePlan(
        rules=tuple(rules),
        targets=np.asarray(targets, dtype=float),
        basis=np.array([1.0 if s in basis_lines else 0.0 for s in SERVICES]),
        in_scope=in_scope_w,
        achievement=achievement,
        other_parties=other,
        fixed_payable=np.asarray(fixed, dtype=float),
    )
    return Projection(pc, scenario, base.year, tuple(years), roi, to_pence(npv), paths, plan)

"""The deterministic projection: each projected year settled by the contract's own rules.

Contract years the data covers are settled from their own facts, by the contract's own
rules (so each equals ``wholepop settle`` to the penny), and the projection continues
from the last of them: later years' spend per line, weighted population and people are
scaled by what was settled over what the paths gave for that year.

For each later year up to the horizon, the mean paths (``paths``,
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
  - lever costs: ``money.position``'s definition of a settled year's provider position
  (the statement's ``provider_position``), plus the levers;
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
from dataclasses import dataclass, field, replace
from decimal import Decimal
from types import MappingProxyType

import numpy as np

from wholepop.contract.model import Contract, Metric, Performance, Provider
from wholepop.errors import UserError
from wholepop.money.acute_payment import fixed_element
from wholepop.money.budget import eligible
from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.money.funder_parts import funder_shares
from wholepop.money.funders import funders, several
from wholepop.money.pence import ONE, ZERO, D, allocate, to_pence
from wholepop.money.risk import share_rule, system_share
from wholepop.money.settle import settle
from wholepop.money.sharing import ShareRule, share_variance
from wholepop.money.statement import Statement
from wholepop.projection.base import LEVELS, SERVICES, ProjectionBase
from wholepop.projection.paths import Paths, build_paths
from wholepop.projection.scenario import Scenario
from wholepop.vocab import Form, Integration, Service

__all__ = [
    "ACHIEVEMENT_METRIC", "Projection", "ProjectedYear", "SharePlan", "project", "projection_contract", "settled_years",
]

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
        settled: the year was settled from data (not projected): its spend is what
            happened, its statement what ``wholepop settle`` gives.
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
    settled: bool = False


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
        repayment: per year, what the provider pays beside its costs out of the payable
            (a deficit repayment not already deducted from it).
    """

    rules: tuple[ShareRule | None, ...]
    targets: np.ndarray
    basis: np.ndarray
    in_scope: np.ndarray
    achievement: Decimal
    other_parties: Decimal
    fixed_payable: np.ndarray
    repayment: np.ndarray
    # [acute_payment] basis "api" (else None: every line's spend is cash, the share compares spend @ basis):
    share_weight: np.ndarray | None = None  # (15,) cash per pound of spend in the share's actual (MFF on variable lines, 0 on fixed)
    share_fixed: np.ndarray | None = None  # per year, the fixed element on the share's fixed lines
    outside_weight: np.ndarray | None = None  # (15,) cash per pound outside the budget (0 on API fixed lines, MFF on variable)
    outside_fixed: np.ndarray | None = None  # per year, the fixed element on the API fixed lines outside the budget
    # several [[funders]] (else None): per year, each funder's share on its own lines, as
    # (rule, target, (15,) cash per pound of spend in its actual, fixed element in its actual)
    by_funder: tuple[tuple[tuple[ShareRule, float, np.ndarray, float], ...], ...] | None = None
    # a pacs's [system_share] (else None): per year, each funder's system share as a run
    # re-shares it, (rule, target = its budget, (15,) weight of each line's spend in its
    # in-scope actual, fixed part of that actual (the unregistered allowance's spend), the
    # payable adjustment the deterministic path put in ``fixed_payable``)
    system: tuple[tuple[tuple[ShareRule, float, np.ndarray, float, float], ...], ...] | None = None


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
        settled_years: the contract years settled from data (the rest are projected).
        provider: the contract's ``[provider]`` terms (reserves, working capital), if any.
        monthly: ``(12,)`` the baseline's share of in-scope spend in each month, April first.
    """

    contract: Contract
    scenario: Scenario
    base_year: int
    years: tuple[ProjectedYear, ...]
    roi: Decimal | None
    npv_pence: int
    paths: Paths
    plan: SharePlan
    settled_years: tuple[int, ...] = ()
    provider: Provider | None = None
    monthly: np.ndarray = field(default_factory=lambda: np.full(12, 1.0 / 12.0))


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


def _integration_split(facts: MoneyFacts, year: int) -> dict[Service, tuple[tuple[str, ...], tuple[int, ...]]]:
    """Per line, the integration modes ``year``'s spend fell in and the amounts (the split of future spend)."""
    modes_by_wp: dict[str, Decimal] = {}
    for p in facts.practices:
        if p.year == year:
            modes_by_wp[p.integration] = modes_by_wp.get(p.integration, ZERO) + p.weighted_population
    split = {}
    for s in SERVICES:
        amounts = {i: v for (y, line, i), v in facts.spend.items() if y == year and line == s.value and v > 0}
        if amounts:
            modes = tuple(sorted(amounts))
            split[s] = (modes, tuple(amounts[m] for m in modes))
        else:
            modes = tuple(sorted(modes_by_wp)) or (Integration.FULL.value,)
            split[s] = (modes, tuple(to_pence(modes_by_wp.get(m, ONE) * 1000) for m in modes))
    return split


def settled_years(settled: MoneyFacts | None, contract: Contract, last: int) -> tuple[int, ...]:
    """The contract years, from the first, that ``settled`` holds a population for (a run without gaps)."""
    if settled is None:
        return ()
    have = {p.year for p in settled.practices}
    out = []
    for y in range(contract.contract.start_year, last + 1):
        if y not in have:
            break
        out.append(y)
    return tuple(out)


def _continued(paths: Paths, settled: MoneyFacts, year: int) -> Paths:
    """``paths`` continued from settled ``year``: later years scaled so ``year`` equals what was settled.

    Each line's spend (with and without levers, and its covariance) after ``year`` is
    multiplied by settled spend / projected spend (levers at their midpoints) in ``year``;
    weighted population and people by their settled / projected ratios.
    """
    t = paths.index(year)
    projected = paths.spend(paths.mid)[t]
    actual = np.array([float(settled.spend_on(year, (s,))) for s in SERVICES])
    ratio = np.where(projected > 0, actual / np.where(projected > 0, projected, 1.0), 1.0)
    after = (np.arange(len(paths.years)) > t)[:, None]
    line = np.where(after, ratio[None, :], 1.0)  # (T, S)
    wp = float(settled.weighted_population(year))
    pm = float(settled.person_months(year)) / 12.0
    wp_ratio = wp / paths.weighted[t] if paths.weighted[t] > 0 else 1.0
    pm_ratio = pm / paths.people[t].sum() if paths.people[t].sum() > 0 else 1.0
    after1 = after[:, 0]
    people_scale = np.where(after1, pm_ratio, 1.0)
    return replace(
        paths,
        spend0=paths.spend0 * line,
        unit=paths.unit * line[None],
        covariance=paths.covariance * line[:, :, None] * line[:, None, :],
        weighted=paths.weighted * np.where(after1, wp_ratio, 1.0),
        people=paths.people * people_scale[:, None, None],
        cell_people=paths.cell_people * people_scale[:, None, None, None],
        levels=paths.levels * people_scale[:, None],
        level_unit=paths.level_unit * people_scale[None, :, None],
    )


def _practice_ratios(anchor: list[PracticeYear], paths: Paths, t: int, anchor_t: int | None, total: Decimal) -> list[Decimal]:
    """Each anchor practice's weighted-population growth to year ``t``.

    Every practice grows by ``total`` (the list's growth), unless the paths age practices
    on their own (supplied weights): then a practice grows by its own growth from the
    anchor year, rescaled so the practices together still grow by ``total`` (a practice
    the paths do not know grows by the list's).
    """
    growth = paths.practice_growth
    if not growth:
        return [total] * len(anchor)
    own = []
    for p in anchor:
        g = growth.get(p.practice_code)
        if g is None:
            own.append(None)
        else:
            own.append(D(float(g[t] / (1.0 if anchor_t is None else g[anchor_t]))))
    known = [(p.weighted_population, r) for p, r in zip(anchor, own) if r is not None]
    before = sum((w for w, _ in known), ZERO)
    after = sum((w * r for w, r in known), ZERO)
    scale = total * before / after if after else ONE
    return [total if r is None else r * scale for r in own]


def _year_facts(anchor: list[PracticeYear], paths: Paths, spend: np.ndarray, t: int, anchor_t: int | None, split):
    """Projected year ``t``'s practices (the anchor year's, scaled) and spend per line and integration."""
    year = paths.years[t]
    if anchor_t is None:
        wp0, pm0 = paths.weighted_base, paths.people_base
    else:  # a settled anchor: `_continued` scaled the later years' paths to what was settled, so
        # grow from the settled totals (the paths' own anchor year would apply that ratio twice)
        wp0 = float(sum(p.weighted_population for p in anchor))
        pm0 = float(sum(p.person_months for p in anchor)) / 12.0
    wp_ratio = D(float(paths.weighted[t] / wp0)) if wp0 else ONE
    pm_ratio = D(float(paths.people[t].sum() / pm0)) if pm0 else ONE
    ratios = _practice_ratios(anchor, paths, t, anchor_t, wp_ratio)
    practices = [
        PracticeYear(year, p.practice_code, p.hub, p.integration, p.person_months * pm_ratio, p.weighted_population * r)
        for p, r in zip(anchor, ratios)
    ]
    lines = {}
    for si, s in enumerate(SERVICES):  # 15 service lines
        modes, weights = split[s]
        for m, amount in zip(modes, allocate(to_pence(D(float(spend[t, si]))), weights)):
            lines[(year, s.value, m)] = amount
    return practices, lines


def _unregistered(facts: MoneyFacts, anchor_year: int, paths: Paths, years) -> dict[tuple[int, str], int]:
    """The unregistered population's spend in projected ``years``: the anchor year's, grown as each line's spend.

    Each line grows by the paths' spend without levers in the year over the anchor year's
    actual spend on the line (levers act on the registered list, not on visitors).
    """
    out = {}
    for si, s in enumerate(SERVICES):  # 15 service lines
        start = facts.unregistered.get((anchor_year, s.value), 0)
        actual = facts.spend_on(anchor_year, (s,))
        if not start or not actual:
            continue
        for y in years:  # contract years
            out[(y, s.value)] = to_pence(D(start) * D(float(paths.spend0[paths.index(y), si])) / D(actual))
    return out


def _in_scope(facts: MoneyFacts, year: int, budget_lines) -> int:
    """Spend on the budget's lines in ``year`` (``primary_medical`` only where the budget covers it)."""
    return sum(
        v
        for (y, line, m), v in facts.spend.items()
        if y == year and Service(line) in budget_lines and (eligible(Service(line)) is None or m in eligible(Service(line)))
    )


class _ApiCash:
    """The commissioner's cash under ``[acute_payment] basis = "api"`` (``money.acute_payment``'s
    fixed element, reused): per year, on the acute lines outside the budget and in the share."""

    def __init__(self, contract: Contract, budget_lines, basis_lines) -> None:
        ap = contract.acute_payment
        self.contract = contract
        self.mff = ap.market_forces_factor
        self.fixed = tuple(s for s in ap.fixed if s not in budget_lines)
        self.variable = tuple(s for s in ap.variable if s not in budget_lines)
        self.share_fixed = tuple(s for s in SERVICES if s in basis_lines and s in ap.fixed)
        self.share_variable = tuple(s for s in SERVICES if s in basis_lines and s in ap.variable)

    def cash(self, facts: MoneyFacts, year: int, by_line: Mapping[str, int]) -> int:
        """Cash for ``by_line``'s spend: the fixed lines' spend replaced by the fixed element
        (which the activity does not move), the variable lines' by their spend x MFF."""
        fixed_spend = sum(by_line[s.value] for s in self.fixed)
        variable_spend = sum(by_line[s.value] for s in self.variable)
        other = sum(by_line.values()) - fixed_spend - variable_spend
        fixed = fixed_element(facts, self.contract, year, self.fixed)[0] if self.fixed else 0
        return other + fixed + to_pence(D(variable_spend) * self.mff)

    def plan(self, facts: MoneyFacts, years) -> dict[str, np.ndarray]:
        """The ``SharePlan`` fields a Monte Carlo run needs to price its drawn spend as cash."""
        mff = float(self.mff)
        share_weight = np.array([mff if s in self.share_variable else 0.0 for s in SERVICES])
        outside = np.array([0.0 if s in self.fixed else mff if s in self.variable else 1.0 for s in SERVICES])

        def element(lines):
            return np.array([float(fixed_element(facts, self.contract, y, lines)[0]) if lines else 0.0 for y in years])

        return {"share_weight": share_weight, "share_fixed": element(self.share_fixed),
                "outside_weight": outside, "outside_fixed": element(self.fixed)}


def _funder_plan(facts: MoneyFacts, contract: Contract, year: int, st: Statement, achievement: Decimal, api):
    """Each funder's acute share in ``year`` (``money.funder_parts.funder_shares``, as settle
    ran it on these facts) as a Monte Carlo run re-shares it, with whether its loss was capped."""
    by_funder = {f["name"]: f["contribution_pence"] for f in st.extra["funders"]}
    budget = st.budget.total_pence if st.budget else 0
    shares = funder_shares(facts, contract, year, by_funder, budget, achievement)
    terms = contract.risk_share
    out = []
    for f in funders(contract):
        r = shares.acute_by_funder.get(f.name)
        if r is None:
            continue
        mine = tuple(s for s in terms.basis if s in f.lines)
        cap_base = r.part.target_pence if contract.form is Form.VIRTUAL else (by_funder.get(f.name, 0) or budget)
        if api:
            ap = contract.acute_payment
            weight = np.array([float(ap.market_forces_factor) if s in mine and s in ap.variable else 0.0 for s in SERVICES])
            fixed_lines = tuple(s for s in mine if s in ap.fixed)
            fixed = float(fixed_element(facts, contract, year, fixed_lines)[0]) if fixed_lines else 0.0
        else:
            weight, fixed = np.array([1.0 if s in mine else 0.0 for s in SERVICES]), 0.0
        rule = share_rule(terms, cap_base)
        capped = r.share.capped and r.share.variance_pence < 0
        out.append(((rule, float(r.part.target_pence), weight, fixed), capped))
    return out


def _system_plan(facts: MoneyFacts, contract: Contract, year: int, st: Statement, achievement: Decimal, in_scope_w: np.ndarray):
    """A pacs's system share in ``year`` as a Monte Carlo run re-shares it (one part per
    funder, as ``money.settle`` ran it on these facts), with whether a loss cap bound it."""
    terms = contract.system_share
    if terms is None or contract.rules_form is not Form.PACS:
        return (), False
    budget = st.budget.total_pence if st.budget else 0
    if several(contract):
        by_funder = {f["name"]: f["contribution_pence"] for f in st.extra["funders"]}
        shares = funder_shares(facts, contract, year, by_funder, budget, achievement)
        parts = [(by_funder.get(f.name, 0), f.lines, shares.system_by_funder.get(f.name)) for f in funders(contract)]
    else:
        parts = [(budget, None, system_share(facts, contract, year, budget, achievement))]
    out, capped = [], False
    for target, lines, r in parts:  # funders
        if r is None:
            continue
        scoped = [s for s in contract.budget_services if lines is None or s in lines]
        weight = np.array([in_scope_w[i] if s in scoped else 0.0 for i, s in enumerate(SERVICES)])
        fixed = r.part.actual_pence - sum(facts.spend_on(year, (s,), eligible(s)) for s in scoped)
        out.append((share_rule(terms, target, holder="provider"), float(target), weight, float(fixed), float(r.payable_pence)))
        capped |= r.share.capped and r.share.variance_pence < 0
    return tuple(out), capped


def project(base: ProjectionBase, contract: Contract, scenario: Scenario, settled: MoneyFacts | None = None) -> Projection:
    """Project ``contract`` under ``scenario`` from ``base``, levers at their midpoints.

    Args:
        base: the baseline year reduced to cells.
        contract: the contract.
        scenario: the scenario.
        settled: money facts of the years with data (the baseline and contract years,
            as ``Run.facts`` gathers them). Contract years it covers, from the first,
            are settled from them by the contract's own rules (equal to ``wholepop
            settle`` to the penny); the projection continues from the last of them.

    Raises:
        UserError: the contract's form has no projection (``aco``), or its first year is
            not after the base year.
    """
    if contract.form is Form.ACO:
        raise UserError("the projection covers the English forms (virtual, partial, full, pacs), not aco")
    first, last = horizon(contract, scenario)
    if first <= base.year:
        raise UserError(f"the contract starts in {first}, not after the base year {base.year}")
    done = settled_years(settled, contract, last)
    # Levers without a start year start in the first projected year: a settled year had
    # none (its spend is what happened), so their ramp-up begins after it.
    levers_from = done[-1] + 1 if done else first
    paths = build_paths(base, scenario, last, levers_from, contract.budget.need_weighting)
    if done:
        paths = _continued(paths, settled, done[-1])
    pc = projection_contract(contract, scenario, last)
    achievement = scenario.scenario.expected_achievement
    with_levers = paths.spend(paths.mid)
    anchor_year = done[-1] if done else base.year
    anchor_facts = settled if done else base.facts
    split = _integration_split(anchor_facts, anchor_year)
    anchor = [p for p in anchor_facts.practices if p.year == anchor_year]
    anchor_t = paths.index(anchor_year) if done else None
    known = settled if done else base.facts
    keep = {base.year, *done}
    practices = [p for p in known.practices if p.year in keep]
    spend = {k: v for k, v in known.spend.items() if k[0] in keep}
    projected = tuple(y for y in range(first, last + 1) if y not in done)
    for y in projected:
        ps, lines = _year_facts(anchor, paths, with_levers, paths.index(y), anchor_t, split)
        practices.extend(ps)
        spend.update(lines)
    unregistered = {k: v for k, v in known.unregistered.items() if k[0] in keep}
    unregistered.update(_unregistered(known, anchor_year, paths, projected))
    measures = {k: v for k, v in known.measures.items() if k[0] in keep}
    measures.update({(y, ACHIEVEMENT_METRIC): achievement for y in projected})
    facts = MoneyFacts(
        practices=tuple(practices),
        spend=spend,
        events={k: v for k, v in known.events.items() if k[0] in keep},
        unregistered=unregistered,
        measures=measures,
        extensive_care={k: v for k, v in known.extensive_care.items() if k in keep},
        # the settled years' age-sex cells, so a standardised metric scores them as settle does
        age_sex_events={k: v for k, v in known.age_sex_events.items() if k[0] in keep},
        age_sex_person_years={k: v for k, v in known.age_sex_person_years.items() if k[0] in keep},
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
    # the funders' parties are the commissioner side (the first funder is "commissioner")
    funder_parties = {f.party for f in funders(pc)}
    per_funder: list[tuple[tuple[ShareRule, float, np.ndarray, float], ...]] = []
    systems: list[tuple[tuple[ShareRule, float, np.ndarray, float, float], ...]] = []
    api = _ApiCash(pc, budget_lines, basis_lines) if pc.acute_payment.basis == "api" else None

    years = []
    rules: list[ShareRule | None] = []
    targets, fixed, repayments = [], [], []
    cumulative = 0
    npv = ZERO
    rate = scenario.scenario.discount_rate
    for y in range(first, last + 1):  # contract years
        t = paths.index(y)
        is_settled = y in done
        st = settle(facts, contract if is_settled else pc, y)
        budget = st.budget.total_pence if st.budget else 0
        risk = st.risk_share
        provider_share = risk.provider_pence if risk else 0
        perf = sum(line.amount_pence for line in st.lines if line.section == "performance" and line.payable)
        by_line = {s.value: facts.spend_on(y, (s,)) for s in SERVICES}
        if is_settled:
            without = dict(by_line)  # what happened is the counterfactual of a settled year
            lever_cost = 0
        else:
            without = {s.value: to_pence(D(float(paths.spend0[t, si]))) for si, s in enumerate(SERVICES)}
            lever_cost = sum(to_pence(D(float(c))) for c in paths.lever_cost[t])
        in_scope = _in_scope(facts, y, budget_lines)
        others = sum(p.amount_pence for p in risk.parties if p.party not in funder_parties) if risk else 0
        # The commissioner's cash on every line: under API the acute trusts outside the
        # budget are paid the fixed element whatever the activity, and the variable lines x MFF.
        total_spend = api.cash(facts, y, by_line) if api else sum(by_line.values())
        counterfactual = api.cash(facts, y, without) if api else sum(without.values())
        paid = st.total_payable_pence + (total_spend - in_scope) + others
        gross = counterfactual - total_spend
        net = gross - lever_cost
        cumulative += net
        npv += D(net) / (ONE + rate) ** (y - first)
        capped = False
        rule = None
        if shared and risk is not None:
            cap_base = risk.target_pence if pc.form is Form.VIRTUAL else budget
            rule = share_rule(shared[0], cap_base)
            scored = Decimal(str(st.performance.achievement)) if is_settled else achievement
            result = share_variance(risk.target_pence, risk.actual_pence, rule, scored)
            capped = result.capped and result.variance_pence < 0
            if several(pc):
                parts = _funder_plan(facts, contract if is_settled else pc, y, st, scored, api)
                per_funder.append(tuple(p for p, _ in parts))
                capped = any(c for _, c in parts)
        system, system_capped = _system_plan(facts, contract if is_settled else pc, y, st,
                                             Decimal(str(st.performance.achievement)) if is_settled else achievement, in_scope_w)
        systems.append(system)
        capped = capped or system_capped
        # The statement's own provider position (money.position: payable - in-scope cost -
        # deficit repayment), so a projected year and a settled one compare like for like.
        own = st.provider_position
        in_scope, position = own.in_scope_cost_pence, own.surplus_pence - lever_cost
        rules.append(rule)
        targets.append(risk.target_pence if risk else 0)
        fixed.append(st.total_payable_pence - provider_share)
        # What a run deducts beside its drawn in-scope cost: deficit repayments, and any
        # in-scope cost the drawn lines do not hold (the unregistered population's).
        repayments.append(st.total_payable_pence - _in_scope(facts, y, budget_lines) - lever_cost - position)
        people = float(facts.person_months(y)) / 12.0 if is_settled else float(paths.people[t].sum())
        levels = paths.levels[t] + (0 if is_settled else np.einsum("l,lg->g", paths.mid, paths.level_unit[:, t]))
        if is_settled and levels.sum() > 0:
            levels = levels * people / levels.sum()  # the settled list, in the paths' mix of care levels
        years.append(
            ProjectedYear(
                year=y,
                people=people,
                weighted_population=float(facts.weighted_population(y)) if is_settled else float(paths.weighted[t]),
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
                provider_position_pence=position,
                counterfactual_pence=counterfactual,
                commissioner_paid_pence=paid,
                commissioner_position_pence=counterfactual - paid,
                gross_savings_pence=gross,
                net_savings_pence=net,
                cumulative_net_savings_pence=cumulative,
                statement=st,
                settled=is_settled,
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
        repayment=np.asarray(repayments, dtype=float),
        **(api.plan(facts, range(first, last + 1)) if api else {}),
        by_funder=tuple(per_funder) if shared and several(pc) else None,
        system=tuple(systems) if any(systems) else None,
    )
    return Projection(pc, scenario, base.year, tuple(years), roi, to_pence(npv), paths, plan, done, contract.provider,
                      base.monthly_profile(budget_lines))

"""Monte Carlo: the deterministic projection re-run with lever effects, trend and activity drawn.

Each run draws, with one seeded numpy generator per block of runs:

- each lever's effect, uniform on its (low, high) range (fixed for the run's years);
- one standard normal z, moving every line's trend from ``rate`` to ``rate + sd x z``
  (a common shock: cost pressures move together);
- activity noise per year: spend is grouped by how the contract treats it (inside the
  budget or not, inside the gain/risk share's basis or not) and each group's spend is
  multiplied by a gamma factor of mean 1 whose variance is the group's variance over its
  mean squared. That variance is the sum, over cells, of people x the covariance of
  spend per person between the group's lines in the base year (trended): the
  Poisson-gamma heterogeneity of the data, summed over a population. The same factor
  moves the counterfactual (it is the same year's illness, with or without the MCP).

Budget, performance and the fixed parts of the payment do not depend on the draws (the
population projection and the assumed achievement are the same in every run), so a run
re-computes only spend, the gain/risk shares (``share_vector``: a numpy twin of
``money.sharing.share_variance``, equal to it within a penny: the acute share, and a
pacs's system share of its own surplus or deficit) and the positions. Runs are
vectorised in blocks of ``BLOCK``; block ``i`` always uses the ``i``-th child of the seed,
so a seed reproduces its runs exactly whatever else changes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from wholepop.money.pence import D, to_pence
from wholepop.money.sharing import ShareRule
from wholepop.projection.deterministic import Projection

__all__ = ["BLOCK", "MonteCarlo", "cash_low", "deterministic_cash_low", "share_vector", "simulate"]

BLOCK = 500


def _banded(magnitude: np.ndarray, start: float, target: np.ndarray, bands) -> np.ndarray:
    total = np.zeros_like(magnitude)
    lower = 0.0
    for upto, rate in bands:  # a few bands
        lo = max(lower, start) * target
        hi = np.minimum(float(upto) * target, magnitude)
        total += np.where(hi > lo, (hi - lo) * float(rate), 0.0)
        lower = float(upto)
    last_edge = max(float(bands[-1][0]), start) * target
    total += np.where(magnitude > last_edge, (magnitude - last_edge) * float(bands[-1][1]), 0.0)
    return total


def share_vector(target, actual, rule: ShareRule, achievement: Decimal) -> tuple[np.ndarray, np.ndarray]:
    """``share_variance`` over arrays: the provider's amount (float pence) and whether a cap bound it.

    Args:
        target: target spend (pence), broadcastable with ``actual``.
        actual: actual spend (pence), any shape.
        rule: the share's terms, caps as amounts (as ``money.risk`` builds them).
        achievement: performance achievement in [0, 1].

    Returns:
        (provider, capped): provider amount (+ gain paid, - loss owed), unrounded; capped
        is True where the gain or loss cap bound it.
    """
    actual = np.asarray(actual, dtype=float)
    target = np.broadcast_to(np.asarray(target, dtype=float), actual.shape)
    variance = target - actual
    magnitude = np.abs(variance)
    gain = variance > 0
    a = float(achievement)
    corridor_gain = float(rule.corridor)
    corridor_loss = float(rule.corridor if rule.loss_corridor is None else rule.loss_corridor)
    corridor = np.where(gain, corridor_gain, corridor_loss)
    if rule.corridor_inclusive:
        within = (magnitude <= corridor * target) | (variance == 0)
    else:
        within = (magnitude < corridor * target) | (variance == 0)
    start_gain = 0.0 if rule.first_pound else corridor_gain
    start_loss = 0.0 if rule.first_pound else corridor_loss
    banded_gain = _banded(magnitude, start_gain, target, rule.bands)
    banded_loss = _banded(magnitude, start_loss, target, rule.loss_bands or rule.bands)
    if rule.holder == "provider":
        # A pacs holds the variance: all of it inside the corridor; outside, the bands'
        # part plus what lies before the first shared pound (start x target).
        base_gain = np.where(within, magnitude, banded_gain + start_gain * target)
        base_loss = np.where(within, magnitude, banded_loss + start_loss * target)
    else:
        base_gain, base_loss = banded_gain, banded_loss
    if a < float(rule.quality_gate):
        gained = np.zeros_like(base_gain)
    elif rule.scale_gains_by_achievement:
        gained = base_gain * a
    else:
        gained = base_gain
    capped = np.zeros(actual.shape, dtype=bool)
    if rule.cap_gain is not None:
        cap = float(rule.cap_gain)
        capped |= gain & (gained > cap)
        gained = np.minimum(gained, cap)
    lost = base_loss
    if rule.cap_loss is not None:
        cap = float(rule.cap_loss)
        capped |= ~gain & (lost > cap)
        lost = np.minimum(lost, cap)
    if rule.holder == "provider":
        provider = np.where(variance == 0, 0.0, np.where(gain, gained, -lost))
        return provider, capped & (variance != 0)
    provider = np.where(within, 0.0, np.where(gain, gained, -lost))
    return provider, capped & ~within


@dataclass(frozen=True, eq=False)
class MonteCarlo:
    """The runs' results, per run and contract year (float pence).

    Settled years are what was settled, the same in every run; projected years are drawn.

    Attributes:
        years: the contract years (columns).
        provider: ``(runs, T)`` provider position.
        commissioner: ``(runs, T)`` commissioner position.
        lever_cost: ``(T,)`` lever costs (the same in every run).
        loss_capped: ``(runs, T)`` the provider's loss hit its cap.
        cash_low: ``(runs, T)`` the lowest running cash balance within each year (0 or
            below): the year's payable in twelve equal instalments against its in-scope
            and lever costs spread by the baseline's monthly profile.
        runs, seed: what was drawn.
    """

    years: tuple[int, ...]
    provider: np.ndarray
    commissioner: np.ndarray
    lever_cost: np.ndarray
    loss_capped: np.ndarray
    runs: int
    seed: int
    cash_low: np.ndarray | None = None

    def percentiles(self, which: str = "provider") -> list[dict[str, int]]:
        """Per year ``{p10, p50, p90}`` of a position, whole pence."""
        return _pointwise(getattr(self, which))

    def cumulative_percentiles(self, which: str = "provider") -> list[dict[str, int]]:
        """Per year ``{p10, p50, p90}`` of a position summed from the first year (pointwise, whole pence)."""
        return _pointwise(np.cumsum(getattr(self, which), axis=1))

    @property
    def p_loss_cap(self) -> float:
        """Share of runs in which the provider's loss hits its cap in any year."""
        return float(self.loss_capped.any(axis=1).mean()) if self.runs else 0.0

    def cumulative(self, which: str = "provider") -> np.ndarray:
        """``(runs,)`` a position summed over the years."""
        return getattr(self, which).sum(axis=1)


def _pointwise(values: np.ndarray) -> list[dict[str, int]]:
    q = np.percentile(values, (10, 50, 90), axis=0)
    return [{"p10": to_pence(D(float(q[0, t]))), "p50": to_pence(D(float(q[1, t]))), "p90": to_pence(D(float(q[2, t])))}
            for t in range(values.shape[1])]


def cash_low(payable: np.ndarray, costs: np.ndarray, monthly: np.ndarray) -> np.ndarray:
    """The lowest running cash balance within each year, 0 or below.

    Args:
        payable: ``(..., T)`` the year's payable, paid in 12 equal monthly instalments.
        costs: ``(..., T)`` the year's in-scope and lever costs, spent by ``monthly``.
        monthly: ``(12,)`` shares of the year's costs by month (sum 1), April first.

    Returns:
        ``(..., T)``: min over months m of sum over months up to m of (instalment - cost),
        capped at 0 (a year that never dips below its opening cash needs none).
    """
    flows = payable[..., None] / 12.0 - costs[..., None] * monthly
    return np.minimum(np.cumsum(flows, axis=-1).min(axis=-1), 0.0)


def deterministic_cash_low(year, monthly: np.ndarray) -> float:
    """``cash_low`` of one ``ProjectedYear``: what it is paid (less repayments) against its costs."""
    costs = float(year.in_scope_cost_pence + year.lever_cost_pence)
    inflow = costs + float(year.provider_position_pence)  # payable less any repayment
    return float(cash_low(np.array([inflow]), np.array([costs]), monthly)[0])


def _groups(plan) -> tuple[np.ndarray, int]:
    """Each line's noise group: (inside the budget, in the share basis) -> 0..3."""
    code = (plan.in_scope > 0).astype(int) * 2 + (plan.basis > 0).astype(int)
    return code, 4


def simulate(
    projection: Projection,
    runs: int,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> MonteCarlo:
    """Draw ``runs`` futures of ``projection`` (its projected contract years; settled years are fixed).

    Args:
        projection: the deterministic projection (its paths and money plan).
        runs: number of runs (0 gives empty results).
        seed: the numpy seed; the same seed gives the same results exactly.
        progress: called with (runs done, runs) after each block.
    """
    paths, plan, scenario = projection.paths, projection.plan, projection.scenario
    all_years = projection.years
    n_all = len(all_years)
    drawn = np.array([i for i, y in enumerate(all_years) if not y.settled], dtype=int)
    fixed_cols = np.array([i for i, y in enumerate(all_years) if y.settled], dtype=int)
    cols = np.array([paths.index(all_years[i].year) for i in drawn], dtype=int)
    n_years = len(cols)
    spend0 = paths.spend0[cols]  # (T, S)
    unit = paths.unit[:, cols]  # (L, T, S)
    steps = np.asarray([all_years[i].year for i in drawn], dtype=float) - paths.base_year
    lever_cost = paths.lever_cost[cols].sum(axis=1)
    group, n_groups = _groups(plan)
    member = np.zeros((len(group), n_groups))
    member[np.arange(len(group)), group] = 1.0
    # Gamma shape per year and group from the central path with levers at their midpoints.
    mean_mid = (spend0 + np.einsum("l,lts->ts", paths.mid, unit)) @ member  # (T, K)
    cov = paths.covariance[cols]
    variance = np.einsum("sk,tsr,rk->tk", member, cov, member)
    noisy = scenario.noise.activity
    with np.errstate(divide="ignore", invalid="ignore"):
        shape = np.where(variance > 0, mean_mid**2 / np.where(variance > 0, variance, 1.0), np.inf)
    use_noise = noisy & np.isfinite(shape) & (mean_mid > 0)
    shape_safe = np.where(use_noise, shape, 1.0)
    others = float(plan.other_parties)
    rules = [plan.rules[i] for i in drawn]
    targets = plan.targets[drawn] if n_years else np.zeros(0)
    fixed_payable = plan.fixed_payable[drawn] if n_years else np.zeros(0)
    repayment = plan.repayment[drawn] if n_years else np.zeros(0)
    has_share = any(r is not None for r in rules)
    api = plan.outside_weight is not None
    cash_weight = plan.in_scope + (1.0 - plan.in_scope) * plan.outside_weight if api else np.ones(len(plan.in_scope))
    cash_fixed = plan.outside_fixed[drawn] if api and n_years else np.zeros(n_years)
    share_fixed = plan.share_fixed[drawn] if plan.share_fixed is not None and n_years else np.zeros(n_years)
    monthly = projection.monthly

    provider = np.empty((runs, n_all))
    commissioner = np.empty((runs, n_all))
    capped_all = np.zeros((runs, n_all), dtype=bool)
    low_all = np.empty((runs, n_all))
    for i in fixed_cols:  # settled years: what was settled, in every run
        y = all_years[i]
        provider[:, i] = y.provider_position_pence
        commissioner[:, i] = y.commissioner_position_pence
        capped_all[:, i] = y.loss_capped
        low_all[:, i] = deterministic_cash_low(y, monthly)
    n_blocks = -(-runs // BLOCK)
    children = np.random.SeedSequence(seed).spawn(n_blocks)
    low, high = paths.low, paths.high
    for b in range(n_blocks):  # blocks of runs, each vectorised
        lo, hi = b * BLOCK, min(runs, (b + 1) * BLOCK)
        n = hi - lo
        rng = np.random.default_rng(children[b])
        effects = low + (high - low) * rng.random((n, len(low)))
        z = rng.standard_normal(n)
        factor = rng.gamma(shape_safe, 1.0 / shape_safe, size=(n, n_years, n_groups))
        factor = np.where(use_noise[None], factor, 1.0)
        rate = paths.trend[None, :] + paths.trend_sd[None, :] * z[:, None]  # (n, S)
        ratio = np.exp(steps[None, :, None] * (np.log1p(rate)[:, None, :] - np.log1p(paths.trend)[None, None, :]))
        line_factor = factor[:, :, group]  # (n, T, S)
        spend = (spend0[None] + np.einsum("nl,lts->nts", effects, unit)) * ratio * line_factor
        in_scope = spend @ plan.in_scope
        # the commissioner's cash: spend, except under API where the acute trusts outside the
        # budget are paid a fixed element whatever the activity and the variable lines x MFF
        without = (spend0[None] * ratio * line_factor) @ cash_weight + cash_fixed[None, :]
        total = spend @ cash_weight + cash_fixed[None, :]
        share = np.zeros((n, n_years))
        other_paid = np.zeros((n, n_years))
        capped = np.zeros((n, n_years), dtype=bool)
        if has_share and plan.by_funder is not None:  # several funders: each shares on its own lines
            for t, i in enumerate(drawn):  # contract years
                for rule, target, weight, fixed in plan.by_funder[i]:  # funders
                    actual = spend[:, t] @ weight + fixed
                    amount, hit = share_vector(target, actual, rule, plan.achievement)
                    share[:, t] += amount
                    capped[:, t] |= hit & (amount < 0)
                    other_paid[:, t] += (target - actual - amount) * others
        elif has_share:
            actual = spend @ plan.basis if plan.share_weight is None else spend @ plan.share_weight + share_fixed[None, :]
            for t, rule in enumerate(rules):  # contract years
                if rule is None:
                    continue
                amount, hit = share_vector(targets[t], actual[:, t], rule, plan.achievement)
                share[:, t] = amount
                capped[:, t] = hit & (amount < 0)
                other_paid[:, t] = (targets[t] - actual[:, t] - amount) * others
        if plan.system is not None:  # a pacs re-shares its own surplus or deficit with the commissioner
            for t, i in enumerate(drawn):  # contract years
                for rule, target, weight, fixed, adjustment in plan.system[i]:  # funders
                    actual = spend[:, t] @ weight + fixed
                    kept, hit = share_vector(target, actual, rule, plan.achievement)
                    # the payable moves by what the provider keeps less the variance (the
                    # commissioner's part, negated), replacing the deterministic adjustment
                    share[:, t] += kept - (target - actual) - adjustment
                    capped[:, t] |= hit & (kept < 0)
        payable = fixed_payable[None, :] + share
        provider[lo:hi, drawn] = payable - in_scope - lever_cost[None, :] - repayment[None, :]
        commissioner[lo:hi, drawn] = without - (payable + (total - in_scope) + other_paid)
        capped_all[lo:hi, drawn] = capped
        low_all[lo:hi, drawn] = cash_low(payable - repayment[None, :], in_scope + lever_cost[None, :], monthly)
        if progress is not None:
            progress(hi, runs)
    return MonteCarlo(
        years=tuple(y.year for y in all_years),
        provider=provider,
        commissioner=commissioner,
        lever_cost=np.array([y.lever_cost_pence for y in all_years], dtype=float),
        loss_capped=capped_all,
        runs=runs,
        seed=seed,
        cash_low=low_all,
    )

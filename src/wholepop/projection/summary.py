"""The projection as plain JSON-ready values (what ``wholepop project --json`` writes), and its headlines.

Money is whole pence (int). Per year, ``provider_position_pence`` and
``commissioner_position_pence`` are ``{p10, p50, p90}`` over the Monte Carlo runs, and
``cumulative_provider_position_pence`` the same of the provider's position summed from
the first contract year, pointwise (each year's percentiles taken on their own). With
no runs, every percentile is the deterministic value. The headlines (``headlines``) say
whether the provider can bear its risk; docs/projection.md defines each.
"""

from __future__ import annotations

import numpy as np

from wholepop.money.pence import D, to_pence
from wholepop.projection.deterministic import Projection
from wholepop.projection.montecarlo import MonteCarlo, deterministic_cash_low

__all__ = ["ROI_DEFINITION", "headlines", "summary"]

ROI_DEFINITION = (
    "net return per £1 invested = (spend avoided by the levers over the term - the levers' cost) / the levers' cost; "
    "0 means the levers just paid for themselves"
)


def _arrays(projection: Projection, mc: MonteCarlo | None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(provider, cash_low, loss_capped), ``(runs, T)``; one deterministic 'run' without Monte Carlo."""
    if mc is not None and mc.runs > 0:
        return mc.provider, mc.cash_low, mc.loss_capped
    ys = projection.years
    provider = np.array([[float(y.provider_position_pence) for y in ys]])
    low = np.array([[deterministic_cash_low(y, projection.monthly) for y in ys]])
    capped = np.array([[y.loss_capped for y in ys]])
    return provider, low, capped


def _pence(x: float) -> int:
    return to_pence(D(float(x)))


def headlines(projection: Projection, mc: MonteCarlo | None = None) -> dict:
    """Whether the provider can bear its risk over the term: the board's figures.

    Returns a dict of:
        cumulative_position_pence: the provider's cumulative position at the end of the
            term, ``{p10, p50, p90}`` over the runs;
        cumulative_budget_pence: the budget summed over the term (deterministic);
        median_cumulative_position_share_of_budget: p50 / cumulative budget (None without
            a budget);
        reserves_pence, p_loss_exceeds_reserves, first_year_median_loss_exceeds_reserves:
            the share of runs whose cumulative loss is larger than the reserves in any
            year, and the first year the pointwise median's is (None: never, or no
            reserves declared);
        working_capital_pence, cash_shortfall_p10_pence, p_cash_shortfall_exceeds_working_capital:
            the largest in-year cash shortfall of a run (payable in twelve instalments
            against costs by the baseline's monthly profile), its 10th percentile taken
            the bad way round (10% of runs fall short by at least this much), and the
            share of runs whose shortfall is larger than the working capital;
        p_loss_cap, loss_cap_label: P(the loss cap of the gain/risk share binds in any
            year), and what that cap covers;
        roi, roi_label, roi_definition: net return per £1 invested.
    """
    provider, low, capped = _arrays(projection, mc)
    cumulative = np.cumsum(provider, axis=1)
    ys = projection.years
    budget = sum(y.budget_pence for y in ys)
    q_end = np.percentile(cumulative[:, -1], (10, 50, 90))
    terms = projection.provider
    reserves = None if terms is None or terms.reserves is None else to_pence(terms.reserves * 100)
    working = None if terms is None or terms.working_capital is None else to_pence(terms.working_capital * 100)
    p_reserves = first_year = None
    if reserves is not None:
        p_reserves = float((-cumulative > reserves).any(axis=1).mean())
        median = np.percentile(cumulative, 50, axis=0)
        over = [y.year for y, m in zip(ys, median) if -m > reserves]
        first_year = over[0] if over else None
    shortfall = -low.min(axis=1)  # (runs,) the largest in-year shortfall, >= 0
    p_cash = None if working is None else float((shortfall > working).mean())
    form = projection.contract.form.value
    cap_label = (
        "P(the system share's loss cap binds in any year): a cap on the share of the system variance, not on the provider's whole loss"
        if form == "pacs"
        else "P(the acute gain/risk share's loss cap binds in any year): it caps only the acute share, not the provider's whole loss"
    )
    return {
        "settled_years": list(projection.settled_years),
        "projected_years": [y.year for y in ys if not y.settled],
        "cumulative_position_pence": {"p10": _pence(q_end[0]), "p50": _pence(q_end[1]), "p90": _pence(q_end[2])},
        "cumulative_budget_pence": budget,
        "median_cumulative_position_share_of_budget": float(q_end[1] / budget) if budget else None,
        "reserves_pence": reserves,
        "p_loss_exceeds_reserves": p_reserves,
        "first_year_median_loss_exceeds_reserves": first_year,
        "working_capital_pence": working,
        "cash_shortfall_p10_pence": _pence(np.percentile(shortfall, 90)),
        "p_cash_shortfall_exceeds_working_capital": p_cash,
        "p_loss_cap": float(capped.any(axis=1).mean()),
        "loss_cap_label": cap_label,
        "roi": None if projection.roi is None else float(projection.roi),
        "roi_label": "net return per £1 invested",
        "roi_definition": ROI_DEFINITION,
    }


def summary(projection: Projection, mc: MonteCarlo | None = None) -> dict:
    """Per year and overall figures of a projection and, when given, its Monte Carlo runs."""
    ran = mc is not None and mc.runs > 0
    provider = mc.percentiles("provider") if ran else None
    commissioner = mc.percentiles("commissioner") if ran else None
    provider_arr, _, _ = _arrays(projection, mc)
    cumulative = np.cumsum(provider_arr, axis=1)
    q = np.percentile(cumulative, (10, 50, 90), axis=0)
    years = []
    for t, y in enumerate(projection.years):
        det_p = y.provider_position_pence
        det_c = y.commissioner_position_pence
        years.append(
            {
                "year": y.year,
                "settled": y.settled,
                "people": int(y.people + 0.5),
                "weighted_population": f"{y.weighted_population:.1f}",
                "people_by_level": {k: int(v + 0.5) for k, v in y.people_by_level.items()},
                "budget_pence": y.budget_pence,
                "acute_target_pence": y.share_target_pence,
                "acute_actual_pence": y.share_actual_pence,
                "performance_pence": y.performance_pence,
                "risk_share_pence": y.risk_share_pence,
                "total_payable_pence": y.total_payable_pence,
                "in_scope_cost_pence": y.in_scope_cost_pence,
                "spend_pence": dict(y.spend_pence),
                "spend_without_levers_pence": dict(y.spend_without_levers_pence),
                "lever_cost_pence": y.lever_cost_pence,
                "provider_position_deterministic_pence": det_p,
                "provider_position_pence": provider[t] if ran else {"p10": det_p, "p50": det_p, "p90": det_p},
                "cumulative_provider_position_pence": {"p10": _pence(q[0, t]), "p50": _pence(q[1, t]), "p90": _pence(q[2, t])},
                "commissioner_position_pence": commissioner[t] if ran else {"p10": det_c, "p50": det_c, "p90": det_c},
                "net_savings_pence": y.net_savings_pence,
                "cumulative_net_savings_pence": y.cumulative_net_savings_pence,
            }
        )
    h = headlines(projection, mc)
    return {
        "contract": projection.contract.name,
        "form": projection.contract.form.value,
        "scenario": projection.scenario.name,
        "base_year": projection.base_year,
        "expected_achievement": str(projection.scenario.scenario.expected_achievement),
        "discount_rate": str(projection.scenario.scenario.discount_rate),
        "runs": mc.runs if mc is not None else 0,
        "seed": mc.seed if mc is not None else None,
        "years": years,
        "roi": h["roi"],
        "npv_pence": projection.npv_pence,
        "p_loss_cap": h["p_loss_cap"],
        "headlines": h,
    }

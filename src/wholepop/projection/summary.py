"""The projection as plain JSON-ready values (what ``wholepop project --json`` writes).

Money is whole pence (int); ``provider_position_pence`` and ``commissioner_position_pence``
are ``{p10, p50, p90}`` over the Monte Carlo runs (all three the deterministic value when
no runs were made). ``roi`` is a number (cumulative net savings / cumulative lever costs), or null
without lever costs.
"""

from __future__ import annotations

from wholepop.projection.deterministic import Projection
from wholepop.projection.montecarlo import MonteCarlo

__all__ = ["summary"]


def summary(projection: Projection, mc: MonteCarlo | None = None) -> dict:
    """Per year and overall figures of a projection and, when given, its Monte Carlo runs."""
    ran = mc is not None and mc.runs > 0
    provider = mc.percentiles("provider") if ran else None
    commissioner = mc.percentiles("commissioner") if ran else None
    years = []
    for t, y in enumerate(projection.years):
        det_p = y.provider_position_pence
        det_c = y.commissioner_position_pence
        years.append(
            {
                "year": y.year,
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
                "commissioner_position_pence": commissioner[t] if ran else {"p10": det_c, "p50": det_c, "p90": det_c},
                "net_savings_pence": y.net_savings_pence,
                "cumulative_net_savings_pence": y.cumulative_net_savings_pence,
            }
        )
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
        "roi": None if projection.roi is None else float(projection.roi),
        "npv_pence": projection.npv_pence,
        "p_loss_cap": mc.p_loss_cap if ran else float(any(y.loss_capped for y in projection.years)),
    }

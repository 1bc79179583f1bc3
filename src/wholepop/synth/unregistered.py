"""Spend on the specified unregistered population (the ``unregistered`` input table).

People not on any practice list (visitors, the homeless, people between registrations) use
urgent and crisis care. Their yearly spend per service is set as a share of what the
registered population would spend on that service at national rates, growing a little
each year and varying by a few per cent.
"""

from __future__ import annotations

import types
from collections.abc import Mapping

import numpy as np
import pyarrow as pa

from wholepop.synth.services import SERVICES
from wholepop.vocab import Service

__all__ = ["UNREGISTERED_SHARE", "unregistered_table"]

# Unregistered spend as a share of the registered population's spend on the same line.
UNREGISTERED_SHARE: Mapping[Service, float] = types.MappingProxyType({
    Service.AE: 0.020,
    Service.URGENT_CARE: 0.025,
    Service.EMERGENCY_ADMISSION: 0.012,
    Service.MENTAL_HEALTH: 0.015,
    Service.COMMUNITY: 0.005,
    Service.PRIMARY_MEDICAL: 0.004,
})
_GROWTH = 0.03


def _mean_cost_pence(service: Service) -> float:
    items = SERVICES[service].items
    w = np.array([it.weight for it in items])
    return float(np.dot(w / w.sum(), [it.cost_pence for it in items]))


def unregistered_table(population: int, first_year: int, n_years: int, seed: int) -> pa.Table:
    """One row per data year and service line with unregistered spend, in pence."""
    rng = np.random.default_rng([seed, 5])
    years, services, costs = [], [], []
    for i in range(n_years):  # data years
        for s, share in UNREGISTERED_SHARE.items():  # a handful of service lines
            expected = population * SERVICES[s].per_1000 / 1000.0 * _mean_cost_pence(s) * share
            # A draw of synthetic spend: cut to whole pence as part of the draw.
            costs.append(int(expected * (1 + _GROWTH) ** i * np.exp(rng.normal(0.0, 0.05))))
            years.append(first_year + i)
            services.append(s.value)
    return pa.table(
        {
            "year": pa.array(years, pa.int64()),
            "service": pa.array(services, pa.string()),
            "cost_pence": pa.array(costs, pa.int64()),
        }
    )

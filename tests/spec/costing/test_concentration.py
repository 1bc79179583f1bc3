"""Spec: concentration of spend and the Lorenz curve (everyone counts, zero spenders too)."""

from __future__ import annotations

import ibis
import pyarrow as pa

from wholepop import costing

# Ten people in 2027; four spend. Total 1,000.
POPULATION = ibis.memtable(pa.table({"patient_id": [str(i) for i in range(10)], "year": [2027] * 10}))
COSTS = ibis.memtable(pa.table({
    "patient_id": ["0", "1", "2", "3", "3", "9"],
    "year": [2027, 2027, 2027, 2027, 2027, 2026],
    "service": ["ae", "ae", "ae", "ae", "community", "ae"],
    "cost_pence": [600, 200, 100, 50, 50, 999],
}))


def test_costliest_shares_count_people_rounded_up():
    """1%, 2%, 5% of ten people is one person (600 of 1,000); 20% is two (800)."""
    c = costing.concentration(COSTS, POPULATION, 2027)
    assert (c.people, c.spend_pence) == (10, 1000)
    assert c.as_dict() == {"top_1": 0.6, "top_2": 0.6, "top_5": 0.6, "top_20": 0.8}


def test_lorenz_curve_has_101_points_from_nothing_to_everything():
    curve = costing.lorenz(COSTS, POPULATION, 2027).to_pyarrow().to_pylist()
    assert len(curve) == 101
    assert curve[0] == {"population_share": 0.0, "spend_share": 0.0}
    assert curve[100] == {"population_share": 1.0, "spend_share": 1.0}
    # the least costly 60% (six people) spend nothing; 80% (eight) spend 100 + 100
    assert curve[60]["spend_share"] == 0.0
    assert curve[80]["spend_share"] == 0.2

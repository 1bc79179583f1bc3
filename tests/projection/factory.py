"""A ProjectionBase of realistic shape without patient data (for fast tests and the timing test).

England-like age profile, care levels rising with age, spend per person by level and
service line, and heavy-tailed spend per person (gamma shape 0.5). Two practices in one
hub: A (``full``, 60% of the weighted population) and B (``partial``, 40%).
"""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from wholepop.money.facts import MoneyFacts, PracticeYear
from wholepop.money.pence import allocate
from wholepop.projection.base import LEVELS, SERVICES, ProjectionBase
from wholepop.vocab import Service

# Percent of the list in each 5-year band (0_4 ... 95+), roughly England's.
AGE_PROFILE = np.array([5.5, 6, 6, 5.7, 6, 6.6, 6.8, 6.6, 6.3, 6.3, 6.9, 6.6, 5.7, 4.9, 4.6, 3.6, 2.3, 1.3, 0.6, 0.2])
# Pounds a year per person by level (very high, ongoing, self-limiting, staying well).
LEVEL_SPEND = np.array([12000.0, 2500.0, 600.0, 250.0])
# How a person's spend splits over the 15 lines, in Service order.
MIX = np.array([0.12, 0.15, 0.08, 0.06, 0.03, 0.10, 0.03, 0.04, 0.07, 0.16, 0.04, 0.06, 0.01, 0.03, 0.02])


def synthetic_base(people: float = 300_000, year: int = 2026, shape: float = 0.5) -> ProjectionBase:
    bands = len(AGE_PROFILE)
    age = np.linspace(0, 1, bands)
    vhn = 0.005 + 0.15 * age**3
    ongoing = 0.05 + 0.55 * age**1.5
    self_lim = np.full(bands, 0.3)
    well = 1.0 - vhn - ongoing - self_lim
    levels = np.stack([vhn, ongoing, self_lim, well], axis=1)  # (20, 4)
    by_band = people * AGE_PROFILE / AGE_PROFILE.sum()
    sexes = np.array([0.505, 0.49, 0.005])
    cell_people = by_band[:, None, None] * sexes[None, :, None] * levels[:, None, :]
    age_factor = 0.6 + 0.8 * age
    per_person = LEVEL_SPEND[None, None, :, None] * 100.0 * MIX[None, None, None, :] * age_factor[:, None, None, None]
    per_person = np.broadcast_to(per_person, cell_people.shape + (len(SERVICES),))
    spend = cell_people[..., None] * per_person
    heads = cell_people * 1.05
    mean_head = spend / heads[..., None]
    cov = mean_head[..., :, None] * mean_head[..., None, :] / shape
    cross = heads[..., None, None] * (cov + mean_head[..., :, None] * mean_head[..., None, :])
    events = spend / 15000.0
    need = np.broadcast_to((0.5 + 1.5 * age)[:, None, None], cell_people.shape)
    weighted = cell_people * need
    total_wp = Decimal(str(float(weighted.sum())))
    total_pm = Decimal(str(float(people * 12)))
    practices = (
        PracticeYear(year, "A", "H1", "full", total_pm * Decimal("0.6"), total_wp * Decimal("0.6")),
        PracticeYear(year, "B", "H1", "partial", total_pm * Decimal("0.4"), total_wp * Decimal("0.4")),
    )
    line_totals = spend.sum(axis=(0, 1, 2))
    fact_spend = {}
    for s, total in zip(SERVICES, line_totals):
        a, b = allocate(int(total), [6, 4])
        fact_spend[(year, s.value, "full")] = a
        fact_spend[(year, s.value, "partial")] = b
    unregistered = {(year, s.value): int(total) // 200 for s, total in zip(SERVICES, line_totals)}
    facts = MoneyFacts(practices=practices, spend=fact_spend, unregistered=unregistered)
    assert len(LEVELS) == 4 and len(SERVICES) == len(Service)
    return ProjectionBase(year, cell_people, weighted, heads, spend, events, cross, facts)

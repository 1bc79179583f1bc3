"""Ageing the list one year: people are conserved and the life table is reproduced."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
from hypothesis import given, strategies as st
from hypothesis.extra.numpy import arrays

from wholepop.projection.demography import AGE_BANDS, MORTALITY, SEXES, age_one_year, mortality_rates
from wholepop.projection.scenario import PopulationChange
from wholepop.vocab import Sex

CLOSED = PopulationChange(birth_rate=Decimal(0), leaving_rate=Decimal(0), net_migration=Decimal(0))
F, M, U = (SEXES.index(s) for s in (Sex.FEMALE, Sex.MALE, Sex.UNKNOWN))


@given(
    people=arrays(np.float64, (20, 3), elements=st.floats(0, 1e5)),
    leaving=st.decimals("0", "0.3", places=3),
    net=st.decimals("0", "0.05", places=3),
    scale=st.decimals("0", "3", places=2),
)
def test_survivors_deaths_and_leavers_add_up_to_the_start(people, leaving, net, scale):
    change = PopulationChange(leaving_rate=leaving, net_migration=net, mortality_scale=scale)
    step = age_one_year(people, change)
    np.testing.assert_allclose(step.survivors + step.deaths + step.leavers, people, rtol=1e-12, atol=1e-9)
    # Ageing moves people between bands but loses none.
    aged = step.end - step.births - step.joiners
    np.testing.assert_allclose(aged.sum(axis=0), step.survivors.sum(axis=0), rtol=1e-12, atol=1e-6)
    assert (step.end >= 0).all()


def test_deaths_reproduce_the_life_table_it_was_given():
    people = np.full((20, 3), 1000.0)
    q = np.linspace(0.001, 0.4, 60).reshape(20, 3)
    step = age_one_year(people, CLOSED, q)
    np.testing.assert_allclose(step.deaths / people, q, rtol=1e-12)


def test_the_national_table_is_used_scaled_by_the_local_ratio():
    people = np.full((20, 3), 10_000.0)
    band = AGE_BANDS.index("80_84")
    step = age_one_year(people, PopulationChange(mortality_scale=Decimal("1.1"), birth_rate=Decimal(0)))
    assert MORTALITY[Sex.FEMALE][band] == 0.047 and MORTALITY[Sex.MALE][band] == 0.064
    np.testing.assert_allclose(step.deaths[band], [517.0, 704.0, 610.5], rtol=1e-12)  # U: mean of F and M
    assert mortality_rates(10.0).max() == 1.0  # a probability never exceeds 1


def test_a_cohort_follows_the_life_table_band_by_band():
    """With no births or migration, 1,000 women aged 0-4 age exactly as l(x) says: each year
    every band loses its qx and passes a fifth of its survivors on."""
    q = mortality_rates()
    people = np.zeros((20, 3))
    people[0, F] = 1000.0
    expected = people.copy()
    for _ in range(12):
        people = age_one_year(people, CLOSED).end
        survivors = expected * (1 - q)
        moved = survivors[:-1] / 5
        expected = survivors.copy()
        expected[:-1] -= moved
        expected[1:] += moved
    np.testing.assert_allclose(people, expected, rtol=1e-12)
    # After a year, 1000 x (1 - 0.0008) survive: 799.36 stay in 0_4 and 199.84 reach 5_9.
    one = age_one_year(np.where(np.arange(20)[:, None] == 0, np.array([1000.0, 0, 0]), 0.0), CLOSED).end
    assert (round(one[0, F], 6), round(one[1, F], 6)) == (799.36, 199.84)


def test_births_and_migration():
    people = np.zeros((20, 3))
    people[AGE_BANDS.index("30_34"), F] = 600.0
    people[AGE_BANDS.index("30_34"), M] = 400.0
    change = PopulationChange(
        birth_rate=Decimal("0.01"), male_birth_share=Decimal("0.512"), leaving_rate=Decimal("0.05"),
        net_migration=Decimal("0.01"), mortality_scale=Decimal(0),
    )
    step = age_one_year(people, change)
    assert (step.births[0, F], step.births[0, M], step.births.sum()) == (10 * 0.488, 10 * 0.512, 10.0)
    # Joiners: (0.05 + 0.01) x 1000 = 60, in the list's own age-sex mix (60% women).
    assert step.joiners.sum() == 60.0
    assert step.joiners[AGE_BANDS.index("30_34"), F] == 36.0
    assert step.leavers.sum() == 50.0
    # Net: +10 births, +60 joiners, -50 leavers, no deaths.
    assert step.end.sum() == 1020.0

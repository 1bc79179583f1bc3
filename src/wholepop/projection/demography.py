"""Population change: the registered list aged one year at a time (deaths, leavers, births, joiners).

State: people (person-years) by 5-year age band x sex, a ``(20, 3)`` array in the order
of ``AGE_BANDS`` and ``SEXES``. One step, from the people at the start of a year:

1. deaths = start x q (the annual probability of death for the band and sex, from
   ``MORTALITY`` times the scenario's ``mortality_scale``, at most 1);
2. leavers = (start - deaths) x ``leaving_rate`` (list turnover out of the area);
3. survivors = start - deaths - leavers, so survivors + deaths + leavers = start exactly;
4. ageing: 1/5 of each band's survivors move up a band (a 5-year band holds five
   single years, evenly filled); the open band 95+ keeps its own;
5. births = ``birth_rate`` x start total, into band 0_4, split by ``male_birth_share``;
6. joiners = (``leaving_rate`` + ``net_migration``) x start total, with the age-sex
   profile of the start population (migration changes the list's size, not its mix).

The national figures are data here, in one place (see docs/projection.md for sources).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from wholepop.population.months import AGE_BANDS
from wholepop.projection.scenario import PopulationChange
from wholepop.vocab import Sex

__all__ = ["AGE_BANDS", "MORTALITY", "SEXES", "AgeingStep", "age_one_year", "mortality_rates"]

SEXES: tuple[Sex, ...] = (Sex.FEMALE, Sex.MALE, Sex.UNKNOWN)

# Annual probability of death (qx) by 5-year age band, females and males: approximate
# band averages of the ONS National Life Tables for England and Wales, 2020-2022 (0_4
# includes infant mortality of about 0.4%). Rounded by hand for a projection, not for
# actuarial use; a local table can replace it, or `mortality_scale` can scale it.
MORTALITY: dict[Sex, tuple[float, ...]] = {
    Sex.FEMALE: (
        0.0008, 0.0001, 0.0001, 0.0002, 0.0002, 0.0003, 0.0004, 0.0007, 0.0011, 0.0017,
        0.0026, 0.0039, 0.0059, 0.0092, 0.0150, 0.0260, 0.0470, 0.0850, 0.1550, 0.2700,
    ),
    Sex.MALE: (
        0.0009, 0.0001, 0.0001, 0.0003, 0.0005, 0.0006, 0.0008, 0.0012, 0.0017, 0.0026,
        0.0039, 0.0058, 0.0090, 0.0140, 0.0220, 0.0370, 0.0640, 0.1100, 0.1900, 0.3100,
    ),
}


def mortality_rates(scale: float = 1.0) -> np.ndarray:
    """qx by (band, sex) as a ``(20, 3)`` array; sex ``U`` takes the mean of F and M."""
    f = np.asarray(MORTALITY[Sex.FEMALE])
    m = np.asarray(MORTALITY[Sex.MALE])
    q = np.stack([f, m, (f + m) / 2.0], axis=1) * float(scale)
    return np.minimum(q, 1.0)


@dataclass(frozen=True)
class AgeingStep:
    """One year's flows, each a ``(20, 3)`` array of people by band and sex.

    Attributes:
        start: people at the start of the year.
        deaths: start x q.
        leavers: (start - deaths) x leaving rate.
        survivors: start - deaths - leavers (before ageing).
        births: newborns (band 0_4).
        joiners: people joining the list.
        end: survivors aged a year, plus births and joiners.
    """

    start: np.ndarray
    deaths: np.ndarray
    leavers: np.ndarray
    survivors: np.ndarray
    births: np.ndarray
    joiners: np.ndarray
    end: np.ndarray


def _age(survivors: np.ndarray) -> np.ndarray:
    moving = survivors[:-1] / 5.0
    aged = survivors.copy()
    aged[:-1] -= moving
    aged[1:] += moving
    return aged


def age_one_year(people: np.ndarray, change: PopulationChange, q: np.ndarray | None = None) -> AgeingStep:
    """Age ``people`` (band x sex) by one year under ``change``.

    Args:
        people: ``(20, 3)`` person-years by band (``AGE_BANDS``) and sex (``SEXES``).
        change: the scenario's population rates.
        q: mortality by band and sex (default ``mortality_rates(change.mortality_scale)``).
    """
    q = mortality_rates(float(change.mortality_scale)) if q is None else q
    total = people.sum()
    deaths = people * q
    leavers = (people - deaths) * float(change.leaving_rate)
    survivors = people - deaths - leavers
    births = np.zeros_like(people)
    born = float(change.birth_rate) * total
    male = float(change.male_birth_share)
    births[0, SEXES.index(Sex.FEMALE)] = born * (1.0 - male)
    births[0, SEXES.index(Sex.MALE)] = born * male
    joining = float(change.leaving_rate + change.net_migration) * total
    joiners = people / total * joining if total > 0 else np.zeros_like(people)
    end = _age(survivors) + births + joiners
    return AgeingStep(people, deaths, leavers, survivors, births, joiners, end)

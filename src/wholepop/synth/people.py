"""The synthetic population and its life over the data years, in whole-array steps.

Grain of the state: one element per person ever registered in the area. Days are counted
from 1970-01-01 (Arrow ``date32``); ``NO_DAY`` marks "not happened". Each person's time in
the area is one unbroken stretch ``[enter_day, exit_day]`` (exit by death or by moving
away); moves between practices split it into registration spans that touch (one closes
the day before the next opens), so activity drawn anywhere in the stretch lies inside a
registration. Ages are ``year - birth_year``.

The yearly loop runs over data years only (a handful); every step inside is vectorised
over people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from wholepop.contract.calendar import year_end, year_start
from wholepop.synth import england
from wholepop.vocab import Condition

__all__ = ["NO_DAY", "Calibration", "Population", "StartLists", "YearFrame", "day", "simulate"]

NO_DAY = np.int32(2**31 - 1)
MAX_AGE = england.OLDEST_AGE
AGES = np.arange(MAX_AGE + 1)
CONDITIONS: tuple[Condition, ...] = tuple(england.CONDITIONS)
_EPOCH = dt.date(1970, 1, 1)

# Sex codes of the state arrays, in the order of SEX_VALUES in ``write``.
FEMALE, MALE, UNKNOWN = 0, 1, 2


def day(d: dt.date) -> int:
    """Days since 1970-01-01 (the Arrow date32 value of ``d``)."""
    return (d - _EPOCH).days


def age_curve(knots: tuple[tuple[int, float], ...]) -> np.ndarray:
    """A value per age 0..MAX_AGE, linear between the knots."""
    xs, ys = zip(*knots)
    return np.interp(AGES, xs, ys)


@dataclass(frozen=True)
class YearFrame:
    """Everyone in the area at some point of one data year, with what drives their use.

    Attributes (one element per person present):
        year: the data year (April-March, named by its first year).
        person: person index.
        start_day, end_day: first and last day present in the year (inclusive).
        practice: practice index at ``start_day``.
        move_day: day of a move to ``new_practice`` within the year (``NO_DAY``: none).
        new_practice: practice after the move (equal to ``practice`` if none).
        age, sex: age reached in the year, sex code.
        conditions: long-term conditions held at ``start_day``.
        propensity: the person's use propensity this year (persistent part x this year's).
        dies: whether the person dies in the year.
        imd_decile: deprivation decile of residence.
    """

    year: int
    person: np.ndarray
    start_day: np.ndarray
    end_day: np.ndarray
    practice: np.ndarray
    move_day: np.ndarray
    new_practice: np.ndarray
    age: np.ndarray
    sex: np.ndarray
    conditions: np.ndarray
    propensity: np.ndarray
    dies: np.ndarray
    imd_decile: np.ndarray

    def __len__(self) -> int:
        return len(self.person)

    def block(self, lo: int, hi: int) -> YearFrame:
        """People ``lo:hi`` of the frame (the activity generator works in such blocks)."""
        return YearFrame(self.year, *(getattr(self, f)[lo:hi] for f in _FRAME_ARRAYS))


_FRAME_ARRAYS = (
    "person", "start_day", "end_day", "practice", "move_day", "new_practice", "age", "sex",
    "conditions", "propensity", "dies", "imd_decile",
)


@dataclass
class Population:
    """Every person ever in the area, their registrations and conditions.

    Person arrays: ``sex`` (0 F, 1 M, 2 U), ``birth_year``, ``birth_day``, ``enter_day``,
    ``exit_day``, ``death_day`` (``NO_DAY`` when alive at the end), ``practice`` (current),
    ``span_from`` (start of the current registration span), ``persistent`` (the lasting
    part of the use propensity, gamma, mean 1), ``imd_decile``, ``lsoa`` (an integer code),
    ``n_conditions`` and ``has_eol`` (conditions held, and whether end of life is one of
    them), ``held`` ((people, conditions) bool). Registration spans closed so far are
    lists of arrays in ``reg_*``; condition records in ``cond_*``.
    """

    sex: np.ndarray
    birth_year: np.ndarray
    birth_day: np.ndarray
    enter_day: np.ndarray
    exit_day: np.ndarray
    death_day: np.ndarray
    practice: np.ndarray
    span_from: np.ndarray
    persistent: np.ndarray
    imd_decile: np.ndarray
    lsoa: np.ndarray
    n_conditions: np.ndarray
    has_eol: np.ndarray
    reg_person: list = field(default_factory=list)
    reg_practice: list = field(default_factory=list)
    reg_from: list = field(default_factory=list)
    reg_to: list = field(default_factory=list)
    cond_person: list = field(default_factory=list)
    cond_code: list = field(default_factory=list)
    cond_from: list = field(default_factory=list)
    held: np.ndarray | None = None  # (people, conditions) bool
    # The condition and death scales the run used (set by ``simulate``).
    calibration: Calibration | None = None

    def __len__(self) -> int:
        return len(self.sex)

    def extend(self, other: Population) -> None:
        """Append newcomers (their own registration and condition lists are empty)."""
        for name in (
            "sex", "birth_year", "birth_day", "enter_day", "exit_day", "death_day", "practice",
            "span_from", "persistent", "imd_decile", "lsoa", "n_conditions", "has_eol",
        ):
            setattr(self, name, np.concatenate([getattr(self, name), getattr(other, name)]))
        self.held = np.concatenate([self.held, other.held])
        for name in ("cond_person", "cond_code", "cond_from"):
            getattr(self, name).extend(getattr(other, name))


@dataclass(frozen=True)
class StartLists:
    """Given lists on the first day of the data (instead of drawing them).

    Attributes (one element per person registered on 1 April of the first data year):
        practice: practice index.
        age: age reached in the first data year (``year - birth_year``), 0..MAX_AGE.
        sex: sex code (0 F, 1 M, 2 U).
    """

    practice: np.ndarray
    age: np.ndarray
    sex: np.ndarray


@dataclass(frozen=True)
class Calibration:
    """Scales that make a population's rates national.

    Attributes:
        condition_scale: per-condition factor on the prevalence curves (``_condition_scale``).
        death_scale: factor on the yearly death probabilities.
    """

    condition_scale: np.ndarray
    death_scale: float


@dataclass(frozen=True)
class Area:
    """What the population is drawn into: practices and their people.

    Attributes:
        practice_sizes: registered list of each practice at the start of the data.
        practice_decile: deprivation decile around which each practice's patients live.
        practice_lsoa0: first LSOA code of each practice's catchment.
    """

    practice_sizes: np.ndarray
    practice_decile: np.ndarray
    practice_lsoa0: np.ndarray


# Propensity: persistent gamma part (shape K_PERSISTENT) times a fresh gamma each year
# (shape K_YEARLY); both mean 1. Their product makes use a Poisson-gamma mixture whose
# heavy users stay heavy from one year to the next.
K_PERSISTENT = 1.8
K_YEARLY = 2.0
# Conditions cluster in people with a high persistent propensity (multimorbidity).
CONDITION_PROPENSITY_POWER = 2.0
LSOAS_PER_PRACTICE = 40
_MAX_CONDITION_P = 0.95
# Spread of practices' age mix (see ``_draw_lists``).
PRACTICE_AGE_TILT = 0.25


def _pyramid_cells() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Probability of each (sex, age) cell, ages 0..MAX_AGE, from England's pyramid."""
    probs, sexes, ages = [], [], []
    for sex, counts in ((FEMALE, england.PYRAMID_FEMALE), (MALE, england.PYRAMID_MALE)):
        for band, count in enumerate(counts):
            lo = band * 5
            if band < len(counts) - 1:
                band_ages = np.arange(lo, lo + 5)
                w = np.full(5, count / 5)
            else:
                band_ages = np.arange(lo, MAX_AGE + 1)
                decay = england.OLDEST_DECAY ** np.arange(len(band_ages))
                w = count * decay / decay.sum()
            probs.append(w)
            sexes.append(np.full(len(band_ages), sex))
            ages.append(band_ages)
    p = np.concatenate(probs)
    return p / p.sum(), np.concatenate(sexes), np.concatenate(ages)


_CELL_P, _CELL_SEX, _CELL_AGE = _pyramid_cells()
_MOVER = age_curve(england.MOVER_AGE_KNOTS)


def _draw_age_sex(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Ages and sexes of people moving into the area (young adults move most)."""
    p = _CELL_P * _MOVER[_CELL_AGE]
    cell = rng.choice(len(p), size=n, p=p / p.sum())
    sex = _CELL_SEX[cell].astype(np.int8)
    sex[rng.random(n) < england.UNKNOWN_SEX_SHARE] = UNKNOWN
    return _CELL_AGE[cell].astype(np.int64), sex


def _draw_lists(rng: np.random.Generator, sizes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Ages and sexes of each practice's list, practice by practice (in practice order).

    Practices differ in age mix as real ones do (a student practice, a retirement town):
    each tilts England's pyramid by ``exp(tilt x (age - 40) / 40)``, tilt drawn per practice
    and centred (weighted by list size) so the area as a whole keeps England's pyramid.
    """
    z = (_CELL_AGE - 40) / 40.0
    tilts = rng.normal(0.0, PRACTICE_AGE_TILT, len(sizes))
    tilts -= np.dot(tilts, sizes) / sizes.sum()
    ages, sexes = [], []
    for size, tilt in zip(sizes, tilts):  # practices, not people
        p = _CELL_P * np.exp(tilt * z)
        cell = rng.choice(len(p), size=int(size), p=p / p.sum())
        ages.append(_CELL_AGE[cell])
        sexes.append(_CELL_SEX[cell])
    sex = np.concatenate(sexes).astype(np.int8)
    sex[rng.random(len(sex)) < england.UNKNOWN_SEX_SHARE] = UNKNOWN
    return np.concatenate(ages).astype(np.int64), sex


def _birth_day(rng: np.random.Generator, birth_year: np.ndarray, latest: np.ndarray) -> np.ndarray:
    """A birth date within ``birth_year``, no later than ``latest``."""
    jan1 = (birth_year - 1970).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64)
    dec31 = (birth_year - 1969).astype("datetime64[Y]").astype("datetime64[D]").astype(np.int64) - 1
    hi = np.minimum(dec31, latest)
    return (jan1 + np.floor(rng.random(len(jan1)) * (hi - jan1 + 1))).astype(np.int32)


def _calendar_year(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[D]").astype("datetime64[Y]").astype(np.int64) + 1970


_COND_CURVES = np.stack([age_curve(england.CONDITIONS[c][1]) for c in CONDITIONS])  # (conditions, ages)
_COND_PREV = np.array([england.CONDITIONS[c][0] for c in CONDITIONS])
_COND_INCIDENCE = np.array([england.CONDITIONS[c][2] for c in CONDITIONS])
_EOL = CONDITIONS.index(Condition.END_OF_LIFE)


def _condition_scale(age: np.ndarray, persistent: np.ndarray) -> np.ndarray:
    """Per-condition factors that make the all-ages prevalence of each condition national.

    Self-normalised on the people drawn, so the prevalences hold whatever the sample; a few
    fixed-point steps make up for probabilities capped at ``_MAX_CONDITION_P``.
    """
    weight = persistent**CONDITION_PROPENSITY_POWER
    curves = _COND_CURVES[:, age] * weight  # (conditions, people)
    raw = curves.mean(axis=1)
    scale = np.where(raw > 0, _COND_PREV / np.maximum(raw, 1e-12), 0.0)
    for _ in range(6):  # fixed-point steps, not a loop over people
        got = np.minimum(curves * scale[:, None], _MAX_CONDITION_P).mean(axis=1)
        scale = np.where(got > 0, scale * _COND_PREV / np.maximum(got, 1e-12), 0.0)
    return scale


def _condition_probability(scale: np.ndarray, age: np.ndarray, persistent: np.ndarray) -> np.ndarray:
    """(people, conditions) probability of holding each condition."""
    weight = persistent**CONDITION_PROPENSITY_POWER
    return np.minimum(_COND_CURVES[:, age].T * scale * weight[:, None], _MAX_CONDITION_P)


def _newcomers(
    rng: np.random.Generator,
    n: int,
    age: np.ndarray,
    sex: np.ndarray,
    birth_year: np.ndarray,
    birth_day: np.ndarray,
    enter_day: np.ndarray,
    area: Area,
    cond_scale: np.ndarray,
    first_person: int,
    practice: np.ndarray | None = None,
) -> Population:
    """People arriving (at the start, by birth or by moving in), with their conditions."""
    if practice is None:
        p = area.practice_sizes / area.practice_sizes.sum()
        practice = rng.choice(len(p), size=n, p=p)
    persistent = rng.gamma(K_PERSISTENT, 1 / K_PERSISTENT, n)
    held = rng.random((n, len(CONDITIONS))) < _condition_probability(cond_scale, np.clip(age, 0, MAX_AGE), persistent)
    who, which = np.nonzero(held)
    # A condition held on arrival was first recorded some time between birth and arrival.
    since = birth_day[who].astype(np.int64)
    recorded = enter_day[who] - np.floor(rng.random(len(who)) ** 2 * (enter_day[who] - since + 1) * 0.5)
    decile = np.clip(area.practice_decile[practice] + rng.integers(-2, 3, n), 1, 10)
    lsoa = area.practice_lsoa0[practice] + rng.integers(0, LSOAS_PER_PRACTICE, n)
    pop = Population(
        sex=sex, birth_year=birth_year, birth_day=birth_day.astype(np.int32), enter_day=enter_day.astype(np.int32),
        exit_day=np.full(n, NO_DAY, np.int32), death_day=np.full(n, NO_DAY, np.int32),
        practice=practice.astype(np.int32), span_from=enter_day.astype(np.int32), persistent=persistent,
        imd_decile=decile.astype(np.int64), lsoa=lsoa.astype(np.int64),
        n_conditions=held.sum(axis=1).astype(np.int16), has_eol=held[:, _EOL].copy(), held=held,
    )
    pop.cond_person.append(who + first_person)
    pop.cond_code.append(which.astype(np.int8))
    pop.cond_from.append(recorded.astype(np.int32))
    return pop


def _risk_factors() -> np.ndarray:
    """(conditions,) factor on the yearly death probability of holding each condition."""
    f = np.full(len(CONDITIONS), england.CONDITION_DEATH_FACTOR)
    f[_EOL] *= england.END_OF_LIFE_DEATH_FACTOR
    return f


_RISK = _risk_factors()


def _table_death(age: np.ndarray, sex: np.ndarray) -> np.ndarray:
    """Yearly death probability by age and sex alone (Gompertz), before the crude-rate scale."""
    m = england.MORTALITY
    q = np.exp(m["gompertz_a"] + m["gompertz_b"] * age) + np.where(age == 0, m["infant"], 0.0)
    return q * np.where(sex == MALE, m["male_factor"], 1.0)


def _death_probability(age: np.ndarray, sex: np.ndarray, held: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """Yearly death probability (before the crude-rate scale).

    By age and sex from the Gompertz table; each condition held (the end-of-life register
    most) multiplies it, divided by the multiplier expected of someone of the same age and
    persistent propensity (``expected``, the conditions' probabilities ``P``:
    prod over conditions of (1 + (factor - 1) x P)). Conditions choose *who* dies, not
    *how many*: without the division deaths would deplete the high-propensity people among
    the old year after year (they hold most conditions), and cost per head within an age
    band would fall for years from any starting draw, a trend of the generator's own
    that no projection knows.
    """
    risk = np.prod(np.where(held, _RISK, 1.0), axis=1)
    norm = np.prod(1.0 + (_RISK - 1.0) * expected, axis=1)
    return _table_death(age, sex) * risk / norm


def _onsets(
    rng: np.random.Generator, p_now: np.ndarray, p_next: np.ndarray, q_table: np.ndarray, held: np.ndarray
) -> np.ndarray:
    """(people, conditions) bool: conditions first recorded this year by people who stay.

    Incidence is what keeps each condition's prevalence at its curve: a person of
    persistent propensity ``w`` holds condition ``c`` with probability ``P_c(a, w)`` at age
    ``a`` (``p_now``) and should with ``P_c(a + 1, w)`` next year (``p_next``). Holders
    die more often than the table's ``q`` (``q_table``, the mean of their age and
    propensity): at ``q x f / (1 + (f - 1) P)``, ``f`` the condition's death factor; so
    among those who stay the share holding it is ``P x rho``, ``rho = (1 - q_holder) /
    (1 - q)``, and a non-holder who stays is diagnosed with probability
    ``(P_c(a + 1, w) - P x rho) / (1 - P x rho)`` (none where the curve falls with age:
    conditions are never resolved). Expected values, not each cell's count, so that
    chance shortfalls are not topped up while chance excesses stay.
    """
    q = np.minimum(q_table, england.MORTALITY["cap"])[:, None]
    q_holder = np.minimum(q * _RISK / (1.0 + (_RISK - 1.0) * p_now), england.MORTALITY["cap"])
    kept = p_now * (1.0 - q_holder) / np.maximum(1.0 - q, 1e-12)
    h = np.clip((p_next - kept) / np.maximum(1.0 - kept, 1e-12), 0.0, _MAX_CONDITION_P)
    return (rng.random(held.shape) < h) & ~held


def _uniform_day(rng: np.random.Generator, lo: np.ndarray | int, hi: np.ndarray | int, n: int) -> np.ndarray:
    """A day uniformly in [lo, hi] (inclusive)."""
    return (lo + np.floor(rng.random(n) * (np.asarray(hi) - lo + 1))).astype(np.int32)


def simulate(
    area: Area,
    population: int,
    first_year: int,
    n_years: int,
    seed: int | tuple[int, ...],
    on_year=None,
    lists: StartLists | None = None,
    calibration: Calibration | None = None,
):
    """Draw the population at the start of ``first_year`` and live it through ``n_years``.

    Args:
        area: the practices people register with.
        population: people registered on 1 April of ``first_year``; the practice sizes of
            ``area`` must sum to it.
        first_year: the first data year (the contract's baseline year).
        n_years: data years to live through.
        seed: the run's seed, or a tuple of ints keying this district's streams (an int
            ``s`` keys them exactly as ``(s,)``).
        on_year: called with each ``YearFrame`` as soon as the year is lived.
        lists: the people registered on 1 April of ``first_year`` (practice, age, sex),
            instead of drawing them from England's pyramid; ``population`` must be their
            number.
        calibration: condition and death scales to use. By default they are fitted to
            the population itself, so that its all-ages prevalences and crude death rate
            are England's whatever its age mix; scales fitted on an England-shaped
            population let an older or younger area keep rates of its own.

    Returns:
        The ``Population`` after the last year (registrations and conditions complete),
        with the scales it used in ``calibration``.
    """
    key = (seed,) if isinstance(seed, (int, np.integer)) else tuple(seed)
    rng = np.random.default_rng([*key, 1])
    start = day(year_start(first_year))
    if lists is None:
        age, sex = _draw_lists(rng, area.practice_sizes)
        practice = np.repeat(np.arange(len(area.practice_sizes)), area.practice_sizes)
    else:
        age, sex, practice = lists.age.astype(np.int64), lists.sex.astype(np.int8), lists.practice
    birth_year = first_year - age
    birth_day = _birth_day(rng, birth_year, np.full(population, start - 1))
    # Registered for some years before the data starts (recent registrations commoner).
    since_birth = start - birth_day.astype(np.int64)
    enter = start - np.floor(rng.random(population) ** 2 * np.minimum(since_birth, 30 * 365)).astype(np.int64)
    enter = np.maximum(enter, birth_day)
    persistent_probe = rng.gamma(K_PERSISTENT, 1 / K_PERSISTENT, population)
    cond_scale = _condition_scale(age, persistent_probe) if calibration is None else calibration.condition_scale
    pop = _newcomers(rng, population, age, sex, birth_year, birth_day, enter, area, cond_scale, 0, practice=practice)

    death_scale = None if calibration is None else calibration.death_scale
    for i in range(n_years):
        year = first_year + i
        ys, ye = day(year_start(year)), day(year_end(year))
        yrng = np.random.default_rng([*key, 2, i])
        here = np.nonzero((pop.exit_day == NO_DAY) & (pop.enter_day <= ys))[0]
        n_here = len(here)
        age_here = np.clip(year - pop.birth_year[here], 0, MAX_AGE)
        p_now = _condition_probability(cond_scale, age_here, pop.persistent[here])
        q = _death_probability(age_here, pop.sex[here], pop.held[here], p_now)
        if death_scale is None:
            # Self-normalised so that the crude death rate of the first year is England's.
            death_scale = england.CRUDE_DEATH_RATE / q.mean()
        q = np.minimum(q * death_scale, england.MORTALITY["cap"])
        move_out = england.MOVE_OUT_RATE * _MOVER[age_here] / _MOVER[age_here].mean()
        u = yrng.random(n_here)
        dies = u < q
        leaves = ~dies & (u < q + move_out)
        gone = dies | leaves
        exit_day = _uniform_day(yrng, ys, ye, n_here)
        pop.exit_day[here[gone]] = exit_day[gone]
        pop.death_day[here[dies]] = exit_day[dies]

        # Moves between practices: close one span the day before the next opens.
        k = len(area.practice_sizes)
        moving = ~gone & (yrng.random(n_here) < england.INTERNAL_MOVE_RATE) if k > 1 else np.zeros(n_here, bool)
        movers = here[moving]
        move_day = np.full(n_here, NO_DAY, np.int32)
        move_day[moving] = _uniform_day(yrng, ys + 1, ye, len(movers))
        old_practice = pop.practice[here].copy()
        new_practice = old_practice.copy()
        new_practice[moving] = (old_practice[moving] + yrng.integers(1, max(k, 2), len(movers))) % k
        pop.reg_person.append(movers)
        pop.reg_practice.append(old_practice[moving])
        pop.reg_from.append(pop.span_from[movers].copy())
        pop.reg_to.append(move_day[moving] - 1)
        pop.practice[movers] = new_practice[moving]
        pop.span_from[movers] = move_day[moving]

        # Conditions first recorded during the year (counted from next year on): among
        # those who stay, what keeps prevalence at its curve (``_onsets``); among those
        # who die or move away, a share of their prevalence probability (``_COND_INCIDENCE``).
        alive_until = np.minimum(pop.exit_day[here], ye)
        new = np.zeros((n_here, len(CONDITIONS)), bool)
        stay = np.nonzero(~gone)[0]
        p_next = _condition_probability(cond_scale, np.clip(age_here[stay] + 1, 0, MAX_AGE), pop.persistent[here[stay]])
        q_table = _table_death(age_here[stay], pop.sex[here[stay]]) * death_scale
        new[stay] = _onsets(yrng, p_now[stay], p_next, q_table, pop.held[here[stay]])
        went = np.nonzero(gone)[0]
        p_inc = p_now[went] * _COND_INCIDENCE
        new[went] = (yrng.random((len(went), len(CONDITIONS))) < p_inc) & ~pop.held[here[went]]
        who, which = np.nonzero(new)
        if len(who):
            pop.cond_person.append(here[who])
            pop.cond_code.append(which.astype(np.int8))
            pop.cond_from.append(_uniform_day(yrng, ys, alive_until[who], len(who)))

        propensity = pop.persistent[here] * yrng.gamma(K_YEARLY, 1 / K_YEARLY, n_here)
        frame_parts = [
            dict(
                person=here, start_day=np.full(n_here, ys, np.int32), end_day=alive_until.astype(np.int32),
                practice=old_practice, move_day=move_day, new_practice=new_practice, age=age_here,
                sex=pop.sex[here], conditions=pop.n_conditions[here].copy(), propensity=propensity,
                dies=dies, imd_decile=pop.imd_decile[here],
            )
        ]
        held_rows = here[who]
        pop.held[held_rows, which] = True
        pop.n_conditions[here] = pop.held[here].sum(axis=1)
        pop.has_eol[here] = pop.held[here, _EOL]

        # Arrivals: births, and people moving in to replace those who left (net growth).
        n_births = int(yrng.binomial(n_here, england.BIRTHS_PER_PERSON))
        n_in = max(int(gone.sum()) - n_births + int(yrng.binomial(n_here, england.NET_GROWTH)), 0)
        born = _uniform_day(yrng, ys, ye, n_births)
        b_year = _calendar_year(born)
        registered = np.minimum(born + yrng.integers(7, 60, n_births), ye).astype(np.int32)
        b_sex = np.where(yrng.random(n_births) < 0.488, FEMALE, MALE).astype(np.int8)
        m_age, m_sex = _draw_age_sex(yrng, n_in)
        # Arrivals register from the second day of the year: the first day's list is the
        # list the year starts with.
        m_enter = _uniform_day(yrng, ys + 1, ye, n_in)
        m_year = _calendar_year(m_enter) - m_age
        m_birth = _birth_day(yrng, m_year, m_enter.astype(np.int64))
        first = len(pop)
        arrivals = _newcomers(
            yrng, n_births + n_in,
            np.concatenate([np.zeros(n_births, np.int64), year - m_year]),
            np.concatenate([b_sex, m_sex]),
            np.concatenate([b_year, m_year]),
            np.concatenate([born, m_birth]),
            np.concatenate([registered, m_enter]),
            area, cond_scale, first,
        )
        pop.extend(arrivals)
        idx = np.arange(first, len(pop))
        frame_parts.append(
            dict(
                person=idx, start_day=pop.enter_day[idx], end_day=np.full(len(idx), ye, np.int32),
                practice=pop.practice[idx], move_day=np.full(len(idx), NO_DAY, np.int32),
                new_practice=pop.practice[idx], age=np.clip(year - pop.birth_year[idx], 0, MAX_AGE),
                sex=pop.sex[idx], conditions=pop.n_conditions[idx], propensity=pop.persistent[idx]
                * yrng.gamma(K_YEARLY, 1 / K_YEARLY, len(idx)),
                dies=np.zeros(len(idx), bool), imd_decile=pop.imd_decile[idx],
            )
        )
        if on_year is not None:
            on_year(YearFrame(year, **{f: np.concatenate([p[f] for p in frame_parts]) for f in _FRAME_ARRAYS}))

    # Spans still open at the end: closed by death or moving away, or open.
    everyone = np.arange(len(pop))
    pop.reg_person.append(everyone)
    pop.reg_practice.append(pop.practice.copy())
    pop.reg_from.append(pop.span_from.copy())
    pop.reg_to.append(pop.exit_day.copy())
    pop.calibration = Calibration(cond_scale, float(death_scale) if death_scale is not None else 1.0)
    return pop

"""Care-model segmentation: each person-year gets one level of need, most severe first.

Levels (``vocab.Segment``), assigned in priority order:

1. ``very_high_needs``: a condition ``end_of_life`` or ``frailty_severe`` recorded on or
   before the last day of the year, or a need score in the top
   ``contract.segments.extensive_care_share`` of that year's population (the extensive
   care cohort).
2. ``ongoing_needs``: at least one other long-term condition recorded by the year end
   (any ``vocab.Condition`` except end_of_life and frailty_severe; frailty_moderate counts).
3. ``self_limiting``: no such condition, but some attributed A&E, urgent-care or GP
   contact (``vocab.URGENT_OR_EPISODIC``) in the year.
4. ``staying_well``: none of these.

The need score is a transparent linear formula; each weight is a key of the contract's
``[segments]`` table (``SegmentTerms``):

    need_score = weight_age_per_decade            x age / 10
               + weight_condition                 x ltc_count
               + weight_frailty_moderate          x (1 if frailty_moderate else 0)
               + weight_frailty_severe            x (1 if frailty_severe else 0)
               + weight_prior_emergency_admission x prior_emergency_admissions
               + weight_prior_spend_per_1000_pounds x prior_spend_pence / 100,000

where ``ltc_count`` counts the distinct long-term conditions recorded by the year end
other than frailty_moderate, frailty_severe and end_of_life (frailty has its own weights),
and the two ``prior_`` figures come from *all* activity of the person in the previous
contract year (whether or not it was attributed: it is the person's history).

"Top share" means a need score at or above the (1 - share) quantile of that year's scores
(linear interpolation, the same on DuckDB and Polars). People tied at the threshold are
all in; with few ties the cohort is about share x N people (rounded up). A share of 0
selects nobody by score.
"""

from __future__ import annotations

from dataclasses import dataclass

import ibis
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from wholepop.contract.calendar import year_end
from wholepop.contract.model import Contract
from wholepop.costing.concentration import person_spend
from wholepop.inputs.load import Inputs
from wholepop.population.count import table_years
from wholepop.population.spans import dated_in
from wholepop.vocab import URGENT_OR_EPISODIC, Condition, Segment, Service

__all__ = ["ProspectivePower", "caseload", "prospective_power", "segment"]

# Conditions that put a person straight into very_high_needs.
_VERY_HIGH: tuple[Condition, ...] = (Condition.END_OF_LIFE, Condition.FRAILTY_SEVERE)
# Conditions with their own term in the need score, so not counted in ltc_count.
_OWN_WEIGHT: tuple[Condition, ...] = (Condition.END_OF_LIFE, Condition.FRAILTY_SEVERE, Condition.FRAILTY_MODERATE)
_PENCE_PER_1000_POUNDS = 100_000.0


def _values(items) -> list[str]:
    return [i.value for i in items]


def _int_first_conditions(inputs: Inputs) -> ibis.Table:
    """Per (patient_id, condition): the first date it was recorded."""
    c = inputs.conditions
    return c.group_by("patient_id", "condition").agg(from_date=c.from_date.min())


def _int_condition_flags(first: ibis.Table, year: int) -> ibis.Table:
    """Per patient with a condition recorded by the end of ``year``: ltc_count and the
    frailty and end-of-life flags."""
    j = first.filter(first.from_date <= ibis.literal(year_end(year), type="date"))
    cond = j.condition
    return j.group_by("patient_id").agg(
        ltc_count=(~cond.isin(_values(_OWN_WEIGHT))).cast("int64").sum(),
        frailty_moderate=(cond == Condition.FRAILTY_MODERATE.value).cast("int64").max(),
        very_high_condition=cond.isin(_values(_VERY_HIGH)).cast("int64").max(),
        frailty_severe=(cond == Condition.FRAILTY_SEVERE.value).cast("int64").max(),
    )


def _int_prior(inputs: Inputs, year: int) -> ibis.Table:
    """Per patient: emergency admissions and spend in the year before ``year``, from all of
    their activity that year."""
    a = inputs.activity
    prev = a.filter(dated_in(a.date, [year - 1]))
    return prev.group_by("patient_id").agg(
        prior_emergency_admissions=(prev.service == Service.EMERGENCY_ADMISSION.value).cast("int64").sum(),
        prior_spend_pence=prev.cost_pence.sum().cast("int64"),
    )


def _int_contacts(costs: ibis.Table, year: int) -> ibis.Table:
    """Per patient: attributed urgent or episodic contacts in ``year``."""
    c = costs.filter((costs.year == year) & costs.service.isin(_values(URGENT_OR_EPISODIC)))
    return c.group_by("patient_id").agg(contacts=c.events.sum())


def segment(population: ibis.Table, costs: ibis.Table, inputs: Inputs, contract: Contract) -> ibis.Table:
    """The care-model level and need score of each person in each year.

    Reads the population (who, age), costs (this year's urgent or episodic contacts),
    conditions and activity (previous year's emergency admissions and spend).

    Grain: one row per (patient_id, year) in ``population``.

    The years of ``population`` are read once (a small query; pass a materialised table
    to keep it cheap). Each year is segmented on its own and the years are stacked: every
    group-by and join is then keyed on the patient alone, with the year a constant, which
    is cheaper than keying on (patient, year) and changes no result, since nothing in one
    year's levels depends on another year's people. Within a year the scored table is used
    twice (each person, and the year's quantile); Ibis emits it as a common table
    expression, so the previous year's activity is scanned once per year.

    Returns:
        Table with columns patient_id, year, segment (``vocab.Segment`` value), need_score
        (float64), ltc_count, prior_emergency_admissions, prior_spend_pence (int64).
    """
    years = table_years(population) or (contract.contract.baseline_year,)
    first = _int_first_conditions(inputs)
    return ibis.union(*(_segment_year(population, costs, first, inputs, contract, y) for y in years))


def _segment_year(
    population: ibis.Table, costs: ibis.Table, first: ibis.Table, inputs: Inputs, contract: Contract, year: int
) -> ibis.Table:
    terms = contract.segments
    p = population.filter(population.year == year)
    people = p.group_by("patient_id").agg(age=p.age.max())
    keys = ["patient_id"]
    j = (
        people.left_join(_int_condition_flags(first, year), keys)
        .left_join(_int_prior(inputs, year), keys)
        .left_join(_int_contacts(costs, year), keys)
    )
    j = j.select(
        "patient_id",
        age=j.age,
        ltc_count=j.ltc_count.fill_null(0).cast("int64"),
        frailty_moderate=j.frailty_moderate.fill_null(0).cast("int64"),
        frailty_severe=j.frailty_severe.fill_null(0).cast("int64"),
        very_high_condition=j.very_high_condition.fill_null(0).cast("int64"),
        prior_emergency_admissions=j.prior_emergency_admissions.fill_null(0).cast("int64"),
        prior_spend_pence=j.prior_spend_pence.fill_null(0).cast("int64"),
        contacts=j.contacts.fill_null(0).cast("int64"),
    )
    score = (
        float(terms.weight_age_per_decade) * (j.age.cast("float64") / 10.0)
        + float(terms.weight_condition) * j.ltc_count.cast("float64")
        + float(terms.weight_frailty_moderate) * j.frailty_moderate.cast("float64")
        + float(terms.weight_frailty_severe) * j.frailty_severe.cast("float64")
        + float(terms.weight_prior_emergency_admission) * j.prior_emergency_admissions.cast("float64")
        + float(terms.weight_prior_spend_per_1000_pounds) * (j.prior_spend_pence.cast("float64") / _PENCE_PER_1000_POUNDS)
    )
    scored = j.mutate(need_score=score.cast("float64"))

    share = float(terms.extensive_care_share)
    if share > 0:
        cut = scored.aggregate(threshold=scored.need_score.quantile(1.0 - share))
        scored = scored.cross_join(cut)
        top = scored.need_score >= scored.threshold
    else:
        top = ibis.literal(False)
    level = ibis.cases(
        ((scored.very_high_condition > 0) | top, Segment.VERY_HIGH_NEEDS.value),
        ((scored.ltc_count > 0) | (scored.frailty_moderate > 0), Segment.ONGOING_NEEDS.value),
        (scored.contacts > 0, Segment.SELF_LIMITING.value),
        else_=Segment.STAYING_WELL.value,
    )
    return scored.select(
        "patient_id",
        year=ibis.literal(year, type="int64"),
        segment=level,
        need_score=scored.need_score,
        ltc_count=scored.ltc_count,
        prior_emergency_admissions=scored.prior_emergency_admissions,
        prior_spend_pence=scored.prior_spend_pence,
    )


@dataclass(frozen=True)
class ProspectivePower:
    """How well this year's very-high-needs cohort predicts next year's costliest people.

    Attributes:
        year: the year the cohort was segmented in (y).
        cohort: people very_high_needs in y who are still in the population in y+1.
        hits: how many of them are among the costliest 5% of y+1.
        power: hits / cohort (0 when the cohort is empty).
        random_2pct: the same share for a random 2% of y's people present in y+1
            (NumPy generator seeded with ``seed``).
        expected_random: the share any random cohort has in expectation (costliest-5%
            size / people in y+1).
    """

    year: int
    cohort: int
    hits: int
    power: float
    random_2pct: float
    expected_random: float


def prospective_power(
    segments: ibis.Table, costs: ibis.Table, population: ibis.Table, year: int, seed: int = 0
) -> ProspectivePower:
    """Of the people very_high_needs in ``year``, the share among the costliest 5% in year+1.

    The costliest 5% are the ceil(0.05 x N) people of year+1 with the highest attributed
    spend (N = everyone in the population in year+1, zero spenders included; ties broken
    by patient id). Ranking runs in NumPy/Arrow on one column (no window functions on
    Polars).
    """
    nxt = person_spend(costs, population, year + 1).to_pyarrow()
    n = nxt.num_rows
    k = -(-n * 5 // 100)
    order = pc.sort_indices(nxt, sort_keys=[("spend_pence", "descending"), ("patient_id", "ascending")])
    top_ids = pc.take(nxt.column("patient_id"), order[:k])

    s = segments.filter(segments.year == year)
    cohort_ids = s.filter(s.segment == Segment.VERY_HIGH_NEEDS.value).select("patient_id").to_pyarrow().column("patient_id")
    cohort_ids = cohort_ids.filter(pc.is_in(cohort_ids, value_set=nxt.column("patient_id")))
    hits = int(pc.sum(pc.is_in(cohort_ids, value_set=top_ids)).as_py() or 0)
    cohort = len(cohort_ids)

    everyone = s.select("patient_id").to_pyarrow().column("patient_id")
    everyone = everyone.filter(pc.is_in(everyone, value_set=nxt.column("patient_id")))
    rng = np.random.default_rng(seed)
    size = -(-len(everyone) * 2 // 100)
    sample = pc.take(everyone, pa.array(rng.choice(len(everyone), size=size, replace=False))) if size else everyone.slice(0, 0)
    random_hits = int(pc.sum(pc.is_in(sample, value_set=top_ids)).as_py() or 0)
    return ProspectivePower(
        year=year,
        cohort=cohort,
        hits=hits,
        power=hits / cohort if cohort else 0.0,
        random_2pct=random_hits / size if size else 0.0,
        expected_random=k / n if n else 0.0,
    )


def caseload(segments: ibis.Table, population: ibis.Table, inputs: Inputs, year: int) -> ibis.Table:
    """The extensive-care caseload of ``year``: RESTRICTED, patient-level.

    Grain: one row per person very_high_needs in ``year``.

    Returns:
        Table with columns hub, practice_code (where the person counted longest that
        year), patient_id (pseudonymised), need_score, conditions (comma-joined in
        ``vocab.Condition`` order, recorded by the year end; empty if none),
        emergency_admissions_last_year.
    """
    s = segments.filter((segments.year == year) & (segments.segment == Segment.VERY_HIGH_NEEDS.value))
    p = population.filter(population.year == year)
    main = p.group_by("patient_id").agg(practice_code=p.practice_code.argmax(p.person_months))
    # The hub is looked up from the chosen practice, so a tie in months cannot pair one
    # practice with another practice's hub.
    hubs = p.select("practice_code", "hub").distinct()
    home = main.join(hubs, "practice_code").view()
    c = inputs.conditions
    c = c.filter(c.from_date <= ibis.literal(year_end(year)))
    # One flag per vocabulary condition, joined in vocabulary order: a deterministic list
    # on every engine (an ordered group_concat is not available on Spark).
    flags = c.group_by("patient_id").agg(
        **{f"has_{cond.value}": (c.condition == cond.value).cast("int64").max() for cond in Condition}
    )
    listed = ibis.literal("")
    for cond in Condition:  # the 15 vocabulary values, not rows
        listed = listed + ibis.ifelse(flags[f"has_{cond.value}"] == 1, "," + cond.value, "")
    conds = flags.select("patient_id", conditions=listed.substr(1)).view()
    j = s.join(home, "patient_id").left_join(conds, "patient_id")
    return j.select(
        "hub",
        "practice_code",
        "patient_id",
        "need_score",
        conditions=j.conditions.fill_null(""),
        emergency_admissions_last_year=j.prior_emergency_admissions,
    )

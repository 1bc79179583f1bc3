"""Where an ACO's recomputation first parts from CMS's published figures, in words.

``first_difference`` walks the settlement in CMS's order and stops at the first step whose
published value differs from ours by more than the file's own precision:

    benchmark      our benchmark - expenditure against ``BnchmkMinExp``
    MSR/MLR        our MSR against ``MinSavPerc``; then the gate (``GenSaveLoss``)
    quality        our quality factor against ``FinalShareRate`` / the maximum rate, and a
                   rounded ``QualScore`` against the score CMS's amount implies
    sharing rate   the track's maximum rate against ``QualPerfShare``/``MaxShareRate``
    cap            the savings cap (10/15/20% of the benchmark)
    loss rate, loss cap, disaster adjustment (losses)
    sequestration  nothing earlier differs: the last multiplication

Both values of a step are shown on the same scale: rates as per cent to 4 places, money in
dollars. ``puf`` calls it for every ACO that does not match.
"""

from __future__ import annotations

from decimal import Decimal

from wholepop.contract.mssp_rules import LOW_REVENUE_SHARE, track_rules, year_rules
from wholepop.money.mssp.settle import AcoYear, MsspOutcome
from wholepop.money.pence import to_pence

__all__ = ["STEPS", "first_difference"]

STEPS = (
    "benchmark", "MSR/MLR", "quality", "sharing rate", "cap", "loss rate", "loss cap", "disaster adjustment",
    "sequestration",
)

# Published totals are whole dollars computed from unrounded figures.
_DOLLARS = 200
_TINY = Decimal("0.0000005")


def first_difference(
    v: dict, a: AcoYear, o: MsspOutcome, published: int, within_rounding: bool = False
) -> tuple[str, str, bool]:
    """(step, reason, explained by a revenue cap) for an ACO whose earned amount differs.

    Args:
        v: the row as ``puf`` parsed it (published values as fractions and cents, with
            ``*_half`` the half-unit of each rate's last printed digit).
        a: the settlement inputs taken from the row.
        o: our outcome.
        published: CMS's ``EarnSaveLoss`` in cents.
        within_rounding: CMS's amount lies within the rounding of the published score.
    """
    step, reason, by_revenue = _first(v, a, o, published, within_rounding)
    # What the rules here do not cover, flagged where the file marks it.
    if v.get("guardrail"):
        reason += "; Guardrail flagged: the PY2024 benchmark guardrail is not encoded"
    if v.get("reduced_ss") is not None and bool(v["reduced_ss"]) != o.reduced_savings:
        reason += f"; ReducedSS published {int(bool(v['reduced_ss']))}, the rule gives {int(o.reduced_savings)}"
    if o.loss_cap_revenue_unknown and not by_revenue:
        reason += "; a revenue-based loss cap may bind (participant revenue is not published)"
    return step, reason, by_revenue


def _first(v: dict, a: AcoYear, o: MsspOutcome, published: int, within_rounding: bool) -> tuple[str, str, bool]:
    rules = track_rules(a.track)
    tail = f"earned: ours {_money(o.earned_pence)} vs CMS {_money(published)}{_share(o.earned_pence, published)}"
    if v["gross"] is not None and abs(o.gross_pence - v["gross"]) > _DOLLARS:
        return "benchmark", (
            f"benchmark - expenditure: ours {_money(o.gross_pence)} (ABtotBnchmk - ABtotExp) vs CMS's BnchmkMinExp "
            f"{_money(v['gross'])}; {tail}"
        ), False
    if v["msr"] is not None and abs(a.msr - v["msr"]) > v["msr_half"] + _TINY:
        return "MSR/MLR", f"MSR/MLR: ours {_pct(a.msr)} ({a.msr_basis}) vs CMS's MinSavPerc {_pct(v['msr'])}; {tail}", False
    if v["generated"] is not None and abs(o.generated_pence - v["generated"]) > _DOLLARS:
        return "MSR/MLR", (
            f"the MSR/MLR gate: savings rate {_pct(o.savings_rate)} against MSR/MLR {_pct(a.msr)} gives generated "
            f"{_money(o.generated_pence)}, CMS's GenSaveLoss is {_money(v['generated'])}; {tail}"
        ), False
    if o.gross_pence < 0 and published <= 0 and rules.two_sided:
        return _losses(v, a, o, published, tail)
    return _savings(v, a, o, published, tail, within_rounding)


def _savings(v: dict, a: AcoYear, o: MsspOutcome, published: int, tail: str, within_rounding: bool) -> tuple[str, str, bool]:
    rules = track_rules(a.track)
    seq = year_rules(a.performance_year).sequestration
    published_max = v["max_share"]
    if published_max is not None and abs(published_max - rules.max_share) > _TINY + Decimal("0.005"):
        return "sharing rate", (
            f"maximum sharing rate: ours {_pct(rules.max_share)} ({a.track.value}) vs CMS's {_pct(published_max)}; {tail}"
        ), False
    ours_factor = o.final_share_rate / rules.max_share
    if v["fsr"] is not None:
        base = published_max or rules.max_share
        theirs = v["fsr"] / base
        if abs(ours_factor - theirs) > v["fsr_half"] / base + _TINY:
            return "quality", (
                f"quality: ours {_pct(ours_factor)} of the maximum rate ({_why(a)}) vs CMS's {_pct(theirs)} "
                f"(FinalShareRate {_pct(v['fsr'])} / {_pct(base)}); {tail}"
            ), False
    if (
        a.quality_score is not None and not a.pay_for_reporting and o.generated_pence > 0 and not o.share.capped
        and ours_factor == a.quality_score
    ):
        implied = Decimal(published) / (Decimal(o.generated_pence) * rules.max_share * seq)
        if within_rounding or abs(implied - a.quality_score) <= v["quality_half"] + _TINY:
            return "quality", (
                f"quality: the published QualScore {v['quality_text']} is rounded ({_pct(a.quality_score)} "
                f"+/- {_pct(v['quality_half'])}); CMS's amount implies {_pct(implied)}, ours uses {_pct(a.quality_score)}; "
                f"{tail}"
            ), False
    cap = rules.savings_cap * Decimal(a.benchmark_pence)
    if o.share.capped or abs(Decimal(published) - cap) <= _DOLLARS:
        return "cap", (
            f"savings cap {_pct(rules.savings_cap)} of the benchmark = {_money(to_pence(cap))}: ours "
            f"{'binds' if o.share.capped else 'does not bind'}; {tail}"
        ), False
    return "sequestration", (
        f"every published input agrees; the last step differs (generated {_money(o.generated_pence)} x sharing rate "
        f"{_pct(o.final_share_rate)} x sequestration {seq}); {tail}"
    ), False


def _losses(v: dict, a: AcoYear, o: MsspOutcome, published: int, tail: str) -> tuple[str, str, bool]:
    rules = track_rules(a.track)
    if v["loss_rate"] is not None and abs(o.loss_rate - v["loss_rate"]) > v["loss_rate_half"] + _TINY:
        return "loss rate", (
            f"loss sharing rate: ours {_pct(o.loss_rate)} vs CMS's FinalLossRate {_pct(v['loss_rate'])}; {tail}"
        ), False
    cms_loss = -(published + a.disaster_pence)  # CMS's loss before the disaster reduction
    ours = -o.shared_pence
    if o.loss_cap_revenue_unknown and 0 <= cms_loss < ours and rules.loss_cap_revenue is not None:
        revenue = to_pence(Decimal(cms_loss) / rules.loss_cap_revenue)
        share = Decimal(revenue) / Decimal(a.expenditure_pence)
        category = (v["revenue_category"] or "").lower()
        low = share < LOW_REVENUE_SHARE
        # The implied revenue must agree with the published category (low: < 35% of expenditure).
        consistent = not category or category.startswith("low") == low
        check = (
            f", {_pct(share, 1)} of expenditure: {'consistent with' if consistent else 'NOT consistent with'} its "
            f"{v['revenue_category']} category ({'<' if low else '>='} {_pct(LOW_REVENUE_SHARE, 0)})" if category else ""
        )
        return "loss cap", (
            f"losses capped by unpublished participant revenue: CMS's loss before the disaster adjustment "
            f"{_money(cms_loss)} is below ours {_money(ours)} (loss rate and benchmark cap only); the "
            f"{_pct(rules.loss_cap_revenue, 0)}-of-revenue cap implies participant revenue of {_money(revenue)}{check}; "
            f"{tail}"
        ), consistent
    if o.loss_cap_pence is not None and (o.share.capped or abs(cms_loss - o.loss_cap_pence) <= _DOLLARS):
        return "loss cap", f"loss cap {_money(o.loss_cap_pence)}: ours {'binds' if o.share.capped else 'does not bind'}; {tail}", False
    return "disaster adjustment", (
        f"shared losses before the disaster adjustment agree or are not published; the adjustment (DisAdj "
        f"{_money(a.disaster_pence or 0)}) leaves a difference; {tail}"
    ), False


def _why(a: AcoYear) -> str:
    if a.pay_for_reporting:
        return "pay-for-reporting, reported" if a.met_quality_standard else "pay-for-reporting, did not report"
    if not a.met_quality_standard:
        return "did not meet the quality standard"
    return f"quality score {_pct(a.quality_score)}" if a.quality_score is not None else "met the quality standard"


def _pct(rate: Decimal | None, places: int = 4) -> str:
    # Display only: a rate, never money.
    return "?" if rate is None else f"{rate * 100:.{places}f}%"


def _share(ours: int, published: int) -> str:
    if published == 0:
        return ""
    return f" ({(Decimal(ours - published) / abs(Decimal(published)) * 100):+.2f}%)"


def _money(pence: int) -> str:
    sign = "-" if pence < 0 else ""
    whole, cents = divmod(abs(pence), 100)
    return f"{sign}${whole:,}" + (f".{cents:02d}" if cents else "")

"""Sharing a variance: the one mechanism of corridor, bands, quality scaling, gate and caps.

Used by the acute gain/risk share of the English forms, the ``pacs`` share of its own
surplus or deficit (``money.risk``) and the US Medicare Shared Savings Program (where the MSR/MLR is the corridor, the
sharing rate the band, the quality score the achievement scaling and the savings and
loss limits the caps). All arithmetic is Decimal; only the final amounts are rounded,
through ``pence.to_pence``.

Sign convention: variance = target - actual, so a positive variance is a gain (spend
under target) and a negative one a loss. The provider's amount has the same sign: + is
paid to the provider, - is owed by it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from wholepop.money.pence import ONE, ZERO, allocate, to_pence
from wholepop.numbers import gbp, significant


def _pounds(pence: Decimal) -> str:
    """An exact amount of pence (a threshold, a band's share before rounding) shown in
    pounds to the penny, for the basis only: the rule keeps the exact value."""
    return gbp(to_pence(pence))

__all__ = ["ShareResult", "ShareRule", "share_variance"]


@dataclass(frozen=True)
class ShareRule:
    """The terms of a share, independent of where they came from.

    Attributes:
        corridor: |variance| at or below corridor x target is not shared at all.
        first_pound: outside the corridor, share from the first pound (True) or only the
            part of the variance beyond the corridor (False).
        bands: ``(upto, provider_share)`` pairs, ascending, the last ``upto`` 1.0: each
            share applies to the slice of |variance| / target below its ``upto``
            (marginally, like tax brackets).
        loss_bands: bands for losses when they differ from gains (MSSP); default ``bands``.
        quality_gate: gains are paid only when achievement is at least this.
        scale_gains_by_achievement: multiply the provider's gain by achievement.
        cap_gain: the most the provider can gain (pounds-or-pence Decimal), or None.
        cap_loss: the most the provider can lose (a positive amount), or None.
        parties: how the part not borne or kept by the provider is split.
        loss_corridor: the corridor for losses when it differs from gains (MSSP's minimum
            loss rate may differ from its minimum savings rate); default ``corridor``.
        corridor_inclusive: True (the default): a variance exactly at the corridor edge is
            inside it and not shared. False: it is shared, as MSSP's "savings that meet or
            exceed the minimum savings rate" (42 CFR 425.604(c)) requires.
        holder: who holds the variance that is not shared. ``"commissioner"`` (an acute
            share, MSSP): the provider gets only its banded share. ``"provider"`` (a
            ``pacs``, whose budget already holds the lines): the provider keeps all of it
            within the corridor and the part the bands do not hand on outside it; the
            gate, scaling and caps then apply to what it keeps.
    """

    corridor: Decimal
    first_pound: bool
    bands: tuple[tuple[Decimal, Decimal], ...]
    quality_gate: Decimal = ZERO
    scale_gains_by_achievement: bool = True
    cap_gain: Decimal | None = None
    cap_loss: Decimal | None = None
    loss_bands: tuple[tuple[Decimal, Decimal], ...] | None = None
    parties: Mapping[str, Decimal] | None = None
    loss_corridor: Decimal | None = None
    corridor_inclusive: bool = True
    holder: Literal["commissioner", "provider"] = "commissioner"


@dataclass(frozen=True)
class ShareResult:
    """What the share gives, with the steps a reader needs to recompute it.

    Attributes:
        variance_pence: target - actual.
        within_corridor: nothing shared because |variance| is inside the corridor.
        shareable: the part of |variance| that bands apply to (Decimal pence).
        banded: the provider's share before quality scaling and caps (signed).
        provider_pence: the provider's final amount (+ paid to it, - owed by it).
        capped: a cap bound the amount.
        gated: a gain was voided by the quality gate.
        parties: the rest of the variance split between the other parties (whole pence,
            summing exactly to variance - provider amount).
        steps: one human-readable line per step.
    """

    variance_pence: int
    within_corridor: bool
    shareable: Decimal
    banded: Decimal
    provider_pence: int
    capped: bool
    gated: bool
    parties: tuple[tuple[str, int], ...]
    steps: tuple[str, ...]


def _banded(magnitude: Decimal, start: Decimal, target: Decimal, bands: Sequence[tuple[Decimal, Decimal]]) -> Decimal:
    """The provider's share of |variance| = ``magnitude``, bands applied from ``start``."""
    total = ZERO
    lower = ZERO
    for upto, rate in bands:
        lo = max(lower, start) * target
        hi = min(upto * target, magnitude)
        if hi > lo:
            total += (hi - lo) * rate
        lower = upto
    # Past the last band (variance larger than the target itself) the last rate goes on.
    last_edge = max(bands[-1][0], start) * target
    if magnitude > last_edge:
        total += (magnitude - last_edge) * bands[-1][1]
    return total


def share_variance(
    target_pence: int,
    actual_pence: int,
    rule: ShareRule,
    achievement: Decimal = ONE,
) -> ShareResult:
    """Share the variance between target and actual spend under ``rule``.

    Args:
        target_pence: the target (benchmark) spend.
        actual_pence: the actual spend.
        rule: corridor, bands, gate, caps and parties.
        achievement: weighted performance (quality) achievement in [0, 1].
    """
    target = Decimal(target_pence)
    variance = target_pence - actual_pence
    magnitude = Decimal(abs(variance))
    gain = variance > 0
    steps = [f"variance = target {gbp(target_pence)} - actual {gbp(actual_pence)} = {gbp(variance)}"]
    corridor = rule.corridor if gain or rule.loss_corridor is None else rule.loss_corridor
    corridor_amount = corridor * target
    if rule.corridor_inclusive:
        within = magnitude <= corridor_amount or variance == 0
    else:
        within = magnitude < corridor_amount or variance == 0
    shareable = ZERO
    banded = ZERO
    capped = gated = False
    provider = ZERO
    held = rule.holder == "provider"
    if within:
        steps.append(
            f"|variance| {_pounds(magnitude)} {'<=' if rule.corridor_inclusive else '<'} corridor {corridor} x target = {_pounds(corridor_amount)}: "
            + ("nothing shared: the provider keeps (or bears) it all" if held else "nothing shared")
        )
        base = magnitude if held else ZERO
    else:
        start = ZERO if rule.first_pound else corridor
        shareable = magnitude - start * target
        bands = rule.bands if gain or rule.loss_bands is None else rule.loss_bands
        banded = _banded(magnitude, start, target, bands)
        steps.append(
            f"outside the corridor ({corridor} x target = {_pounds(corridor_amount)}); "
            + ("from the first pound" if rule.first_pound else "beyond the corridor")
            + f": bands {', '.join(f'{r} up to {u}' for u, r in bands)} give {_pounds(banded)}"
            + (f"; with the {_pounds(magnitude - shareable)} not shared, the provider's part is {_pounds(magnitude - shareable + banded)}" if held and shareable != magnitude else "")
        )
        base = banded + (magnitude - shareable if held else ZERO)
    if base or held or not within:
        provider = base
        if gain:
            if achievement < rule.quality_gate:
                gated = True
                provider = ZERO
                steps.append(f"achievement {significant(achievement)} below quality gate {rule.quality_gate}: no gain paid")
            elif rule.scale_gains_by_achievement:
                provider = base * achievement
                steps.append(f"gain scaled by achievement {significant(achievement)}: {_pounds(provider)}")
            if rule.cap_gain is not None and provider > rule.cap_gain:
                provider = rule.cap_gain
                capped = True
                steps.append(f"capped at the gain cap {_pounds(rule.cap_gain)}")
        elif variance != 0:
            if rule.cap_loss is not None and provider > rule.cap_loss:
                provider = rule.cap_loss
                capped = True
                steps.append(f"capped at the loss cap {_pounds(rule.cap_loss)}")
            provider = -provider
    provider_pence = to_pence(provider)
    rest = variance - provider_pence
    names = tuple((rule.parties or {}).keys())
    amounts = allocate(rest, [rule.parties[n] for n in names]) if names else []
    parties = tuple(zip(names, amounts))
    steps.append(f"provider {gbp(provider_pence)}; the rest {gbp(rest)} split {', '.join(f'{n} {gbp(a)}' for n, a in parties)}")
    return ShareResult(
        variance_pence=variance,
        within_corridor=within,
        shareable=shareable,
        banded=banded,
        provider_pence=provider_pence,
        capped=capped,
        gated=gated,
        parties=parties,
        steps=tuple(steps),
    )

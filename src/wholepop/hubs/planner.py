"""Proposing care hubs from practice locations and list sizes (issue 8, part 5).

A hub (DESIGN section 1) is a group of neighbouring practices serving 30,000-50,000
people. ``plan`` groups practices so that every hub is inside the size band where that
is possible, practices in a hub are close together, and hubs are contiguous as far as
the data allow; it says which hubs miss the band and why.

The method, in three steps:

1. **Order.** Practices are projected to kilometres (equirectangular about their mean
   latitude, accurate to well under 1% across one ICB) and sorted along a Hilbert curve,
   which keeps practices that are near each other in space near each other in the order.
2. **Cut.** The ordered practices are cut into consecutive runs by dynamic programming:
   the cuts minimise, first, the total number of people by which hubs fall outside the
   band, then the total within-hub sum of squared distances to the hub's centre (the
   k-means objective). Consecutive runs of a Hilbert order are compact and contiguous.
3. **Repair and polish.** Where a hub is still outside the band (the curve can separate practices
   that would fit together), single practices are moved between a hub and its nearest
   hubs while that lowers the total shortfall or excess. With eight practices or fewer,
   every grouping is tried, so the band is met whenever any grouping meets it. Last, a
   k-means step moves each practice to a nearer hub centre when that keeps both hubs'
   band shortfall or excess from growing.

Distances are computed with numpy over all practices at once; the only Python loops run
over practices (thousands, not patients) in the dynamic programme and the repair.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["Hub", "HubPlan", "HubStats", "describe", "hub_stats", "plan", "project_km"]

EARTH_RADIUS_KM = 6371.0088
# Weight of one person outside the band against one km² of spread: large enough that
# the band always comes first.
_BAND_FIRST = 1e9
_EXACT_UP_TO = 8  # practices: below this, try every grouping if the heuristic misses
_NEAREST = 6  # hubs considered as partners in the repair


@dataclass(frozen=True)
class Hub:
    """One proposed (or existing) hub.

    Attributes:
        hub: hub id.
        practices: its practice codes.
        population: registered patients in its practices.
        spread_km: largest distance from a practice to the hub's centre (km).
        mean_km: mean distance from its practices to the hub's centre (km).
        in_band: whether population is within [min_size, max_size].
        nearer_elsewhere: its practices that are nearer another hub's centre than their
            own (0 for a compact hub that no other hub reaches into).
    """

    hub: str
    practices: tuple[str, ...]
    population: int
    spread_km: float
    mean_km: float
    in_band: bool
    nearer_elsewhere: int = 0


@dataclass(frozen=True)
class HubPlan:
    """The result of ``plan``.

    Attributes:
        assignment: (practice_code, hub) pairs, one per practice, in input order.
        hubs: the hubs, in order along the curve.
        reasons: one sentence per hub outside the band, saying why.
        min_size: lower end of the band.
        max_size: upper end of the band.
    """

    assignment: tuple[tuple[str, str], ...]
    hubs: tuple[Hub, ...]
    reasons: tuple[str, ...]
    min_size: int
    max_size: int

    @property
    def in_band(self) -> int:
        """How many hubs are inside the band."""
        return sum(h.in_band for h in self.hubs)


@dataclass(frozen=True)
class HubStats:
    """Summary of a set of hubs, to compare a plan with the real PCNs."""

    hubs: int
    in_band: int
    below: int
    above: int
    median_population: float
    min_population: int
    max_population: int
    median_spread_km: float
    p90_spread_km: float
    median_mean_km: float
    nearer_elsewhere_share: float = 0.0


def project_km(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Equirectangular projection to km about the mean latitude (x east, y north)."""
    lat = np.asarray(lat, dtype=float)
    lon = np.asarray(lon, dtype=float)
    lat0 = math.radians(float(np.mean(lat))) if lat.size else 0.0
    x = np.radians(lon) * math.cos(lat0) * EARTH_RADIUS_KM
    y = np.radians(lat) * EARTH_RADIUS_KM
    return x, y


def _hilbert_order(x: np.ndarray, y: np.ndarray, bits: int = 16) -> np.ndarray:
    """Indices that sort the points along a Hilbert curve over their bounding box."""
    n = x.size
    if n <= 1:
        return np.arange(n)
    side = (1 << bits) - 1
    span = max(float(np.ptp(x)), float(np.ptp(y)), 1e-9)
    xi = np.floor((x - x.min()) / span * side).astype(np.int64)
    yi = np.floor((y - y.min()) / span * side).astype(np.int64)
    d = np.zeros(n, dtype=np.int64)
    s = 1 << (bits - 1)
    while s > 0:  # over the curve's bits, vectorised over points
        rx = ((xi & s) > 0).astype(np.int64)
        ry = ((yi & s) > 0).astype(np.int64)
        d += s * s * ((3 * rx) ^ ry)
        flip = ry == 0
        swap_back = flip & (rx == 1)
        xi = np.where(swap_back, side - xi, xi)
        yi = np.where(swap_back, side - yi, yi)
        xi, yi = np.where(flip, yi, xi), np.where(flip, xi, yi)
        s >>= 1
    return np.lexsort((np.arange(n), d))


def _violation(size: np.ndarray | float, lo: int, hi: int) -> np.ndarray | float:
    return np.maximum(lo - size, 0) + np.maximum(size - hi, 0)


def _cut(x: np.ndarray, y: np.ndarray, pop: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Segment labels for points already in curve order (dynamic programme, see module doc)."""
    n = x.size
    zero = np.zeros(1)
    P = np.concatenate([zero, np.cumsum(pop, dtype=float)])
    Sx = np.concatenate([zero, np.cumsum(x)])
    Sy = np.concatenate([zero, np.cumsum(y)])
    Sq = np.concatenate([zero, np.cumsum(x * x + y * y)])
    best = np.full(n + 1, np.inf)
    best[0] = 0.0
    back = np.zeros(n + 1, dtype=np.int64)
    # Runs longer than needed to pass twice the maximum are never better than a cut.
    for j in range(1, n + 1):
        i_min = int(np.searchsorted(P, P[j] - 2 * hi, side="left"))
        i_min = min(max(i_min - 1, 0), j - 1)
        i = np.arange(i_min, j)
        k = j - i
        size = P[j] - P[i]
        sx, sy = Sx[j] - Sx[i], Sy[j] - Sy[i]
        sse = np.maximum((Sq[j] - Sq[i]) - (sx * sx + sy * sy) / k, 0.0)
        cost = best[i] + _violation(size, lo, hi) * _BAND_FIRST + sse
        m = int(np.argmin(cost))
        best[j] = cost[m]
        back[j] = i[m]
    labels = np.empty(n, dtype=np.int64)
    j, label = n, 0
    while j > 0:
        i = back[j]
        labels[i:j] = label
        label += 1
        j = i
    return labels.max() - labels  # number hubs along the curve


def _sse(x: np.ndarray, y: np.ndarray, labels: np.ndarray, k: int) -> float:
    count = np.bincount(labels, minlength=k).astype(float)
    cx = np.bincount(labels, x, k) / np.maximum(count, 1)
    cy = np.bincount(labels, y, k) / np.maximum(count, 1)
    return float(np.sum((x - cx[labels]) ** 2 + (y - cy[labels]) ** 2))


def _repair(x: np.ndarray, y: np.ndarray, pop: np.ndarray, labels: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """Move single practices between out-of-band hubs and their nearest hubs while that helps."""
    labels = labels.copy()
    for _ in range(min(4 * labels.size, 5000)):  # each accepted move lowers the total violation
        k = int(labels.max()) + 1
        size = np.bincount(labels, pop, k)
        bad = np.flatnonzero(_violation(size, lo, hi) > 0)
        if bad.size == 0:
            break
        count = np.bincount(labels, minlength=k).astype(float)
        cx = np.bincount(labels, x, k) / np.maximum(count, 1)
        cy = np.bincount(labels, y, k) / np.maximum(count, 1)
        best_gain, best_move = 0.0, None
        for h in bad:  # over hubs outside the band
            dist = np.hypot(cx - cx[h], cy - cy[h])
            dist[h] = np.inf
            dist[count == 0] = np.inf
            partners = np.argsort(dist)[:_NEAREST]
            partners = partners[np.isfinite(dist[partners])]
            for g in partners:
                for src, dst in ((h, g), (g, h)):
                    members = np.flatnonzero(labels == src)
                    if members.size <= 1 and src != h:
                        continue  # never empty a partner hub
                    p = pop[members]
                    before = _violation(size[src], lo, hi) + _violation(size[dst], lo, hi)
                    after = _violation(size[src] - p, lo, hi) + _violation(size[dst] + p, lo, hi)
                    if members.size == 1:  # emptying h: the hub disappears
                        after = _violation(size[dst] + p, lo, hi)
                    gain = before - after
                    # Among equal gains prefer the practice nearest the receiving hub.
                    d = np.hypot(x[members] - cx[dst], y[members] - cy[dst])
                    score = gain - d * 1e-9
                    m = int(np.argmax(score))
                    if gain[m] > 0 and score[m] > best_gain:
                        best_gain, best_move = float(score[m]), (members[m], dst)
        if best_move is None:
            break
        labels[best_move[0]] = best_move[1]
        _, labels = np.unique(labels, return_inverse=True)
    return labels


def _polish(x: np.ndarray, y: np.ndarray, pop: np.ndarray, labels: np.ndarray, lo: int, hi: int, rounds: int = 10) -> np.ndarray:
    """Move practices to a nearer hub centre when neither hub's band violation grows.

    A k-means step under the size band: it pulls back practices that the curve order put
    in a hub beyond a nearer one, which tightens spread without losing the band.
    """
    labels = labels.copy()
    for _ in range(rounds):
        k = int(labels.max()) + 1
        count = np.bincount(labels, minlength=k)
        size = np.bincount(labels, pop, k)
        cx = np.bincount(labels, x, k) / np.maximum(count, 1)
        cy = np.bincount(labels, y, k) / np.maximum(count, 1)
        near = min(_NEAREST, k)
        # Each practice's nearest hub centres (n x near), found over all hubs at once.
        d_all = np.hypot(x[:, None] - cx[None, :], y[:, None] - cy[None, :])
        cand = np.argpartition(d_all, near - 1, axis=1)[:, :near] if near < k else np.tile(np.arange(k), (x.size, 1))
        d_cand = np.take_along_axis(d_all, cand, axis=1)
        best = cand[np.arange(x.size), np.argmin(d_cand, axis=1)]
        d_own = d_all[np.arange(x.size), labels]
        gain = d_own - d_all[np.arange(x.size), best]
        movers = np.flatnonzero((best != labels) & (gain > 1e-9))
        if movers.size == 0:
            break
        moved = 0
        for i in movers[np.argsort(-gain[movers])]:  # over practices, best gain first
            src, dst = labels[i], best[i]
            if count[src] <= 1:
                continue
            before = _violation(size[src], lo, hi) + _violation(size[dst], lo, hi)
            after = _violation(size[src] - pop[i], lo, hi) + _violation(size[dst] + pop[i], lo, hi)
            if after > before:
                continue
            labels[i] = dst
            size[src] -= pop[i]
            size[dst] += pop[i]
            count[src] -= 1
            count[dst] += 1
            moved += 1
        if moved == 0:
            break
    _, labels = np.unique(labels, return_inverse=True)
    return labels


def _partitions(n: int):
    """Every grouping of n items, as restricted growth strings (Bell(n) of them)."""
    a = [0] * n
    def rec(i: int, m: int):
        if i == n:
            yield tuple(a)
            return
        for v in range(m + 1):
            a[i] = v
            yield from rec(i + 1, max(m, v + 1))
    yield from rec(1, 1) if n else iter([()])


def _exact(x: np.ndarray, y: np.ndarray, pop: np.ndarray, lo: int, hi: int) -> np.ndarray:
    """The grouping with least band violation, then least spread, over all groupings."""
    best, best_key = None, None
    for labels in _partitions(x.size):
        lab = np.asarray(labels)
        k = lab.max() + 1
        v = float(np.sum(_violation(np.bincount(lab, pop, k), lo, hi)))
        key = (v, _sse(x, y, lab, k))
        if best_key is None or key < best_key:
            best, best_key = lab, key
    return best


def _stats(codes: np.ndarray, x: np.ndarray, y: np.ndarray, pop: np.ndarray, labels: np.ndarray, names: Sequence[str], lo: int, hi: int) -> tuple[Hub, ...]:
    k = len(names)
    count = np.bincount(labels, minlength=k).astype(float)
    size = np.bincount(labels, pop, k)
    cx = np.bincount(labels, x, k) / np.maximum(count, 1)
    cy = np.bincount(labels, y, k) / np.maximum(count, 1)
    d = np.hypot(x - cx[labels], y - cy[labels])
    spread = np.zeros(k)
    np.maximum.at(spread, labels, d)
    mean = np.bincount(labels, d, k) / np.maximum(count, 1)
    # Practices nearer another hub's centre than their own, in blocks to bound memory.
    elsewhere = np.zeros(x.size, dtype=bool)
    for start in range(0, x.size, 1024):  # blocks of practices
        blk = slice(start, start + 1024)
        d_blk = np.hypot(x[blk, None] - cx[None, :], y[blk, None] - cy[None, :])
        elsewhere[blk] = d_blk.min(axis=1) < d[blk] - 1e-9
    nearer = np.bincount(labels, elsewhere.astype(float), k)
    order = np.argsort(labels, kind="stable")
    bounds = np.searchsorted(labels[order], np.arange(k + 1))
    return tuple(
        Hub(
            hub=names[h],
            practices=tuple(codes[order[bounds[h] : bounds[h + 1]]].tolist()),
            population=int(size[h]),
            spread_km=float(spread[h]),
            mean_km=float(mean[h]),
            in_band=bool(lo <= size[h] <= hi),
            nearer_elsewhere=int(nearer[h]),
        )
        for h in range(k)
    )


def hub_stats(hubs: Sequence[Hub], min_size: int = 30_000, max_size: int = 50_000) -> HubStats:
    """Size and spread of a set of hubs (for comparing a plan with existing PCNs)."""
    if not hubs:
        return HubStats(0, 0, 0, 0, 0.0, 0, 0, 0.0, 0.0, 0.0, 0.0)
    pops = np.array([h.population for h in hubs], dtype=float)
    spread = np.array([h.spread_km for h in hubs], dtype=float)
    mean = np.array([h.mean_km for h in hubs], dtype=float)
    return HubStats(
        hubs=len(hubs),
        in_band=int(np.sum((pops >= min_size) & (pops <= max_size))),
        below=int(np.sum(pops < min_size)),
        above=int(np.sum(pops > max_size)),
        median_population=float(np.median(pops)),
        min_population=int(pops.min()),
        max_population=int(pops.max()),
        median_spread_km=float(np.median(spread)),
        p90_spread_km=float(np.percentile(spread, 90)),
        median_mean_km=float(np.median(mean)),
        nearer_elsewhere_share=sum(h.nearer_elsewhere for h in hubs) / max(sum(len(h.practices) for h in hubs), 1),
    )


def describe(
    practice_code: Sequence[str],
    lat: Sequence[float],
    lon: Sequence[float],
    population: Sequence[int],
    hub: Sequence[str],
    min_size: int = 30_000,
    max_size: int = 50_000,
) -> tuple[Hub, ...]:
    """The ``Hub`` records of an existing grouping (e.g. the real PCNs), for comparison."""
    codes = np.asarray(practice_code, dtype=object)
    x, y = project_km(np.asarray(lat, float), np.asarray(lon, float))
    names, labels = np.unique(np.asarray(hub, dtype=str), return_inverse=True)
    return _stats(codes, x, y, np.asarray(population, dtype=float), labels, names.tolist(), min_size, max_size)


def plan(
    practice_code: Sequence[str],
    lat: Sequence[float],
    lon: Sequence[float],
    population: Sequence[int],
    min_size: int = 30_000,
    max_size: int = 50_000,
    prefix: str = "HUB",
) -> HubPlan:
    """Propose hubs for practices from their locations and registered lists.

    Args:
        practice_code: one code per practice (unique).
        lat, lon: WGS84 coordinates of each practice (finite).
        population: registered patients of each practice (0 or more).
        min_size, max_size: the hub size band (people), inclusive.
        prefix: hub ids are ``<prefix>001``, ``<prefix>002``, ... along the curve.

    Returns:
        ``HubPlan``: every practice in exactly one hub; per hub its population and spread
        (km); a reason for every hub outside the band.

    Raises:
        ValueError: lengths differ, a coordinate is not finite, a population is negative,
            codes repeat, or the band is empty (callers check user data first).
    """
    codes = np.asarray(list(practice_code), dtype=object)
    lat_a = np.asarray(lat, dtype=float)
    lon_a = np.asarray(lon, dtype=float)
    pop = np.asarray(population, dtype=float)
    n = codes.size
    if not (lat_a.size == lon_a.size == pop.size == n):
        raise ValueError("practice_code, lat, lon and population must have the same length")
    if n and not (np.all(np.isfinite(lat_a)) and np.all(np.isfinite(lon_a))):
        raise ValueError("every practice needs finite coordinates")
    if np.any(pop < 0):
        raise ValueError("populations must not be negative")
    if len(set(codes.tolist())) != n:
        raise ValueError("practice codes must be unique")
    if not 0 < min_size <= max_size:
        raise ValueError("the band needs 0 < min_size <= max_size")
    if n == 0:
        return HubPlan((), (), (), min_size, max_size)

    x, y = project_km(lat_a, lon_a)
    order = _hilbert_order(x, y)
    labels = np.empty(n, dtype=np.int64)
    labels[order] = _cut(x[order], y[order], pop[order], min_size, max_size)
    labels = _repair(x, y, pop, labels, min_size, max_size)
    labels = _polish(x, y, pop, labels, min_size, max_size)
    k = int(labels.max()) + 1
    violation = float(np.sum(_violation(np.bincount(labels, pop, k), min_size, max_size)))
    if violation > 0 and n <= _EXACT_UP_TO:
        labels = _exact(x, y, pop, min_size, max_size)
    # Number hubs in curve order of their first practice, so ids read along the map.
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    k = int(labels.max()) + 1
    first = np.full(k, n)
    np.minimum.at(first, labels, rank)
    relabel = np.empty(k, dtype=np.int64)
    relabel[np.argsort(first)] = np.arange(k)
    labels = relabel[labels]
    width = max(3, len(str(k)))
    names = [f"{prefix}{i + 1:0{width}d}" for i in range(k)]
    hubs = _stats(codes, x, y, pop, labels, names, min_size, max_size)
    reasons = _reasons(hubs, codes, pop, x, y, labels, min_size, max_size)
    assignment = tuple(zip(codes.tolist(), (names[i] for i in labels), strict=True))
    return HubPlan(assignment, hubs, reasons, min_size, max_size)


def _reasons(hubs: tuple[Hub, ...], codes, pop, x, y, labels, lo: int, hi: int) -> tuple[str, ...]:
    total = float(pop.sum())
    reasons = []
    if total < lo:
        return (f"all {codes.size} practices together have {int(total):,} patients, fewer than the minimum {lo:,}: one hub below the band",)
    k = len(hubs)
    count = np.bincount(labels, minlength=k).astype(float)
    cx = np.bincount(labels, x, k) / np.maximum(count, 1)
    cy = np.bincount(labels, y, k) / np.maximum(count, 1)
    for h, hub in enumerate(hubs):  # over hubs, not patients
        if hub.in_band:
            continue
        if len(hub.practices) == 1 and hub.population > hi:
            reasons.append(f"{hub.hub}: practice {hub.practices[0]} alone has {hub.population:,} patients, more than the maximum {hi:,}")
            continue
        dist = np.hypot(cx - cx[h], cy - cy[h])
        dist[h] = np.inf
        near = np.argsort(dist)[:3]
        near_txt = ", ".join(f"{hubs[g].hub} ({hubs[g].population:,}, {dist[g]:.1f} km)" for g in near if np.isfinite(dist[g]))
        side = "above" if hub.population > hi else "below"
        why = (
            "moving any one practice between it and its nearest hubs would take one of them out of the band "
            "(the planner moves one practice at a time; a wider rearrangement might still fit)"
        )
        reasons.append(
            f"{hub.hub}: {hub.population:,} patients in {len(hub.practices)} practice(s), {side} the band {lo:,}-{hi:,}: "
            f"{why}; nearest hubs: {near_txt or 'none'}"
        )
    return tuple(reasons)

"""Honest bands: the P10–P90 range calibrated on the history's own held-out errors, by job size.

Each held-out estimate of the history (a time split or leave-one-out) leaves a log error
``log(1 + actual) - log(1 + point)``. The estimates are grouped by their point into size
buckets of at least ``MIN_BUCKET`` cases, and within a bucket the band's ends are the error's
mid-quantiles at ``t`` and ``1 - t``, ``t`` being the largest tail (narrowest band) whose
coverage of that bucket reaches the split-conformal level ``ceil((n + 1) * 0.8) / n``. A new
estimate takes the band of its own bucket, so a small job's band comes from small jobs' errors
rather than from the spread of the largest projects (Mondrian conformal prediction, by size).
Errors are measured in units of each estimate's own spread (how much its analogues scatter,
relative to the typical estimate, kept within 0.5–2×): an estimate whose analogues agree gets
a narrower band, and band ends vary finely from estimate to estimate, so coverage can be
calibrated closely even when outcomes are a few discrete values (story points).

Guess estimates' bands (:mod:`estimating.tuning`) pool every size in one bucket, their errors
measured on ``log(shift + x)`` with the history's smallest positive outcome as the shift, so a
half-hour task's error is as relative as a big job's; their scale keeps them local to the size.
Where the guess is said as is, its band is the ratio model's, centred on that model's point and
stretched to hold the guess; it is calibrated stretched (``anchors``), so the outcomes the
stretch takes in count towards the level, and every choice between bands is scored stretched
too (:func:`coverage` with ``anchors``), so each band is judged as it is used.

A "mixture" band (discrete outcomes) reads each estimate's own distribution instead, and its
two ends are calibrated apart: per bucket, the low end's tail is the largest that leaves at most
half the conformal miss rate below it, the high end's likewise above, so the P10 and the P90
each mean what they say. Its ends always hold the estimate's own point, in calibration as in
use; with ``anchors`` each case's band is stretched to hold its anchor as well, like the
residual band's (history-only estimates, the only ones it serves, are their own anchors, so
there it changes nothing). Bands are closed: an outcome equal to an end is inside, in
calibration and in scoring alike (with story points many outcomes sit exactly on an end).

Drift: the held-out estimates are given oldest first, and with a ``half_life`` (in held-out
estimates) each counts ``0.5 ** (age / half_life)``, the newest 1 (weighted conformal
prediction for non-exchangeable data, Barber et al. 2023): when a history's errors change over
time, the band follows its newest errors. The level is then met in weighted terms, with the
new case counted as one more of weight 1 in the finite-sample correction. Which
half-life (or none) a history gets is chosen on that history (:mod:`estimating.tuning`).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np

from estimating.quantiles import RowQuantiles, weighted_quantiles

BandKind = Literal["residual", "mixture"]

TARGET = 0.8
MIN_BUCKET = 40  # fewer cases make a bucket's quantiles too noisy to trust
MAX_BUCKETS = 4
WIDE = 8.0  # P90 / P10 above this: honest, but too wide to quote without narrowing questions


@dataclass(frozen=True)
class Band:
    """Log-space offsets around the point, one pair per size bucket."""

    edges: tuple[float, ...]  # inner bucket boundaries on log(1 + point), ascending
    lower: tuple[float, ...]  # log offset of P10 per bucket (<= 0)
    upper: tuple[float, ...]  # log offset of P90 per bucket (>= 0)
    calibrated_on: int  # held-out estimates behind it
    reference: float = 1.0  # the median spread of the estimates it was calibrated on
    kind: BandKind = "residual"
    tails: tuple[float, ...] = ()  # "mixture": the low end's tail, per bucket
    upper_tails: tuple[float, ...] = ()  # "mixture": the high end's tail (empty: ``tails``)
    half_life: float = 0.0  # recency weighting of the calibration cases (0: none)
    shift: float = 1.0  # "residual": offsets on log(shift + x) (1: log1p)

    def around(
        self,
        points: np.ndarray,
        spreads: np.ndarray,
        distributions: Callable[[], RowQuantiles] | None = None,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(low, high) for each of ``points``, read in that point's size bucket.

        A "residual" band scales its offsets by ``spreads`` (an estimate whose analogues agree
        gets a narrower band); a "mixture" band reads each estimate's own distribution
        (``distributions()``) at its bucket's tail.
        """
        logged = np.log1p(np.maximum(np.asarray(points, dtype=float), 0.0))
        bucket = np.searchsorted(np.asarray(self.edges), logged, side="right")
        if self.kind == "mixture":
            if distributions is None:
                raise ValueError("a mixture band needs the estimates' distributions")
            upper = np.asarray(self.upper_tails or self.tails)
            low, high = distributions().ends(np.asarray(self.tails)[bucket], upper[bucket])
            return np.maximum(np.minimum(low, points), 0.0), np.maximum(high, points)
        scale = relative_spread(spreads, self.reference)
        centre = np.log(np.maximum(np.asarray(points, dtype=float), 0.0) + self.shift)
        low = np.exp(centre + np.asarray(self.lower)[bucket] * scale) - self.shift
        high = np.exp(centre + np.asarray(self.upper)[bucket] * scale) - self.shift
        return np.maximum(low, 0.0), np.maximum(high, 0.0)


MIN_SPREAD = 0.05
SCALE_LIMITS = (0.5, 2.0)


def relative_spread(widths: np.ndarray, reference: float) -> np.ndarray:
    """The scale of an estimate's error: its evidence's log P10–P90 width against the typical
    one, kept within ``SCALE_LIMITS`` (one odd mixture must not make a band absurd)."""
    widths = np.maximum(np.asarray(widths, dtype=float), MIN_SPREAD)
    return np.clip(widths / max(reference, MIN_SPREAD), *SCALE_LIMITS)


def _level(n: int, target: float) -> float:
    return min(math.ceil((n + 1) * target) / n, 1.0)


def _weighted_level(weights: np.ndarray, target: float) -> float:
    """The share of the weight a band must hold: equal weights give the split-conformal
    ``ceil((n + 1) * target) / n``; otherwise the new case counts as one more case of weight 1
    (the newest's), ``target * (1 + 1 / sum w)`` (Barber et al. 2023)."""
    if np.allclose(weights, weights[0] if weights.size else 1.0):
        return _level(weights.size, target)
    return min(target * (1.0 + 1.0 / float(weights.sum())), 1.0)


def recency_weights(n: int, half_life: float) -> np.ndarray:
    """Weights of ``n`` cases, oldest first: 1 for the newest, halving every ``half_life``
    cases back (all 1 when ``half_life`` is 0)."""
    if half_life <= 0:
        return np.ones(n)
    return 0.5 ** ((n - 1 - np.arange(n)) / half_life)


def _weighted_share(hit: np.ndarray, weights: np.ndarray) -> float:
    return float((weights * hit).sum() / weights.sum())


def _bucket_edges(logged: np.ndarray, min_bucket: int, max_buckets: int) -> list[float]:
    """Inner edges between distinct points so each bucket holds >= ``min_bucket`` cases."""
    n = logged.size
    buckets = max(1, min(max_buckets, n // min_bucket))
    if buckets == 1:
        return []
    values, counts = np.unique(logged, return_counts=True)
    size = max(n / buckets, min_bucket)
    edges: list[float] = []
    running, left = 0, n
    for value, next_value, count in zip(values[:-1], values[1:], counts[:-1], strict=True):
        running += int(count)
        left -= int(count)
        if running >= size and left >= min_bucket:
            edges.append(float((value + next_value) / 2))
            running = 0
    return edges


def _offsets(
    errors: np.ndarray,
    target: float,
    weights: np.ndarray | None = None,
    anchors: np.ndarray | None = None,
) -> tuple[float, float]:
    """The narrowest (t, 1 - t) weighted mid-quantile pair of ``errors`` whose weighted
    coverage reaches the conformal level, each case's band stretched to hold its anchor (the
    error of its point, when the band is centred elsewhere; 0: the centre itself)."""
    weights = np.ones(errors.size) if weights is None else weights
    anchors = np.zeros(errors.size) if anchors is None else anchors
    level = _weighted_level(weights, target)

    def ends(tail: float) -> tuple[float, float]:
        low, high = weighted_quantiles(errors, weights, (tail, 1.0 - tail))
        return min(low, 0.0), max(high, 0.0)

    def covers(tail: float) -> bool:
        low, high = ends(tail)
        held = inside(errors, np.minimum(low, anchors), np.maximum(high, anchors))
        return _weighted_share(held, weights) >= level

    low_tail, high_tail = 0.0, 0.45
    if covers(high_tail):
        low_tail = high_tail
    else:
        for _ in range(14):
            middle = (low_tail + high_tail) / 2
            if covers(middle):
                low_tail = middle
            else:
                high_tail = middle
    return ends(low_tail)


def inside(outcomes: np.ndarray, low: np.ndarray | float, high: np.ndarray | float) -> np.ndarray:
    """Which outcomes a closed band holds (an outcome on an end is inside)."""
    return (outcomes >= low - 1e-9) & (outcomes <= high + 1e-9)


def _side_tail(
    distributions: RowQuantiles,
    points: np.ndarray,
    outcomes: np.ndarray,
    share: float,
    side: Literal["low", "high"],
    weights: np.ndarray,
) -> float:
    """The largest tail whose end on ``side`` (holding its point) leaves at most ``share`` of
    the weight beyond it on that side."""
    middle_tail = np.full(outcomes.size, 0.5)

    def misses(tail: float) -> float:
        tails = np.full(outcomes.size, tail)
        if side == "low":
            low, _ = distributions.ends(tails, middle_tail)
            beyond = outcomes < np.minimum(low, points) - 1e-9
        else:
            _, high = distributions.ends(middle_tail, tails)
            beyond = outcomes > np.maximum(high, points) + 1e-9
        return _weighted_share(beyond, weights)

    low_tail, high_tail = 0.0, 0.5
    if misses(high_tail) <= share + 1e-12:
        return high_tail
    for _ in range(12):
        middle = (low_tail + high_tail) / 2
        if misses(middle) <= share + 1e-12:  # one case of n may sit exactly on the share
            low_tail = middle
        else:
            high_tail = middle
    return low_tail


def calibrate_mixture(
    points: np.ndarray,
    outcomes: np.ndarray,
    distributions: RowQuantiles,
    target: float = TARGET,
    min_bucket: int = MIN_BUCKET,
    max_buckets: int = MAX_BUCKETS,
    half_life: float = 0.0,
    anchors: np.ndarray | None = None,
) -> Band | None:
    """A "mixture" band: per size bucket, the tails of the estimates' own distributions that
    held these held-out ``outcomes`` at the conformal level of :func:`calibrate`, each side
    calibrated apart (at most half the miss rate below the low end, half above the high end;
    cases oldest first, weighted by recency with a ``half_life``). Each case's band is
    stretched to hold its point, and its anchor with ``anchors``, as in use."""
    points = np.maximum(np.asarray(points, dtype=float), 0.0)
    outcomes = np.asarray(outcomes, dtype=float)
    if points.size < 8:
        return None
    logged = np.log1p(points)
    edges = _bucket_edges(logged, min_bucket, max_buckets)
    bucket = np.searchsorted(np.asarray(edges), logged, side="right")
    weights = recency_weights(points.size, half_life)
    held_low, held_high = points, points
    if anchors is not None:
        anchors = np.maximum(np.asarray(anchors, dtype=float), 0.0)
        held_low, held_high = np.minimum(points, anchors), np.maximum(points, anchors)
    lows, highs = [], []
    for b in range(len(edges) + 1):
        rows = np.flatnonzero(bucket == b)
        share = (1.0 - _weighted_level(weights[rows], target)) / 2.0
        chosen = distributions.select(rows)
        lows.append(
            _side_tail(chosen, held_low[rows], outcomes[rows], share, "low", weights[rows])
        )
        highs.append(
            _side_tail(chosen, held_high[rows], outcomes[rows], share, "high", weights[rows])
        )
    zeros = (0.0,) * len(lows)
    return Band(
        tuple(edges),
        zeros,
        zeros,
        int(points.size),
        kind="mixture",
        tails=tuple(lows),
        upper_tails=tuple(highs),
        half_life=half_life,
    )


def coverage(
    band: Band,
    points,
    spreads,
    distributions: RowQuantiles,
    outcomes,
    anchors: np.ndarray | None = None,
) -> float:
    """The share of ``outcomes`` the band holds, each band stretched to hold its anchor as it
    is in use (``anchors``: the estimates' points where the band is centred elsewhere)."""
    low, high = band.around(points, spreads, lambda: distributions)
    if anchors is not None:
        anchors = np.maximum(np.asarray(anchors, dtype=float), 0.0)
        low, high = np.minimum(low, anchors), np.maximum(high, anchors)
    return float(inside(np.asarray(outcomes, dtype=float), low, high).mean())


def calibrate(
    points: np.ndarray,
    outcomes: np.ndarray,
    spreads: np.ndarray,
    target: float = TARGET,
    min_bucket: int = MIN_BUCKET,
    max_buckets: int = MAX_BUCKETS,
    half_life: float = 0.0,
    shift: float = 1.0,
    anchors: np.ndarray | None = None,
) -> Band | None:
    """The band that held ``target`` of these held-out ``outcomes`` in each size bucket.

    ``spreads`` are the estimates' log P10–P90 widths of their analogue mixtures. Cases are
    oldest first; with a ``half_life`` the newer ones count more (see the module docstring).
    Errors are measured on ``log(shift + x)``: 1 is log1p; a shift near the smallest outcome
    makes them relative errors even for jobs under an hour, so sizes can share one bucket.
    ``anchors`` are the estimates' points when the bands are centred elsewhere (the guess said
    as is, its band the ratio model's): each band is stretched to hold its point, here as in
    use, so the outcomes the stretch takes in count.

    ``None`` with fewer than 8 cases (too few to say anything about a band).
    """
    points = np.maximum(np.asarray(points, dtype=float), 0.0)
    outcomes = np.maximum(np.asarray(outcomes, dtype=float), 0.0)
    if points.size < 8:
        return None
    logged = np.log1p(points)
    # Errors in units of each estimate's own spread (normalised conformal scores): the band's
    # ends then vary from estimate to estimate, so coverage can be tuned in fine steps even
    # when outcomes are a few discrete values (story points).
    reference = float(np.median(np.maximum(np.asarray(spreads, dtype=float), MIN_SPREAD)))
    if shift <= 0:
        raise ValueError("the band's shift must be positive")
    errors = np.log(outcomes + shift) - np.log(points + shift)
    scale = relative_spread(spreads, reference)
    errors = errors / scale
    anchored = np.zeros(points.size)
    if anchors is not None:
        anchors = np.maximum(np.asarray(anchors, dtype=float), 0.0)
        anchored = (np.log(anchors + shift) - np.log(points + shift)) / scale
    edges = _bucket_edges(logged, min_bucket, max_buckets)
    bucket = np.searchsorted(np.asarray(edges), logged, side="right")
    weights = recency_weights(points.size, half_life)
    lower, upper = [], []
    for b in range(len(edges) + 1):
        rows = bucket == b
        low, high = _offsets(errors[rows], target, weights[rows], anchored[rows])
        lower.append(low)
        upper.append(high)
    return Band(
        tuple(edges),
        tuple(lower),
        tuple(upper),
        int(points.size),
        reference,
        half_life=half_life,
        shift=shift,
    )

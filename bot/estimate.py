"""Effort estimates from similar past projects: weighted quantiles, shrinkage, calibration.

Pure functions over numbers (numpy only): no I/O, no chat, no store. The caller finds the
analogues (similar closed projects with their actual effort) and passes the tenant-wide history
of actual efforts; :func:`estimate` turns them into a calibrated P10/P50/P90 range.

The method, in short:

1. Keep the ``k`` most similar analogues whose similarity reaches ``min_similarity``; weight each
   by ``similarity ** similarity_power``.
2. Shrink towards the tenant-wide distribution: the history gets a pseudo-weight
   ``prior_strength`` against the analogues' total weight, so few or weak analogues lean on the
   tenant's overall spread (which is wider, so the range widens honestly).
3. Read P10/P50/P90 off the mixture with weighted mid-quantiles (Hazen's midpoint CDF over
   the distinct values, see :func:`weighted_quantile`); the point
   estimate is the weighted median (the value minimising expected absolute error). The tail
   probability of the band (``interval_tail``, 0.1 by default) is itself calibrated by
   backtests when outcomes are discrete (story points), where a margin cannot move coverage
   smoothly.
4. Stretch the band around P50 in log space by ``interval_scale`` (times
   ``low_confidence_widening`` when confidence is low) and add ``interval_margin``, learned from
   backtests by conformal calibration (:func:`calibrate_margin`) so that P10–P90 really holds
   ~80% of outcomes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

Confidence = Literal["high", "medium", "low"]


@dataclass(frozen=True)
class Analogue:
    """A similar past project: its id, actual effort and similarity (0..1) to the brief."""

    id: str
    hours: float
    similarity: float


@dataclass(frozen=True)
class Estimate:
    """An effort range with the evidence behind it."""

    p10: float
    p50: float
    p90: float
    point: float
    confidence: Confidence
    n_analogues: int
    mean_similarity: float
    shrinkage: float  # 0..1 weight given to the tenant-wide distribution
    method: str  # short human description


@dataclass(frozen=True)
class OverrunStats:
    """Typical actual/estimate ratio (weighted median) and its P10/P90 over ``n`` projects."""

    ratio: float
    p10: float
    p90: float
    n: int


@dataclass(frozen=True)
class EstimatorParams:
    """Knobs of :func:`estimate`; the defaults suit a small freelance portfolio.

    The band (``interval_tail``, ``interval_margin``) and, for a CSV backtest, ``k``,
    ``similarity_power``, ``prior_strength`` and ``history_half_life`` are meant to be learned
    from the tenant's own history (``bot.backtest.tune``, ``calibrate_leave_one_out``); the
    defaults are neutral starting points.
    """

    k: int = 8
    min_similarity: float = 0.25
    similarity_power: float = 1.0
    prior_strength: float = 1.0
    interval_scale: float = 1.0
    interval_margin: float = 0.0  # log(1 + x) units added to each half of the band
    # Tail probability read off each side of the mixture for the band (0.1 gives the raw
    # P10/P90); backtests move it so that the band really holds ~80% of outcomes.
    interval_tail: float = 0.1
    # 0: every past project counts the same in the tenant-wide distribution. Otherwise the
    # history is taken as oldest first and weighs a project this many places older half.
    history_half_life: float = 0.0
    low_confidence_widening: float = 1.25
    # Confidence thresholds: analogues kept and their mean similarity.
    high_min_analogues: int = 5
    high_min_similarity: float = 0.6
    medium_min_analogues: int = 3
    medium_min_similarity: float = 0.4


def _sorted_positive(
    values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values with positive weight, sorted, with their summed weights.

    Tied values are merged, so the result depends only on the weighted distribution, not on
    how it was listed. ``ValueError`` if nothing has positive weight.
    """
    v = np.asarray(values, dtype=float).ravel()
    w = np.asarray(weights, dtype=float).ravel()
    if v.shape != w.shape:
        raise ValueError("values and weights must have the same length")
    if np.any(w < 0) or not np.all(np.isfinite(w)) or not np.all(np.isfinite(v)):
        raise ValueError("weights must be finite and non-negative, values finite")
    keep = w > 0
    v, w = v[keep], w[keep]
    if v.size == 0:
        raise ValueError("no values with positive weight")
    order = np.argsort(v, kind="stable")
    v, w = v[order], w[order]
    starts = np.flatnonzero(np.r_[True, v[1:] != v[:-1]])
    return v[starts], np.add.reduceat(w, starts)


def weighted_quantiles(
    values: Sequence[float] | np.ndarray,
    weights: Sequence[float] | np.ndarray,
    qs: Sequence[float],
) -> list[float]:
    """Several weighted mid-quantiles at once (one sort); see :func:`weighted_quantile`."""
    if any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must be between 0 and 1, got {list(qs)}")
    v, w = _sorted_positive(values, weights)
    cumulative = np.cumsum(w)
    positions = (cumulative - w / 2.0) / cumulative[-1]
    return [float(x) for x in np.interp(np.asarray(qs, dtype=float), positions, v)]


def weighted_quantile(
    values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray, q: float
) -> float:
    """The ``q``-quantile (0..1) of ``values`` weighted by ``weights``.

    Interpolation: the weighted mid-distribution (Hazen / midpoint-CDF) quantile. Tied
    values are merged first; distinct value ``j`` then sits at cumulative probability
    ``(W_j - w_j / 2) / W`` (``W_j`` the running weight, ``W`` the total), and the quantile is
    linear between those points and the smallest/largest value outside them. This is
    Parzen's mid-quantile, made for discrete outcomes such as story points: it depends only
    on the weighted distribution (listing a value twice equals doubling its weight). With
    distinct, equally weighted values it is Hyndman & Fan's type 5 (``(i - 0.5) / n``,
    numpy's ``method="hazen"``). It is monotone in ``q``, equivariant to scaling, and
    monotone in values as long as they keep their order and ties (merging or splitting a tie
    moves the midpoints).
    Zero weights are ignored. Raises ``ValueError`` when nothing has positive weight or ``q``
    is outside 0..1.
    """
    return weighted_quantiles(values, weights, [q])[0]


def weighted_median(
    values: Sequence[float] | np.ndarray, weights: Sequence[float] | np.ndarray
) -> float:
    """The value minimising the weighted absolute error (the lower weighted median).

    Unlike the interpolated :func:`weighted_quantile` at 0.5, this is always one of ``values``,
    which is what a mean-absolute-error point estimate over discrete outcomes should be.
    """
    v, w = _sorted_positive(values, weights)
    cumulative = np.cumsum(w)
    # First value whose cumulative weight reaches half the total (tolerance for float sums).
    index = int(np.searchsorted(cumulative, cumulative[-1] / 2.0 - 1e-12 * cumulative[-1]))
    return float(v[min(index, v.size - 1)])


def scale_band(
    low: float, mid: float, high: float, factor: float = 1.0, margin: float = 0.0
) -> tuple[float, float]:
    """Stretch ``low``/``high`` away from ``mid`` in log(1 + x) space.

    Each half-width is multiplied by ``factor`` and then grown by ``margin`` (which may be
    negative, but never moves an end past ``mid``). Working in log space keeps the band
    asymmetric like effort itself: overruns are larger than underruns.
    """
    centre = math.log1p(max(mid, 0.0))
    below = max(factor * (centre - math.log1p(max(low, 0.0))) + margin, 0.0)
    above = max(factor * (math.log1p(max(high, 0.0)) - centre) + margin, 0.0)
    return max(math.expm1(centre - below), 0.0), math.expm1(centre + above)


def _confidence(n_used: int, mean_similarity: float, params: EstimatorParams) -> Confidence:
    if n_used >= params.high_min_analogues and mean_similarity >= params.high_min_similarity:
        return "high"
    if n_used >= params.medium_min_analogues and mean_similarity >= params.medium_min_similarity:
        return "medium"
    return "low"


def usable_analogues(
    analogues: Sequence[Analogue], params: EstimatorParams | None = None
) -> list[Analogue]:
    """The analogues :func:`estimate` would use: valid effort, above the floor, top ``k``."""
    params = params or EstimatorParams()
    kept = [
        a
        for a in analogues
        if math.isfinite(a.hours)
        and a.hours >= 0
        and math.isfinite(a.similarity)
        and a.similarity >= params.min_similarity
        and a.similarity > 0
    ]
    kept.sort(key=lambda a: a.similarity, reverse=True)
    return kept[: max(params.k, 0)]


@dataclass(frozen=True)
class Prior:
    """The tenant-wide distribution of past effort, prepared once for many estimates.

    Distinct values (sorted) with weights summing to 1. :meth:`from_history` builds it from
    actual efforts, oldest first; with ``half_life`` > 0 a project that many places older
    counts half as much (effort levels drift over time).
    """

    values: np.ndarray
    weights: np.ndarray

    @classmethod
    def from_history(cls, history: Sequence[float] | np.ndarray, half_life: float = 0.0) -> Prior:
        raw = np.asarray(history, dtype=float).ravel()
        valid = np.isfinite(raw) & (raw >= 0)
        if not valid.any():
            return cls(np.empty(0), np.empty(0))
        if half_life > 0:
            age = (raw.size - 1 - np.arange(raw.size))[valid]
            weights = 0.5 ** (age / half_life)
        else:
            weights = np.ones(int(valid.sum()))
        values, summed = _sorted_positive(raw[valid], weights)
        return cls(values, summed / summed.sum())

    @property
    def empty(self) -> bool:
        return self.values.size == 0


def estimate(
    analogues: Sequence[Analogue],
    history: Sequence[float] | np.ndarray | Prior,
    params: EstimatorParams | None = None,
) -> Estimate | None:
    """A calibrated effort range from similar projects, shrunk towards the tenant's history.

    ``analogues`` are candidate similar projects (any order; filtered by ``params``);
    ``history`` is the actual effort of all the tenant's closed projects, oldest first (the
    prior), or a :class:`Prior` prepared from it (faster when estimating many items against
    the same history; its half-life then wins over ``params.history_half_life``). Returns
    ``None`` when there is no usable number at all.
    """
    params = params or EstimatorParams()
    used = usable_analogues(analogues, params)
    prior = (
        history
        if isinstance(history, Prior)
        else Prior.from_history(history, params.history_half_life)
    )
    if not used and prior.empty:
        return None

    hours = np.asarray([a.hours for a in used], dtype=float)
    sims = np.asarray([a.similarity for a in used], dtype=float)
    weights = sims**params.similarity_power
    evidence = float(weights.sum())
    if prior.empty:
        shrinkage = 0.0
    elif evidence <= 0:
        shrinkage = 1.0
    else:
        shrinkage = params.prior_strength / (params.prior_strength + evidence)

    parts_v: list[np.ndarray] = []
    parts_w: list[np.ndarray] = []
    if evidence > 0 and shrinkage < 1.0:
        parts_v.append(hours)
        parts_w.append(weights / evidence * (1.0 - shrinkage))
    if shrinkage > 0:
        parts_v.append(prior.values)
        parts_w.append(prior.weights * shrinkage)
    values = np.concatenate(parts_v)
    mix = np.concatenate(parts_w)

    tail = min(max(params.interval_tail, 0.0), 0.5)
    low, mid, high = weighted_quantiles(values, mix, (tail, 0.5, 1.0 - tail))
    point = weighted_median(values, mix)

    mean_similarity = float(sims.mean()) if used else 0.0
    confidence = _confidence(len(used), mean_similarity, params)
    factor = params.interval_scale
    if confidence == "low":
        factor *= params.low_confidence_widening
    low, high = scale_band(low, mid, high, factor, params.interval_margin)
    # The band always contains its own middle and the point estimate.
    low = min(low, mid, point)
    high = max(high, mid, point)

    method = (
        f"similarity-weighted quantiles of {len(used)} similar projects"
        if used
        else "the spread of all past projects (no close analogues)"
    )
    if used and shrinkage > 0:
        method += f", {round(shrinkage * 100)}% weight on all past projects"
    return Estimate(
        p10=low,
        p50=mid,
        p90=high,
        point=point,
        confidence=confidence,
        n_analogues=len(used),
        mean_similarity=mean_similarity,
        shrinkage=shrinkage,
        method=method,
    )


def overrun(
    pairs: Sequence[tuple[float, float]], weights: Sequence[float] | None = None
) -> OverrunStats | None:
    """Typical actual/estimate ratio from ``(estimated, actual)`` pairs.

    Pairs with a non-positive estimate or a negative/non-finite actual are skipped. ``weights``
    (e.g. similarities to a brief) give the ratio for similar projects; by default every pair
    counts the same. The ratio is the weighted Hazen median, with P10/P90 alongside. ``None``
    when no pair is usable.
    """
    if weights is not None and len(weights) != len(pairs):
        raise ValueError("one weight per pair")
    ratios: list[float] = []
    kept_weights: list[float] = []
    for index, (estimated, actual) in enumerate(pairs):
        weight = 1.0 if weights is None else float(weights[index])
        if not (math.isfinite(estimated) and math.isfinite(actual) and math.isfinite(weight)):
            continue
        if estimated <= 0 or actual < 0 or weight <= 0:
            continue
        ratios.append(actual / estimated)
        kept_weights.append(weight)
    if not ratios:
        return None
    p10, median, p90 = weighted_quantiles(ratios, kept_weights, (0.1, 0.5, 0.9))
    return OverrunStats(ratio=median, p10=p10, p90=p90, n=len(ratios))


def calibrate_margin(
    mids: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    outcomes: Sequence[float],
    target: float = 0.8,
) -> float:
    """The log-space margin that makes the bands cover ``target`` of ``outcomes``.

    Conformalised quantile regression (Romano et al., 2019) in log(1 + x) space: each case
    scores ``max(log1p(low) - log1p(y), log1p(y) - log1p(high))`` (negative when ``y`` is inside
    its band); the margin is the ``target`` quantile of the scores with the finite-sample rank
    ``ceil((n + 1) * target)``. Adding it to both ends of new bands gives ~``target`` coverage
    if future cases resemble the backtest. It can be negative (bands were too wide). Returns 0.0
    with no cases. ``mids`` only sets the shape of the inputs (kept for symmetry).
    """
    scores: list[float] = []
    for _mid, low, high, outcome in zip(mids, lows, highs, outcomes, strict=True):
        y = math.log1p(max(outcome, 0.0))
        scores.append(max(math.log1p(max(low, 0.0)) - y, y - math.log1p(max(high, 0.0))))
    if not scores:
        return 0.0
    ordered = np.sort(np.asarray(scores))
    rank = min(math.ceil((len(ordered) + 1) * target), len(ordered)) - 1
    return float(ordered[max(rank, 0)])

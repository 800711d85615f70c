"""Weighted quantiles over past outcomes, one query or many at once.

Mid-quantiles (Hazen's rule, Parzen's mid-distribution for discrete outcomes): tied values are
merged, each distinct value sits at the middle of its step of the weighted cumulative
distribution, ``(W_j - w_j / 2) / W``, and quantiles are linear in between (the smallest and
largest value outside). The point estimate is the weighted median, always an observed value:
the figure minimising expected absolute error.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

ArrayLike = Sequence[float] | np.ndarray


def _sorted_positive(values: ArrayLike, weights: ArrayLike) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values with positive weight, sorted, with their summed weights."""
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


def weighted_quantiles(values: ArrayLike, weights: ArrayLike, qs: Sequence[float]) -> list[float]:
    """Several weighted mid-quantiles (``qs`` in 0..1) of ``values`` at once.

    Depends only on the weighted distribution (listing a value twice equals doubling its
    weight); with distinct, equally weighted values it is numpy's ``method="hazen"``. Zero
    weights are ignored; ``ValueError`` when nothing has positive weight or a ``q`` is outside
    0..1.
    """
    if any(not 0.0 <= q <= 1.0 for q in qs):
        raise ValueError(f"quantiles must be between 0 and 1, got {list(qs)}")
    v, w = _sorted_positive(values, weights)
    cumulative = np.cumsum(w)
    positions = (cumulative - w / 2.0) / cumulative[-1]
    return [float(x) for x in np.interp(np.asarray(qs, dtype=float), positions, v)]


def weighted_quantile(values: ArrayLike, weights: ArrayLike, q: float) -> float:
    """The ``q``-quantile of ``values`` weighted by ``weights`` (see :func:`weighted_quantiles`)."""
    return weighted_quantiles(values, weights, [q])[0]


def weighted_median(values: ArrayLike, weights: ArrayLike) -> float:
    """The lower weighted median: always one of ``values``, minimising weighted absolute error."""
    v, w = _sorted_positive(values, weights)
    cumulative = np.cumsum(w)
    index = int(np.searchsorted(cumulative, cumulative[-1] / 2.0 - 1e-12 * cumulative[-1]))
    return float(v[min(index, v.size - 1)])


def grid_medians(masses: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """Row-wise weighted medians of distributions given as masses on a shared sorted grid.

    ``masses`` is (rows, len(grid)), non-negative, each row with positive total. The same rule
    as :func:`weighted_median`, for many queries in one pass (backtests, tuning).
    """
    cumulative = np.cumsum(masses, axis=1)
    half = cumulative[:, -1:] / 2.0 * (1.0 - 1e-12)
    return grid[np.argmax(cumulative >= half, axis=1)]


def grid_quantiles(masses: np.ndarray, grid: np.ndarray, qs: Sequence[float]) -> np.ndarray:
    """Row-wise mid-quantiles (rows, len(qs)) of distributions on a shared grid."""
    out = np.empty((masses.shape[0], len(qs)))
    q = np.asarray(qs, dtype=float)
    for row in range(masses.shape[0]):
        keep = masses[row] > 0
        w = masses[row, keep]
        cumulative = np.cumsum(w)
        out[row] = np.interp(q, (cumulative - w / 2.0) / cumulative[-1], grid[keep])
    return out


def scale_band(
    low: float, mid: float, high: float, factor: float = 1.0, margin: float = 0.0
) -> tuple[float, float]:
    """Stretch ``low``/``high`` away from ``mid`` in log(1 + x) space (asymmetric, like effort)."""
    centre = math.log1p(max(mid, 0.0))
    below = max(factor * (centre - math.log1p(max(low, 0.0))) + margin, 0.0)
    above = max(factor * (math.log1p(max(high, 0.0)) - centre) + margin, 0.0)
    return max(math.expm1(centre - below), 0.0), math.expm1(centre + above)


def nearest_observed(values: ArrayLike, observed: np.ndarray) -> np.ndarray:
    """Each of ``values`` moved to the closest of ``observed`` (sorted; the lower on a tie).

    A blended point lands between categories (3.6 story points); the closest value that really
    occurred is what an absolute-error estimate over discrete outcomes should say.
    """
    values = np.asarray(values, dtype=float)
    if observed.size == 0:
        return values
    upper = np.clip(np.searchsorted(observed, values), 0, observed.size - 1)
    lower = np.clip(upper - 1, 0, observed.size - 1)
    below, above = observed[lower], observed[upper]
    return np.where(np.abs(values - below) <= np.abs(above - values), below, above)


@dataclass(frozen=True)
class RatioStats:
    """Typical actual/estimate ratio (weighted median) and its P10/P90 over ``n`` pairs."""

    ratio: float
    p10: float
    p90: float
    n: int


def overrun(
    pairs: Sequence[tuple[float, float]], weights: Sequence[float] | None = None
) -> RatioStats | None:
    """Typical actual/estimate ratio from ``(estimated, actual)`` pairs (``None`` if none usable).

    Pairs with a non-positive estimate or a negative/non-finite actual are skipped; ``weights``
    (similarities to a brief) give the ratio for similar work.
    """
    if weights is not None and len(weights) != len(pairs):
        raise ValueError("one weight per pair")
    ratios: list[float] = []
    kept: list[float] = []
    for index, (estimated, actual) in enumerate(pairs):
        weight = 1.0 if weights is None else float(weights[index])
        if not (math.isfinite(estimated) and math.isfinite(actual) and math.isfinite(weight)):
            continue
        if estimated <= 0 or actual < 0 or weight <= 0:
            continue
        ratios.append(actual / estimated)
        kept.append(weight)
    if not ratios:
        return None
    p10, median, p90 = weighted_quantiles(ratios, kept, (0.1, 0.5, 0.9))
    return RatioStats(ratio=median, p10=p10, p90=p90, n=len(ratios))


class RowQuantiles:
    """Per-row mid-quantile functions of many distributions, read at a tail per row.

    Built once from masses on a grid (``values`` shared, or one row of values per
    distribution); :meth:`at` gives each row's ``(Q(t), Q(1 - t))`` for its own ``t``.
    """

    def __init__(self, positions: list[np.ndarray], values: list[np.ndarray]) -> None:
        self.positions = positions
        self.values = values

    @classmethod
    def from_masses(cls, masses: np.ndarray, values: np.ndarray) -> RowQuantiles:
        positions, kept = [], []
        for row in range(masses.shape[0]):
            row_values = values if values.ndim == 1 else values[row]
            order = np.argsort(row_values, kind="stable")
            w, v = masses[row][order], row_values[order]
            keep = w > 0
            w, v = w[keep], v[keep]
            cumulative = np.cumsum(w)
            positions.append((cumulative - w / 2.0) / cumulative[-1])
            kept.append(v)
        return cls(positions, kept)

    def __len__(self) -> int:
        return len(self.values)

    def select(self, rows: np.ndarray) -> RowQuantiles:
        return RowQuantiles([self.positions[i] for i in rows], [self.values[i] for i in rows])

    @staticmethod
    def join(parts: Sequence[RowQuantiles]) -> RowQuantiles:
        return RowQuantiles(
            [p for part in parts for p in part.positions],
            [v for part in parts for v in part.values],
        )

    def at(self, tails: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``(Q(t), Q(1 - t))`` for its own tail ``t``."""
        return self.ends(tails, tails)

    def ends(
        self, low_tails: np.ndarray | float, high_tails: np.ndarray | float
    ) -> tuple[np.ndarray, np.ndarray]:
        """Each row's ``(Q(low_tail), Q(1 - high_tail))``: the two sides read apart."""
        lows = np.broadcast_to(np.asarray(low_tails, dtype=float), (len(self),))
        highs = np.broadcast_to(np.asarray(high_tails, dtype=float), (len(self),))
        low = np.empty(len(self))
        high = np.empty(len(self))
        for row, (p, v) in enumerate(zip(self.positions, self.values, strict=True)):
            low[row], high[row] = np.interp((lows[row], 1.0 - highs[row]), p, v)
        return low, high

"""Bands under drift: recency-weighted calibration follows a history whose errors change."""

from __future__ import annotations

import numpy as np

from estimating.bands import calibrate, recency_weights
from estimating.quantiles import RowQuantiles
from estimating.tuning import TRIED_BAND_HALF_LIFE, HeldOut, choose_half_life


def _drifting(rng: np.random.Generator, n: int, calm: int) -> tuple[np.ndarray, np.ndarray]:
    """Points and outcomes whose log error is 0.3 wide for the first ``calm`` cases, then 0.9."""
    points = rng.uniform(5, 50, n)
    scale = np.where(np.arange(n) < calm, 0.3, 0.9)
    return points, np.expm1(np.log1p(points) + rng.normal(0, 1, n) * scale)


def _held(rng: np.random.Generator, n: int, calm: int) -> HeldOut:
    """``n`` held-out cases in four time windows, as tuning hands them to the bands."""
    points, outcomes = _drifting(rng, n, calm)
    window = np.arange(n) * 4 // n
    flat = RowQuantiles.from_masses(np.ones((n, 1)), np.ones(1))  # unused by residual bands
    return HeldOut(points, outcomes, np.ones(n), flat, window == 3, window)


def _coverage(band, points: np.ndarray, outcomes: np.ndarray) -> float:
    low, high = band.around(points, np.ones(points.size))
    return float(np.mean((outcomes >= low) & (outcomes <= high)))


def test_recency_weights_halve_every_half_life_and_none_means_equal() -> None:
    assert np.allclose(recency_weights(4, 0.0), 1.0)
    assert np.allclose(recency_weights(3, 1.0), [0.25, 0.5, 1.0])


def test_a_recency_weighted_band_holds_80_percent_after_drift_where_a_static_one_does_not() -> None:
    rng = np.random.default_rng(3)
    points, outcomes = _drifting(rng, 1000, calm=700)  # the newest 300 are the wide ones
    fresh_points, fresh = _drifting(rng, 4000, calm=0)  # what comes next: still wide
    static = calibrate(points, outcomes, np.ones(1000))
    adaptive = calibrate(points, outcomes, np.ones(1000), half_life=50)
    assert static is not None and adaptive is not None
    assert _coverage(static, fresh_points, fresh) < 0.7
    assert abs(_coverage(adaptive, fresh_points, fresh) - 0.8) <= 0.05
    assert adaptive.half_life == 50


def test_without_drift_the_weighted_band_changes_little() -> None:
    rng = np.random.default_rng(4)
    points, outcomes = _drifting(rng, 1000, calm=1000)
    fresh_points, fresh = _drifting(rng, 4000, calm=4000)
    for half_life in (0.0, 200.0):
        band = calibrate(points, outcomes, np.ones(1000), half_life=half_life)
        assert band is not None
        assert abs(_coverage(band, fresh_points, fresh) - 0.8) <= 0.05


def test_the_half_life_is_chosen_on_the_histories_own_newest_windows() -> None:
    rng = np.random.default_rng(5)
    drifting = _held(rng, 800, calm=450)  # the drift starts inside the third window
    chosen = choose_half_life("residual", drifting, TRIED_BAND_HALF_LIFE)
    assert chosen > 0
    adaptive = calibrate(drifting.points, drifting.outcomes, drifting.spreads, half_life=chosen)
    static = calibrate(drifting.points, drifting.outcomes, drifting.spreads)
    fresh_points, fresh = _drifting(rng, 4000, calm=0)
    assert adaptive is not None and static is not None
    gaps = [abs(_coverage(b, fresh_points, fresh) - 0.8) for b in (adaptive, static)]
    assert gaps[0] < gaps[1]
    assert choose_half_life("residual", drifting) == 0.0  # the default tries no weighting

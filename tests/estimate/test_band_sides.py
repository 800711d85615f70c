"""Mixture bands calibrate their two ends apart, and bands are closed on both ends."""

from __future__ import annotations

import numpy as np

from estimating.bands import Band, calibrate_mixture, coverage, inside
from estimating.quantiles import RowQuantiles

GRID = np.arange(1.0, 11.0)  # every estimate's distribution: 1..10, equally likely


def _skewed(rng: np.random.Generator, n: int) -> tuple[np.ndarray, RowQuantiles, np.ndarray]:
    """Points, distributions and outcomes that fall mostly on the high side of them."""
    points = np.full(n, 5.0)
    distributions = RowQuantiles.from_masses(np.ones((n, GRID.size)), GRID)
    outcomes = 1.0 + 9.0 * rng.beta(4.0, 1.5, n)
    return points, distributions, outcomes


def _misses(band: Band, points, distributions, outcomes) -> tuple[float, float]:
    low, high = band.around(points, np.ones(points.size), lambda: distributions)
    return float(np.mean(outcomes < low - 1e-9)), float(np.mean(outcomes > high + 1e-9))


def test_each_end_of_a_mixture_band_leaves_about_a_tenth_outside_its_side() -> None:
    rng = np.random.default_rng(11)
    points, distributions, outcomes = _skewed(rng, 600)
    band = calibrate_mixture(points, outcomes, distributions)
    assert band is not None and band.kind == "mixture"
    below, above = _misses(band, points, distributions, outcomes)
    assert below <= 0.1 and above <= 0.1  # on its own cases, by construction
    assert band.upper_tails[0] < band.tails[0]  # outcomes run high: the high end moves further
    fresh_points, fresh_distributions, fresh = _skewed(rng, 5000)
    below, above = _misses(band, fresh_points, fresh_distributions, fresh)
    assert 0.06 <= below <= 0.14 and 0.06 <= above <= 0.14
    held = coverage(band, fresh_points, np.ones(5000), fresh_distributions, fresh)
    assert abs(held - 0.8) <= 0.05


def test_a_band_holds_an_outcome_on_either_end() -> None:
    distributions = RowQuantiles.from_masses(np.ones((1, GRID.size)), GRID)
    # The mid-quantile at 0.15 of 1..10 is exactly 2 and at 1 - 0.35 it is exactly 7.
    band = Band((), (0.0,), (0.0,), 10, kind="mixture", tails=(0.15,), upper_tails=(0.35,))
    low, high = band.around(np.array([5.0]), np.ones(1), lambda: distributions)
    assert np.allclose([low[0], high[0]], [2.0, 7.0])
    for outcome, held in ((2.0, 1.0), (7.0, 1.0), (1.999, 0.0), (7.001, 0.0)):
        found = coverage(band, np.array([5.0]), np.ones(1), distributions, np.array([outcome]))
        assert found == held, outcome
    assert inside(np.array([2.0, 7.0, 8.0]), 2.0, 7.0).tolist() == [True, True, False]


def test_discrete_outcomes_on_the_ends_count_inside_when_calibrating() -> None:
    """Integer outcomes, a third of them on the low end's value: the calibrated band keeps
    that value inside (closed) rather than shrinking past it and dropping a third at once."""
    n = 300
    distributions = RowQuantiles.from_masses(np.ones((n, GRID.size)), GRID)
    outcomes = np.tile([1.0] * 3 + [4.0, 5.0, 5.0, 6.0, 7.0, 8.0], n // 9 + 1)[:n]
    band = calibrate_mixture(np.full(n, 5.0), outcomes, distributions)
    assert band is not None
    low, _ = band.around(np.full(n, 5.0), np.ones(n), lambda: distributions)
    assert np.all(low <= 1.0 + 1e-9)  # the third at 1 stays inside
    below, above = _misses(band, np.full(n, 5.0), distributions, outcomes)
    assert below == 0.0 and above <= 0.1


def test_row_quantiles_read_the_two_sides_apart() -> None:
    quantiles = RowQuantiles.from_masses(np.ones((2, GRID.size)), GRID)
    low, high = quantiles.ends(np.array([0.05, 0.15]), np.array([0.05, 0.35]))
    assert np.allclose(low, [1.0, 2.0]) and np.allclose(high, [10.0, 7.0])
    same_low, same_high = quantiles.at(np.array([0.15, 0.15]))
    assert np.allclose(same_low, 2.0) and np.allclose(same_high, 9.0)

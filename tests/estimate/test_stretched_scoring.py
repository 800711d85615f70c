"""A band stretched to hold its anchor (the guess said as is) is scored as it is used.

Tuning calibrates such a band stretched; its choices between bands (the half-life, the kind)
must score it stretched too, or they judge a band nobody sees.
"""

from __future__ import annotations

import math

import numpy as np

from estimating.bands import calibrate, calibrate_mixture, coverage, inside
from estimating.quantiles import RowQuantiles
from estimating.tuning import HeldOut, choose_band, choose_half_life

GRID = np.arange(1.0, 11.0)


def _said_as_is(
    rng: np.random.Generator, widths: list[float], per_window: int, exact: float = 0.3
) -> HeldOut:
    """Bands centred on 10 (the ratio model); half the estimates have the guess 40 said as is
    (their anchor), and ``exact`` of those took exactly 40. The other outcomes scatter around
    10, ``widths[w]`` wide (log sd) in time window ``w``."""
    n = per_window * len(widths)
    window = np.arange(n) // per_window
    said = rng.random(n) < 0.5
    on_guess = said & (rng.random(n) < exact)
    scatter = 10.0 * np.exp(rng.normal(0.0, 1.0, n) * np.asarray(widths)[window])
    outcomes = np.where(on_guess, 40.0, scatter)
    flat = RowQuantiles.from_masses(np.ones((n, 1)), np.ones(1))  # unused by residual bands
    anchors = np.where(said, 40.0, 10.0)
    return HeldOut(
        np.full(n, 10.0), outcomes, np.ones(n), flat, window == window[-1], window, anchors
    )


def _used(band, cases: HeldOut) -> float:
    """The band as the engine gives it: around the centre, stretched to hold the point."""
    low, high = band.around(cases.points, cases.spreads, lambda: cases.distributions)
    assert cases.anchors is not None
    low, high = np.minimum(low, cases.anchors), np.maximum(high, cases.anchors)
    return float(inside(cases.outcomes, low, high).mean())


def test_coverage_counts_what_the_stretch_to_the_anchor_takes_in() -> None:
    rng = np.random.default_rng(5)
    cases = _said_as_is(rng, [0.5], 2000, exact=0.6)
    band = calibrate(cases.points, cases.outcomes, cases.spreads, anchors=cases.anchors)
    assert band is not None
    args = (band, cases.points, cases.spreads, cases.distributions, cases.outcomes)
    stretched = coverage(*args, anchors=cases.anchors)
    assert stretched == _used(band, cases)
    assert abs(stretched - 0.8) <= 0.02
    assert coverage(*args) < 0.6  # unstretched, the tenths on 40 look missed


def test_the_half_life_is_chosen_on_bands_as_they_are_used() -> None:
    """The scatter around the ratio model narrows over time. A recency-weighted band follows it
    and, stretched to the guesses as in use, lands nearer 80% than the unweighted one, which
    over-covers. Scored unstretched, the exact guesses look missed and the wider, unweighted
    band looks nearer: the old scoring chose it."""
    rng = np.random.default_rng(0)
    cases = _said_as_is(rng, [0.9, 0.7, 0.4, 0.3], 300)
    gaps = {}
    for half_life in (0.0, 50.0):
        gaps[half_life] = 0.0
        for w in (2, 3):  # the newest two windows, each against the older ones
            older = cases.part(np.flatnonzero(cases.window < w))
            fresh = cases.part(np.flatnonzero(cases.window == w))
            shift = float(older.outcomes.min())
            band = calibrate(
                older.points,
                older.outcomes,
                older.spreads,
                max_buckets=1,
                half_life=half_life,
                shift=shift,
                anchors=older.anchors,
            )
            assert band is not None
            gaps[half_life] += abs(_used(band, fresh) - 0.8)
    assert gaps[50.0] < gaps[0.0] - 0.05
    chosen = choose_half_life("residual", cases, (0.0, 50.0), buckets=1, relative=True)
    assert chosen == 50.0


def _exact_on_anchor(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Mixture estimates at 5 over 1..10, anchored on 8; a fifth of the outcomes sit exactly on
    the anchor, the rest spread evenly over 1..10."""
    points = np.full(n, 5.0)
    anchors = np.full(n, 8.0)
    exact = rng.random(n) < 0.2
    outcomes = np.where(exact, 8.0, rng.uniform(1.0, 10.0, n))
    return points, anchors, outcomes


def test_a_mixture_band_given_anchors_is_calibrated_stretched_to_them() -> None:
    rng = np.random.default_rng(13)
    points, anchors, outcomes = _exact_on_anchor(rng, 900)
    distributions = RowQuantiles.from_masses(np.ones((900, GRID.size)), GRID)
    band = calibrate_mixture(points, outcomes, distributions, max_buckets=1, anchors=anchors)
    assert band is not None
    low, high = band.around(points, np.ones(900), lambda: distributions)
    low, high = np.minimum(low, anchors), np.maximum(high, anchors)
    # Stretched as in use, each end leaves at most half the conformal miss rate beyond it.
    share = (1.0 - math.ceil(901 * 0.8) / 900) / 2.0
    assert np.mean(outcomes < low - 1e-9) <= share + 1e-9
    assert np.mean(outcomes > high + 1e-9) <= share + 1e-9
    assert coverage(band, points, np.ones(900), distributions, outcomes, anchors) >= 0.8
    # Its own point as anchor changes nothing (history-only estimates are their own anchors).
    assert calibrate_mixture(points, outcomes, distributions, anchors=points) == (
        calibrate_mixture(points, outcomes, distributions)
    )


def test_the_band_kind_is_compared_on_bands_as_they_are_used() -> None:
    """Both kinds are scored stretched: the chosen kind is the one whose band, as used, came
    nearer 80% on the newest estimates (here the mixture; scored unstretched, the residual band
    looked nearer)."""
    cases = _said_as_is(np.random.default_rng(17), [0.5] * 4, 300, exact=0.6)
    # Each estimate's own distribution: 5..20 hours, evenly.
    cases.distributions = RowQuantiles.from_masses(np.ones((1200, 10)), np.linspace(5, 20, 10))
    band = choose_band(cases, ("residual", "mixture"), buckets=1)
    assert band is not None
    fresh = cases.part(np.flatnonzero(cases.newest))
    older = cases.part(np.flatnonzero(~cases.newest))
    used, plain = {}, {}
    for kind, tried in (
        (
            "residual",
            calibrate(
                older.points, older.outcomes, older.spreads, max_buckets=1, anchors=older.anchors
            ),
        ),
        (
            "mixture",
            calibrate_mixture(
                older.points,
                older.outcomes,
                older.distributions,
                max_buckets=1,
                anchors=older.anchors,
            ),
        ),
    ):
        assert tried is not None
        used[kind] = abs(_used(tried, fresh) - 0.8)
        held = coverage(tried, fresh.points, fresh.spreads, fresh.distributions, fresh.outcomes)
        plain[kind] = abs(held - 0.8)
    assert min(plain, key=lambda k: plain[k]) == "residual"
    assert band.kind == min(used, key=lambda k: used[k]) == "mixture"

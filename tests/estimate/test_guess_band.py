"""A guess estimate's band: one pooled calibration, local to the job's size through its scale."""

from __future__ import annotations

import math
import random

import numpy as np

from estimating import Engine, History, PastItem, Query, calibrate, tune
from estimating.tuning import BAND_BUCKETS


def guessed_history(n: int, seed: int) -> list[PastItem]:
    """Small reports guessed well (ratio noise 0.1), big integrations guessed badly (0.7)."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        if rng.random() < 0.5:
            text, size, noise = f"report tweak {i}", 2.0, 0.1
        else:
            text, size, noise = f"integration build {i}", 40.0, 0.7
        guess = size * math.exp(rng.gauss(0, 0.3))
        actual = guess * math.exp(rng.gauss(0, noise))
        items.append(PastItem(str(i), text, actual, guess=guess, order=i))
    return items


def test_the_guess_band_pools_sizes_and_the_history_band_keeps_its_buckets() -> None:
    assert BAND_BUCKETS["guess"] == 1
    tuned = tune(History(guessed_history(600, seed=3)))
    assert tuned.protocol == "time"
    assert tuned.bands["guess"].edges == ()
    assert 0 < tuned.bands["guess"].shift < 1.0  # errors relative to the job, not log1p
    assert len(tuned.bands["history"].edges) >= 1  # the history-only band stays by size


def test_a_well_guessed_small_jobs_band_is_tighter_than_a_badly_guessed_big_ones() -> None:
    history = History(guessed_history(600, seed=4))
    tuned = tune(history)
    engine = Engine(history, tuned.knobs, tuned.bands)
    small = engine.estimate(Query("report tweak", guess=2.0))
    big = engine.estimate(Query("integration build", guess=40.0))
    assert small.band_calibrated_on > 0 and big.band_calibrated_on > 0
    assert small.p10 <= small.point <= small.p90 < 4.0
    assert small.p90 / max(small.p10, 0.1) < big.p90 / big.p10


def test_guess_bands_hold_80_percent_on_the_next_items() -> None:
    items = guessed_history(1500, seed=5)
    history = History(items[:1000])
    tuned = tune(history)
    engine = Engine(history, tuned.knobs, tuned.bands)
    later = items[1000:]
    estimates = engine.estimate_many([Query(i.text, guess=i.guess) for i in later])
    held = sum(e.p10 <= i.actual <= e.p90 for e, i in zip(estimates, later, strict=True))
    assert abs(held / len(later) - 0.8) <= 0.05


def test_relative_errors_let_half_hour_tasks_and_big_jobs_share_one_band() -> None:
    """The same relative noise at 0.5 h and at 50 h: pooled on log(shift + x) with a small
    shift, both sizes hold about 80%; on log1p the small tasks' errors look tiny, so the
    pooled band over-covers them and under-covers the big jobs."""
    rng = np.random.default_rng(8)
    points = np.where(rng.random(4000) < 0.5, 0.5, 50.0)
    outcomes = points * np.exp(rng.normal(0, 0.6, points.size))
    small = points < 1
    ones = np.ones(points.size)

    def held(shift: float) -> tuple[float, float]:
        band = calibrate(points[:2000], outcomes[:2000], ones[:2000], max_buckets=1, shift=shift)
        assert band is not None and band.edges == ()
        low, high = band.around(points[2000:], ones[2000:])
        inside = (outcomes[2000:] >= low) & (outcomes[2000:] <= high)
        return float(inside[small[2000:]].mean()), float(inside[~small[2000:]].mean())

    relative_small, relative_big = held(0.05)
    assert abs(relative_small - 0.8) <= 0.05 and abs(relative_big - 0.8) <= 0.05
    log1p_small, log1p_big = held(1.0)
    assert log1p_small > 0.9 and log1p_big < 0.72

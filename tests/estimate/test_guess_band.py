"""A guess estimate's band: one pooled calibration, local to the job's size through its scale."""

from __future__ import annotations

import math
import random

from estimating import Engine, History, PastItem, Query, tune
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

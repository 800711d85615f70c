"""The guess stands as is where similar guesses were often exactly right."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest

from estimating import Engine, History, Knobs, PastItem, Query, calibrate, tune
from estimating.bands import inside
from estimating.engine import EXACT_PRIOR, exact_shares


def _history(pairs: list[tuple[float, float]]) -> History:
    return History(
        PastItem(str(i), f"task {i}", actual, guess=guess, order=i)
        for i, (guess, actual) in enumerate(pairs)
    )


def test_the_exact_share_counts_similar_guesses_and_shrinks_to_the_whole_history() -> None:
    history = _history([(2.0, 2.0), (2.0, 2.0), (2.0, 3.0), (40.0, 50.0), (40.0, 60.0)])
    # A kernel that sees only the guesses of 2 (as a very narrow one on log guess would).
    closeness = np.array([[1.0, 1.0, 1.0, 0.0, 0.0]])
    overall = 2 / 5
    found = exact_shares(history, closeness, np.array([-1]))
    assert found[0] == pytest.approx((2 + EXACT_PRIOR * overall) / (3 + EXACT_PRIOR))
    # The first task left out: neither its own hit nor its case counts, here or overall.
    left_out = exact_shares(history, closeness, np.array([0]))
    assert left_out[0] == pytest.approx((1 + EXACT_PRIOR * 1 / 4) / (2 + EXACT_PRIOR))
    # Tasks without a guess are no evidence either way.
    unguessed = History([*history.items, PastItem("x", "task x", 2.0, guess=None, order=9)])
    with_unguessed = exact_shares(unguessed, np.append(closeness, [[1.0]], axis=1), np.array([-1]))
    assert with_unguessed[0] == pytest.approx(found[0])


def _skewed_guesses(n: int, seed: int) -> list[PastItem]:
    """Small tasks: 45% took exactly their guess, the rest half as long again."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        small = i % 2 == 0
        guess = 2.0 if small else 40.0
        if small:
            actual = guess if rng.random() < 0.45 else guess * 1.5
        else:
            actual = guess * math.exp(rng.gauss(0.2, 0.4))
        items.append(
            PastItem(str(i), f"{'report' if small else 'build'} {i}", actual, guess, order=i)
        )
    return items


def test_the_gate_says_the_guess_only_where_similar_guesses_were_exactly_right() -> None:
    history = History(_skewed_guesses(400, seed=1))
    knobs = Knobs(k=10, guess_k=10, guess_width=0.35, guess_strength=0.5)
    plain = Engine(history, knobs)
    gated = Engine(history, replace(knobs, exact_share=0.3))
    small = Query("report", guess=2.0)
    big = Query("build", guess=40.0)
    # Without the gate the small task's point is the ratio median (most took 1.5x).
    assert plain.estimate(small).point == pytest.approx(3.0)
    assert gated.estimate(small).point == pytest.approx(2.0)
    # Big tasks were almost never exactly right: the gate leaves them to the ratio model.
    assert gated.estimate(big).point == pytest.approx(plain.estimate(big).point)
    assert gated.estimate(big).point != pytest.approx(40.0)


def _learning_guesser(n: int, seed: int) -> list[PastItem]:
    """A guesser whose tasks ran half as long again, 90% of them at first; from a third of the
    way on, 60% took exactly the guess (the rest still ran over)."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        guess = math.exp(rng.uniform(0.0, 3.0))
        exact = 0.1 if i < n // 3 else 0.6
        ratio = 1.0 if rng.random() < exact else 1.5
        items.append(
            PastItem(str(i), f"task {i} {rng.choice(WORDS)}", guess * ratio, guess, order=i)
        )
    return items


WORDS = ("report", "export", "login", "invoice", "search", "upload")


def test_tuning_turns_the_gate_on_when_it_wins_on_the_newest_history() -> None:
    items = _learning_guesser(900, seed=2)
    history = History(items[:600])
    tuned = tune(history)
    assert tuned.knobs.exact_share > 0
    fresh = items[600:]
    outcomes = np.asarray([item.actual for item in fresh])
    queries = [Query(item.text, guess=item.guess) for item in fresh]
    gated = Engine(history, tuned.knobs, tuned.bands).estimate_many(queries)
    ungated = replace(tuned.knobs, exact_share=0.0)
    plain = Engine(history, ungated, tuned.bands).estimate_many(queries)
    gated_mae = np.abs(np.asarray([e.point for e in gated]) - outcomes).mean()
    plain_mae = np.abs(np.asarray([e.point for e in plain]) - outcomes).mean()
    assert gated_mae < plain_mae
    # The band is the ratio model's either way, stretched to hold the guess where it stands.
    for with_gate, without in zip(gated, plain, strict=True):
        assert with_gate.p10 <= with_gate.point <= with_gate.p90
        assert with_gate.p10 <= without.p10 + 1e-9 and with_gate.p90 >= without.p90 - 1e-9


def test_tuning_keeps_the_gate_off_when_guesses_are_never_exact() -> None:
    rng = random.Random(3)
    items = []
    for i in range(400):
        guess = math.exp(rng.uniform(0.0, 3.0))
        items.append(
            PastItem(str(i), f"task {i}", guess * math.exp(rng.gauss(0.3, 0.3)), guess, order=i)
        )
    assert tune(History(items)).knobs.exact_share == 0.0


def _said_as_is(rng: np.random.Generator, n: int) -> tuple[np.ndarray, ...]:
    """Bands centred on 10 (the ratio model), the point the guess 40 (said as is); a tenth of
    the outcomes are exactly 40, far beyond the others, which scatter around 10."""
    centres = np.full(n, 10.0)
    points = np.full(n, 40.0)
    exact = rng.random(n) < 0.1
    outcomes = np.where(exact, 40.0, 10.0 * np.exp(rng.normal(0.0, 0.5, n)))
    return centres, points, outcomes


def _stretched_coverage(band, centres, points, outcomes) -> float:
    low, high = band.around(centres, np.ones(centres.size))
    low, high = np.minimum(low, points), np.maximum(high, points)
    return float(inside(outcomes, low, high).mean())


def test_a_band_stretched_to_its_point_is_calibrated_stretched() -> None:
    rng = np.random.default_rng(7)
    centres, points, outcomes = _said_as_is(rng, 900)
    held = calibrate(centres, outcomes, np.ones(900), max_buckets=1, anchors=points)
    unheld = calibrate(centres, outcomes, np.ones(900), max_buckets=1)
    assert held is not None and unheld is not None
    # Stretched to 40 it holds the tenth there anyway: the band around 10 can be narrower ...
    assert held.upper[0] - held.lower[0] < unheld.upper[0] - unheld.lower[0]
    fresh = _said_as_is(rng, 20000)
    # ... and the stretched band then holds 80% of fresh cases; without, it over-covers.
    assert abs(_stretched_coverage(held, *fresh) - 0.8) <= 0.02
    assert _stretched_coverage(unheld, *fresh) > 0.85

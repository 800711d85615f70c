"""The estimating engine: retrieval fusion, shrinkage, the regression, the guess, bands, tuning."""

from __future__ import annotations

import math
import random

import numpy as np
import pytest
from scipy import sparse

from estimating import (
    Engine,
    History,
    Knobs,
    PastItem,
    Query,
    TuningCache,
    calibrate,
    time_split,
    tune,
)
from estimating.quantiles import grid_medians, weighted_median
from estimating.regression import TextRegression
from estimating.retrieval import LexicalIndex

PLAIN = Knobs(k=3, prior_strength=1.0, low_confidence_widening=1.0)


def unit(*values: float) -> np.ndarray:
    vector = np.asarray(values, dtype=np.float32)
    return vector / np.linalg.norm(vector)


def test_shrinkage_mixes_analogues_with_the_history_by_hand() -> None:
    items = [
        PastItem("a", "shop checkout", 10.0, order=0),
        PastItem("b", "shop checkout", 10.0, order=1),
        PastItem("c", "blog", 100.0, order=2),
        PastItem("d", "forum", 100.0, order=3),
        PastItem("e", "wiki", 100.0, order=4),
    ]
    engine = Engine(History(items), PLAIN)
    estimate = engine.estimate(Query("shop checkout"))
    # Two analogues at similarity 1 (evidence 2) against prior strength 1: shrinkage 1/3.
    # Mixture: 10 h with 2/3 + 1/3 * 2/5, 100 h with 1/3 * 3/5 -> median 10 h.
    assert [i for i, _ in estimate.analogues] == ["a", "b"]
    assert estimate.shrinkage == pytest.approx(1 / 3)
    assert estimate.point == 10.0
    # Nothing in common: the history alone (its weighted median is 100 h).
    alone = engine.estimate(Query("unrelated words"))
    assert alone.n_analogues == 0 and alone.shrinkage == 1.0 and alone.point == 100.0


def test_fusion_weighs_lexical_against_semantic_similarity() -> None:
    items = [
        PastItem("words", "stripe payment webhook", 5.0, embedding=unit(0, 1), order=0),
        PastItem("meaning", "card checkout flow", 50.0, embedding=unit(1, 0), order=1),
    ]
    history = History(items)
    query = Query("stripe payment webhook", embedding=unit(1, 0))
    knobs = Knobs(k=1, prior_strength=1e-6)
    assert Engine(history, knobs).estimate(query).point == 50.0  # semantic only (default)
    lexical = Knobs(k=1, prior_strength=1e-6, lexical_weight=1.0)
    assert Engine(history, lexical).estimate(query).point == 5.0
    # Precomputed similarities (a store's search) stand in for the embeddings.
    searched = Query("stripe payment webhook", semantic={"meaning": 0.9, "words": 0.1})
    assert (
        Engine(History([*(PastItem(i.id, i.text, i.actual) for i in items)]), knobs)
        .estimate(searched)
        .point
        == 50.0
    )


def test_metadata_and_allowed_ids_steer_the_analogues() -> None:
    items = [
        PastItem("bug", "fix the report page", 2.0, category="Bug", order=0),
        PastItem("feature", "fix the report page", 20.0, category="Feature", order=1),
    ]
    history = History(items)
    query = Query("fix the report page", category="Feature")
    strict = Engine(history, Knobs(k=1, prior_strength=1e-6, metadata_weight=0.9))
    assert strict.estimate(query).analogues[0][0] == "feature"
    only_bugs = Query("fix the report page", allowed=frozenset({"bug"}))
    assert Engine(history, Knobs(k=2, prior_strength=1e-6)).estimate(only_bugs).point == 2.0


def test_leave_one_out_never_uses_the_item_itself() -> None:
    items = [
        PastItem(str(i), f"kind{i % 2} task", 10.0 + 90.0 * (i % 2), order=i) for i in range(6)
    ]
    history = History(items)
    engine = Engine(history, Knobs(k=2, prior_strength=0.5))
    queries = [Query(item.text) for item in history.items]
    estimates = engine.estimate_many(queries, excluded=list(range(6)))
    for index, estimate in enumerate(estimates):
        assert str(index) not in [i for i, _ in estimate.analogues]
        assert estimate.point == history.items[index].actual  # its own kind, from the others


def test_grid_medians_match_the_weighted_median() -> None:
    rng = np.random.default_rng(1)
    grid = np.array([1.0, 2.0, 3.0, 5.0, 8.0])
    masses = rng.random((50, 5)) * (rng.random((50, 5)) < 0.7) + 1e-3
    got = grid_medians(masses, grid)
    assert got.tolist() == [weighted_median(grid, row) for row in masses]


def test_the_regression_reads_word_effects_across_the_history() -> None:
    # Size doubles with each "module" word; no item is a near copy of the query.
    rng = random.Random(3)
    items = []
    for i in range(80):
        modules = rng.randint(0, 4)
        text = " ".join(["module"] * modules + [f"name{i}"])
        items.append(PastItem(str(i), text, 2.0 * 2**modules, order=i))
    history = History(items)
    model = TextRegression(history, LexicalIndex(history.texts), penalty=1.0)
    small, large = model.predict([Query("module"), Query("module module module module")])
    assert small < large
    assert isinstance(LexicalIndex(history.texts).matrix, sparse.csr_matrix)


def noisy_guess_history(n: int, seed: int) -> list[PastItem]:
    """Developers guess half of the real size, with noise; small tasks are guessed better."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        kind = rng.choice(["report", "import", "screen", "api"])
        size = {"report": 4.0, "import": 12.0, "screen": 6.0, "api": 20.0}[kind]
        actual = size * math.exp(rng.gauss(0, 0.25))
        guess = actual / 2.0 * math.exp(rng.gauss(0, 0.3))
        items.append(PastItem(str(i), f"{kind} work {i}", actual, guess=guess, order=i))
    return items


def test_the_guess_blend_beats_a_noisy_guess() -> None:
    result = time_split(noisy_guess_history(400, seed=5), 0.75, use_guess=True)
    assert result.guess_mae is not None
    assert result.mae < 0.5 * result.guess_mae  # the history says: double it
    assert result.mae < result.baseline_median_mae
    assert 0.7 <= result.coverage_80 <= 0.9


def test_where_the_guess_sits_against_the_history_range() -> None:
    items = noisy_guess_history(300, seed=2)
    history = History(items)
    tuned = tune(history)
    engine = Engine(history, tuned.knobs, tuned.bands)
    low = engine.estimate(Query("api work new", guess=0.5))
    assert low.guess == 0.5 and low.guess_position == "below"
    assert low.history_p10 <= low.history_point <= low.history_p90
    assert engine.estimate(Query("api work new", guess=500.0)).guess_position == "above"
    assert engine.estimate(Query("api work new")).guess_position is None


def sized_history(n: int, seed: int) -> list[PastItem]:
    """Landing pages (~30 h, tight) and platforms (~500 h, loose), log-normal around each."""
    rng = random.Random(seed)
    items = []
    for i in range(n):
        if rng.random() < 0.5:
            text, size, sigma = f"landing page {i}", 30.0, 0.2
        else:
            text, size, sigma = f"platform build {i}", 500.0, 0.6
        items.append(PastItem(str(i), text, size * math.exp(rng.gauss(0, sigma)), order=i))
    return items


def test_bands_hold_80_percent_on_a_synthetic_history() -> None:
    result = time_split(sized_history(1000, seed=11), 0.6)
    assert result.tuned.protocol == "time"
    assert abs(result.coverage_80 - 0.8) <= 0.05


def test_a_small_jobs_band_comes_from_small_jobs() -> None:
    history = History(sized_history(600, seed=4))
    tuned = tune(history)
    engine = Engine(history, tuned.knobs, tuned.bands)
    landing = engine.estimate(Query("landing page"))
    assert 15 < landing.p10 < landing.point < landing.p90 < 60  # not 20–318 h
    assert not landing.wide
    platform = engine.estimate(Query("platform build"))
    assert platform.p90 / platform.p10 > landing.p90 / landing.p10


def test_calibrated_band_covers_its_own_cases_and_flags_wide_ones() -> None:
    rng = np.random.default_rng(0)
    points = rng.uniform(5, 50, 400)
    outcomes = points * np.exp(rng.normal(0, 1.2, 400))  # hugely uncertain
    band = calibrate(points, outcomes, np.ones(400))
    assert band is not None
    low, high = band.around(points, np.ones(400))
    covered = np.mean((outcomes >= low) & (outcomes <= high))
    assert 0.8 <= covered <= 0.83
    assert np.mean(high / low) > 8  # honest, and too wide: the estimate says so
    items = [PastItem(str(i), "job", float(y), order=i) for i, y in enumerate(outcomes)]
    history = History(items)
    tuned = tune(history)
    assert Engine(history, tuned.knobs, tuned.bands).estimate(Query("job")).wide


def test_tuning_uses_only_the_history_and_is_cached_until_it_changes() -> None:
    items = sized_history(250, seed=8)
    cache = TuningCache()
    first = cache.get(History(items))
    assert cache.get(History(items)) is first  # same history: no second tuning
    changed = [*items[:-1], PastItem("249", items[-1].text, items[-1].actual + 1.0, order=249)]
    assert cache.get(History(changed)) is not first
    assert tune(History(items[:5])).protocol is None  # too short to tune: defaults

"""The estimator: mixture with shrinkage, band scaling, confidence, calibration, overrun."""

from __future__ import annotations

import math
from dataclasses import replace

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.estimate import (
    Analogue,
    EstimatorParams,
    Prior,
    calibrate_margin,
    estimate,
    overrun,
    scale_band,
    usable_analogues,
)

EXACT = EstimatorParams(low_confidence_widening=1.0, min_similarity=0.0)


def test_nothing_to_go_on_gives_none() -> None:
    assert estimate([], []) is None
    # Analogues below the similarity floor do not count as data.
    assert estimate([Analogue("a", 10, 0.1)], [], EstimatorParams(min_similarity=0.25)) is None


def test_shrinkage_mixes_analogues_with_history_by_hand() -> None:
    # Evidence = 1 + 1 = 2 against prior strength 2: half the weight goes to the history.
    # Mixture: 10 (0.25), 30 (0.25), 100 (0.5) -> Hazen positions 0.125, 0.375, 0.75.
    params = EstimatorParams(prior_strength=2.0, low_confidence_widening=1.0)
    result = estimate([Analogue("a", 10, 1.0), Analogue("b", 30, 1.0)], [100.0], params)
    assert result is not None
    assert result.shrinkage == pytest.approx(0.5)
    assert result.p50 == pytest.approx(30 + (0.5 - 0.375) / (0.75 - 0.375) * 70)
    assert result.p10 == pytest.approx(10.0)
    assert result.p90 == pytest.approx(100.0)
    assert result.point == 30.0  # weighted median: cumulative 0.25, 0.5 reaches half at 30
    assert result.n_analogues == 2
    assert result.mean_similarity == pytest.approx(1.0)
    assert "2 similar projects" in result.method and "50%" in result.method


def test_weak_analogues_lean_on_history() -> None:
    history = [10.0, 20.0, 40.0, 80.0]
    strong = estimate([Analogue(str(i), 30, 0.9) for i in range(5)], history, EXACT)
    weak = estimate([Analogue(str(i), 30, 0.3) for i in range(5)], history, EXACT)
    assert strong is not None and weak is not None
    assert strong.shrinkage == pytest.approx(1 / (1 + 4.5))
    assert weak.shrinkage == pytest.approx(1 / (1 + 1.5))
    assert weak.shrinkage > strong.shrinkage
    # Leaning on the wider history widens the band.
    assert weak.p90 - weak.p10 > strong.p90 - strong.p10


def test_no_analogues_uses_the_history_alone() -> None:
    result = estimate([], [1.0, 2.0, 3.0, 4.0, 5.0], EXACT)
    assert result is not None
    assert result.shrinkage == 1.0 and result.n_analogues == 0
    assert result.p50 == pytest.approx(3.0) and result.point == 3.0
    assert result.confidence == "low"
    assert "no close analogues" in result.method


def test_no_history_uses_the_analogues_alone() -> None:
    result = estimate([Analogue("a", 12, 0.8)], [], EXACT)
    assert result is not None
    assert result.shrinkage == 0.0
    assert (result.p10, result.p50, result.p90, result.point) == (12.0, 12.0, 12.0, 12.0)


def test_floor_and_k_pick_the_most_similar() -> None:
    params = EstimatorParams(k=2, min_similarity=0.3)
    analogues = [
        Analogue("far", 1, 0.2),
        Analogue("mid", 2, 0.5),
        Analogue("near", 3, 0.9),
        Analogue("next", 4, 0.7),
        Analogue("broken", float("nan"), 0.95),
        Analogue("negative", -5, 0.95),
    ]
    assert [a.id for a in usable_analogues(analogues, params)] == ["near", "next"]


def test_confidence_falls_with_few_or_weak_analogues_and_the_band_widens() -> None:
    history = [5.0, 10.0, 20.0, 40.0, 80.0, 160.0]
    many_close = [Analogue(str(i), 20 + i, 0.8) for i in range(6)]
    some_mid = [Analogue(str(i), 20 + i, 0.5) for i in range(3)]
    few_weak = [Analogue("x", 20, 0.3)]
    params = EstimatorParams(min_similarity=0.0)
    levels = [estimate(a, history, params) for a in (many_close, some_mid, few_weak)]
    assert [e.confidence for e in levels if e] == ["high", "medium", "low"]
    honest = estimate(few_weak, history, params)
    bare = estimate(few_weak, history, EXACT)
    assert honest is not None and bare is not None
    assert honest.p10 < bare.p10 and honest.p90 > bare.p90  # widened by 1.25 in log space


def test_scale_band_by_hand() -> None:
    # log1p: 3 -> ln 4, 7 -> ln 8, 15 -> ln 16; doubling each half-width in log space
    # gives ln 8 - 2 ln 2 = ln 2 (-> 1) and ln 8 + 2 ln 2 = ln 32 (-> 31).
    assert scale_band(3, 7, 15, factor=2.0) == pytest.approx((1.0, 31.0))
    assert scale_band(3, 7, 15) == pytest.approx((3.0, 15.0))
    # A margin of ln 2 on each side: ln 4 - ln 2 -> 1, ln 16 + ln 2 -> 31.
    assert scale_band(3, 7, 15, margin=math.log(2)) == pytest.approx((1.0, 31.0))
    # A negative margin never pushes an end past the middle.
    assert scale_band(3, 7, 15, margin=-10) == pytest.approx((7.0, 7.0))


def test_calibrate_margin_is_the_conformal_quantile_of_the_scores() -> None:
    centre = math.expm1(1.0)
    outcomes = [math.expm1(1.0 + d) for d in (0.1, 0.2, 0.3, 0.4)]
    bands = [centre] * 4
    # Scores 0.1..0.4; rank ceil((4 + 1) * 0.8) = 4 -> 0.4; at 0.5 -> rank 3 -> 0.3.
    assert calibrate_margin(bands, bands, bands, outcomes) == pytest.approx(0.4)
    assert calibrate_margin(bands, bands, bands, outcomes, target=0.5) == pytest.approx(0.3)
    # Outcomes well inside their bands give a negative margin (the bands were too wide).
    wide = calibrate_margin([5.0] * 3, [0.0] * 3, [100.0] * 3, [5.0] * 3)
    assert wide < 0
    assert calibrate_margin([], [], [], []) == 0.0


def test_calibrated_margin_reaches_the_target_on_its_own_cases() -> None:
    mids = [10.0 * (1 + i % 7) for i in range(50)]
    outcomes = [m * (0.5 + (i * 37 % 50) / 40) for i, m in enumerate(mids)]
    margin = calibrate_margin(mids, mids, mids, outcomes)
    bands = [scale_band(m, m, m, margin=margin) for m in mids]
    pairs = zip(bands, outcomes, strict=True)
    covered = sum(low - 1e-9 <= y <= high + 1e-9 for (low, high), y in pairs)
    assert covered / len(outcomes) >= 0.8


def test_overrun_ratio_by_hand() -> None:
    stats = overrun([(10, 12), (10, 15), (20, 20)])
    # Ratios 1.0, 1.2, 1.5 at Hazen positions 1/6, 1/2, 5/6.
    assert stats is not None
    assert stats.ratio == pytest.approx(1.2)
    assert stats.p10 == pytest.approx(1.0) and stats.p90 == pytest.approx(1.5)
    assert stats.n == 3


def test_overrun_weights_favour_similar_projects() -> None:
    pairs = [(10.0, 10.0), (10.0, 20.0)]
    # Weights 1 and 3: positions 0.125 and 0.625, median 1 + 0.375 / 0.5 = 1.75.
    stats = overrun(pairs, [1.0, 3.0])
    assert stats is not None and stats.ratio == pytest.approx(1.75)


def test_overrun_skips_unusable_pairs() -> None:
    assert overrun([]) is None
    assert overrun([(0, 10), (-1, 5), (10, float("nan"))]) is None
    stats = overrun([(0, 10), (8, 10)])
    assert stats is not None and stats.n == 1 and stats.ratio == pytest.approx(1.25)
    with pytest.raises(ValueError):
        overrun([(1, 1)], [1.0, 2.0])


hours = st.floats(min_value=0, max_value=5000, allow_nan=False)
similarity = st.floats(min_value=0, max_value=1, allow_nan=False)


@given(
    st.lists(st.tuples(hours, similarity), max_size=12),
    st.lists(hours, max_size=30),
    st.floats(min_value=0.01, max_value=10),
)
def test_bands_are_ordered(
    pairs: list[tuple[float, float]], history: list[float], strength: float
) -> None:
    analogues = [Analogue(str(i), h, s) for i, (h, s) in enumerate(pairs)]
    result = estimate(analogues, history, EstimatorParams(prior_strength=strength))
    if result is None:
        return
    assert 0 <= result.p10 <= result.p50 <= result.p90
    assert result.p10 <= result.point <= result.p90
    assert 0 <= result.shrinkage <= 1


whole_hours = st.integers(min_value=0, max_value=5000)  # scaling keeps them apart (no new ties)


@given(
    st.lists(
        st.tuples(whole_hours, st.floats(min_value=0.3, max_value=1)), min_size=1, max_size=10
    ),
    st.lists(whole_hours, max_size=20),
    st.floats(min_value=1, max_value=10),
)
def test_more_effort_in_means_more_effort_out(
    pairs: list[tuple[float, float]], history: list[float], factor: float
) -> None:
    analogues = [Analogue(str(i), h, s) for i, (h, s) in enumerate(pairs)]
    bigger = [Analogue(a.id, a.hours * factor, a.similarity) for a in analogues]
    before = estimate(analogues, history, EXACT)
    after = estimate(bigger, [h * factor for h in history], EXACT)
    assert before is not None and after is not None
    for name in ("p10", "p50", "p90", "point"):
        assert getattr(after, name) >= getattr(before, name) - 1e-6


def test_recent_history_counts_more_with_a_half_life() -> None:
    # Oldest first: 10 is one place older than 20, so with a half-life of 1 it weighs 1/2
    # against 1 -> shares 1/3 and 2/3, midpoints 1/6 and 2/3, median 10 + (1/3) / (1/2) * 10.
    prior = Prior.from_history([10.0, 20.0], half_life=1.0)
    assert prior.values.tolist() == [10.0, 20.0]
    assert prior.weights.tolist() == pytest.approx([1 / 3, 2 / 3])
    params = replace(EXACT, history_half_life=1.0)
    result = estimate([], [10.0, 20.0], params)
    assert result is not None
    assert result.p50 == pytest.approx(10 + (1 / 3) / (1 / 2) * 10)
    assert result.point == 20.0
    # Without a half-life both count the same: midpoints 1/4 and 3/4, median 15.
    flat = estimate([], [10.0, 20.0], EXACT)
    assert flat is not None and flat.p50 == pytest.approx(15.0)


def test_a_prepared_prior_gives_the_same_estimate() -> None:
    history = [3.0, 5.0, 5.0, 8.0, 1.0, float("nan"), -1.0, 13.0]
    analogues = [Analogue("a", 5, 0.7), Analogue("b", 8, 0.4)]
    params = replace(EXACT, history_half_life=3.0)
    direct = estimate(analogues, history, params)
    prepared = estimate(analogues, Prior.from_history(history, 3.0), params)
    assert direct == prepared
    assert Prior.from_history([float("nan")]).empty

"""Weighted Hazen quantiles and the weighted median, checked by hand and by properties."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from estimating import weighted_median, weighted_quantile, weighted_quantiles

finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False)
weight = st.floats(min_value=0.01, max_value=100, allow_nan=False)


def test_equal_weights_sit_at_midpoints() -> None:
    # Positions (i - 0.5) / n = 0.125, 0.375, 0.625, 0.875.
    values = [4.0, 1.0, 3.0, 2.0]
    ones = [1.0] * 4
    assert weighted_quantile(values, ones, 0.5) == pytest.approx(2.5)
    assert weighted_quantile(values, ones, 0.25) == pytest.approx(1.5)
    assert weighted_quantile(values, ones, 0.125) == pytest.approx(1.0)
    # Outside the first/last midpoint the quantile is the extreme value, never extrapolated.
    assert weighted_quantile(values, ones, 0.1) == pytest.approx(1.0)
    assert weighted_quantile(values, ones, 0.95) == pytest.approx(4.0)


def test_weights_move_the_midpoints() -> None:
    # Cumulative weights 1, 4 of 4: positions 0.5/4 = 0.125 and (4 - 1.5)/4 = 0.625.
    # q = 0.5 lies 0.375/0.5 of the way from 10 to 20.
    assert weighted_quantile([10.0, 20.0], [1.0, 3.0], 0.5) == pytest.approx(17.5)
    assert weighted_quantiles([10.0, 20.0], [1.0, 3.0], [0.1, 0.5, 0.9]) == pytest.approx(
        [10.0, 17.5, 20.0]
    )


def test_zero_weights_are_ignored() -> None:
    assert weighted_quantile([1.0, 100.0, 3.0], [1.0, 0.0, 1.0], 0.5) == pytest.approx(2.0)


@pytest.mark.parametrize(
    ("values", "weights", "q"),
    [
        ([], [], 0.5),
        ([1.0], [0.0], 0.5),
        ([1.0, 2.0], [1.0, -1.0], 0.5),
        ([1.0, 2.0], [1.0], 0.5),
        ([1.0], [1.0], 1.5),
        ([float("nan")], [1.0], 0.5),
    ],
)
def test_bad_input_is_refused(values: list[float], weights: list[float], q: float) -> None:
    with pytest.raises(ValueError):
        weighted_quantile(values, weights, q)


def test_weighted_median_is_an_observed_value() -> None:
    assert weighted_median([4.0, 1.0, 3.0, 2.0], [1.0] * 4) == 2.0  # lower median
    assert weighted_median([10.0, 20.0], [1.0, 3.0]) == 20.0
    assert weighted_median([1.0, 2.0, 3.0], [1.0, 1.0, 1.0]) == 2.0
    assert weighted_median([1.0, 5.0, 8.0], [0.2, 0.2, 0.6]) == 8.0


def test_ties_are_merged_into_mid_quantiles() -> None:
    # 0 twice and 1 once: distinct values 0 (weight 2) and 1 (weight 1) sit at the middles
    # of their CDF steps, 1/3 and 5/6; the median lies (1/2 - 1/3) / (1/2) of the way up.
    assert weighted_quantile([0.0, 0.0, 1.0], [1.0, 1.0, 1.0], 0.5) == pytest.approx(1 / 3)
    assert weighted_quantile([0.0, 1.0], [2.0, 1.0], 0.5) == pytest.approx(1 / 3)
    # Story points: 3 (x3), 5 (x1) -> positions 3/8 and 7/8.
    assert weighted_quantile([3, 3, 3, 5], [1, 1, 1, 1], 0.75) == pytest.approx(4.5)


@given(
    st.lists(st.tuples(finite, weight), min_size=1, max_size=20),
    st.integers(min_value=0, max_value=19),
    st.floats(min_value=0, max_value=1),
)
def test_listing_a_value_twice_equals_doubling_its_weight(
    pairs: list[tuple[float, float]], index: int, q: float
) -> None:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    i = index % len(values)
    doubled = weights.copy()
    doubled[i] *= 2
    listed = weighted_quantile([*values, values[i]], [*weights, weights[i]], q)
    assert listed == pytest.approx(weighted_quantile(values, doubled, q), rel=1e-9, abs=1e-9)


@given(st.lists(finite, min_size=1, max_size=30, unique=True), st.floats(min_value=0, max_value=1))
def test_distinct_equal_weights_match_numpys_hazen(values: list[float], q: float) -> None:
    expected = float(np.quantile(values, q, method="hazen"))
    got = weighted_quantile(values, [1.0] * len(values), q)
    assert got == pytest.approx(expected, rel=1e-9, abs=1e-6)


@given(
    st.lists(st.tuples(finite, weight), min_size=1, max_size=30),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
)
def test_monotone_in_q_and_inside_the_range(
    pairs: list[tuple[float, float]], q1: float, q2: float
) -> None:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    low, high = sorted((q1, q2))
    a = weighted_quantile(values, weights, low)
    b = weighted_quantile(values, weights, high)
    assert min(values) <= a <= b + 1e-9 * (1 + abs(b)) and b <= max(values)


@given(
    st.lists(st.tuples(finite, weight), min_size=1, max_size=20, unique_by=lambda p: p[0]),
    st.integers(min_value=0, max_value=19),
    st.floats(min_value=0, max_value=1),
    st.floats(min_value=0, max_value=1),
)
def test_weighted_raising_a_value_within_its_gap_never_lowers_a_quantile(
    pairs: list[tuple[float, float]], index: int, share: float, q: float
) -> None:
    # Midpoint positions depend on the order of the values and on which values tie, so the
    # guarantee is for increases that keep the order and the ties (see weighted_quantile).
    pairs.sort()
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    i = index % len(values)
    room = (values[i + 1] - values[i]) if i + 1 < len(values) else 1000.0
    before = weighted_quantile(values, weights, q)
    values[i] += share * room
    after = weighted_quantile(values, weights, q)
    assert after >= before - 1e-9 * (1 + abs(before))


@given(
    # Whole numbers, so scaling cannot round two distinct values into a tie.
    st.lists(
        st.tuples(st.integers(min_value=-(10**6), max_value=10**6), weight),
        min_size=1,
        max_size=20,
    ),
    st.floats(min_value=0.01, max_value=100),
    st.floats(min_value=0, max_value=1),
)
def test_scaling_the_values_scales_the_quantile(
    pairs: list[tuple[float, float]], factor: float, q: float
) -> None:
    values = [v for v, _ in pairs]
    weights = [w for _, w in pairs]
    scaled = weighted_quantile([v * factor for v in values], weights, q)
    expected = weighted_quantile(values, weights, q) * factor
    assert scaled == pytest.approx(expected, rel=1e-9, abs=1e-9)

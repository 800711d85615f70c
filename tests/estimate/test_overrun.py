"""The overrun record: typical actual/estimate ratio and its spread."""

from __future__ import annotations

import pytest

from estimating import overrun


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

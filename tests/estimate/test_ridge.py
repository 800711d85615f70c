"""The text regression: hand-computed ridge, a dense closed form, snapping, and its use."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.backtest import (
    Prediction,
    _blend,
    backtest_rows,
    nearest_observed,
    tune_second_opinion,
)
from bot.estimate import EstimatorParams
from bot.ridge import fit_ridge
from bot.tfidf import SparseRows


def sparse(dense: np.ndarray) -> SparseRows:
    indptr, indices, values = [0], [], []
    for row in dense:
        (columns,) = np.nonzero(row)
        indices += columns.tolist()
        values += row[columns].tolist()
        indptr.append(len(indices))
    return SparseRows(np.asarray(indptr), np.asarray(indices, dtype=np.int64), np.asarray(values))


def test_ridge_by_hand() -> None:
    # Two rows with one term each, targets 1 and 3: the mean 2 is the intercept, and with
    # XᵀX = I the weights are the centred targets shrunk by 1 / (1 + penalty).
    rows = sparse(np.array([[1.0, 0.0], [0.0, 1.0]]))
    model = fit_ridge(rows, [1.0, 3.0], penalty=1.0, n_terms=2)
    assert model.intercept == pytest.approx(2.0)
    assert model.weights == pytest.approx([-0.5, 0.5])
    both = sparse(np.array([[0.6, 0.8]]))
    assert model.predict(both) == pytest.approx([2.0 - 0.3 + 0.4])
    # A term the model never saw (column 5) contributes nothing.
    unseen = SparseRows(np.array([0, 1]), np.array([5]), np.array([1.0]))
    assert model.predict(unseen) == pytest.approx([2.0])


def test_ridge_matches_the_dense_closed_form() -> None:
    rng = np.random.default_rng(3)
    dense = rng.random((40, 15)) * (rng.random((40, 15)) < 0.3)
    y = rng.normal(size=40)
    for penalty in (0.1, 1.0, 10.0):
        model = fit_ridge(sparse(dense), y, penalty, n_terms=15)
        expected = np.linalg.solve(dense.T @ dense + penalty * np.eye(15), dense.T @ (y - y.mean()))
        assert model.weights == pytest.approx(expected, abs=1e-6)


def test_ridge_rejects_bad_input() -> None:
    rows = sparse(np.eye(2))
    with pytest.raises(ValueError, match="penalty"):
        fit_ridge(rows, [1.0, 2.0], penalty=0.0, n_terms=2)
    with pytest.raises(ValueError, match="one target per row"):
        fit_ridge(rows, [1.0], penalty=1.0, n_terms=2)


def test_nearest_observed_value() -> None:
    observed = np.array([1.0, 2.0, 3.0, 5.0, 8.0])
    got = nearest_observed(np.array([3.6, 4.0, 4.1, 100.0, 0.0, 2.0]), observed)
    assert got.tolist() == [3.0, 3.0, 5.0, 8.0, 1.0, 2.0]  # a tie goes to the lower value


def test_a_blended_point_stays_inside_its_band() -> None:
    predictions = [Prediction(3.0, 2.0, 5.0), Prediction(2.0, 1.0, 3.0)]
    blended = _blend(predictions, np.array([8.0, 2.0]), 0.75, np.array([1.0, 2.0, 3.0, 8.0]))
    # 0.25 * 3 + 0.75 * 8 = 6.75 -> 8, past the band's top, which moves up to it.
    assert blended[0] == Prediction(8.0, 2.0, 8.0)
    assert blended[1] == Prediction(2.0, 1.0, 3.0)
    assert _blend(predictions, np.array([8.0, 2.0]), 0.0, np.array([1.0])) == predictions


WORDS = [f"w{i}" for i in range(24)]


def additive_rows(n: int, seed: int) -> tuple[list[str], list[float]]:
    """Each item names three words; its size multiplies their effects (log-additive), so a
    linear model over words generalises while exact look-alikes are rare."""
    rng = random.Random(seed)
    effect = {w: rng.uniform(-0.6, 0.6) for w in WORDS}
    texts, targets = [], []
    for _ in range(n):
        picked = rng.sample(WORDS, 3)
        texts.append(" ".join(picked))
        size = 4.0 * np.exp(sum(effect[w] for w in picked) + rng.gauss(0, 0.1))
        targets.append(float(np.round(size)))
    return texts, targets


def test_the_regression_is_trusted_when_effort_adds_up_by_word() -> None:
    texts, targets = additive_rows(300, seed=5)
    params = EstimatorParams(k=5, min_similarity=0.0)
    opinion = tune_second_opinion(texts[:240], np.asarray(targets[:240]), params)
    assert opinion.blend > 0 and opinion.penalty in (1.0, 3.0, 10.0, 30.0)
    result = backtest_rows(texts, targets)
    assert result.second_opinion.blend > 0
    assert result.mae < 0.8 * result.baseline_median_mae

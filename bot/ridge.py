"""Ridge regression over sparse TF-IDF rows: a second opinion beside the nearest neighbours.

Nearest neighbours read the effort of a handful of similar items; a linear model reads every
term's typical effect across the whole history ("migration" adds, "typo" subtracts), which
helps when no single past item is close. Plain numpy: the normal equations
``(XᵀX + λI) w = Xᵀ(y − ȳ)`` are solved by conjugate gradients with sparse products, so the
cost grows with the text, not with rows × vocabulary. The intercept (the mean target) is not
penalised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from bot.tfidf import SparseRows

MAX_ITERATIONS = 100
TOLERANCE = 1e-8  # relative residual at which conjugate gradients stop


def _row_ids(rows: SparseRows) -> np.ndarray:
    return np.repeat(np.arange(len(rows)), np.diff(rows.indptr))


@dataclass(frozen=True)
class RidgeModel:
    """Fitted term weights and intercept; :meth:`predict` scores new rows."""

    weights: np.ndarray
    intercept: float

    def predict(self, rows: SparseRows) -> np.ndarray:
        """``intercept + x · weights`` per row; terms beyond the fitted vocabulary count 0."""
        known = rows.indices < self.weights.size
        contributions = rows.values[known] * self.weights[rows.indices[known]]
        return self.intercept + np.bincount(
            _row_ids(rows)[known], contributions, minlength=len(rows)
        )


def fit_ridge(
    rows: SparseRows, targets: Sequence[float] | np.ndarray, penalty: float, n_terms: int
) -> RidgeModel:
    """Least squares with an L2 penalty ``penalty`` on the term weights (not the intercept).

    ``n_terms`` is the vocabulary size (columns). Raises ``ValueError`` on a non-positive
    penalty (the system could be singular) or a row/target count mismatch.
    """
    y = np.asarray(targets, dtype=float)
    if len(rows) != y.size:
        raise ValueError("one target per row")
    if penalty <= 0:
        raise ValueError("the penalty must be positive")
    if y.size == 0:
        return RidgeModel(np.zeros(n_terms), 0.0)
    ids = _row_ids(rows)
    intercept = float(y.mean())
    centred = y - intercept

    def normal(w: np.ndarray) -> np.ndarray:
        xw = np.bincount(ids, rows.values * w[rows.indices], minlength=len(rows))
        return np.bincount(rows.indices, rows.values * xw[ids], minlength=n_terms) + penalty * w

    rhs = np.bincount(rows.indices, rows.values * centred[ids], minlength=n_terms)
    weights = np.zeros(n_terms)
    residual = rhs.copy()
    direction = residual.copy()
    squared = float(residual @ residual)
    stop = (TOLERANCE**2) * max(squared, 1e-300)
    for _ in range(MAX_ITERATIONS):
        if squared <= stop:
            break
        product = normal(direction)
        step = squared / float(direction @ product)
        weights += step * direction
        residual -= step * product
        new_squared = float(residual @ residual)
        direction = residual + (new_squared / squared) * direction
        squared = new_squared
    return RidgeModel(weights, intercept)

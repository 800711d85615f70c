"""A second opinion from the whole history: ridge regression of log effort on the item's features.

Nearest neighbours answer from the few closest items; a regression reads each word's typical
effect across all of them, which helps when nothing is really close. Features: the TF-IDF terms
(the retrieval's own index), the embedding when there is one, and one-hot category/type/tags.
Fitted in log(1 + x) space, as effort is skewed; predictions are read back in effort units.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np
from scipy import sparse

from estimating.items import History, PastItem, Query
from estimating.retrieval import LexicalIndex


def _metadata_tokens(item: PastItem | Query) -> list[str]:
    tokens = []
    if item.category:
        tokens.append("category=" + item.category)
    if item.type:
        tokens.append("type=" + item.type)
    tokens += ["tag=" + tag for tag in item.tags]
    return tokens


class TextRegression:
    """``Ridge(alpha=penalty)`` over a history's features, ready to predict queries."""

    def __init__(self, history: History, lexical: LexicalIndex, penalty: float) -> None:
        if penalty <= 0:
            raise ValueError("the ridge penalty must be positive")
        self.lexical = lexical
        self.columns: dict[str, int] = {}
        for item in history.items:
            for token in _metadata_tokens(item):
                self.columns.setdefault(token, len(self.columns))
        self.use_embeddings = history.embeddings is not None
        features = self._features(lexical.matrix, history.items, history.embeddings)
        # Imported on first fit, not with the module (a second of every CLI start).
        from sklearn.linear_model import Ridge

        model = Ridge(alpha=penalty, solver="auto")
        model.fit(features, np.log1p(history.actual))
        # Kept as plain arrays: predictions need nothing else, and a regression fitted in
        # another process is then used without importing scikit-learn.
        self.coef: np.ndarray = model.coef_
        self.intercept = model.intercept_

    def _features(
        self,
        terms: sparse.csr_matrix,
        records: Sequence[PastItem | Query],
        embeddings: np.ndarray | None,
    ) -> sparse.csr_matrix:
        blocks = [terms]
        if self.columns:
            rows, cols = [], []
            for row, record in enumerate(records):
                for token in _metadata_tokens(record):
                    column = self.columns.get(token)
                    if column is not None:
                        rows.append(row)
                        cols.append(column)
            blocks.append(
                sparse.csr_matrix(
                    (np.ones(len(rows), dtype=np.float32), (rows, cols)),
                    shape=(len(records), len(self.columns)),
                )
            )
        if self.use_embeddings:
            if embeddings is None:
                embeddings = np.zeros((len(records), self._dimension), dtype=np.float32)
            self._dimension = embeddings.shape[1]
            blocks.append(sparse.csr_matrix(embeddings))
        return sparse.hstack(blocks, format="csr")

    _dimension = 0

    def _query_features(
        self,
        terms: sparse.csr_matrix,
        queries: Sequence[Query],
        embeddings: np.ndarray | None,
    ) -> sparse.csr_matrix:
        """What :meth:`_features` builds for ``queries``, put together row by row: the same
        entries in the same order (so the same sums in the product) without scipy's stacking
        and COO conversion, most of a prediction's time."""
        n_terms, n_columns = terms.shape[1], len(self.columns)
        width = n_terms + n_columns + (self._dimension if self.use_embeddings else 0)
        data: list[np.ndarray] = []
        indices: list[np.ndarray] = []
        indptr = [0]
        for row, query in enumerate(queries):
            start, end = terms.indptr[row], terms.indptr[row + 1]
            parts = [(terms.data[start:end], terms.indices[start:end])]
            if self.columns:
                # A token named twice counts twice, as summed duplicates do; sorted columns.
                counts = Counter(
                    self.columns[token]
                    for token in _metadata_tokens(query)
                    if token in self.columns
                )
                found = sorted(counts)
                parts.append(
                    (
                        np.asarray([counts[c] for c in found], dtype=np.float32),
                        np.asarray(found, dtype=np.int64) + n_terms,
                    )
                )
            if self.use_embeddings and embeddings is not None:
                vector = np.asarray(embeddings[row], dtype=np.float32)
                kept = np.flatnonzero(vector)  # a sparse row stores no zeros
                parts.append((vector[kept], kept + n_terms + n_columns))
            for values, columns in parts:
                data.append(values.astype(np.float32, copy=False))
                indices.append(columns.astype(np.int32, copy=False))
            indptr.append(indptr[-1] + sum(values.size for values, _ in parts))
        return sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0, dtype=np.float32),
                np.concatenate(indices) if indices else np.zeros(0, dtype=np.int32),
                np.asarray(indptr, dtype=np.int32),
            ),
            shape=(len(queries), width),
        )

    def predict(self, queries: Sequence[Query]) -> np.ndarray:
        embeddings = None
        if self.use_embeddings and all(q.embedding is not None for q in queries):
            embeddings = np.vstack([np.asarray(q.embedding, dtype=np.float32) for q in queries])
        terms = self.lexical.transform([q.text for q in queries])
        features = self._query_features(terms, queries, embeddings)
        # What Ridge.predict computes (coef_ is 1-D: one target), without its per-call input
        # validation: the rows are built here, finite and as wide as the fitted ones.
        logged = features @ self.coef + self.intercept
        return np.maximum(np.expm1(logged), 0.0)

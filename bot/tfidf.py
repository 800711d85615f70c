"""TF-IDF text similarity in numpy: fast retrieval for backtests over thousands of rows.

The knowledge store has its own embeddings; this is the light, dependency-free retriever used
when a backtest runs over a plain CSV. Words and word pairs, sublinear term frequency, smoothed
IDF, L2-normalised rows, so a dot product is the cosine similarity (0..1). Rows are kept
sparse (a few hundred terms each), so memory grows with the text, not with rows × vocabulary.
"""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

_MARKUP = re.compile(r"\{[a-z]+\}|<[^>]{0,200}>|&[a-z]+;|https?://\S+")
_WORD = re.compile(r"[a-z][a-z0-9_]+|[0-9]+")


def tokens(text: str) -> list[str]:
    """Lower-case words of ``text`` (markup and links dropped) plus adjacent word pairs."""
    words = _WORD.findall(_MARKUP.sub(" ", text.lower()))
    return words + [f"{a} {b}" for a, b in itertools.pairwise(words)]


@dataclass(frozen=True)
class SparseRows:
    """Compressed sparse rows: row ``i`` is ``indices/values[indptr[i] : indptr[i + 1]]``."""

    indptr: np.ndarray
    indices: np.ndarray
    values: np.ndarray

    def __len__(self) -> int:
        return self.indptr.size - 1

    def row(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        start, stop = self.indptr[i], self.indptr[i + 1]
        return self.indices[start:stop], self.values[start:stop]

    def slice(self, start: int, stop: int) -> SparseRows:
        """Rows ``start:stop`` as their own matrix."""
        a, b = self.indptr[start], self.indptr[stop]
        return SparseRows(self.indptr[start : stop + 1] - a, self.indices[a:b], self.values[a:b])


@dataclass
class TfidfIndex:
    """A fitted vocabulary with IDF weights; :meth:`transform` maps texts to unit vectors."""

    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2) -> TfidfIndex:
        """Learn the vocabulary from ``texts``: terms in at least ``min_df`` of them."""
        document_frequency: Counter[str] = Counter()
        for text in texts:
            document_frequency.update(set(tokens(text)))
        kept = sorted(term for term, df in document_frequency.items() if df >= min_df)
        n = max(len(texts), 1)
        idf = np.asarray(
            [math.log((1 + n) / (1 + document_frequency[term])) + 1.0 for term in kept]
        )
        return cls({term: index for index, term in enumerate(kept)}, idf)

    def transform(self, texts: Sequence[str]) -> SparseRows:
        """L2-normalised TF-IDF rows of ``texts`` (unknown terms ignored)."""
        indptr = [0]
        indices: list[int] = []
        values: list[float] = []
        for text in texts:
            counts = Counter(t for t in tokens(text) if t in self.vocabulary)
            columns = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64)
            weights = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=float)
            weights = weights * self.idf[columns]
            norm = float(np.linalg.norm(weights))
            if norm > 0:
                weights /= norm
            indices.extend(columns.tolist())
            values.extend(weights.tolist())
            indptr.append(len(indices))
        return SparseRows(
            np.asarray(indptr, dtype=np.int64),
            np.asarray(indices, dtype=np.int64),
            np.asarray(values, dtype=float),
        )


def top_neighbours(
    queries: SparseRows, corpus: SparseRows, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """For each query row, the ``k`` most similar corpus rows (indices, cosines), best first.

    Works through an inverted index of the corpus, one query at a time, so memory stays at one
    row of similarities whatever the sizes. Cosines are clipped to 0..1; ties keep corpus order.
    """
    n_corpus = len(corpus)
    k = max(0, min(k, n_corpus))
    entry_rows = np.repeat(np.arange(n_corpus), np.diff(corpus.indptr))
    order = np.argsort(corpus.indices, kind="stable")
    posting_rows = entry_rows[order]
    posting_values = corpus.values[order]
    n_terms = int(corpus.indices.max()) + 1 if corpus.indices.size else 0
    if queries.indices.size:
        n_terms = max(n_terms, int(queries.indices.max()) + 1)
    term_ptr = np.zeros(n_terms + 1, dtype=np.int64)
    np.cumsum(np.bincount(corpus.indices, minlength=n_terms), out=term_ptr[1:])

    neighbours = np.zeros((len(queries), k), dtype=np.int64)
    similarities = np.zeros((len(queries), k))
    for i in range(len(queries)):
        columns, weights = queries.row(i)
        scores = np.zeros(n_corpus)
        if columns.size:
            starts, stops = term_ptr[columns], term_ptr[columns + 1]
            lengths = stops - starts
            if lengths.sum():
                picks = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(
                    lengths.sum()
                )
                scores = np.bincount(
                    posting_rows[picks],
                    posting_values[picks] * np.repeat(weights, lengths),
                    minlength=n_corpus,
                )
        np.clip(scores, 0.0, 1.0, out=scores)
        if k == 0:
            continue
        best = np.argpartition(-scores, k - 1)[:k] if k < n_corpus else np.arange(n_corpus)
        ranked = best[np.lexsort((best, -scores[best]))]
        neighbours[i] = ranked
        similarities[i] = scores[ranked]
    return neighbours, similarities

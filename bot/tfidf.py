"""TF-IDF text similarity in numpy: fast retrieval for backtests over thousands of rows.

The knowledge store has its own embeddings; this is the light, dependency-free retriever used
when a backtest runs over a plain CSV. Words and word pairs, sublinear term frequency, smoothed
IDF, L2-normalised rows, so a dot product is the cosine similarity (0..1).
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


@dataclass
class TfidfIndex:
    """A fitted vocabulary with IDF weights; :meth:`transform` maps texts to unit vectors."""

    vocabulary: dict[str, int]
    idf: np.ndarray

    @classmethod
    def fit(cls, texts: Sequence[str], min_df: int = 2, max_features: int = 20000) -> TfidfIndex:
        """Learn the vocabulary from ``texts``: terms in at least ``min_df`` of them, the most
        frequent ``max_features`` kept (bounds memory on large files)."""
        document_frequency: Counter[str] = Counter()
        for text in texts:
            document_frequency.update(set(tokens(text)))
        kept = [term for term, df in document_frequency.items() if df >= min_df]
        kept.sort(key=lambda term: (-document_frequency[term], term))
        kept = kept[:max_features]
        n = max(len(texts), 1)
        idf = np.asarray(
            [math.log((1 + n) / (1 + document_frequency[term])) + 1.0 for term in kept],
            dtype=np.float32,
        )
        return cls({term: index for index, term in enumerate(kept)}, idf)

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """Dense ``(len(texts), vocabulary)`` float32 matrix of L2-normalised TF-IDF rows."""
        matrix = np.zeros((len(texts), len(self.vocabulary)), dtype=np.float32)
        for row, text in enumerate(texts):
            counts = Counter(t for t in tokens(text) if t in self.vocabulary)
            for term, count in counts.items():
                matrix[row, self.vocabulary[term]] = 1.0 + math.log(count)
        matrix *= self.idf
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        np.divide(matrix, norms, out=matrix, where=norms > 0)
        return matrix


def cosine_matrix(queries: np.ndarray, corpus: np.ndarray) -> np.ndarray:
    """Cosine similarities of unit-row matrices, clipped to 0..1."""
    return np.clip(queries @ corpus.T, 0.0, 1.0)

"""A fitted TF-IDF vocabulary applied to new texts without scikit-learn.

scikit-learn's ``TfidfVectorizer`` fits the vocabulary and the idf weights. Applying them to a
query is a few dictionary lookups, but importing scikit-learn to do it costs a serving process
about 76 MB (it brings much of SciPy with it). :class:`Terms` keeps what the fit learned as plain
data and repeats the vectorizer's transform step by step, so the floats are the same
(``tests/estimate/test_per_answer_work.py`` checks them byte for byte). A history can be fitted
in another process and its index used here.

Only the configuration the engine uses is covered (word n-grams, sublinear tf, idf, l2 rows);
:meth:`Terms.of` returns None for any other, and the caller keeps scikit-learn's own transform.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse


@dataclass(frozen=True)
class Terms:
    vocabulary: dict[str, int]
    idf: np.ndarray
    preprocess: Callable[[str], str]  # must pickle (a module-level function)
    token_pattern: str
    ngram_range: tuple[int, int]
    dtype: Any  # the counts' dtype, as the vectorizer's

    @classmethod
    def of(cls, vectorizer: Any) -> Terms | None:
        """What ``vectorizer`` (fitted) learned, or None if it is configured otherwise."""
        v = vectorizer
        covered = (
            v.analyzer == "word"
            and v.input == "content"
            and v.tokenizer is None
            and v.stop_words is None
            and v.preprocessor is not None
            and not v.binary
            and v.sublinear_tf
            and v.use_idf
            and v.norm == "l2"
            and hasattr(v, "vocabulary_")
            and re.compile(v.token_pattern).groups <= 1
        )
        if not covered:
            return None
        return cls(
            vocabulary=v.vocabulary_,  # shared, not copied: it can be large
            idf=np.asarray(v.idf_),
            preprocess=v.preprocessor,
            token_pattern=v.token_pattern,
            ngram_range=tuple(v.ngram_range),
            dtype=v.dtype,
        )

    def analyze(self, text: str) -> list[str]:
        """The text's words and word n-grams (scikit-learn's ``_word_ngrams``)."""
        tokens = re.findall(self.token_pattern, self.preprocess(text))
        low, high = self.ngram_range
        if high == 1:
            return tokens
        out = list(tokens) if low == 1 else []
        for n in range(max(low, 2), min(high + 1, len(tokens) + 1)):
            out.extend(" ".join(tokens[i : i + n]) for i in range(len(tokens) - n + 1))
        return out

    def counts(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Term counts over the vocabulary (``CountVectorizer.transform``): sorted columns."""
        vocabulary = self.vocabulary
        columns: list[int] = []
        values: list[int] = []
        indptr = [0]
        for text in texts:
            counter: dict[int, int] = {}
            for feature in self.analyze(text):
                column = vocabulary.get(feature)
                if column is not None:
                    counter[column] = counter.get(column, 0) + 1
            columns.extend(counter)
            values.extend(counter.values())
            indptr.append(len(columns))
        found = sparse.csr_matrix(
            (
                np.asarray(values, dtype=np.intc),
                np.asarray(columns, dtype=np.int32),
                np.asarray(indptr, dtype=np.int32),
            ),
            shape=(len(texts), len(vocabulary)),
            dtype=self.dtype,
        )
        found.sort_indices()
        return found

    def weighted(self, counts: sparse.csr_matrix) -> sparse.csr_matrix:
        """``TfidfTransformer.transform`` of fresh counts, in place: sublinear tf, idf, rows
        scaled to unit length."""
        np.log(counts.data, counts.data)
        counts.data += 1.0
        counts.data *= self.idf[counts.indices]
        normalize_rows(counts)
        return counts

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        return self.weighted(self.counts(texts))


def normalize_rows(matrix: sparse.csr_matrix) -> None:
    """Scale each row to unit l2 length in place, with the arithmetic of scikit-learn's
    ``inplace_csr_row_normalize_l2``: squares in the data's precision, summed in order in
    double precision, each value divided in double precision. Empty rows stay as they are."""
    data, indptr = matrix.data, matrix.indptr
    for row in range(matrix.shape[0]):
        start, end = int(indptr[row]), int(indptr[row + 1])
        if start == end:
            continue
        values = data[start:end]
        total = 0.0
        for square in (values * values).tolist():
            total += square
        if total == 0.0:
            continue
        data[start:end] = values.astype(np.float64) / math.sqrt(total)


__all__ = ["Terms", "normalize_rows"]

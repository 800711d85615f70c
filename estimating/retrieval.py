"""Which past items resemble a query: lexical and semantic similarity, fused, plus metadata.

* **Lexical**: TF-IDF over the history's own texts (scikit-learn's ``TfidfVectorizer``: words
  and word pairs, sublinear counts, markup and links dropped), cosine similarity. It sees the
  studio's own vocabulary: product names, client names, ticket jargon.
* **Semantic**: cosine of the embeddings the caller passes in (the product's embedder), or
  similarities its search already computed.
* **Fused** as ``w * lexical + (1 - w) * semantic``, then scaled by how much of the metadata
  (category, type, tags) the item shares with the query: ``(1 - m) + m * shared``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np
from scipy import sparse

from estimating.items import History, Query
from estimating.terms import Terms

if TYPE_CHECKING:
    from sklearn.feature_extraction.text import TfidfVectorizer

_MARKUP = re.compile(r"\{[a-z]+\}|<[^>]{0,200}>|&[a-z]+;|https?://\S+")
TOKEN_PATTERN = r"(?u)[a-z][a-z0-9_]+|[0-9]+"


def clean(text: str) -> str:
    """Lower-case text without wiki markup, HTML tags, entities and links."""
    return _MARKUP.sub(" ", text.lower())


def vectorizer() -> TfidfVectorizer:
    # scikit-learn is imported on first use, not with the module: it costs a second at every
    # CLI start that never estimates anything.
    from sklearn.feature_extraction.text import TfidfVectorizer

    return TfidfVectorizer(
        preprocessor=clean,
        token_pattern=TOKEN_PATTERN,
        ngram_range=(1, 2),
        sublinear_tf=True,
        dtype=np.float32,
    )


class LexicalIndex:
    """TF-IDF rows of a history's texts; the vocabulary is learned from the history only.

    Fitted with scikit-learn; queries are transformed by :class:`~estimating.terms.Terms` from
    what the fit learned, so a pickled index (fitted in another process) needs no scikit-learn
    where it is used.
    """

    def __init__(self, texts: Sequence[str]) -> None:
        self.vectorizer: TfidfVectorizer | None = vectorizer()
        try:
            self.matrix: sparse.csr_matrix = self.vectorizer.fit_transform(list(texts)).tocsr()
        except ValueError:  # no word at all in the history (empty texts)
            self.vectorizer = None
            self.matrix = sparse.csr_matrix((len(texts), 1), dtype=np.float32)
        self.terms = Terms.of(self.vectorizer) if self.vectorizer is not None else None
        # Terms x items, kept in row order: a query's similarities are one sparse product,
        # without transposing the history's matrix on every call (most of an estimate's time).
        self.by_term: sparse.csr_matrix = self.matrix.T.tocsr()

    def __getstate__(self) -> dict[str, object]:
        state = dict(self.__dict__)
        state.pop("_last", None)
        if self.terms is not None:
            state["vectorizer"] = None  # what it learned is in the terms
        return state

    @property
    def empty(self) -> bool:
        """Whether the history had no word at all (every query row is then empty)."""
        return self.terms is None and self.vectorizer is None

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        if self.empty:
            return sparse.csr_matrix((len(texts), 1), dtype=np.float32)
        # An estimate transforms the same query texts twice (similarities, regression): the
        # last result is kept (read-only: callers only multiply it).
        key = tuple(texts)
        last = self._last
        if last is not None and last[0] == key:
            return last[1]
        if self.terms is not None:
            found = self.terms.transform(key)
        else:  # a vectorizer configured otherwise: scikit-learn's own transform
            assert self.vectorizer is not None
            found = sparse.csr_matrix(self.vectorizer.transform(list(key)))
        self._last = (key, found)
        return found

    _last: tuple[tuple[str, ...], sparse.csr_matrix] | None = None

    def similarities(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), n) cosine similarities to the history's rows."""
        return (self.transform(texts) @ self.by_term).toarray().astype(np.float32, copy=False)


def semantic_similarities(history: History, queries: Sequence[Query]) -> np.ndarray | None:
    """(queries, n) semantic similarities, or ``None`` when no query has any."""
    if not any(q.embedding is not None or q.semantic is not None for q in queries):
        return None
    out = np.zeros((len(queries), len(history)), dtype=np.float32)
    embeddings = history.embeddings
    rows = [i for i, q in enumerate(queries) if q.embedding is not None]
    if rows and embeddings is not None:
        matrix = np.vstack([np.asarray(queries[i].embedding, dtype=np.float32) for i in rows])
        out[rows] = matrix @ embeddings.T
    for i, query in enumerate(queries):
        if query.embedding is None and query.semantic:
            for item_id, similarity in query.semantic.items():
                j = history.index.get(item_id)
                if j is not None:
                    out[i, j] = similarity
    np.clip(out, 0.0, 1.0, out=out)
    return out


def metadata_overlap(history: History, queries: Sequence[Query]) -> np.ndarray | None:
    """(queries, n) share of the metadata fields a query sets that an item matches (0..1)."""
    if not history.has_metadata:
        return None
    out = np.zeros((len(queries), len(history)), dtype=np.float32)
    kept = history.overlap_rows
    for i, query in enumerate(queries):
        # A row depends only on the history and the query's metadata, and a workspace's
        # briefs repeat a few filters: kept (read-only) rather than O(n) again per brief.
        key = (query.category, query.type, frozenset(query.tags))
        row = kept.get(key)
        if row is None:
            row = _overlap_row(history, query)
            row.setflags(write=False)
            if len(kept) >= OVERLAP_ROWS_KEPT:
                # The oldest; safe when a concurrent answer emptied it meanwhile.
                kept.pop(next(iter(kept), key), None)
            kept[key] = row
        out[i] = row
    return out


OVERLAP_ROWS_KEPT = 32  # distinct filters kept per history (a row is n float32)


def _overlap_row(history: History, query: Query) -> np.ndarray:
    """(n,) float32 share of the metadata fields ``query`` sets that each item matches."""
    parts: list[np.ndarray] = []
    if query.category:
        parts.append(history.categories == query.category)
    if query.type:
        parts.append(history.types == query.type)
    if query.tags:
        wanted = set(query.tags)
        shared = sum(
            (history.tagged[t] for t in wanted if t in history.tagged),
            np.zeros(len(history)),
        )
        parts.append(shared / (len(wanted) + history.tag_counts - shared))
    out = np.zeros(len(history), dtype=np.float32)
    if parts:
        out[:] = np.mean(parts, axis=0)
    else:
        out[:] = 1.0  # nothing to compare: no item is preferred
    return out


def fuse(
    lexical: np.ndarray | None,
    semantic: np.ndarray | None,
    metadata: np.ndarray | None,
    lexical_weight: float,
    metadata_weight: float,
) -> np.ndarray:
    """The fused similarity (see the module docstring); lexical alone without semantic.

    ``lexical`` may be None when ``lexical_weight`` is 0 and there is a semantic similarity:
    ``0 * lexical`` adds exactly zero, so the result is the same without computing it.
    """
    if semantic is None:
        if lexical is None:
            raise ValueError("a fusion needs lexical or semantic similarities")
        fused = lexical
    elif lexical is None:
        if lexical_weight != 0:
            raise ValueError("a lexical weight needs lexical similarities")
        fused = (1.0 - lexical_weight) * semantic
    else:
        fused = lexical_weight * lexical + (1.0 - lexical_weight) * semantic
    if metadata is not None and metadata_weight > 0:
        fused = fused * ((1.0 - metadata_weight) + metadata_weight * metadata)
    return fused

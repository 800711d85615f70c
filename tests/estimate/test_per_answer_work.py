"""What an estimate does per answer: the same numbers as scikit-learn's and the engine's own
history-wide pieces, without redoing the work that depends only on the history."""

from __future__ import annotations

import math
import random
from dataclasses import replace

import numpy as np
import pytest
import sklearn.feature_extraction.text as sklearn_text
from scipy import sparse
from sklearn.linear_model import Ridge

from estimating import Engine, History, Knobs, PastItem, Query
from estimating.engine import Guesses, exact_shares
from estimating.regression import TextRegression
from estimating.retrieval import OVERLAP_ROWS_KEPT, LexicalIndex, metadata_overlap, vectorizer
from estimating.terms import Terms
from tests.estimate.sparse_rows import same_rows

TEXTS = [
    "Shop checkout with Stripe and a coupon field",
    "Checkout page redesign {code}x{code} <b>bold</b> &amp; https://example.com/a",
    "Data import from CSV, 42 columns, nightly",
    "API for the mobile app: login, profile, push",
    "Forum moderation tools and a report queue",
    "Report export to PDF and CSV",
]
QUERIES = [
    "checkout with coupons",
    "nightly CSV import of 42 columns",
    "",  # no word at all
    "quantum blockchain",  # no word the history knows
    "Report report REPORT export export",  # repeated words: sublinear counts
    "checkout",
]


def _same(found: sparse.csr_matrix, expected: sparse.csr_matrix) -> bool:
    return same_rows(found, expected, same_type=True)


def test_a_query_transform_has_exactly_scikit_learns_floats() -> None:
    index = LexicalIndex(TEXTS)
    assert index.vectorizer is not None
    for query in QUERIES:
        expected = sparse.csr_matrix(index.vectorizer.transform([query]))
        assert _same(index.transform([query]), expected), query
    expected = sparse.csr_matrix(index.vectorizer.transform(QUERIES))
    assert _same(index.transform(QUERIES), expected)
    expected = sparse.csr_matrix(index.vectorizer.transform(TEXTS))
    assert _same(index.transform(TEXTS), expected)


def test_a_query_transform_skips_scikit_learns_input_validation(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    index = LexicalIndex(TEXTS)
    expected = index.similarities(["checkout with coupons"])
    index._last = None

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("TF-IDF input validation ran for a query")

    # TfidfTransformer.transform validates through this name (and asks narwhals whether the
    # counts are a dataframe): an answer's transform must not reach it.
    monkeypatch.setattr(sklearn_text, "validate_data", refuse)
    found = index.similarities(["checkout with coupons"])
    assert found.tobytes() == expected.tobytes()
    assert index.vectorizer is not None
    with pytest.raises(AssertionError):  # the patch does bite scikit-learn's own path
        index.vectorizer.transform(["checkout"])


def test_a_vectorizer_configured_otherwise_uses_scikit_learns_transform() -> None:
    index = LexicalIndex(TEXTS)
    plain = vectorizer()
    plain.set_params(sublinear_tf=False, norm="l1")
    index.vectorizer = plain
    index.matrix = sparse.csr_matrix(plain.fit_transform(TEXTS))
    index.terms = Terms.of(plain)
    assert index.terms is None  # not a configuration the terms cover
    expected = sparse.csr_matrix(plain.transform(QUERIES))
    assert _same(index.transform(QUERIES), expected)


def test_a_history_without_words_transforms_to_empty_rows() -> None:
    index = LexicalIndex(["", "  "])
    assert index.transform(["checkout"]).shape == (1, 1)
    assert index.similarities(["checkout"]).tolist() == [[0.0, 0.0]]


def _guessed_history(n: int, seed: int) -> History:
    rng = random.Random(seed)
    items = []
    for i in range(n):
        kind = rng.choice(["report", "import", "screen", "api"])
        guess = rng.choice([2.0, 4.0, 8.0, 16.0, 40.0]) if i % 5 else None
        actual = (guess or 8.0) * math.exp(rng.gauss(0.2, 0.4)) if i % 3 else (guess or 3.0)
        items.append(PastItem(str(i), f"{kind} {i}", round(actual, 1), guess=guess, order=i))
    return History(items)


def test_the_history_wide_guess_pieces_are_the_ones_worked_out_per_query() -> None:
    history = _guessed_history(120, seed=4)
    table = Guesses(history)
    has_guess = np.isfinite(history.guess)
    guess = np.where(has_guess, history.guess, 1.0)
    ratios = np.where(has_guess, history.actual / guess, 0.0)
    assert np.array_equal(table.has_guess, has_guess)
    assert np.array_equal(table.grid, np.unique(ratios[has_guess]))
    assert np.array_equal(
        table.grid_index, np.searchsorted(table.grid, ratios).clip(0, table.grid.size - 1)
    )
    assert table.cases == float(has_guess.sum())
    assert not table.grid.flags.writeable  # shared by every answer: read-only
    closeness = np.random.default_rng(1).random((3, len(history)))
    excluded = np.array([-1, 0, 7])
    assert np.array_equal(
        exact_shares(history, closeness, excluded, table),
        exact_shares(history, closeness, excluded),
    )


def test_an_engine_works_out_its_guess_pieces_once_and_answers_as_a_fresh_one() -> None:
    history = _guessed_history(150, seed=5)
    knobs = Knobs(k=6, guess_k=8, half_life=40.0, exact_share=0.3)
    queries = [Query("report 3", guess=4.0), Query("api 9", guess=40.0), Query("import")]
    engine = Engine(history, knobs)
    first = engine.estimate_many(queries)
    table = engine.guesses
    second = engine.estimate_many(queries)
    assert engine.guesses is table
    assert first == second == Engine(history, knobs).estimate_many(queries)
    assert first[0].guess == 4.0 and first[2].guess is None


def test_the_prior_per_grid_cell_is_the_whole_historys_weights_summed() -> None:
    history = _guessed_history(90, seed=6)
    engine = Engine(history, Knobs(half_life=30.0))
    weights = engine._prior_weights(30.0)
    expected = np.bincount(history.grid_index, weights=weights, minlength=history.grid.size)
    assert np.array_equal(engine._prior_masses(30.0), expected)
    table = engine.guesses
    guessed = np.bincount(
        table.grid_index, weights=np.where(table.has_guess, weights, 0.0), minlength=table.grid.size
    )
    assert np.array_equal(engine._prior_masses(30.0, guessed=True), guessed)
    assert engine._prior_masses(30.0) is engine._prior_masses(30.0)  # kept, not redone


_same_rows = same_rows


@pytest.mark.parametrize("with_embeddings", [False, True])
def test_a_querys_regression_row_is_the_one_the_stacked_features_make(
    with_embeddings: bool,
) -> None:
    rng = np.random.default_rng(2)
    items = [
        PastItem(
            str(i),
            TEXTS[i % len(TEXTS)] + f" part {i}",
            float(2 + i % 7),
            category=("web", "data", "")[i % 3],
            type=("feature", "bug")[i % 2],
            tags=(("shop",), ("shop", "api"), ())[i % 3],
            order=i,
            embedding=rng.normal(size=4).astype(np.float32) if with_embeddings else None,
        )
        for i in range(30)
    ]
    history = History(items)
    model = TextRegression(history, LexicalIndex(history.texts), penalty=1.0)
    vector = np.array([0.5, 0.0, -0.25, 1.0], dtype=np.float32)  # a zero is not stored
    queries = [
        Query("checkout with coupons", category="web", tags=("shop", "shop", "unknown")),
        Query("", type="bug"),
        Query("quantum", type="unseen", tags=("api",)),
        Query("report export"),
    ]
    embeddings = np.vstack([vector] * len(queries)) if with_embeddings else None
    terms = model.lexical.transform([q.text for q in queries])
    for given in (embeddings, None):  # without every query's embedding: zeros, none stored
        stacked = model._features(terms, queries, given)
        built = model._query_features(terms, queries, given)
        assert _same_rows(built, stacked)
        assert (built @ model.coef).tobytes() == (stacked @ model.coef).tobytes()
    if with_embeddings:
        queries = [replace(q, embedding=vector) for q in queries]
    # scikit-learn's own Ridge, fitted on the same rows, predicts the same floats.
    reference = Ridge(alpha=1.0).fit(
        model._features(model.lexical.matrix, history.items, history.embeddings),
        np.log1p(history.actual),
    )
    expected = np.maximum(
        np.expm1(reference.predict(model._features(terms, queries, embeddings))), 0.0
    )
    assert model.predict(queries).tobytes() == expected.tobytes()


def _tagged_history() -> History:
    return History(
        PastItem(
            str(i),
            f"job {i}",
            float(1 + i),
            category=("web", "data")[i % 2],
            type=("feature", "bug", "")[i % 3],
            tags=(("shop",), ("shop", "api"), ("api", "ios"), ())[i % 4],
            order=i,
        )
        for i in range(24)
    )


def _overlap_by_hand(history: History, query: Query) -> np.ndarray:
    parts = []
    if query.category:
        parts.append([float(item.category == query.category) for item in history.items])
    if query.type:
        parts.append([float(item.type == query.type) for item in history.items])
    if query.tags:
        wanted = set(query.tags)
        parts.append(
            [len(wanted & set(item.tags)) / len(wanted | set(item.tags)) for item in history.items]
        )
    if not parts:
        return np.ones(len(history), dtype=np.float32)
    return np.asarray(np.mean(parts, axis=0), dtype=np.float32)


def test_metadata_overlap_rows_are_kept_per_filter_and_stay_the_same() -> None:
    history = _tagged_history()
    queries = [
        Query("a", category="web", type="bug", tags=("shop", "api")),
        Query("b", tags=("api", "shop")),  # the same tags in another order
        Query("c", type="feature"),
        Query("d"),
    ]
    first = metadata_overlap(history, queries)
    assert first is not None
    for row, query in zip(first, queries, strict=True):
        assert np.allclose(row, _overlap_by_hand(history, query), atol=1e-6)
    first[0] = -1.0  # a caller's copy: the kept rows are untouched
    again = metadata_overlap(history, queries)
    assert again is not None
    assert again[0].tobytes() == _overlap_by_hand_kept(history, queries[0]).tobytes()
    assert len(history.overlap_rows) == 4
    assert metadata_overlap(History(history.items), queries).tobytes() == again.tobytes()  # type: ignore[union-attr]


def _overlap_by_hand_kept(history: History, query: Query) -> np.ndarray:
    return history.overlap_rows[(query.category, query.type, frozenset(query.tags))]


def test_only_so_many_filters_are_kept_per_history() -> None:
    history = _tagged_history()
    for number in range(OVERLAP_ROWS_KEPT + 5):
        metadata_overlap(history, [Query("x", type=f"type {number}")])
    assert len(history.overlap_rows) == OVERLAP_ROWS_KEPT
    assert ("", "type 0", frozenset()) not in history.overlap_rows  # the oldest went first

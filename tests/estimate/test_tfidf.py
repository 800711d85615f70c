"""TF-IDF retrieval for CSV backtests: tokens, unit rows, and nearest neighbours."""

from __future__ import annotations

import random

import numpy as np
import pytest

from bot.tfidf import SparseRows, TfidfIndex, tokens, top_neighbours


def dense(rows: SparseRows, width: int) -> np.ndarray:
    matrix = np.zeros((len(rows), width))
    for i in range(len(rows)):
        columns, values = rows.row(i)
        matrix[i, columns] = values
    return matrix


def test_tokens_drop_markup_and_add_word_pairs() -> None:
    text = "{html}<div>Fix <b>Login</b> page</div>{html} see https://example.com/x"
    assert tokens(text) == ["fix", "login", "page", "see", "fix login", "login page", "page see"]


def test_rows_are_unit_vectors_and_unknown_terms_are_ignored() -> None:
    index = TfidfIndex.fit(["login page", "login form", "payment page"], min_df=1)
    rows = index.transform(["login page", "nothing known here", "login login page"])
    norms = np.linalg.norm(dense(rows, len(index.vocabulary)), axis=1)
    assert norms == pytest.approx([1.0, 0.0, 1.0])


def test_the_closest_text_comes_first() -> None:
    history = ["checkout payment refunds", "login form reset", "csv export report"]
    index = TfidfIndex.fit(history, min_df=1)
    vectors = index.transform([*history, "refunds in the checkout"])
    neighbours, sims = top_neighbours(vectors.slice(3, 4), vectors.slice(0, 3), 2)
    assert neighbours[0, 0] == 0
    assert sims[0, 0] > 0 and sims[0, 1] == 0.0


def test_matches_a_dense_brute_force() -> None:
    rng = random.Random(3)
    words = [f"w{i}" for i in range(30)]
    texts = [" ".join(rng.choices(words, k=rng.randint(0, 12))) for _ in range(60)]
    index = TfidfIndex.fit(texts[:40])
    vectors = index.transform(texts)
    width = len(index.vocabulary)
    queries, corpus = dense(vectors.slice(40, 60), width), dense(vectors.slice(0, 40), width)
    expected = np.clip(queries @ corpus.T, 0, 1)
    neighbours, sims = top_neighbours(vectors.slice(40, 60), vectors.slice(0, 40), 5)
    for row in range(20):
        best = np.sort(expected[row])[::-1][:5]
        assert sims[row] == pytest.approx(best)
        assert expected[row, neighbours[row]] == pytest.approx(sims[row])

"""A fitted TF-IDF index used without scikit-learn: the same floats, and no import of it."""

from __future__ import annotations

import pickle
import random
import subprocess
import sys

import numpy as np
from scipy import sparse

from estimating import History, PastItem, Query
from estimating.regression import TextRegression
from estimating.retrieval import LexicalIndex, clean, vectorizer
from estimating.terms import Terms, normalize_rows
from tests.estimate.sparse_rows import same_rows

WORDS = [
    "checkout",
    "stripe",
    "coupon",
    "api",
    "login",
    "push",
    "report",
    "export",
    "csv",
    "pdf",
    "nightly",
    "import",
    "café",
    "straße",
    "naïve",
    "42",
    "2024",
    "v2",
    "x_y",
    "über",
    "résumé",
    "{code}",
    "<b>bold</b>",
    "&amp;",
    "https://example.com/a",
    "ÉCOLE",
    "Data-Import",
    "REST/JSON",
    "3.5",
    "1,000",
    "foo_bar",
    "_under",
    "émoji🙂",
    "日本",
    "e-mail",
]


def _texts(count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [
        " ".join(rng.choice(WORDS) for _ in range(rng.randint(0, 14))) + rng.choice(["", ".", "!"])
        for _ in range(count)
    ]


_same = same_rows


def test_the_terms_transform_as_the_fitted_vectorizer_does_on_varied_text() -> None:
    history, queries = _texts(300, seed=1), _texts(200, seed=2)
    for ngrams in ((1, 2), (1, 1), (2, 3), (1, 3)):
        fitted = vectorizer()
        fitted.set_params(ngram_range=ngrams)
        fitted.fit(history)
        terms = Terms.of(fitted)
        assert terms is not None
        expected = sparse.csr_matrix(fitted.transform(queries))
        assert _same(terms.transform(queries), expected), ngrams
        assert terms.analyze(queries[0]) == fitted.build_analyzer()(queries[0])


def test_other_configurations_are_left_to_scikit_learn() -> None:
    for change in ({"binary": True}, {"norm": "l1"}, {"use_idf": False}, {"stop_words": ["a"]}):
        fitted = vectorizer()
        fitted.set_params(**change)
        fitted.fit(_texts(20, seed=3))
        assert Terms.of(fitted) is None, change


def test_rows_are_normalised_with_scikit_learns_arithmetic() -> None:
    from sklearn.utils.sparsefuncs_fast import inplace_csr_row_normalize_l2

    rng = np.random.default_rng(0)
    dense = (rng.random((50, 40)) * (rng.random((50, 40)) < 0.3)).astype(np.float32) * 7
    dense[3] = 0  # an empty row stays empty
    ours, theirs = sparse.csr_matrix(dense), sparse.csr_matrix(dense)
    normalize_rows(ours)
    inplace_csr_row_normalize_l2(theirs)
    assert ours.data.tobytes() == theirs.data.tobytes()


PROBE = """
import pickle, sys
index, regression, queries = pickle.loads(sys.stdin.buffer.read())
rows = index.similarities([q.text for q in queries])
points = regression.predict(queries)
print(rows.tobytes().hex())
print(points.tobytes().hex())
print(sorted(m for m in sys.modules if m.split(".")[0] == "sklearn"))
"""


def test_an_index_fitted_elsewhere_answers_the_same_without_importing_scikit_learn() -> None:
    texts = _texts(120, seed=4)
    items = [
        PastItem(str(i), text, float(1 + i % 17), type=("bug", "feature")[i % 2])
        for i, text in enumerate(texts)
    ]
    history = History(items)
    index = LexicalIndex(history.texts)
    regression = TextRegression(history, index, penalty=2.0)
    queries = [Query(text, type="bug") for text in _texts(12, seed=5)]
    payload = pickle.dumps((index, regression, queries))
    assert b"sklearn" not in payload  # nothing of scikit-learn travels
    result = subprocess.run(
        [sys.executable, "-c", PROBE], input=payload, capture_output=True, check=True, timeout=120
    )
    rows, points, loaded = result.stdout.decode().splitlines()
    assert rows == index.similarities([q.text for q in queries]).tobytes().hex()
    assert points == regression.predict(queries).tobytes().hex()
    assert loaded == "[]"


def test_the_preprocessor_is_the_engines_cleaner() -> None:
    fitted = vectorizer().fit(["checkout page"])
    terms = Terms.of(fitted)
    assert terms is not None and terms.preprocess is clean

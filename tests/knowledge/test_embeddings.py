"""The bundled MiniLM, run on onnxruntime, against the reference implementation's vectors."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import numpy as np
import pytest

from knowledge.embeddings import (
    ChromaEmbeddingFunction,
    EmbeddingsUnavailable,
    get_embedder,
    setting_for,
)

# sentence-transformers' all-MiniLM-L6-v2 (torch), `encode("Hello world", normalize_embeddings=
# True)`: the first five dimensions and the last one, as published by several independent
# projects that check their own ports against it (see README, "Knowledge and embeddings").
REFERENCE_HELLO_WORLD_HEAD = [-0.03447726, 0.03102319, 0.00673499, 0.02610895, -0.03936201]
REFERENCE_HELLO_WORLD_LAST = 0.030206844210624695

# Full reference vectors for a fixed sentence set and the demo portfolio's top 5 for a set of
# briefs, computed once with a float32 forward pass that matched sentence-transformers to cosine
# >= 0.99999 (how exactly: the file's "computed_with").
REFERENCE = json.loads(
    (Path(__file__).parent / "data" / "minilm_reference.json").read_text(encoding="utf-8")
)

# Our own vectors, computed once and pinned so a change in the maths is noticed (first 8 dims).
GOLDEN_VECTORS = {
    "Shopify store with a custom theme": [
        -0.019959,
        0.070227,
        -0.020571,
        0.007290,
        0.015394,
        0.104016,
        0.079160,
        -0.016002,
    ],
    "Native iPad app for building inspectors": [
        -0.056803,
        0.010822,
        0.012703,
        -0.016927,
        0.036450,
        -0.058359,
        -0.057066,
        -0.018387,
    ],
    "Brand identity for a neighbourhood bakery": [
        0.021640,
        0.043789,
        0.003087,
        -0.037998,
        -0.030315,
        0.024134,
        0.069923,
        -0.014163,
    ],
}


@pytest.fixture(scope="module")
def embedder():
    return get_embedder("local")


def test_matches_the_reference_implementation(embedder) -> None:
    vector = embedder.embed(["Hello world"])[0]
    assert vector.shape == (384,)
    np.testing.assert_allclose(vector[:5], REFERENCE_HELLO_WORLD_HEAD, atol=2e-6)
    assert vector[-1] == pytest.approx(REFERENCE_HELLO_WORLD_LAST, abs=2e-6)


def test_pinned_golden_vectors(embedder) -> None:
    vectors = embedder.embed(list(GOLDEN_VECTORS))
    for row, expected in zip(vectors, GOLDEN_VECTORS.values(), strict=True):
        np.testing.assert_allclose(row[:8], expected, atol=1e-5)


def test_cosine_to_the_committed_reference_vectors(embedder) -> None:
    vectors = embedder.embed(REFERENCE["sentences"])
    expected = np.asarray(REFERENCE["vectors"], dtype=np.float32)
    cosines = np.sum(vectors * expected, axis=1) / np.linalg.norm(expected, axis=1)
    worst = int(np.argmin(cosines))
    assert cosines[worst] >= 0.999, REFERENCE["sentences"][worst]


def test_same_top_five_on_the_demo_portfolio(demo_vectors) -> None:
    projects, project_vectors = demo_vectors
    briefs = list(REFERENCE["demo_top5"])
    scores = get_embedder("local").embed(briefs) @ np.asarray(project_vectors).T
    for brief, row in zip(briefs, scores, strict=True):
        found = [projects[i].id for i in np.argsort(-row, kind="stable")[:5]]
        expected = REFERENCE["demo_top5"][brief]
        assert set(found) == set(expected), brief
        assert found[0] == expected[0], brief


def test_vectors_are_unit_length_float32(embedder) -> None:
    vectors = embedder.embed(["a", "a much longer sentence about a web shop " * 40, "ünïcödé ✓"])
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_batching_and_padding_do_not_change_vectors(embedder) -> None:
    texts = [f"project number {i} " + "word " * (i * 7 % 50) for i in range(24)]
    together = embedder.embed(texts)
    one_by_one = np.stack([embedder.embed([t])[0] for t in texts[:10]])
    np.testing.assert_allclose(together[:10], one_by_one, atol=1e-5)


def test_similar_texts_are_closer_than_unrelated_ones(embedder) -> None:
    shop, theme, bakery_logo = embedder.embed(
        [
            "An online store on Shopify with a bespoke theme",
            "Shopify e-commerce site with a custom Liquid theme",
            "Logo and packaging design for a bakery",
        ]
    )
    assert float(shop @ theme) > float(shop @ bakery_logo) + 0.2


def test_empty_input_gives_an_empty_matrix(embedder) -> None:
    assert embedder.embed([]).shape == (0, 384)


def test_one_embedder_per_process_even_under_threads() -> None:
    found: list[object] = []
    threads = [
        threading.Thread(target=lambda: found.append(get_embedder("local"))) for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(item is found[0] for item in found)


def test_the_chroma_wrapper_gives_the_same_vectors(embedder) -> None:
    direct = embedder.embed(["Stripe billing integration"])[0]
    function = ChromaEmbeddingFunction(embedder)
    np.testing.assert_allclose(function(["Stripe billing integration"])[0], direct, atol=1e-6)
    assert function.get_config() == {"model": embedder.name}
    assert setting_for(embedder.name) == "local"


def test_a_provider_without_its_package_says_what_to_install() -> None:
    with pytest.raises(EmbeddingsUnavailable) as raised:
        get_embedder("ollama:nomic-embed-text")
    assert "pip install 'atelier-bot[ollama]'" in str(raised.value)


def test_a_malformed_setting_is_explained() -> None:
    with pytest.raises(EmbeddingsUnavailable) as raised:
        get_embedder("text-embedding-3-small")
    assert "provider:model" in str(raised.value)

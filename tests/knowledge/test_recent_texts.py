"""The local embedder remembers single texts: a repeat gets the model's own vector, no pass."""

from __future__ import annotations

import numpy as np
import pytest

from knowledge import embeddings
from knowledge.embeddings import LocalEmbedder
from knowledge.minilm import MiniLM

BRIEF = "Shopify store with a custom theme"


class CountingModel:
    """The real model, counting its forward passes."""

    def __init__(self) -> None:
        self.model = MiniLM()
        self.calls: list[list[str]] = []

    def encode(self, texts: list[str]) -> np.ndarray:
        self.calls.append(list(texts))
        return self.model.encode(texts)


@pytest.fixture
def counted() -> tuple[LocalEmbedder, CountingModel]:
    embedder = LocalEmbedder()
    model = CountingModel()
    embedder._model = model
    return embedder, model


def test_a_repeated_text_gets_the_same_vector_without_a_second_pass(counted) -> None:
    embedder, model = counted
    first = embedder.embed([BRIEF])
    first[0, 0] = 42.0  # a caller changing its array does not change what is remembered
    again = embedder.embed([BRIEF])
    assert model.calls == [[BRIEF]]
    np.testing.assert_array_equal(again, MiniLM().encode([BRIEF]))
    assert again.shape == (1, 384) and again.dtype == np.float32


def test_batches_are_always_embedded_and_not_remembered(counted) -> None:
    embedder, model = counted
    texts = [BRIEF, "Brand identity for a bakery"]
    batch = embedder.embed(texts)
    embedder.embed(texts)
    embedder.embed([BRIEF])
    assert model.calls == [texts, texts, [BRIEF]]
    np.testing.assert_allclose(embedder.embed([BRIEF])[0], batch[0], atol=1e-5)


def test_only_the_latest_texts_are_kept(counted, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(embeddings, "RECENT_TEXTS", 2)
    embedder, model = counted
    for text in ("one", "two", "one", "three"):  # "one" was used again, so "two" goes first
        embedder.embed([text])
    embedder.embed(["one"])
    embedder.embed(["two"])
    assert [call[0] for call in model.calls] == ["one", "two", "three", "two"]

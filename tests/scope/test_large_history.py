"""A workspace with more closed projects than SQLite binds in one query still gets answers.

Chroma's ``get(where=…)`` over a whole tenant binds every matching id as an SQL variable, and
SQLite refuses more than 32,766: a history read in one query made every ``/scope`` fail from
about 32,700 closed projects. The store here is real (in-memory Chroma), built cheaply: small
precomputed random vectors written in Chroma's largest batches, in the store's own record format,
instead of embedding 33k texts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence

import chromadb
import numpy as np

from bot.core import Bot
from knowledge.models import PastProject
from knowledge.store import ProjectStore, _metadata
from tests.conftest import Harness

SQLITE_MAX_VARIABLES = 32_766
PROJECTS = SQLITE_MAX_VARIABLES + 300
TENANT = "big-studio"
KINDS = ("Shopify store", "WordPress site", "Django dashboard", "React Native app")


class TinyEmbedder:
    """Four hashed dimensions: enough for a real HNSW search, cheap to build 33k records."""

    name = "test:tiny-4"

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.zeros((len(texts), 4), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in text.lower().split():
                out[row, int(hashlib.md5(word.encode()).hexdigest(), 16) % 4] += 1.0
        return out / np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)


def _big_store() -> ProjectStore:
    client = chromadb.EphemeralClient()
    store = ProjectStore(client, TinyEmbedder(), "an in-memory test store")
    collection = store._collection(TENANT, create=True)
    assert collection is not None
    vectors = np.random.default_rng(7).standard_normal((PROJECTS, 4)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    batch = client.get_max_batch_size()
    for start in range(0, PROJECTS, batch):
        numbers = range(start, min(start + batch, PROJECTS))
        projects = [
            PastProject(
                id=f"big-{number:05d}",
                title=f"{KINDS[number % 4]} {number % 97}",
                summary="A past project.",
                type="web",
                estimated_hours=20.0 + number % 80,
                actual_hours=25.0 + number % 90,
                finished=dt.date(2020, 1, 1) + dt.timedelta(days=number % 1800),
            )
            for number in numbers
        ]
        collection.add(
            ids=[p.id for p in projects],
            embeddings=vectors[start : start + len(projects)],
            metadatas=[_metadata(TENANT, p, None) for p in projects],
        )
    return store


async def test_scope_answers_a_workspace_with_more_closed_projects_than_sqlite_binds(
    bot: Bot,
) -> None:
    store = _big_store()
    assert store.count(TENANT) == PROJECTS > SQLITE_MAX_VARIABLES
    bot.services.set_knowledge(store)
    harness = Harness(bot, tenant=TENANT)

    reply = await harness.say("/scope Shopify store 12 with a custom theme")
    assert not reply.refused, reply.text
    assert "unavailable" not in reply.text
    assert any(button.action_id == "scope:save" for button in reply.buttons), reply.text
    history = bot.services.histories.history(store, TENANT)  # the snapshot the answer used
    assert len(history.closed) == PROJECTS
    assert len({p.id for p in history.closed}) == PROJECTS  # every page read once

    again = await harness.say("/scope WordPress site 40 for a bakery")
    assert not again.refused and "unavailable" not in again.text

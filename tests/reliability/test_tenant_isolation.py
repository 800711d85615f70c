"""Two tenants with overlapping projects: 1,000 mixed queries never see the other tenant.

Both tenants hold projects with the *same ids and nearly the same text*; only the client name
tells them apart. Every result of every query is checked for the other tenant's marker, on
embedded Chroma and on a `chroma run` server (with the bot's state on SQLite and PostgreSQL).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest

from knowledge.store import ProjectStore
from tests.reliability.portfolio import KINDS, QUERIES, make_projects

TENANTS = {"T-NORTHWIND": "Northwind", "T-CONTOSO": "Contoso"}
PROJECTS_PER_TENANT = 40
QUERY_COUNT = 1_000

pytestmark = pytest.mark.slow


class RememberingEmbedder:
    """The real model, computed once per distinct text: the workload repeats ten queries, and
    isolation lives in the store and Chroma, not in the model."""

    def __init__(self, inner) -> None:  # type: ignore[no-untyped-def]
        self.inner = inner
        self.name = inner.name
        self.vectors: dict[str, np.ndarray] = {}

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        missing = [text for text in dict.fromkeys(texts) if text not in self.vectors]
        if missing:
            self.vectors.update(zip(missing, self.inner.embed(missing), strict=True))
        return np.stack([self.vectors[text] for text in texts])


def open_store(data_dir: Path, chroma_url: str | None = None) -> ProjectStore:
    store = ProjectStore.open(data_dir, chroma_url=chroma_url)
    store.embedder = RememberingEmbedder(store.embedder)  # type: ignore[assignment]
    return store


def fill(store: ProjectStore, prefix: str) -> dict[str, str]:
    """Both tenants get overlapping portfolios; returns tenant id -> marker."""
    tenants = {f"{prefix}{tenant}": marker for tenant, marker in TENANTS.items()}
    for seed, (tenant, marker) in enumerate(tenants.items()):
        # Different seeds: same ids, slightly different numbers, text differing by the marker.
        store.upsert(tenant, make_projects(PROJECTS_PER_TENANT, marker, seed=seed))
    return tenants


def mixed_queries(store: ProjectStore, tenants: dict[str, str]) -> int:
    """Run the mixed workload; returns how many results were checked. Fails on any leak."""
    chooser = random.Random(2024)
    checked = 0
    names = list(tenants)
    for number in range(QUERY_COUNT):
        tenant = chooser.choice(names)
        marker = tenants[tenant]
        other = next(m for t, m in tenants.items() if t != tenant)
        kind = chooser.randrange(10)
        if kind < 6:  # search, with and without filters
            filters = {}
            if kind >= 3:
                filters["type"] = chooser.choice(KINDS)[0]
            if kind == 5:
                filters["tags"] = [chooser.choice(KINDS)[2][0]]
            found = [m.project for m in store.search(tenant, chooser.choice(QUERIES), 8, **filters)]
        elif kind < 8:  # get by an id that both tenants use
            project = store.get(tenant, f"p{chooser.randrange(PROJECTS_PER_TENANT):05d}")
            assert project is not None
            found = [project]
        elif kind == 8:
            found = store.list(tenant, status="closed")
            assert len(found) == PROJECTS_PER_TENANT
        else:
            assert store.count(tenant) == PROJECTS_PER_TENANT
            found = []
        for project in found:
            assert marker in (project.client or ""), (number, tenant, project.id)
            assert other not in project.summary and other not in (project.client or "")
            checked += 1
    return checked


def test_isolation_on_embedded_chroma(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    tenants = fill(store, "embedded-")
    assert mixed_queries(store, tenants) > QUERY_COUNT  # most queries return several results
    # An unknown tenant sees nothing at all.
    assert store.search("embedded-T-NOBODY", QUERIES[0]) == []
    assert store.get("embedded-T-NOBODY", "p00001") is None


def test_isolation_on_chroma_server(chroma_server, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    store = open_store(tmp_path / "unused", chroma_server.url)
    tenants = fill(store, "server-")
    assert mixed_queries(store, tenants) > QUERY_COUNT
    assert store.count("server-T-NOBODY") == 0

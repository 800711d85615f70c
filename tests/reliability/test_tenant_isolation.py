"""Two tenants with overlapping projects: 1,000 mixed queries never see the other tenant.

Both tenants hold projects with the *same ids and nearly the same text*; only the client name
tells them apart. Every result of every query is checked for the other tenant's marker, on
embedded Chroma and on a `chroma run` server (with the bot's state on SQLite and PostgreSQL).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from bot.config import Settings
from knowledge.store import ProjectStore
from tests.reliability.portfolio import KINDS, QUERIES, make_projects

TENANTS = {"T-NORTHWIND": "Northwind", "T-CONTOSO": "Contoso"}
PROJECTS_PER_TENANT = 40
QUERY_COUNT = 1_000

pytestmark = pytest.mark.slow


class RememberingEmbedder:
    """The real model, computed once per distinct text: the workload repeats ten queries, and
    isolation lives in the store and Chroma, not in the model."""

    def __init__(self, inner) -> None:
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
    store.embedder = RememberingEmbedder(store.embedder)
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
            filters: dict[str, Any] = {}
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


def test_isolation_on_chroma_server(chroma_server, tmp_path: Path) -> None:
    store = open_store(tmp_path / "unused", chroma_server.url)
    tenants = fill(store, "server-")
    assert mixed_queries(store, tenants) > QUERY_COUNT
    assert store.count("server-T-NOBODY") == 0


# --- through the bot: skills, SQL state and vectors together ----------------------------------

BOT_ROUNDS = 40


@pytest.fixture(params=["sqlite+embedded", "postgresql+chroma-server"])
def deployment(request: pytest.FixtureRequest, settings) -> Settings:
    """The single-machine set-up and the scaled-out one."""
    if request.param == "sqlite+embedded":
        return settings
    return settings.model_copy(
        update={
            "database_url": request.getfixturevalue("postgres_url"),
            "chroma_url": request.getfixturevalue("chroma_server").url,
        }
    )


async def test_isolation_through_the_bot(deployment: Settings) -> None:
    from adapters.runtime import build_services
    from bot.core import Bot
    from tests.conftest import Harness

    bot = Bot(build_services(deployment))
    await bot.start()
    try:
        store = await asyncio.to_thread(lambda: bot.services.knowledge)
        # The bot's store hands the Chroma store's embedder through (not in the port).
        store.embedder = RememberingEmbedder(store.embedder)  # type: ignore[attr-defined]
        prefix = "bot-pg-" if deployment.database_url else "bot-lite-"
        tenants = {f"{prefix}{tenant}": marker for tenant, marker in TENANTS.items()}
        harnesses = {}
        for seed, (tenant, marker) in enumerate(tenants.items()):
            projects = [
                p.model_copy(update={"title": f"{marker} {p.title}"})
                for p in make_projects(PROJECTS_PER_TENANT, marker, seed=seed)
            ]
            await asyncio.to_thread(store.upsert, tenant, projects)
            harness = Harness(bot, tenant=tenant)
            harnesses[tenant] = harness
            # The same project name and alias in both workspaces.
            added = await harness.say(f"/projects add name=Acme client={marker} aliases=acme")
            assert added.text.startswith("Added"), added.text
            await harness.say(f"/log acme done: {marker} checkout flow 2h")

        chooser = random.Random(7)
        own_data_shown = 0
        for _ in range(BOT_ROUNDS):
            tenant = chooser.choice(list(tenants))
            other = next(m for t, m in tenants.items() if t != tenant)
            line = chooser.choice(
                [
                    f"/scope {chooser.choice(QUERIES)}",
                    f"/projects search {chooser.choice(QUERIES)}",
                    "/projects show p00003",
                    "/projects list",
                    "/log acme",
                    "/update acme",
                    f"/log acme next: {tenants[tenant]} review",
                ]
            )
            reply = await harnesses[tenant].say(line)
            assert other not in reply.text, (tenant, line, reply.text[:300])
            screen = harnesses[tenant].screen()
            assert other not in screen, (tenant, line)
            own_data_shown += tenants[tenant] in screen
        # Not vacuous: the answers do show the workspace's own projects and entries.
        assert own_data_shown >= BOT_ROUNDS // 2
    finally:
        await bot.close()

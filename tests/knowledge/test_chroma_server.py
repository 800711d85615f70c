"""The scale-out path: the store on a real `chroma run` server on loopback."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from knowledge.store import KnowledgeUnavailable, ProjectStore
from tests.knowledge.helpers import project
from tests.reliability.conftest import ChromaServer, chroma_or_skip


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ChromaServer]:
    """Our own server (this module stops it mid-test), stopped with SIGTERM at the end."""
    yield from chroma_or_skip(tmp_path / "chroma-data")


def test_store_on_a_server_with_tenants_and_restart(server: ChromaServer, tmp_path: Path) -> None:
    store = ProjectStore.open(tmp_path, chroma_url=server.url)
    shop = project("shop", "Shopify store with a custom theme", type="e-commerce", tags=["shop"])
    app = project("app", "Fitness mobile app", type="mobile-app")
    assert store.upsert("T-alpha", [shop, app]) == 2
    store.upsert("T-beta", [app.model_copy(update={"title": "Beta's app"})])
    assert store.search("T-alpha", "online shop theme")[0].project.id == "shop"
    assert [m.project.title for m in store.search("T-beta", "online shop theme")] == ["Beta's app"]
    assert store.get("T-beta", "shop") is None
    assert [m.project.id for m in store.search("T-alpha", "x", tags=["shop"])] == ["shop"]
    # a second client (another bot replica) sees the same data
    replica = ProjectStore.open(tmp_path / "elsewhere", chroma_url=server.url)
    assert replica.count("T-alpha") == 2

    server.stop()
    with pytest.raises(KnowledgeUnavailable, match="not available"):
        store.search("T-alpha", "online shop theme")
    with pytest.raises(KnowledgeUnavailable, match="can't reach"):
        ProjectStore.open(tmp_path, chroma_url=server.url)

"""The Chroma store is what the core's protocol says a knowledge store is."""

from __future__ import annotations

from pathlib import Path

from knowledge.port import KnowledgeStore
from knowledge.store import ProjectStore


def test_the_project_store_satisfies_the_core_protocol(tmp_path: Path) -> None:
    store = ProjectStore.open(tmp_path)
    try:
        assert isinstance(store, KnowledgeStore)
        assert store.count("local") == 0 and store.nearest("local", "a shop") == []
    finally:
        store.close()


def test_an_object_missing_a_method_does_not() -> None:
    class CountOnly:
        def count(self, tenant: str) -> int:
            return 0

    assert not isinstance(CountOnly(), KnowledgeStore)

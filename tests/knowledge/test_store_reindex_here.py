"""A re-index in this process (`/projects reindex` in chat) builds while the bot keeps
answering: other workspaces, and this one on its old collection, are never held up by it."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from knowledge.store import ProjectStore, collection_name
from tests.knowledge.helpers import project

PROJECTS = [project(f"p{i}", f"Shop number {i}", type="e-commerce") for i in range(6)]


def test_reads_and_writes_go_on_while_a_reindex_builds(tmp_path: Path) -> None:
    store = ProjectStore.open(tmp_path / "data")
    store.upsert("T1", PROJECTS)
    store.upsert("T2", PROJECTS[:3])
    building, release = threading.Event(), threading.Event()
    write = store._write

    def paused(collection: Any, tenant: str, projects: Any, vectors: Any) -> int:
        if collection.name != collection_name(tenant):  # the new collection, being built
            building.set()
            assert release.wait(60), "the test never released the build"
        return write(collection, tenant, projects, vectors)

    store._write = paused  # type: ignore[method-assign,assignment]
    counted: list[int] = []
    reindex = threading.Thread(target=lambda: counted.append(store.reindex("T1")))
    reindex.start()
    try:
        assert building.wait(60)
        # While the build waits: another workspace reads and writes, this one answers from
        # its old collection and takes a write there.
        done = threading.Event()

        def meanwhile() -> None:
            assert len(store.search("T2", "shop", k=3)) == 3
            assert store.upsert("T2", [project("t2-new", "A new shop")]) == 1
            assert store.count("T1") == 6
            assert len(store.nearest("T1", "shop", n=6)) == 6
            assert store.upsert("T1", [project("p-late", "A late shop")]) == 1
            done.set()

        worker = threading.Thread(target=meanwhile)
        worker.start()
        worker.join(60)
        assert done.is_set(), "the bot was held up by the re-index"
    finally:
        release.set()
        reindex.join(120)
    assert counted == [7]  # the new collection, with the write made during the build
    assert store.count("T1") == 7
    assert store.get("T1", "p-late") is not None
    assert store.count("T2") == 4
    names = {c.name for c in store.client.list_collections()}
    assert names == {collection_name("T1"), collection_name("T2")}

"""Reading a whole tenant a page at a time, and the ids each write touched."""

from __future__ import annotations

import chromadb
import pytest

from knowledge import store as store_module
from knowledge.store import ProjectStore, collection_name
from tests.knowledge.helpers import HashingEmbedder, project


@pytest.fixture
def store() -> ProjectStore:
    client = chromadb.EphemeralClient()
    for found in client.list_collections():  # the in-memory client is shared per process
        client.delete_collection(found.name)
    return ProjectStore(client, HashingEmbedder(), "an in-memory test store")


def _projects(count: int) -> list:
    return [
        project(
            f"p{number:02d}",
            f"Project {number}",
            status="active" if number % 4 == 0 else "closed",
            actual_hours=10.0 + number,
        )
        for number in range(count)
    ]


def test_paged_listing_equals_one_full_listing(store: ProjectStore, monkeypatch) -> None:
    store.upsert("t", _projects(11))
    full = store.list("t")
    full_closed = store.list("t", status="closed")
    collection = store.client.get_collection(collection_name("t"))
    everything = sorted(collection.get()["ids"])  # the whole tenant in one query (small)
    assert len(everything) == 11
    monkeypatch.setattr(store_module, "_READ_PAGE", 3)  # 11 records: four pages, one short
    reads: list[int] = []
    real_get = collection.get

    def counted_get(*args, **kwargs):
        reads.append(kwargs.get("limit") or 0)
        return real_get(*args, **kwargs)

    store._collections["t"] = collection
    monkeypatch.setattr(collection, "get", counted_get)
    paged = store.list("t")
    assert [p.id for p in paged] == [p.id for p in full]
    assert sorted(p.id for p in paged) == everything
    assert paged == full
    assert [p.id for p in store.list("t", status="closed")] == [p.id for p in full_closed]
    assert len(full_closed) == 8 and reads and all(limit == 3 for limit in reads)


def test_paged_listing_of_an_exact_number_of_pages(store: ProjectStore, monkeypatch) -> None:
    store.upsert("t", _projects(6))
    monkeypatch.setattr(store_module, "_READ_PAGE", 3)
    assert sorted(p.id for p in store.list("t")) == [f"p{n:02d}" for n in range(6)]


def test_changed_since_names_the_ids_each_write_touched(store: ProjectStore, monkeypatch) -> None:
    before = store.generation("t")
    assert store.changed_since("t", before) == frozenset()
    store.upsert("t", _projects(3))
    middle = store.generation("t")
    assert store.changed_since("t", before) == {"p00", "p01", "p02"}
    assert store.delete("t", "p01")
    assert store.changed_since("t", middle) == {"p01"}
    assert store.changed_since("t", before) == {"p00", "p01", "p02"}
    assert store.changed_since("other", 0) == frozenset()  # per tenant

    monkeypatch.setattr(store_module, "_CHANGE_IDS_MAX", 2)
    latest = store.generation("t")
    store.upsert("t", _projects(3))  # too many ids to remember: "read it all again"
    assert store.changed_since("t", latest) is None
    assert store.changed_since("t", latest + 5) is None  # a generation from another store


def test_changed_since_forgets_writes_older_than_it_keeps(store: ProjectStore, monkeypatch) -> None:
    monkeypatch.setattr(store_module, "_CHANGES_KEPT", 2)
    store = ProjectStore(store.client, store.embedder, store.where)
    first = store.generation("t")
    for number in range(3):
        store.upsert("t", [project(f"q{number}", f"Q {number}")])
    assert store.changed_since("t", first) is None
    assert store.changed_since("t", first + 1) == {"q1", "q2"}

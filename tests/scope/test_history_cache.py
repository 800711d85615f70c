"""The tenant history cache: read once, patched after this process's writes, refreshed in the
background after other processes' writes, and bounded in memory."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field

from bot.scoping import history
from bot.scoping.history import HistoryCache
from tests.knowledge.helpers import as_store


@dataclass
class Project:
    id: str
    type: str = "web"
    tags: list[str] = field(default_factory=lambda: ["shopify"])
    status: str = "closed"
    finished: object = None
    started: object = None


class CountingStore:
    """Counts its reads; ``write`` is this process writing (as ProjectStore.upsert counts)."""

    def __init__(self) -> None:
        self.projects = {"a": [Project("1")], "b": [Project("2"), Project("3")]}
        self.lists = 0
        self.counts = 0
        self.writes: dict[str, list[set[str]]] = {}
        self.gate: threading.Event | None = None  # when set, list() waits for it
        self.listing = threading.Event()

    def count(self, tenant: str) -> int:
        self.counts += 1
        return len(self.projects.get(tenant, []))

    def generation(self, tenant: str) -> int:
        return len(self.writes.get(tenant, []))

    def changed_since(self, tenant: str, generation: int) -> frozenset[str] | None:
        return frozenset().union(*self.writes.get(tenant, [])[generation:])

    def write(self, tenant: str, project: Project) -> None:
        self.projects[tenant] = [p for p in self.projects[tenant] if p.id != project.id]
        self.projects[tenant].append(project)
        self.writes.setdefault(tenant, []).append({project.id})

    def get_many(self, tenant: str, ids: list[str]) -> dict[str, Project]:
        return {p.id: p for p in self.projects.get(tenant, []) if p.id in ids}

    def list(self, tenant: str, status: str | None = None) -> list[Project]:
        self.lists += 1
        self.listing.set()
        if self.gate is not None:
            assert self.gate.wait(30), "the test never released the read"
        return [p for p in self.projects.get(tenant, []) if not status or p.status == status]


def test_history_is_cached_per_store_and_tenant_and_own_writes_patched_in_at_once(monkeypatch):
    store, cache = CountingStore(), HistoryCache()
    first = cache.history(as_store(store), "a")
    assert [p.id for p in first.closed] == ["1"] and first.tags == {"shopify"}
    assert cache.history(as_store(store), "a") is first and store.lists == 1
    assert [p.id for p in cache.history(as_store(store), "b").closed] == ["2", "3"]  # own entry
    assert store.lists == 2

    store.write("a", Project("4", type="app"))  # this process imported / closed a project
    changed = cache.history(as_store(store), "a")
    assert sorted(p.id for p in changed.closed) == ["1", "4"] and changed.types == {"web", "app"}
    assert store.lists == 2  # only the written project was read, not the whole tenant

    store.write("a", Project("1", status="active"))  # reopened: leaves the history at once
    assert [p.id for p in cache.history(as_store(store), "a").closed] == ["4"]


def test_writes_by_another_process_are_refreshed_in_the_background(monkeypatch):
    store, cache = CountingStore(), HistoryCache()
    first = cache.history(as_store(store), "a")
    counted = store.counts
    store.projects["a"].append(Project("5"))  # written elsewhere: no generation change here
    assert cache.history(as_store(store), "a") is first  # within RECHECK: not even counted
    assert store.counts == counted

    monkeypatch.setattr(history, "RECHECK", 0.0)
    store.gate, store.listing = threading.Event(), threading.Event()
    # The count differs: a refresh starts, and the answer still gets the previous snapshot
    # while the refresh's read is held open.
    assert cache.history(as_store(store), "a") is first
    assert store.listing.wait(30)  # the background read is under way, and blocked
    assert cache.history(as_store(store), "a") is first  # still answering from the old snapshot
    assert store.lists == 2  # one refresh at a time, however many answers
    store.gate.set()
    assert cache.wait_for_refresh("a", timeout=30)
    assert [p.id for p in cache.history(as_store(store), "a").closed] == ["1", "5"]


def test_a_failed_refresh_keeps_the_previous_snapshot(monkeypatch):
    store, cache = CountingStore(), HistoryCache()
    first = cache.history(as_store(store), "a")
    store.projects["a"].append(Project("6"))

    def broken(tenant: str, status: str | None = None) -> list[Project]:
        raise RuntimeError("store down")

    monkeypatch.setattr(store, "list", broken)
    monkeypatch.setattr(history, "RECHECK", 0.0)
    assert cache.history(as_store(store), "a") is first
    assert cache.wait_for_refresh("a", timeout=30)
    assert cache.history(as_store(store), "a") is first


def test_the_cache_holds_at_most_its_bound_least_recently_used_tenants_dropped_first():
    store = CountingStore()
    store.projects = {name: [Project(f"{name}{i}") for i in range(4)] for name in "abcd"}
    cache = HistoryCache(max_projects=10)
    for name in "abc":
        cache.history(as_store(store), name)
    assert cache.tenants() == ["b", "c"] and cache.projects == 8  # "a" was dropped
    cache.history(as_store(store), "b")  # used again: "c" is now the oldest
    cache.history(as_store(store), "d")
    assert cache.tenants() == ["b", "d"] and cache.projects <= 10
    reads = store.lists
    cache.history(as_store(store), "a")  # dropped tenants are read again, in full
    assert store.lists == reads + 1

    store.projects["big"] = [Project(f"big{i}") for i in range(25)]
    # bigger than the bound: served alone
    assert len(cache.history(as_store(store), "big").closed) == 25
    assert cache.tenants() == ["big"]


def test_a_second_store_does_not_share_the_cache():
    one, two = CountingStore(), CountingStore()
    two.projects["a"] = []
    cache = HistoryCache()
    assert cache.history(as_store(one), "a").closed and not cache.history(as_store(two), "a").closed
    assert cache.history(as_store(one), "a").closed and one.lists == 2  # read again from the first

"""The tenant history cache: read once, re-read when the tenant's projects change."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.scoping import history
from bot.scoping.history import tenant_history


@dataclass
class Project:
    id: str
    type: str = "web"
    tags: list[str] = field(default_factory=lambda: ["shopify"])


class CountingStore:
    def __init__(self) -> None:
        self.projects = {"a": [Project("1")], "b": [Project("2"), Project("3")]}
        self.lists = 0
        self.counts = 0
        self.writes: dict[str, int] = {}

    def count(self, tenant: str) -> int:
        self.counts += 1
        return len(self.projects.get(tenant, []))

    def generation(self, tenant: str) -> int:
        return self.writes.get(tenant, 0)

    def write(self, tenant: str, project: Project) -> None:  # as ProjectStore.upsert counts
        self.projects[tenant].append(project)
        self.writes[tenant] = self.writes.get(tenant, 0) + 1

    def list(self, tenant: str, status: str | None = None) -> list[Project]:
        self.lists += 1
        return list(self.projects.get(tenant, []))


def test_history_is_cached_per_store_and_tenant_and_refreshed_on_change(monkeypatch):
    store = CountingStore()
    first = tenant_history(store, "a")
    assert [p.id for p in first.closed] == ["1"] and first.tags == {"shopify"}
    assert tenant_history(store, "a") is first and store.lists == 1
    assert [p.id for p in tenant_history(store, "b").closed] == ["2", "3"]  # own entry
    assert store.lists == 2

    store.write("a", Project("4", type="app"))  # this process imported / closed a project
    changed = tenant_history(store, "a")
    assert [p.id for p in changed.closed] == ["1", "4"] and changed.types == {"web", "app"}

    monkeypatch.setattr(history, "MAX_AGE", 0.0)  # an edit keeps the count: age expires it
    assert tenant_history(store, "a") is not changed


def test_writes_by_another_process_are_noticed_by_the_count_within_the_recheck(monkeypatch):
    store = CountingStore()
    first = tenant_history(store, "a")
    counted = store.counts
    store.projects["a"].append(Project("5"))  # written elsewhere: no generation change here
    assert tenant_history(store, "a") is first  # within RECHECK: not even counted
    assert store.counts == counted
    monkeypatch.setattr(history, "RECHECK", 0.0)
    assert [p.id for p in tenant_history(store, "a").closed] == ["1", "5"]
    assert store.counts > counted
    again = tenant_history(store, "a")  # counted again, unchanged: the same history
    assert tenant_history(store, "a") is again


def test_a_second_store_does_not_share_the_cache():
    one, two = CountingStore(), CountingStore()
    two.projects["a"] = []
    assert tenant_history(one, "a").closed and not tenant_history(two, "a").closed

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

    def count(self, tenant: str) -> int:
        return len(self.projects.get(tenant, []))

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

    store.projects["a"].append(Project("4", type="app"))  # an import / a closed project
    changed = tenant_history(store, "a")
    assert [p.id for p in changed.closed] == ["1", "4"] and changed.types == {"web", "app"}

    monkeypatch.setattr(history, "MAX_AGE", 0.0)  # an edit keeps the count: age expires it
    assert tenant_history(store, "a") is not changed


def test_a_second_store_does_not_share_the_cache():
    one, two = CountingStore(), CountingStore()
    two.projects["a"] = []
    assert tenant_history(one, "a").closed and not tenant_history(two, "a").closed

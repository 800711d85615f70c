"""The estimator's feature rows: written with every store write, read back incrementally, and
rebuilt from the store when they disagree with it; a restart reads rows, not the store."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine

from bot.scoping import history
from bot.scoping.features import FeatureKeepingStore, ProjectFeatures, features_of
from bot.scoping.history import HistoryCache
from knowledge.models import ChangeHistory, PastProject
from state.features import FeatureTable, sync_url
from tests.conftest import MigratedDatabase
from tests.knowledge.helpers import as_store


def project(number: int, status: str = "closed", hours: float = 40.0) -> PastProject:
    return PastProject(
        id=f"p-{number:03d}",
        title=f"Shop {number}",
        summary=f"A Shopify store number {number}",
        client=f"Client {number}",
        type="e-commerce",
        tags=["shopify", "liquid"],
        status=status,  # type: ignore[arg-type]
        estimated_hours=30.0,
        actual_hours=hours if status == "closed" else None,
        started=dt.date(2025, 1, 1) + dt.timedelta(days=number),
        finished=dt.date(2025, 3, 1) + dt.timedelta(days=number) if status == "closed" else None,
        phases={"build": 20.0, "launch": 10.0},
        lessons=["Client photos arrived late"],
    )


class MemoryStore:
    """A knowledge store in memory that counts its full reads (the slow path)."""

    def __init__(self) -> None:
        self.projects: dict[str, dict[str, PastProject]] = {}
        self.lists = 0
        self.writes: dict[str, int] = {}

    def generation(self, tenant: str) -> int:
        return self.writes.get(tenant, 0)

    def count(self, tenant: str) -> int:
        return len(self.projects.get(tenant, {}))

    def list(self, tenant: str, status: str | None = None) -> builtins.list[PastProject]:
        self.lists += 1
        found = self.projects.get(tenant, {}).values()
        return [p for p in found if status is None or p.status == status]

    def get_many(self, tenant: str, ids: builtins.list[str]) -> dict[str, PastProject]:
        own = self.projects.get(tenant, {})
        return {i: own[i] for i in ids if i in own}

    def upsert(
        self, tenant: str, projects: builtins.list[PastProject], *, embeddings: object = None
    ) -> int:
        self.projects.setdefault(tenant, {}).update((p.id, p) for p in projects)
        self.writes[tenant] = self.writes.get(tenant, 0) + 1
        return len(projects)

    def delete(self, tenant: str, project_id: str) -> bool:
        gone = self.projects.get(tenant, {}).pop(project_id, None) is not None
        self.writes[tenant] = self.writes.get(tenant, 0) + gone
        return gone

    def close(self) -> None:
        pass


@pytest.fixture
def table(tmp_path: Path, migrated_database: MigratedDatabase) -> Iterator[FeatureTable]:
    table = FeatureTable(migrated_database(tmp_path / "state.db"))  # the migrations' tables
    yield table
    table.close()


def test_sync_url_swaps_only_the_async_driver() -> None:
    assert sync_url("sqlite+aiosqlite:////x/state.db") == "sqlite+pysqlite:////x/state.db"
    assert sync_url("postgresql+asyncpg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"
    assert sync_url("postgresql+psycopg://u:p@h/db") == "postgresql+psycopg://u:p@h/db"


def test_rows_are_read_back_whole_and_then_only_what_changed(table: FeatureTable) -> None:
    first = table.write("a", [features_of(project(n)) for n in range(3)])
    table.write("b", [features_of(project(9))])  # another tenant: its own revisions
    assert table.revision("a") == first == 1 and table.revision("b") == 1
    full = table.read("a")
    assert full.revision == 1 and sorted(r[0] for r in full.rows) == ["p-000", "p-001", "p-002"]
    edited = project(1, hours=99.0)
    table.write("a", [features_of(edited)])
    table.remove("a", ["p-002"])
    since = table.read("a", since=full.revision)
    assert since.revision == 3
    assert [r[0] for r in since.rows] == ["p-001"] and since.removed == ["p-002"]
    assert ProjectFeatures.from_row(since.rows[0]).actual_hours == 99.0
    assert table.read("a", since=3).rows == [] and table.live_count("a") == 2


def test_a_feature_row_carries_what_scoping_reads_of_a_project() -> None:
    source = project(4).model_copy(
        update={"changes": ChangeHistory(approved=1, approved_hours=6.0, base_hours=30.0)}
    )
    row = ProjectFeatures.of(source)
    for name in ("id", "title", "summary", "client", "type", "status", "estimated_hours"):
        assert getattr(row, name) == getattr(source, name)
    assert row.tags == ("shopify", "liquid") and row.finished == source.finished
    assert row.phases == source.phases and row.lessons == source.lessons
    assert row.changes is not None and row.changes.approved_hours == 6.0


def test_a_restart_reads_the_rows_not_the_store(table: FeatureTable) -> None:
    inner = MemoryStore()
    writer = FeatureKeepingStore(as_store(inner), table)
    writer.upsert("a", [project(n) for n in range(5)] + [project(7, status="active")])
    restarted = FeatureKeepingStore(as_store(inner), FeatureTable.for_engine(table.engine))
    found = HistoryCache().history(restarted, "a")
    assert inner.lists == 0  # no full read of the store
    assert [p.id for p in found.closed] == ["p-004", "p-003", "p-002", "p-001", "p-000"]
    assert found.count == 6 and found.facts.actual_hours == (40.0,) * 5
    assert found.by_id["p-002"].lessons == ["Client photos arrived late"]


def test_rows_missing_or_behind_the_store_are_rebuilt_from_it_once(table: FeatureTable) -> None:
    inner = MemoryStore()
    inner.upsert("a", [project(n) for n in range(4)])  # filled before the rows existed
    store = FeatureKeepingStore(as_store(inner), table)
    found = HistoryCache().history(store, "a")
    assert inner.lists == 1 and len(found.closed) == 4
    assert table.live_count("a") == 4
    assert len(HistoryCache().history(store, "a").closed) == 4 and inner.lists == 1


def test_own_writes_count_at_once_and_other_processes_writes_within_the_recheck(
    table: FeatureTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = MemoryStore()
    here = FeatureKeepingStore(as_store(inner), table)
    here.upsert("a", [project(n) for n in range(3)])
    cache = HistoryCache()
    assert len(cache.history(here, "a").closed) == 3
    here.upsert("a", [project(1, hours=80.0), project(3)])  # this process: patched in now
    now = cache.history(here, "a")
    assert len(now.closed) == 4 and now.by_id["p-001"].actual_hours == 80.0
    here.delete("a", "p-000")
    assert "p-000" not in cache.history(here, "a").by_id

    # Another process (its own store object on the same database) closes and reopens.
    elsewhere = FeatureKeepingStore(as_store(inner), FeatureTable.for_engine(table.engine))
    own = MemoryStore()  # its own store object: this process's generation stays
    own.projects = inner.projects
    elsewhere.store = as_store(own)
    elsewhere.upsert("a", [project(5)])
    elsewhere.upsert("a", [project(2, status="active")])
    monkeypatch.setattr(history, "RECHECK", 0.0)
    stale = cache.history(here, "a")  # answers from the snapshot; the rows are read behind
    assert cache.wait_for_refresh("a", timeout=30)
    fresh = cache.history(here, "a")
    assert "p-005" in fresh.by_id and "p-002" not in fresh.by_id and "p-005" not in stale.by_id
    assert inner.lists == 0 and fresh.count == inner.count("a")


def test_a_store_written_around_the_rows_is_noticed_by_its_count(
    table: FeatureTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])
    cache = HistoryCache()
    assert len(cache.history(store, "a").closed) == 3
    other = MemoryStore()  # a writer that does not keep rows, on the same projects
    other.projects = inner.projects
    other.upsert("a", [project(8)])
    monkeypatch.setattr(history, "RECHECK", 0.0)
    cache.history(store, "a")
    assert cache.wait_for_refresh("a", timeout=30)
    assert "p-008" in cache.history(store, "a").by_id and table.live_count("a") == 4


def test_an_unmigrated_database_falls_back_to_reading_the_store(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), FeatureTable.for_engine(engine))
    assert store.upsert("a", [project(1)]) == 1  # the project is saved; the rows are not
    found = HistoryCache().history(store, "a")
    assert [p.id for p in found.closed] == ["p-001"] and inner.lists == 1


def test_rows_dropped_under_a_reader_are_read_again_in_full(
    table: FeatureTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import delete

    from state.features import FeatureRevision, ProjectFeatureRow

    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])
    cache = HistoryCache()
    assert len(cache.history(store, "a").closed) == 3
    inner.projects["a"] = {}  # the tenant forgotten: its projects and its rows go
    with table.engine.begin() as connection:
        connection.execute(delete(ProjectFeatureRow).where(ProjectFeatureRow.tenant == "a"))
        connection.execute(delete(FeatureRevision).where(FeatureRevision.tenant == "a"))
    monkeypatch.setattr(history, "RECHECK", 0.0)
    cache.history(store, "a")
    assert cache.wait_for_refresh("a", timeout=30)
    assert cache.history(store, "a").closed == ()


def test_the_shared_values_table_stays_bounded() -> None:
    from bot.scoping import features

    for index in range(features.SHARED_MAX + 50):
        features._shared((f"tag-{index}",))
    assert 0 < len(features._SHARED) <= features.SHARED_MAX
    again = features._shared(("tag-again",))
    assert features._shared(("tag-again",)) is again

"""The feature rows on a real PostgreSQL server: writers that start a workspace's rows at the
same moment all land (one revision each), rows are written as the store holds them, and
retention's purge works on its types (timestamps with a time zone, booleans)."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator

import pytest

from bot.scoping.features import FeatureKeepingStore, features_of
from state.features import FeatureTable
from state.migrations import upgrade
from tests.knowledge.helpers import as_store
from tests.scale.test_feature_rows import MemoryStore, project

WRITERS = 6


@pytest.fixture
def table(postgres_url: str) -> Iterator[FeatureTable]:
    upgrade(postgres_url)
    table = FeatureTable(postgres_url)
    yield table
    table.close()


def test_writers_starting_one_workspaces_rows_together_all_land(table: FeatureTable) -> None:
    engines = [FeatureTable(table.url) for _ in range(WRITERS)]  # one per process
    start = threading.Barrier(WRITERS)
    revisions: list[int] = []
    failures: list[BaseException] = []

    def write(index: int) -> None:
        try:
            start.wait(timeout=30)
            revisions.append(engines[index].write("new", [features_of(project(index))]))
        except BaseException as problem:  # reported below
            failures.append(problem)

    threads = [threading.Thread(target=write, args=(n,)) for n in range(WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    for engine in engines:
        engine.close()
    assert failures == [] and sorted(revisions) == list(range(1, WRITERS + 1))
    assert table.revision("new") == WRITERS and table.live_count("new") == WRITERS


def test_rows_follow_the_store_and_old_tombstones_are_purged(table: FeatureTable) -> None:
    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), table)
    table.clock = lambda: dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    store.upsert("a", [project(n) for n in range(3)])
    assert store.delete("a", "p-001")
    reader = table.revision("a") - 1  # read before the removal
    store.upsert("a", [project(2, hours=77.0)])
    rows = {row[0]: row for row in table.read("a").rows}
    assert sorted(rows) == ["p-000", "p-002"] and rows["p-002"][8] == 77.0  # actual_hours

    assert table.purge(dt.datetime(2026, 2, 1, tzinfo=dt.UTC)) == {"a": 1}
    behind = table.read("a", since=reader)
    assert behind.full and sorted(row[0] for row in behind.rows) == ["p-000", "p-002"]
    assert not table.read("a", since=table.revision("a")).full

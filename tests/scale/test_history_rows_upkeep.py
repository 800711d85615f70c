"""The history cache over feature rows that need upkeep: a removal whose tombstone retention
purged, and a row write the database refused, healed from the store by the next read."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import pytest
from sqlalchemy import event

from bot.scoping import history
from bot.scoping.features import FeatureKeepingStore, ProjectFeatures
from bot.scoping.history import HistoryCache
from state.features import FeatureTable
from tests.knowledge.helpers import as_store
from tests.scale.test_feature_rows import MemoryStore, project
from tests.scale.test_feature_rows_upkeep import (
    MONTH,
    NOW,
    ReindexingStore,
    at,
    database,
    table,
)

__all__ = ["database", "table"]  # the fixtures, shared with the rows' own tests


def test_a_cached_history_learns_of_a_removal_whose_tombstone_was_purged(
    table: FeatureTable, monkeypatch: pytest.MonkeyPatch
) -> None:
    inner = MemoryStore()
    here = FeatureKeepingStore(as_store(inner), at(table, NOW - 2 * MONTH))
    here.upsert("a", [project(n) for n in range(3)])
    cache = HistoryCache()
    assert "p-001" in cache.history(here, "a").by_id

    # Another process removes p-001 long ago; retention purges the tombstone before this
    # process looks again.
    own = MemoryStore()
    own.projects = inner.projects
    elsewhere_table = at(FeatureTable.for_engine(table.engine), NOW - 2 * MONTH)
    FeatureKeepingStore(as_store(own), elsewhere_table).delete("a", "p-001")
    assert table.purge(NOW - MONTH) == {"a": 1}

    monkeypatch.setattr(history, "RECHECK", 0.0)
    cache.history(here, "a")
    assert cache.wait_for_refresh("a", timeout=30)
    found = cache.history(here, "a")
    assert sorted(found.by_id) == ["p-000", "p-002"] and found.count == 2
    assert inner.lists == 0  # the rows were read again, not the store


def test_a_row_write_the_database_refuses_is_written_again_from_the_store(
    database: Path,
) -> None:
    table = FeatureTable(f"sqlite+aiosqlite:///{database}", lock_timeout=0.05)
    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])
    cache = HistoryCache()
    assert cache.history(store, "a").by_id["p-001"].actual_hours == 40.0
    answering = threading.current_thread()
    writes: list[threading.Thread] = []  # the threads that bump the revision (every row write)

    def seen(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement.startswith("INSERT INTO project_feature_revisions"):
            writes.append(threading.current_thread())

    rival = sqlite3.connect(database, timeout=0)  # another writer holds the write lock
    rival.execute("BEGIN IMMEDIATE")
    try:
        store.upsert("a", [project(1, hours=95.0)])  # saved in the store; the rows are locked
        assert store.pending("a") == {"p-001"}
        assert inner.projects["a"]["p-001"].actual_hours == 95.0
        event.listen(table.engine, "before_cursor_execute", seen)
        stale = cache.history(store, "a")  # still locked: the snapshot answers
        assert cache.wait_for_refresh("a", timeout=30)  # the retry behind it failed too
        assert stale.by_id["p-001"].actual_hours == 40.0 and store.pending("a") == {"p-001"}
    finally:
        rival.rollback()
        rival.close()

    assert cache.history(store, "a").by_id["p-001"].actual_hours == 40.0  # heals behind it
    assert cache.wait_for_refresh("a", timeout=30)
    event.remove(table.engine, "before_cursor_execute", seen)
    healed = cache.history(store, "a")
    assert healed.by_id["p-001"].actual_hours == 95.0 and store.pending("a") == frozenset()
    assert writes and answering not in writes  # no answer waited for a write (or its lock)
    assert ProjectFeatures.from_row(table.read("a", since=1).rows[0]).actual_hours == 95.0
    restarted = HistoryCache().history(FeatureKeepingStore(as_store(inner), table), "a")
    assert restarted.by_id["p-001"].actual_hours == 95.0  # and another process reads it too
    table.close()


def test_checks_during_this_process_reindex_read_no_rows_again_and_log_no_rebuild(
    table: FeatureTable, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    inner = ReindexingStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])
    cache = HistoryCache()
    assert len(cache.history(store, "a").by_id) == 3
    full_reads: list[str] = []
    read_live = history.read_live

    def counted(rows: FeatureTable, tenant: str) -> object:
        full_reads.append(tenant)
        return read_live(rows, tenant)

    monkeypatch.setattr(history, "read_live", counted)
    monkeypatch.setattr(history, "RECHECK", 0.0)
    seen: list[int] = []

    def checks() -> None:  # the store counts 1 of 3 while it is rebuilt
        for _ in range(3):
            seen.append(len(cache.history(store, "a").by_id))
            assert cache.wait_for_refresh("a", timeout=30)
        seen.append(len(HistoryCache().history(store, "a").by_id))  # a first read, too

    inner.during = checks
    with caplog.at_level(logging.DEBUG, logger="bot.scoping.history"):
        assert store.reindex("a") == 3
    assert seen == [3, 3, 3, 3] and inner.lists == 0
    assert full_reads == ["a"]  # the fresh cache's first read; the checks read no rows again
    assert not [r for r in caplog.records if "rebuilt" in r.getMessage()]
    assert table.live_count("a") == 3
    # and a store written around the rows is still read again in full by the next check
    inner.projects["a"]["p-009"] = project(9)
    cache.history(store, "a")
    assert cache.wait_for_refresh("a", timeout=30)
    assert len(cache.history(store, "a").by_id) == 4 and inner.lists == 1
    assert [r for r in caplog.records if "rebuilt" in r.getMessage()] == []  # not a first read

"""Keeping the feature rows right over time: old tombstones purged without a reader missing a
removal, a failed row write healed from the store, and rows that end up as the store did when
writers (or a rebuild and a writer) interleave."""

from __future__ import annotations

import builtins
import datetime as dt
import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from bot.scoping.features import FeatureKeepingStore, ProjectFeatures, features_of
from bot.scoping.history import HistoryCache
from knowledge.models import PastProject
from state.features import FeatureTable, ProjectFeatureRow
from tests.conftest import MigratedDatabase
from tests.knowledge.helpers import as_store
from tests.scale.test_feature_rows import MemoryStore, project

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
MONTH = dt.timedelta(days=30)


@pytest.fixture
def database(tmp_path: Path, migrated_database: MigratedDatabase) -> Path:
    path = tmp_path / "state.db"
    migrated_database(path)
    return path


@pytest.fixture
def table(database: Path) -> Iterator[FeatureTable]:
    table = FeatureTable(f"sqlite+aiosqlite:///{database}")
    yield table
    table.close()


def at(table: FeatureTable, when: dt.datetime) -> FeatureTable:
    table.clock = lambda: when
    return table


def all_rows(table: FeatureTable, tenant: str) -> int:
    """Every row of the tenant, tombstones included."""
    with table.engine.connect() as connection:
        query = select(func.count()).where(ProjectFeatureRow.tenant == tenant)
        return int(connection.execute(query).scalar() or 0)


# --- tombstones ------------------------------------------------------------------------------


def test_old_tombstones_are_purged_and_a_reader_below_them_reads_in_full(
    table: FeatureTable,
) -> None:
    at(table, NOW - 2 * MONTH).write("a", [features_of(project(n)) for n in range(4)])
    reader = table.read("a").revision  # a reader that has seen all four
    table.remove("a", ["p-001"])  # two months ago
    at(table, NOW - dt.timedelta(days=2)).remove("a", ["p-002"])  # recent: kept
    table.write("b", [features_of(project(9))])
    at(table, NOW - 2 * MONTH).remove("b", ["p-009"])
    assert all_rows(table, "a") == 4

    assert table.purge(NOW - MONTH) == {"a": 1, "b": 1}
    assert all_rows(table, "a") == 3 and all_rows(table, "b") == 0
    assert table.purge(NOW - MONTH) == {}  # nothing left that old

    behind = table.read("a", since=reader)  # it never saw the purged removal: all rows again
    assert behind.full and sorted(r[0] for r in behind.rows) == ["p-000", "p-003"]
    caught_up = table.read("a", since=behind.revision - 1)  # past the purge: changes only
    assert not caught_up.full and caught_up.removed == ["p-002"] and caught_up.rows == []
    assert table.read("b").rows == [] and table.live_count("a") == 2


def test_a_purge_landing_between_a_readers_two_queries_still_gives_it_every_row(
    table: FeatureTable, database: Path
) -> None:
    from sqlalchemy import event

    at(table, NOW - 2 * MONTH).write("a", [features_of(project(n)) for n in range(3)])
    reader = table.revision("a")
    table.remove("a", ["p-001"])
    other = FeatureTable(f"sqlite+aiosqlite:///{database}")  # retention, in another process
    purged: list[dict[str, int]] = []

    def purge_first(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if "FROM project_features" in statement and not purged:
            purged.append(other.purge(NOW - MONTH))  # after the revision, before the rows

    event.listen(table.engine, "before_cursor_execute", purge_first)
    try:
        changes = table.read("a", since=reader)
    finally:
        event.remove(table.engine, "before_cursor_execute", purge_first)
        other.close()
    assert purged == [{"a": 1}]  # the tombstone it needed went between its two queries
    assert changes.full and sorted(r[0] for r in changes.rows) == ["p-000", "p-002"]


def test_a_database_from_before_row_times_keeps_and_later_purges_its_tombstones(
    tmp_path: Path,
) -> None:
    from state.migrations import downgrade, upgrade

    url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
    upgrade(url, "0010")
    with sqlite3.connect(tmp_path / "old.db") as connection:  # rows written by 0009's code
        connection.execute("INSERT INTO project_feature_revisions VALUES ('a', 2)")
        connection.execute(
            "INSERT INTO project_features (tenant, project_id, revision, removed, status, type,"
            " tags, title, summary, details) VALUES ('a', 'p-1', 2, 1, 'closed', 'other', '',"
            " 'Old', 'Gone', '{}')"
        )
    connection.close()
    upgrade(url)
    table = FeatureTable(url)
    try:
        assert table.purge(dt.datetime.now(dt.UTC) - MONTH) == {}  # its age starts now
        assert table.purge(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=1)) == {"a": 1}
        assert table.read("a", since=1).full and table.revision("a") == 2
    finally:
        table.close()
    downgrade(url, "0010")  # and back: the columns go again


# --- a failed row write -----------------------------------------------------------------------


def test_pending_rows_are_written_with_the_tenants_next_write(database: Path) -> None:
    table = FeatureTable(f"sqlite+aiosqlite:///{database}", lock_timeout=0.05)
    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])
    rival = sqlite3.connect(database, timeout=0)
    rival.execute("BEGIN IMMEDIATE")
    try:
        assert store.delete("a", "p-000")  # removed from the store; its tombstone is not
    finally:
        rival.rollback()
        rival.close()
    store.upsert("a", [project(5)])  # another project: the pending removal goes with it
    assert store.pending("a") == frozenset()
    assert sorted(r[0] for r in table.read("a").rows) == ["p-001", "p-002", "p-005"]
    table.close()


# --- interleaved writers ---------------------------------------------------------------------


class InterleavedStore(MemoryStore):
    """A store whose next write (or full read) lets ``between`` run right after it, before the
    caller goes on: another process's whole write landing in the gap."""

    def __init__(self) -> None:
        super().__init__()
        self.between: Callable[[], object] | None = None

    def _gap(self) -> None:
        step, self.between = self.between, None
        if step is not None:
            step()

    def upsert(
        self, tenant: str, projects: builtins.list[PastProject], *, embeddings: object = None
    ) -> int:
        written = super().upsert(tenant, projects, embeddings=embeddings)
        self._gap()
        return written

    def delete(self, tenant: str, project_id: str) -> bool:
        gone = super().delete(tenant, project_id)
        self._gap()
        return gone

    def list(self, tenant: str, status: str | None = None) -> builtins.list[PastProject]:
        found = super().list(tenant, status)
        self._gap()
        return found


def two_writers(
    table: FeatureTable,
) -> tuple[InterleavedStore, FeatureKeepingStore, FeatureKeepingStore]:
    """This process's store and another process's, on the same projects and rows."""
    inner = InterleavedStore()
    other = MemoryStore()
    other.projects = inner.projects
    here = FeatureKeepingStore(as_store(inner), table)
    elsewhere = FeatureKeepingStore(as_store(other), FeatureTable.for_engine(table.engine))
    return inner, here, elsewhere


def test_two_processes_editing_one_project_leave_its_row_as_the_store_ended(
    table: FeatureTable,
) -> None:
    inner, here, elsewhere = two_writers(table)
    here.upsert("a", [project(n) for n in range(2)])
    # Here saves 70 h; before its row is written, the other process saves 90 h, store and row.
    inner.between = lambda: elsewhere.upsert("a", [project(1, hours=90.0)])
    here.upsert("a", [project(1, hours=70.0)])
    assert inner.projects["a"]["p-001"].actual_hours == 90.0  # the store's last word
    assert HistoryCache().history(here, "a").by_id["p-001"].actual_hours == 90.0


def test_a_removal_racing_a_restore_leaves_the_project_live_as_in_the_store(
    table: FeatureTable,
) -> None:
    inner, here, elsewhere = two_writers(table)
    here.upsert("a", [project(n) for n in range(2)])
    inner.between = lambda: elsewhere.upsert("a", [project(0)])
    assert here.delete("a", "p-000")  # the other process restores it before the tombstone
    assert "p-000" in inner.projects["a"]
    assert sorted(HistoryCache().history(here, "a").by_id) == ["p-000", "p-001"]


def test_a_rebuild_keeps_the_rows_written_while_it_read_the_store(table: FeatureTable) -> None:
    inner, here, elsewhere = two_writers(table)
    inner.upsert("a", [project(n) for n in range(3)])  # filled before the rows existed
    # While the rebuild reads the store, another process edits p-001 and removes p-002.
    inner.between = lambda: (
        elsewhere.upsert("a", [project(1, hours=88.0)]),
        elsewhere.delete("a", "p-002"),
    )
    found = HistoryCache().history(here, "a")  # no rows: rebuilt from the store
    assert inner.lists == 1
    rows = {r[0]: ProjectFeatures.from_row(r) for r in table.read("a").rows}
    assert sorted(rows) == ["p-000", "p-001"] and rows["p-001"].actual_hours == 88.0
    assert table.live_count("a") == len(inner.projects["a"]) == 2
    assert sorted(found.by_id) == ["p-000", "p-001"]


def test_a_rebuild_asked_for_by_a_count_a_write_explains_reads_nothing(
    table: FeatureTable,
) -> None:
    inner = MemoryStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])  # rows and store agree by now
    assert store.rebuild_features("a") is False and inner.lists == 0
    inner.upsert("a", [project(4)])  # a store written around the rows: a real difference
    assert store.rebuild_features("a") is True and inner.lists == 1
    assert table.live_count("a") == 4


class ReindexingStore(MemoryStore):
    """A store whose re-index empties the collection and fills it again, with ``during``
    run while it is half built (a reader's check landing in the middle)."""

    def __init__(self) -> None:
        super().__init__()
        self.during: Callable[[], object] = lambda: None

    def reindex(self, tenant: str) -> int:
        projects = list(self.projects.get(tenant, {}).values())
        self.projects[tenant] = {p.id: p for p in projects[:1]}  # the new collection, begun
        self.during()
        self.projects[tenant] = {p.id: p for p in projects}
        return len(projects)


def test_a_reader_during_a_reindex_rebuilds_no_rows_from_the_half_built_store(
    table: FeatureTable,
) -> None:
    inner = ReindexingStore()
    store = FeatureKeepingStore(as_store(inner), table)
    store.upsert("a", [project(n) for n in range(3)])
    seen: list[builtins.list[str]] = []
    inner.during = lambda: seen.append(sorted(HistoryCache().history(store, "a").by_id))
    assert store.reindex("a") == 3
    assert seen == [["p-000", "p-001", "p-002"]] and inner.lists == 0
    assert table.live_count("a") == 3


def test_a_reindex_in_another_process_leaves_a_readers_rows_and_answers_whole(
    tmp_path: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes on one project store and one database: the CLI re-indexes while the
    bot checks its rows (during the build and after the swap)."""
    from knowledge.store import ProjectStore

    bot_table = FeatureTable(f"sqlite+aiosqlite:///{database}")
    cli_table = FeatureTable(f"sqlite+aiosqlite:///{database}")
    bot = FeatureKeepingStore(ProjectStore.open(tmp_path / "data"), bot_table)
    cli_store = ProjectStore.open(tmp_path / "data")
    cli = FeatureKeepingStore(cli_store, cli_table)
    try:
        bot.upsert("a", [project(n) for n in range(5)])
        cache = HistoryCache()
        assert len(cache.history(bot, "a").by_id) == 5  # the bot holds the collection's handle
        checks: list[tuple[bool, int]] = []
        write = cli_store._write

        def half_built(collection: object, tenant: str, projects: Any, vectors: Any) -> int:
            written = write(collection, tenant, projects[:1], vectors[:1])
            checks.append((bot.rebuild_features(tenant), bot.count(tenant)))
            return written + write(collection, tenant, projects[1:], vectors[1:])

        monkeypatch.setattr(cli_store, "_write", half_built)
        assert cli.reindex("a") == 5
        assert checks == [(False, 5)]  # the old, whole collection: nothing to rebuild
        assert bot.rebuild_features("a") is False and bot.count("a") == 5  # and the new one
        assert bot_table.live_count("a") == 5 and all_rows(bot_table, "a") == 5  # no tombstones
        fresh = HistoryCache().history(bot, "a")
        assert sorted(fresh.by_id) == [f"p-{n:03d}" for n in range(5)]
        assert [m.project.id for m in bot.search("a", "Shop 3", k=5)]  # answers go on
    finally:
        bot.close()
        cli.close()

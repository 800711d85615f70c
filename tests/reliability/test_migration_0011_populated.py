"""Migration 0011 on a database that was at 0010 with feature rows in it (SQLite and a real
PostgreSQL server): the rows already there are stamped, revisions start with nothing purged,
and the rows read, write and purge as rows written after the upgrade do."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import sqlalchemy as sa

from state.features import FeatureTable, sync_url
from state.migrations import upgrade

ROWS = [("p-000", False, 1), ("p-001", False, 2), ("p-002", True, 3)]  # (id, removed, revision)


def _populate_at_0010(url: str) -> None:
    upgrade(url, "0010")
    engine = sa.create_engine(sync_url(url))
    try:
        with engine.begin() as connection:
            connection.execute(
                sa.text("INSERT INTO project_feature_revisions (tenant, revision) VALUES ('a', 3)")
            )
            for project_id, removed, revision in ROWS:
                connection.execute(
                    sa.text(
                        "INSERT INTO project_features (tenant, project_id, revision, removed, "
                        "status, type, tags, title, summary, details) VALUES ('a', :id, :rev, "
                        ":removed, 'closed', 'web', 'shopify', 'Tea shop', 'A store', '{}')"
                    ),
                    {"id": project_id, "rev": revision, "removed": removed},
                )
    finally:
        engine.dispose()


def _check_upgraded(url: str) -> None:
    before = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    upgrade(url)
    table = FeatureTable(url)
    try:
        with table.engine.connect() as connection:
            stamps = connection.execute(sa.text("SELECT changed_at FROM project_features")).all()
            purged = connection.execute(
                sa.text("SELECT purged_through FROM project_feature_revisions")
            ).scalar_one()
        assert len(stamps) == len(ROWS) and all(stamp[0] is not None for stamp in stamps)
        assert purged == 0
        changes = table.read("a")
        assert sorted(row[0] for row in changes.rows) == ["p-000", "p-001"]
        assert changes.revision == 3
        # The old tombstone is young (stamped at the upgrade): kept by a purge of older ones.
        assert table.purge(before) == {}
        assert table.read("a", since=2).removed == ["p-002"]
        # Past its retention it goes, and a reader from before it reads in full.
        assert table.purge(dt.datetime.now(dt.UTC) + dt.timedelta(days=1)) == {"a": 1}
        behind = table.read("a", since=2)
        assert behind.full and sorted(row[0] for row in behind.rows) == ["p-000", "p-001"]
        assert table.remove("a", ["p-000"]) == 4  # writes go on from the old revision
    finally:
        table.close()


def test_a_populated_sqlite_database_at_0010_upgrades(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'atelier.db'}"
    _populate_at_0010(url)
    _check_upgraded(url)


@pytest.mark.usefixtures("postgres_server")
def test_a_populated_postgres_database_at_0010_upgrades(postgres_url: str) -> None:
    _populate_at_0010(postgres_url)
    _check_upgraded(postgres_url)

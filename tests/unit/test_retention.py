"""Retention: old bookkeeping rows are deleted at start and by the daily job, recent ones kept."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select, text

from adapters.discord.keys import ButtonKeys
from adapters.runtime import build_services
from bot.config import Settings, SettingsError, load_settings
from bot.core import Bot
from bot.messages import Form, FormField
from bot.retention import Retention, prune
from bot.scheduler import DigestRunner, DigestScheduler
from bot.scoping.features import features_of
from knowledge.models import PastProject
from state import FORM_KEPT, ButtonKey, Database, FormState, ScopeRun, SeenEvent, StoredButton
from state.features import FeatureTable

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


def days_ago(days: float, now: dt.datetime = NOW) -> dt.datetime:
    return now - dt.timedelta(days=days)


def scope_run(run_id: str, created: dt.datetime) -> ScopeRun:
    return ScopeRun(
        id=run_id,
        tenant="local",
        user_id="alice",
        brief="a shop",
        p10_hours=10,
        p50_hours=20,
        p90_hours=40,
        rate=100,
        currency="USD",
        created_at=created,
    )


FORM = Form(form_id="projects-add", title="Add", fields=(FormField(name="name", label="Name"),))


def form_state(key: str, created: dt.datetime) -> FormState:
    return FormState(
        key=key,
        owner_id="111",
        tenant="G1",
        form=FORM.model_dump_json(),
        answers="{}",
        created_at=created,
    )


def stored(key: str, created: dt.datetime) -> StoredButton:
    return StoredButton(key=key, tenant="G1", action_id="a", value="v", created_at=created)


async def fill(db: Database, now: dt.datetime = NOW) -> None:
    """Old and fresh rows in each expiring table (the database is migrated: see conftest)."""
    await db.claim_event("recent")  # a row through the product's own path
    # The Discord adapter's own paths: a form page behind a button, an id too long to inline.
    await ButtonKeys(db).save_form(FORM, "111", "G1", {"name": "Shop"})
    await ButtonKeys(db).encode("111", "G1", "projects-add-submit", "x" * 200)
    async with db.transaction() as session:
        session.add_all(
            [
                SeenEvent(event_key="old", seen_at=days_ago(31, now)),
                SeenEvent(event_key="fresh", seen_at=days_ago(29, now)),
                scope_run("run-old", days_ago(181, now)),
                scope_run("run-fresh", days_ago(179, now)),
                ButtonKey(key="k-old", action_id="a", value="v", created_at=days_ago(181, now)),
                ButtonKey(key="k-fresh", action_id="a", value="v", created_at=days_ago(10, now)),
                stored("s-stale", days_ago(181, now)),
                stored("s-recent", days_ago(179, now)),
                form_state("f-old", now - FORM_KEPT - dt.timedelta(hours=1)),
            ]
        )


async def keys(db: Database, column) -> set[str]:
    async with db.sessions() as session:
        return set((await session.scalars(select(column))).all())


async def test_rows_past_their_retention_go_and_the_rest_stay(settings: Settings) -> None:
    db = Database(settings.sqlalchemy_url)
    try:
        await fill(db)
        removed = await prune(db, Retention(), NOW)
        assert removed == {
            "seen_events": 1,
            "scope_runs": 1,
            "stored_button_values": 1,
            "discord_button_keys": 1,
            "discord_form_states": 1,
        }
        assert await keys(db, SeenEvent.event_key) >= {"fresh", "recent"}
        assert "old" not in await keys(db, SeenEvent.event_key)
        assert await keys(db, ScopeRun.id) == {"run-fresh"}
        assert await keys(db, StoredButton.key) == {"s-recent"}
        # The fresh key stays, and so do the key and the form page the adapter just stored.
        kept = await keys(db, ButtonKey.key)
        assert "k-old" not in kept and "k-fresh" in kept and len(kept) == 2
        assert "f-old" not in (pages := await keys(db, FormState.key)) and len(pages) == 1
        assert await prune(db, Retention(), NOW) == {}  # a second run finds nothing
    finally:
        await db.close()


async def test_a_shorter_setting_prunes_more_and_a_missing_table_is_skipped(
    settings: Settings,
) -> None:
    db = Database(settings.sqlalchemy_url)
    try:
        async with db.engine.begin() as connection:  # a database without a Discord table
            await connection.execute(text("DROP TABLE discord_button_keys"))
        async with db.transaction() as session:
            session.add(SeenEvent(event_key="week-old", seen_at=days_ago(7)))
        short = Retention(seen_events=dt.timedelta(days=5))
        assert await prune(db, short, NOW) == {"seen_events": 1}
    finally:
        await db.close()


def test_the_defaults_and_the_settings(settings: Settings) -> None:
    assert Retention.from_settings(settings) == Retention(
        seen_events=dt.timedelta(days=30),
        scope_runs=dt.timedelta(days=180),
        button_keys=dt.timedelta(days=180),
    )
    custom = load_settings(
        data_dir=settings.data_dir, retention_scope_runs_days=7, retention_feature_tombstones_days=3
    )
    assert Retention.from_settings(custom).scope_runs == dt.timedelta(days=7)
    assert Retention.from_settings(custom).feature_tombstones == dt.timedelta(days=3)
    with pytest.raises(SettingsError, match="ATELIER_RETENTION_SEEN_EVENTS_DAYS"):
        load_settings(data_dir=settings.data_dir, retention_seen_events_days=0)


def past_project(project_id: str) -> PastProject:
    return PastProject(id=project_id, title="Shop", summary="A shop", actual_hours=40.0)


async def test_old_tombstones_of_removed_projects_go_and_older_readers_read_in_full(
    settings: Settings,
) -> None:
    table = FeatureTable(settings.sqlalchemy_url)
    db = Database(settings.sqlalchemy_url)
    try:
        table.clock = lambda: days_ago(40)
        table.write("local", [features_of(past_project(i)) for i in ("p-1", "p-2", "p-3")])
        reader = table.revision("local")  # a process that read all three, 40 days ago
        table.clock = lambda: days_ago(31)
        table.remove("local", ["p-1"])
        table.clock = lambda: days_ago(29)
        table.remove("local", ["p-2"])  # within the window: kept

        assert await prune(db, Retention(), NOW) == {"project_features": 1}
        assert await prune(db, Retention(), NOW) == {}
        behind = table.read("local", since=reader)
        assert behind.full and [row[0] for row in behind.rows] == ["p-3"]
        recent = table.read("local", since=reader + 1)  # it saw the purged removal already
        assert not recent.full and recent.removed == ["p-2"]
        shorter = Retention(feature_tombstones=dt.timedelta(days=10))
        assert await prune(db, shorter, NOW) == {"project_features": 1}
        assert table.live_count("local") == 1
    finally:
        await db.close()
        table.close()


async def test_the_bot_prunes_when_it_starts(settings: Settings) -> None:
    now = dt.datetime.now(dt.UTC)  # Bot.start reads the real clock
    db = Database(settings.sqlalchemy_url)
    await fill(db, now)
    await db.close()

    bot = Bot(build_services(settings))
    await bot.start()
    try:
        database = bot.services.db
        assert await keys(database, ScopeRun.id) == {"run-fresh"}
        assert await keys(database, SeenEvent.event_key) == {"fresh", "recent"}
        assert await keys(database, StoredButton.key) == {"s-recent"}
        assert "k-old" not in (kept := await keys(database, ButtonKey.key)) and "k-fresh" in kept
        assert "f-old" not in await keys(database, FormState.key)
    finally:
        await bot.close()


async def test_the_scheduler_repeats_it_daily(bot: Bot) -> None:
    bot.services.clock = lambda: NOW
    scheduler = DigestScheduler(DigestRunner(bot), startup_delay=3600)
    scheduler.start()
    try:
        job = scheduler.scheduler.get_job("retention")
        assert job is not None and job.trigger.interval == dt.timedelta(days=1)
        async with bot.services.db.transaction() as session:
            session.add(SeenEvent(event_key="old", seen_at=days_ago(45)))
        assert await scheduler.prune() == {"seen_events": 1}
    finally:
        scheduler.scheduler.shutdown(wait=False)

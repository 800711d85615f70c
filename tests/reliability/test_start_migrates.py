"""The migrations are the only schema authority: the bot upgrades its database when it starts.

Each test starts a real Bot on a database in a given state (none, made by ``create_all`` before
migrations, at an older revision, at a revision from a newer Atelier, in memory) and reads back
what the start did to it.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
import sqlalchemy as sa

from adapters.runtime import build_services
from bot.config import Settings, load_settings
from bot.core import Bot
from bot.messages import Request
from state import Base, ButtonKey, Database, DatabaseUnavailable
from state.migrations import current_revision, head_revision, upgrade


def _settings_at(data_dir: Path, **extra: object) -> Settings:
    return load_settings(data_dir=data_dir, demo_data=False, **extra)


async def _tables(url: str) -> set[str]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(lambda sync: set(sa.inspect(sync).get_table_names()))
    finally:
        await database.close()


async def _started(settings: Settings) -> Bot:
    bot = Bot(build_services(settings))
    await bot.start()
    return bot


async def test_a_new_data_dir_gets_the_whole_schema_from_the_migrations(
    settings: Settings, tmp_path: Path
) -> None:
    fresh = _settings_at(tmp_path / "new")
    assert not (tmp_path / "new" / "atelier.db").exists()
    bot = await _started(fresh)
    try:
        reply = await bot.handle(
            Request(tenant="T1", user_id="U1", command="projects", text="list", platform="test")
        )
        assert reply is not None
    finally:
        await bot.close()
    url = fresh.sqlalchemy_url
    assert await current_revision(url) == head_revision()
    tables = await _tables(url)
    assert set(Base.metadata.tables) <= tables
    assert {"discord_button_keys", "discord_form_states", "stored_button_values"} <= tables


async def test_a_database_made_by_create_all_is_adopted_with_its_rows(
    settings: Settings, tmp_path: Path
) -> None:
    old = _settings_at(tmp_path / "old")
    database = Database(old.sqlalchemy_url)
    async with database.engine.begin() as connection:  # what the bot did before migrations
        await connection.run_sync(Base.metadata.create_all)
    assert await database.claim_event("slack:T1:Ev-before")
    await database.close()

    bot = await _started(old)
    try:
        assert await bot.is_retry("slack", "T1", "Ev-before")  # the row survived
    finally:
        await bot.close()
    assert await current_revision(old.sqlalchemy_url) == head_revision()


async def test_an_older_database_is_upgraded_and_keeps_the_button_keys_it_made_itself(
    settings: Settings, tmp_path: Path
) -> None:
    older = _settings_at(tmp_path / "older")
    url = older.sqlalchemy_url
    await asyncio.to_thread(upgrade, url, "0008")
    database = Database(url)
    async with database.engine.begin() as connection:  # as the Discord adapter did on first use
        await connection.run_sync(Base.metadata.tables[ButtonKey.__tablename__].create)
    async with database.transaction() as session:
        session.add(ButtonKey(key="kept", action_id="approve", value="d-1"))
    await database.close()

    bot = await _started(older)
    try:
        async with bot.services.db.sessions() as session:
            row = await session.get(ButtonKey, "kept")
        assert row is not None and row.value == "d-1"
    finally:
        await bot.close()
    assert await current_revision(url) == head_revision()


async def test_a_database_from_a_newer_version_is_one_clear_error_and_left_alone(
    settings: Settings,
) -> None:
    url = settings.sqlalchemy_url  # migrated (see conftest), then claimed by a newer release
    database = Database(url)
    async with database.engine.begin() as connection:
        await connection.execute(sa.text("UPDATE alembic_version SET version_num = '9999'"))
    await database.close()

    bot = Bot(build_services(settings))
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            await bot.start()
    finally:
        await bot.close()
    message = str(raised.value)
    assert "\n" not in message and "9999" in message and head_revision() in message
    assert await current_revision(url) == "9999"


async def test_an_in_memory_database_is_migrated_on_the_bots_own_connection(
    settings: Settings,
) -> None:
    memory = _settings_at(settings.data_dir, database_url="sqlite+aiosqlite:///:memory:")
    bot = await _started(memory)
    try:
        assert not await bot.is_retry("test", "T1", "Ev1")
        assert await bot.is_retry("test", "T1", "Ev1")
        async with bot.services.db.engine.connect() as connection:
            version = await connection.scalar(sa.text("SELECT version_num FROM alembic_version"))
        assert version == head_revision()
    finally:
        await bot.close()


async def test_a_second_start_on_a_migrated_database_changes_nothing(settings: Settings) -> None:
    for _ in range(2):
        bot = await _started(settings)
        await bot.close()
    assert await current_revision(settings.sqlalchemy_url) == head_revision()

"""Database migrations (Alembic) for the bot's SQL state, on SQLite and PostgreSQL alike.

Production start runs :func:`upgrade` (``atelier db upgrade``); tests may keep using
``Database.create_all``. A database created by ``create_all`` before migrations existed is
adopted: it is stamped with the initial revision, then upgraded.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect
from sqlalchemy.engine import Connection

from bot.state import Database

SCRIPT_LOCATION = Path(__file__).resolve().parent
INITIAL_REVISION = "0001"


def alembic_config(url: str) -> Config:
    """An Alembic config for ``url`` that works from any working directory."""
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # `%` would be read as interpolation by configparser (URL-encoded passwords have them).
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["database_url"] = url
    return config


def head_revision() -> str:
    """The newest revision this code knows."""
    head = ScriptDirectory(str(SCRIPT_LOCATION)).get_current_head()
    assert head is not None, "bot/migrations/versions has no revision"
    return head


def _state(connection: Connection) -> tuple[str | None, set[str]]:
    current = MigrationContext.configure(connection).get_current_revision()
    return current, set(inspect(connection).get_table_names())


async def current_revision(url: str) -> str | None:
    """The revision the database is at (None: never migrated)."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            current, _tables = await connection.run_sync(_state)
        return current
    finally:
        await database.close()


async def needs_adoption(url: str) -> bool:
    """True for a database made by ``create_all`` (tables, but no Alembic version)."""
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            current, tables = await connection.run_sync(_state)
    finally:
        await database.close()
    return current is None and "seen_events" in tables


def upgrade(url: str, revision: str = "head", adopt: bool = False) -> None:
    """Bring the database to ``revision``; ``adopt`` first stamps a ``create_all`` database.

    Synchronous on purpose: Alembic's env runs its own event loop, so call this from a
    thread (``asyncio.to_thread``) when a loop is already running.
    """
    config = alembic_config(url)
    if adopt:
        command.stamp(config, INITIAL_REVISION)
    command.upgrade(config, revision)


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)

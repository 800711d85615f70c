"""Database migrations (Alembic) for the bot's SQL state, on SQLite and PostgreSQL alike.

Production start runs :func:`upgrade` (``atelier db upgrade``); tests may keep using
``Database.create_all``. A database created by ``create_all`` before migrations existed is
adopted: it is stamped with the initial revision, then upgraded.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

from state.database import Database

SCRIPT_LOCATION = Path(__file__).resolve().parent
INITIAL_REVISION = "0001"
ADVISORY_LOCK_KEY = 0x41544C52  # "ATLR": which PostgreSQL advisory lock migrations take

try:
    import fcntl
except ImportError:  # not on POSIX: SQLite upgrades are not serialised
    # The module, or None where it does not exist (checked before each use).
    fcntl = None  # type: ignore[assignment]


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
    assert head is not None, "state/migrations/versions has no revision"
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


@contextmanager
def migration_lock(url: str) -> Iterator[None]:
    """One migrating process at a time: replicas all run `atelier db upgrade` as they start.

    PostgreSQL: a session advisory lock. SQLite: an exclusive lock on a file beside the
    database. Anything else: no lock.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "postgresql":
        # The same psycopg driver, used synchronously, holds the lock for the whole upgrade.
        engine = create_engine(parsed.set(drivername="postgresql+psycopg"), poolclass=NullPool)
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f"SELECT pg_advisory_lock({ADVISORY_LOCK_KEY})")
                connection.commit()
                try:
                    yield
                finally:
                    connection.exec_driver_sql(f"SELECT pg_advisory_unlock({ADVISORY_LOCK_KEY})")
                    connection.commit()
        finally:
            engine.dispose()
        return
    database = parsed.database if parsed.get_backend_name() == "sqlite" else None
    if not database or database == ":memory:" or fcntl is None:
        yield
        return
    lock_path = Path(database).with_name(Path(database).name + ".migrate-lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)  # released when the file closes
        yield


def upgrade(url: str, revision: str = "head", adopt: bool | None = None) -> bool:
    """Bring the database to ``revision``; returns True when a ``create_all`` database was
    adopted (stamped with the initial revision first). ``adopt=None`` detects it.

    Synchronous on purpose: Alembic's env runs its own event loop, so call this from a
    thread (``asyncio.to_thread``) when a loop is already running.
    """
    with migration_lock(url):
        if adopt is None:
            adopt = asyncio.run(needs_adoption(url))
        config = alembic_config(url)
        if adopt:
            command.stamp(config, INITIAL_REVISION)
        command.upgrade(config, revision)
    return adopt


def downgrade(url: str, revision: str = "base") -> None:
    command.downgrade(alembic_config(url), revision)

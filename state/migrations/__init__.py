"""Database migrations (Alembic) for the bot's SQL state, on SQLite and PostgreSQL alike.

The migrations are the only schema authority: the bot brings its database to the head
revision when it starts (:func:`upgrade_to_head`, one query when it is there already), and
``atelier db upgrade`` does the same from the command line. A database created by
``create_all`` before migrations existed is adopted: it is stamped with the initial revision,
then upgraded.
"""

from __future__ import annotations

import asyncio
import functools
import logging
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

from state.database import Database, DatabaseUnavailable

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


@functools.cache
def _scripts() -> ScriptDirectory:
    # Read once per process: the revision files do not change under a running bot.
    return ScriptDirectory(str(SCRIPT_LOCATION))


def head_revision() -> str:
    """The newest revision this code knows."""
    head = _scripts().get_current_head()
    assert head is not None, "state/migrations/versions has no revision"
    return head


def known_revisions() -> set[str]:
    return {script.revision for script in _scripts().walk_revisions()}


@contextmanager
def _alembic_quiet() -> Iterator[None]:
    """Alembic's logger at WARNING while the bot migrates itself: its INFO lines ("Context impl
    SQLiteImpl.", "Running upgrade …") are noise on every first start. A level set explicitly
    (the plain ``alembic`` command configures logging from alembic.ini) is left alone.
    """
    logger = logging.getLogger("alembic")
    if logger.level != logging.NOTSET:
        yield
        return
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(logging.NOTSET)


def _state(connection: Connection) -> tuple[str | None, set[str]]:
    with _alembic_quiet():
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
    """One migrating process at a time: every replica's ``Bot.start`` upgrades to the head
    under this lock (as ``atelier db upgrade`` does), so replicas starting together migrate once
    and the others find the head already there.

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
    with migration_lock(url), _alembic_quiet():
        if adopt is None:
            adopt = asyncio.run(needs_adoption(url))
        config = alembic_config(url)
        if adopt:
            command.stamp(config, INITIAL_REVISION)
        command.upgrade(config, revision)
    return adopt


async def upgrade_to_head(database: Database) -> bool:
    """Bring ``database`` to the head revision, as the bot does when it starts.

    One query when it is at the head already; otherwise :func:`upgrade` in a worker thread
    (Alembic runs its own event loop), which adopts a ``create_all`` database. An in-memory
    SQLite database is migrated on the bot's own connection (another engine would see another,
    empty database). Returns True when a database was adopted. A database at a revision this
    code does not know (a newer Atelier migrated it) raises :class:`DatabaseUnavailable` with
    one clear line, before anything is written.
    """
    async with database.engine.connect() as connection:
        current, _tables = await connection.run_sync(_state)
    head = head_revision()
    if current == head:
        return False
    if current is not None and current not in known_revisions():
        raise DatabaseUnavailable(
            f"the database schema is at revision {current}, which this version of Atelier "
            f"does not know (its newest is {head}): run the newer version, or restore a backup"
        )
    if _in_memory(database.url):
        async with database.engine.begin() as connection:
            await connection.run_sync(_upgrade_on, database.url)
        return False
    return await asyncio.to_thread(upgrade, database.url)


def _in_memory(url: str) -> bool:
    parsed = make_url(url)
    return parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")


def _upgrade_on(connection: Connection, url: str) -> None:
    config = alembic_config(url)
    config.attributes["connection"] = connection  # env.py migrates this connection
    with _alembic_quiet():
        command.upgrade(config, "head")


def downgrade(url: str, revision: str = "base") -> None:
    with _alembic_quiet():
        command.downgrade(alembic_config(url), revision)

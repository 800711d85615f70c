"""The database: one async SQLAlchemy engine and its sessions.

SQLite in WAL mode under the data dir by default; any SQLAlchemy async URL (PostgreSQL via
``postgresql+psycopg://``) through ``ATELIER_DATABASE_URL``. The schema is the Alembic
migrations' alone (:mod:`state.migrations`; the bot upgrades to their head when it starts).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

from state.schema import SeenEvent


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message is one user-readable line (no password)."""


class Database:
    """Engine + session factory; one per process (or per test)."""

    def __init__(self, url: str, lock_timeout: float = 15.0) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite and ":///" in url and not url.endswith(":memory:"):
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        # SQL parameters hold user text (log entries, briefs): never echo them, and keep them
        # out of error messages too, since errors end up in logs and tracebacks.
        kwargs: dict[str, object] = {"echo": False, "hide_parameters": True}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
            if "+psycopg" in url:  # fail within seconds, not minutes, when the server is gone
                kwargs.update(connect_args={"connect_timeout": 10})
        else:
            kwargs.update(connect_args={"timeout": lock_timeout})
        try:
            self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        except ModuleNotFoundError as missing:  # e.g. PostgreSQL without the `postgres` extra
            raise DatabaseUnavailable(
                f"the database driver `{missing.name}` is not installed (for PostgreSQL use "
                "postgresql+psycopg://… and pip install 'atelier-bot[postgres]')"
            ) from None
        if self.is_sqlite:
            busy_ms = max(1, int(lock_timeout * 1000))
            # How long a write waits for a lock first; the other pragmas after it.
            event.listen(
                self.engine.sync_engine,
                "connect",
                lambda connection, _record: _sqlite_busy_timeout(connection, busy_ms),
            )
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def ping(self) -> None:
        """Start-up check: raise :class:`DatabaseUnavailable` when the database is unreachable."""
        try:
            async with self.engine.connect() as connection:
                await connection.exec_driver_sql("SELECT 1")
        except (OSError, SQLAlchemyError) as error:
            reason = str(getattr(error, "orig", None) or error).strip().splitlines()
            where = self.engine.url.render_as_string(hide_password=True)
            raise DatabaseUnavailable(
                f"database unreachable at {where}: {reason[0] if reason else type(error).__name__}"
            ) from None

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """A session whose work commits together or not at all."""
        async with self.sessions() as session, session.begin():
            yield session

    async def claim_event(self, event_key: str) -> bool:
        """Record an event id; False when it was already recorded (a retry).

        Atomic in the database (primary-key insert), so two replicas racing on the same
        retried event cannot both win.
        """
        try:
            async with self.transaction() as session:
                session.add(SeenEvent(event_key=event_key[:255]))
        except IntegrityError:
            return False
        return True

    async def close(self) -> None:
        await self.engine.dispose()


def _sqlite_busy_timeout(dbapi_connection: DBAPIConnection, busy_ms: int) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout={busy_ms}")  # how long a write waits for a lock
    cursor.close()


def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()

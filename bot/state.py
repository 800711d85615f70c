"""Bot state in SQL (SQLAlchemy 2, async).

SQLite in WAL mode under the data dir by default; any SQLAlchemy async URL (PostgreSQL via
``postgresql+psycopg://``) through ``ATELIER_DATABASE_URL``. Tables are created on start.

Every table that holds tenant data has a ``tenant`` column and every query filters on it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import JSON, DateTime, Float, String, Text, event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class Base(DeclarativeBase):
    """Declarative base of every Atelier table."""


class SeenEvent(Base):
    """A platform event already processed: platform retries must not act twice."""

    __tablename__ = "seen_events"

    event_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class SavedEstimate(Base):
    """An estimate someone saved from `/scope`; linked to the real project when it starts,
    and given the project's actual hours when it closes, so accuracy can be tracked."""

    __tablename__ = "saved_estimates"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    brief: Mapped[str] = mapped_column(Text)
    p10_hours: Mapped[float] = mapped_column(Float)
    p50_hours: Mapped[float] = mapped_column(Float)
    p90_hours: Mapped[float] = mapped_column(Float)
    rate: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    analogue_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    actual_hours: Mapped[float | None] = mapped_column(Float, nullable=True)


class ScopeRun(Base):
    """One `/scope` answer, kept so its buttons (save, more analogues) carry only this id."""

    __tablename__ = "scope_runs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    brief: Mapped[str] = mapped_column(Text)
    p10_hours: Mapped[float] = mapped_column(Float)
    p50_hours: Mapped[float] = mapped_column(Float)
    p90_hours: Mapped[float] = mapped_column(Float)
    rate: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    analogue_ids: Mapped[list[str]] = mapped_column(JSON, default=list)
    shown: Mapped[int] = mapped_column(default=0)  # analogues shown so far ("show more")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantSettings(Base):
    """Per-tenant overrides of the defaults in settings (hourly rate, currency)."""

    __tablename__ = "tenant_settings"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class Database:
    """Engine + session factory; one per process (or per test)."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        if self.is_sqlite and ":///" in url and not url.endswith(":memory:"):
            Path(url.split(":///", 1)[1]).parent.mkdir(parents=True, exist_ok=True)
        kwargs: dict[str, object] = {}
        if not self.is_sqlite:
            kwargs.update(pool_size=10, max_overflow=20, pool_pre_ping=True)
        else:
            kwargs.update(connect_args={"timeout": 15})
        self.engine: AsyncEngine = create_async_engine(url, **kwargs)
        if self.is_sqlite:
            event.listen(self.engine.sync_engine, "connect", _sqlite_pragmas)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)

    async def create_all(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)

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


def _sqlite_pragmas(dbapi_connection: object, _record: object) -> None:
    cursor = dbapi_connection.cursor()  # type: ignore[attr-defined]
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=15000")
    cursor.close()

"""Where a chat app is installed (multi-workspace installs) and what forgetting a tenant means.

An ``AppInstallation`` row is one workspace (or Enterprise Grid org) that installed the app
through the platform's OAuth flow, with the bot token the adapter answers it with. An
``OAuthState`` row is a one-time value handed to an installer's browser, so a redirect back
from the platform can be matched to an install this server started.

Uninstalling the app removes its rows (the tokens); the tenant's own data (projects, logs,
drafts) stays until an admin runs :func:`forget_tenant` (``atelier slack forget``).
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, Boolean, DateTime, String, Text, delete, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column

from bot.state import Base, Database, affected_rows, utcnow


class AppInstallation(Base):
    """One install of the app: a workspace, or a whole org for an org-wide install."""

    __tablename__ = "app_installations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    # The Atelier tenant the install serves: the org on Enterprise Grid, else the workspace.
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    app_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bot_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bot_token: Mapped[str] = mapped_column(Text)
    bot_refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    bot_token_expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    bot_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    installer_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Everything else the platform said about the install (no tokens: those have columns).
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    installed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OAuthState(Base):
    """A state value issued to an installer's browser; used at most once, before it expires."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)


# Tables whose rows are not one tenant's data.
_NOT_TENANT_DATA = frozenset({"oauth_states", "seen_events"})


async def forget_tenant(database: Database, tenant: str) -> dict[str, int]:
    """Delete every row of ``tenant`` in every table that has a ``tenant`` column (its
    installs included); returns how many rows went per table. The past projects in the
    knowledge store are the caller's to delete (they live outside this database)."""
    removed: dict[str, int] = {}
    async with database.transaction() as session:
        names = await session.run_sync(_tables_with_tenant)
        for name in names:
            table = Base.metadata.tables[name]
            result = await session.execute(delete(table).where(table.c.tenant == tenant))
            if count := affected_rows(result):
                removed[name] = count
    return removed


def _tables_with_tenant(session: Session) -> list[str]:
    """Tables (children first, so foreign keys never block) that hold a tenant column and
    exist in the database."""
    present = set(inspect(session.connection()).get_table_names())
    ordered = reversed(Base.metadata.sorted_tables)
    return [
        table.name
        for table in ordered
        if table.name in present and table.name not in _NOT_TENANT_DATA and "tenant" in table.c
    ]


__all__ = ["AppInstallation", "OAuthState", "forget_tenant"]

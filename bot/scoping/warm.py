"""The histories a restarted bot is likely to be asked about first, read before it is asked.

A large history takes its first answer a second or more to read (50k closed projects: ~0.8 s
of rows and objects). A bot that starts (a deploy, a restart) reads, beside loading its
embedding model, the histories of the workspaces that asked for estimates most recently, so
their next `/scope` finds them in memory. Bounded: a few workspaces, within the history
cache's own limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select

from bot.scoping.history import HistoryCache
from knowledge.port import KnowledgeStore
from state import Database, ScopeRun

RECENT = dt.timedelta(days=14)  # asked within this: likely to ask again soon
MOST_TENANTS = 3


async def recent_tenants(db: Database, now: dt.datetime, most: int = MOST_TENANTS) -> list[str]:
    """The workspaces whose latest `/scope` is the most recent (within :data:`RECENT`)."""
    latest = func.max(ScopeRun.created_at)
    async with db.sessions() as session:
        rows = await session.execute(
            select(ScopeRun.tenant)
            .where(ScopeRun.created_at >= now - RECENT)
            .group_by(ScopeRun.tenant)
            .order_by(latest.desc())
            .limit(most)
        )
        return [str(tenant) for tenant in rows.scalars()]


def read_histories(
    histories: HistoryCache,
    store: KnowledgeStore,
    tenants: list[str],
    stopping: Callable[[], bool],
) -> list[str]:
    """Read ``tenants``' histories into ``histories`` (sync; a worker thread), most recent
    first, until the cache holds its limit or ``stopping()``; returns the tenants read."""
    read = []
    for tenant in tenants:
        if stopping() or histories.projects >= histories.max_projects:
            break
        histories.history(store, tenant)
        read.append(tenant)
    return read

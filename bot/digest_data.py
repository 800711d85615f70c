"""Reading what a digest needs from the state database, and the per-workspace schedule.

:func:`project_pulses` gathers, for every active project of a workspace, the facts
:mod:`bot.digest` turns into text (in a handful of queries, whatever the number of projects).
The schedule helpers keep the one row per workspace that `/atelier digest on|off` edits.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from bot.digest import NewsLine, ProjectPulse
from bot.schedule import Slot
from bot.worklog import active_projects, hours_logged
from state import ActiveProject, Database, DigestSchedule, LogEntry, PostAudit


def schedule_start(project: ActiveProject) -> dt.date | None:
    """The first day of the schedule: the start date, else the day the project was added."""
    if project.start_date is not None:
        return project.start_date
    return project.created_at.date() if project.created_at is not None else None


async def project_pulses(db: Database, tenant: str) -> list[ProjectPulse]:
    projects = await active_projects(db, tenant)
    if not projects:
        return []
    ids = [p.id for p in projects]
    hours = await hours_logged(db, tenant, ids)
    news: dict[str, list[NewsLine]] = defaultdict(list)
    last_logged: dict[str, dt.datetime] = {}
    last_update: dict[str, dt.datetime] = {}
    async with db.sessions() as session:
        unreported = await session.scalars(
            select(LogEntry)
            .where(
                LogEntry.tenant == tenant,
                LogEntry.project_id.in_(ids),
                LogEntry.deleted_at.is_(None),
                LogEntry.reported_draft_id.is_(None),
            )
            .order_by(LogEntry.created_at, LogEntry.id)
        )
        for entry in unreported:
            news[entry.project_id].append(NewsLine(entry.kind, entry.text))
        logged = await session.execute(
            select(LogEntry.project_id, func.max(LogEntry.created_at))
            .where(
                LogEntry.tenant == tenant,
                LogEntry.project_id.in_(ids),
                LogEntry.deleted_at.is_(None),
            )
            .group_by(LogEntry.project_id)
        )
        last_logged = {project_id: when for project_id, when in logged if when is not None}
        posted = await session.execute(
            select(PostAudit.project_id, func.max(PostAudit.posted_at))
            .where(PostAudit.tenant == tenant, PostAudit.project_id.in_(ids))
            .group_by(PostAudit.project_id)
        )
        last_update = {project_id: when for project_id, when in posted if when is not None}
    return [
        ProjectPulse(
            project_id=p.id,
            name=p.name,
            client=p.client,
            owner_id=p.created_by or "",
            hours_used=round(hours.get(p.id, 0.0), 2),
            estimate_hours=p.estimate_hours,
            start_date=schedule_start(p),
            due_date=p.due_date,
            news=tuple(news.get(p.id, ())),
            last_logged=last_logged[p.id].date() if p.id in last_logged else None,
            last_client_update=last_update[p.id].date() if p.id in last_update else None,
        )
        for p in projects
    ]


# --- the schedule -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ScheduleView:
    """A workspace's digest setting, detached from the session."""

    tenant: str
    enabled: bool
    slot: Slot | None
    platform: str
    set_by: str
    enabled_at: dt.datetime | None

    def describe(self) -> str:
        if not self.enabled or self.slot is None:
            return "off"
        return self.slot.describe()


def _view(row: DigestSchedule | None, tenant: str) -> ScheduleView:
    if row is None:
        return ScheduleView(tenant, False, None, "", "", None)
    slot = Slot(row.weekday, row.hour, row.minute, row.timezone)
    enabled_at = row.enabled_at
    if enabled_at is not None and enabled_at.tzinfo is None:  # SQLite hands back naive UTC
        enabled_at = enabled_at.replace(tzinfo=dt.UTC)
    return ScheduleView(tenant, row.enabled, slot, row.platform, row.set_by, enabled_at)


async def get_schedule(db: Database, tenant: str) -> ScheduleView:
    async with db.sessions() as session:
        return _view(await session.get(DigestSchedule, tenant), tenant)


async def enabled_schedules(db: Database) -> list[ScheduleView]:
    async with db.sessions() as session:
        rows = await session.scalars(select(DigestSchedule).where(DigestSchedule.enabled))
        return [_view(row, row.tenant) for row in rows]


async def set_schedule(
    db: Database,
    tenant: str,
    slot: Slot | None,
    *,
    user_id: str,
    platform: str,
    now: dt.datetime,
) -> ScheduleView:
    """Turn the digest on at ``slot``, or off (``None``); the previous slot is kept when off."""
    async with db.transaction() as session:
        row = await session.get(DigestSchedule, tenant)
        if row is None:
            row = DigestSchedule(tenant=tenant, enabled=False)
            session.add(row)
        if slot is None:
            row.enabled = False
        else:
            row.enabled = True
            row.weekday, row.hour, row.minute = slot.weekday, slot.hour, slot.minute
            row.timezone = slot.timezone
            row.enabled_at = now
            row.set_by = user_id
            if platform in {"slack", "discord"}:  # CLI and console changes keep the platform
                row.platform = platform
        row.updated_at = now
        await session.flush()
        return _view(row, tenant)


__all__ = [
    "ScheduleView",
    "enabled_schedules",
    "get_schedule",
    "project_pulses",
    "schedule_start",
    "set_schedule",
]

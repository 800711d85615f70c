"""Active projects and their work log in SQL. Every function takes the tenant and filters on it.

Writes happen in one transaction each (``Database.transaction``): a project and its aliases,
an entry, a close — all or nothing.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.errors import Conflict, InvalidInput, NotFound
from bot.logparse import ParsedEntry, negative_hours, parse_entry
from knowledge.plausibility import ENTRY_MAX_HOURS, check_hours
from state import (
    ActiveProject,
    Database,
    LogEntry,
    ProjectAlias,
    SavedEstimate,
    affected_rows,
)

MAX_ENTRY_CHARS = 4000  # a log line, not a document
MAX_ENTRY_HOURS = ENTRY_MAX_HOURS  # more than this in one line is almost certainly a typo


@dataclass(frozen=True)
class NewProject:
    """A validated project to create."""

    name: str
    client: str | None = None
    aliases: tuple[str, ...] = ()
    summary: str = ""
    type: str = "other"
    estimate_hours: float | None = None
    saved_estimate_id: str | None = None
    budget: float | None = None
    rate: float | None = None
    currency: str = "USD"
    start_date: dt.date | None = None
    due_date: dt.date | None = None
    client_channel: str | None = None
    tags: tuple[str, ...] = field(default_factory=tuple)


def normalise_alias(text: str) -> str:
    """How names and aliases are compared: case-insensitive, single spaces."""
    return " ".join(text.casefold().split())


def slugify(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:48] or "project"


async def _free_id(session: AsyncSession, tenant: str, name: str) -> str:
    """A slug id not used by any project of the tenant, closed ones included."""
    base = slugify(name)
    taken = set(
        (
            await session.execute(
                select(ActiveProject.id).where(
                    ActiveProject.tenant == tenant, ActiveProject.id.like(f"{base}%")
                )
            )
        ).scalars()
    )
    if base not in taken:
        return base
    number = 2
    while f"{base}-{number}" in taken:
        number += 1
    return f"{base}-{number}"


async def create_project(
    db: Database, tenant: str, new: NewProject, created_by: str, now: dt.datetime
) -> ActiveProject:
    """Create an active project with its name and aliases; a taken alias creates nothing."""
    names = [new.name, *new.aliases]
    keys = list(dict.fromkeys(normalise_alias(n) for n in names if normalise_alias(n)))
    try:
        async with db.transaction() as session:
            project_id = await _free_id(session, tenant, new.name)
            if project_id not in keys:
                keys.append(project_id)  # the id works as a handle too
            project = ActiveProject(
                tenant=tenant,
                id=project_id,
                name=new.name,
                client=new.client,
                client_channel=new.client_channel,
                summary=new.summary,
                type=new.type,
                estimate_hours=new.estimate_hours,
                saved_estimate_id=new.saved_estimate_id,
                budget=new.budget,
                rate=new.rate,
                currency=new.currency,
                start_date=new.start_date or now.date(),
                due_date=new.due_date,
                tags=list(new.tags),
                status="active",
                created_by=created_by,
                created_at=now,
            )
            session.add(project)
            await session.flush()
            for key in keys:
                session.add(ProjectAlias(tenant=tenant, alias=key, project_id=project_id))
                await session.flush()  # a clash surfaces here, naming the alias
            if new.saved_estimate_id:
                await session.execute(
                    update(SavedEstimate)
                    .where(
                        SavedEstimate.tenant == tenant,
                        SavedEstimate.id == new.saved_estimate_id,
                    )
                    .values(project_id=project_id)
                )
    except IntegrityError:
        clash = await _taken_aliases(db, tenant, keys)
        shown = ", ".join(f"`{c}`" for c in clash) or "that name"
        raise Conflict(
            f"{shown} is already the name or alias of an active project. "
            "Pick another name or alias; nothing was saved."
        ) from None
    return project


async def _taken_aliases(db: Database, tenant: str, keys: Sequence[str]) -> list[str]:
    async with db.sessions() as session:
        found = await session.execute(
            select(ProjectAlias.alias).where(
                ProjectAlias.tenant == tenant, ProjectAlias.alias.in_(list(keys))
            )
        )
        return sorted(found.scalars())


async def find_project(db: Database, tenant: str, reference: str) -> ActiveProject | None:
    """An active project by name, alias or id (case-insensitive)."""
    key = normalise_alias(reference)
    if not key:
        return None
    async with db.sessions() as session:
        project_id = (
            await session.execute(
                select(ProjectAlias.project_id).where(
                    ProjectAlias.tenant == tenant, ProjectAlias.alias == key
                )
            )
        ).scalar_one_or_none()
        if project_id is None:
            return None
        return await session.get(ActiveProject, (tenant, project_id))


async def get_project(db: Database, tenant: str, project_id: str) -> ActiveProject | None:
    async with db.sessions() as session:
        return await session.get(ActiveProject, (tenant, project_id))


async def active_projects(db: Database, tenant: str) -> list[ActiveProject]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(ActiveProject)
            .where(ActiveProject.tenant == tenant, ActiveProject.status == "active")
            .order_by(ActiveProject.name)
        )
        return list(rows.scalars())


async def aliases_of(db: Database, tenant: str, project_id: str) -> list[str]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(ProjectAlias.alias).where(
                ProjectAlias.tenant == tenant, ProjectAlias.project_id == project_id
            )
        )
        return sorted(rows.scalars())


async def hours_logged(db: Database, tenant: str, project_ids: Sequence[str]) -> dict[str, float]:
    """Hours logged per project (deleted entries excluded)."""
    if not project_ids:
        return {}
    async with db.sessions() as session:
        rows = await session.execute(
            select(LogEntry.project_id, func.coalesce(func.sum(LogEntry.hours), 0.0))
            .where(
                LogEntry.tenant == tenant,
                LogEntry.project_id.in_(list(project_ids)),
                LogEntry.deleted_at.is_(None),
            )
            .group_by(LogEntry.project_id)
        )
        totals = {project_id: float(hours or 0.0) for project_id, hours in rows.all()}
    return {project_id: totals.get(project_id, 0.0) for project_id in project_ids}


def _checked(text: str) -> ParsedEntry:
    text = text.strip()
    if not text:
        raise InvalidInput(
            "That log entry is empty. Write what happened, e.g. `done: homepage, 3h`."
        )
    if len(text) > MAX_ENTRY_CHARS:
        raise InvalidInput(
            f"That entry is {len(text):,} characters; a log line holds up to "
            f"{MAX_ENTRY_CHARS:,}. Split it into a few entries."
        )
    parsed = parse_entry(text)
    hours = parsed.hours
    if hours is not None and negative_hours(text):
        hours = -hours  # refused below: time spent is never negative
    if problem := check_hours(hours, "entry"):
        fix = (
            " To correct hours logged earlier, edit that entry: `/log edit <id> …`."
            if hours is not None and hours < 0
            else ""
        )
        raise InvalidInput(f"Nothing was saved: {problem.reason}. Please log it again.{fix}")
    return parsed


async def add_entry(
    db: Database,
    tenant: str,
    project: ActiveProject,
    author_id: str,
    author_name: str,
    text: str,
    now: dt.datetime,
) -> LogEntry:
    """Record one entry (kind, hours and the internal flag read from the text)."""
    parsed = _checked(text)
    entry = LogEntry(
        tenant=tenant,
        project_id=project.id,
        author_id=author_id,
        author_name=author_name,
        text=text.strip(),
        kind=parsed.kind,
        hours=parsed.hours,
        internal=parsed.internal,
        billable=parsed.billable,
        created_at=now,
    )
    async with db.transaction() as session:
        session.add(entry)
    return entry


async def recent_entries(
    db: Database, tenant: str, project_id: str, limit: int = 15
) -> list[LogEntry]:
    """The latest entries, newest first."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(LogEntry)
            .where(
                LogEntry.tenant == tenant,
                LogEntry.project_id == project_id,
                LogEntry.deleted_at.is_(None),
            )
            .order_by(LogEntry.id.desc())
            .limit(limit)
        )
        return list(rows.scalars())


async def unreported_entries(db: Database, tenant: str, project_id: str) -> list[LogEntry]:
    """Entries no approved update has covered yet, oldest first."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(LogEntry)
            .where(
                LogEntry.tenant == tenant,
                LogEntry.project_id == project_id,
                LogEntry.deleted_at.is_(None),
                LogEntry.reported_draft_id.is_(None),
            )
            .order_by(LogEntry.id)
        )
        return list(rows.scalars())


async def _own_entry(session: AsyncSession, tenant: str, entry_id: int, user_id: str) -> LogEntry:
    entry = (
        await session.execute(
            select(LogEntry).where(
                LogEntry.tenant == tenant,
                LogEntry.id == entry_id,
                LogEntry.deleted_at.is_(None),
            )
        )
    ).scalar_one_or_none()
    if entry is None:
        raise NotFound(f"There is no log entry #{entry_id}. `/log <project>` lists them.")
    if entry.author_id != user_id:
        raise Conflict(
            f"Entry #{entry_id} was written by {entry.author_name or 'someone else'}; "
            "only its author can change or delete it."
        )
    return entry


async def edit_entry(
    db: Database, tenant: str, entry_id: int, user_id: str, text: str, now: dt.datetime
) -> LogEntry:
    parsed = _checked(text)
    async with db.transaction() as session:
        entry = await _own_entry(session, tenant, entry_id, user_id)
        entry.text = text.strip()
        entry.kind = parsed.kind
        entry.hours = parsed.hours
        entry.internal = parsed.internal
        entry.billable = parsed.billable
        entry.edited_at = now
    return entry


async def delete_entry(
    db: Database, tenant: str, entry_id: int, user_id: str, now: dt.datetime
) -> LogEntry:
    """Hide an entry from logs and updates; the row stays, marked deleted."""
    async with db.transaction() as session:
        entry = await _own_entry(session, tenant, entry_id, user_id)
        entry.deleted_at = now
    return entry


async def close_project(
    db: Database,
    tenant: str,
    project_id: str,
    actual_hours: float,
    now: dt.datetime,
    knowledge_id: str | None = None,
) -> bool:
    """Mark a project closed, free its aliases and record actuals on its saved estimate.

    ``knowledge_id`` is the past project the close wrote; it and the freed aliases are kept so
    the project can be reopened. Returns False when it was not active any more (closed
    meanwhile).
    """
    async with db.transaction() as session:
        handles = list(
            (
                await session.execute(
                    select(ProjectAlias.alias).where(
                        ProjectAlias.tenant == tenant, ProjectAlias.project_id == project_id
                    )
                )
            ).scalars()
        )
        closed = await session.execute(
            update(ActiveProject)
            .where(
                ActiveProject.tenant == tenant,
                ActiveProject.id == project_id,
                ActiveProject.status == "active",
            )
            .values(
                status="closed",
                closed_at=now,
                actual_hours=actual_hours,
                knowledge_id=knowledge_id,
                closed_aliases=sorted(handles),
            )
        )
        if affected_rows(closed) != 1:
            return False
        await session.execute(
            delete(ProjectAlias).where(
                ProjectAlias.tenant == tenant, ProjectAlias.project_id == project_id
            )
        )
        await session.execute(
            update(SavedEstimate)
            .where(SavedEstimate.tenant == tenant, SavedEstimate.project_id == project_id)
            .values(actual_hours=actual_hours)
        )
    return True


async def closed_project(db: Database, tenant: str, reference: str) -> ActiveProject | None:
    """A closed project by id, former name or alias, or the id of the past project it became."""
    key = normalise_alias(reference)
    if not key:
        return None
    async with db.sessions() as session:
        rows = await session.execute(
            select(ActiveProject)
            .where(ActiveProject.tenant == tenant, ActiveProject.status == "closed")
            .order_by(ActiveProject.closed_at.desc())
        )
        closed = list(rows.scalars())
    for project in closed:
        if key in {project.id, normalise_alias(project.knowledge_id or "")}:
            return project
    for project in closed:
        if key == normalise_alias(project.name) or key in (project.closed_aliases or []):
            return project
    return None


async def reopen_project(db: Database, tenant: str, project_id: str) -> list[str] | None:
    """Make a closed project active again, with the handles it had that are still free.

    Its actual hours are forgotten (here and on its saved estimate): the log still holds the
    work, and closing again records them anew. Returns the handles given back, or None when
    the project was not closed any more.
    """
    async with db.transaction() as session:
        project = await session.get(ActiveProject, (tenant, project_id))
        if project is None or project.status != "closed":
            return None
        wanted = list(dict.fromkeys([*(project.closed_aliases or []), project.id]))
        taken = set(
            (
                await session.execute(
                    select(ProjectAlias.alias).where(
                        ProjectAlias.tenant == tenant, ProjectAlias.alias.in_(wanted)
                    )
                )
            ).scalars()
        )
        handles = [alias for alias in wanted if alias not in taken]
        for alias in handles:
            session.add(ProjectAlias(tenant=tenant, alias=alias, project_id=project_id))
        project.status = "active"
        project.closed_at = None
        project.actual_hours = None
        project.knowledge_id = None
        project.closed_aliases = None
        await session.execute(
            update(SavedEstimate)
            .where(SavedEstimate.tenant == tenant, SavedEstimate.project_id == project_id)
            .values(actual_hours=None)
        )
    return handles


async def record_actuals(
    db: Database, tenant: str, knowledge_id: str, actual_hours: float | None
) -> None:
    """A past project's corrected hours, mirrored on the closed project and its estimate."""
    async with db.transaction() as session:
        project = (
            await session.execute(
                select(ActiveProject).where(
                    ActiveProject.tenant == tenant,
                    ActiveProject.knowledge_id == knowledge_id,
                    ActiveProject.status == "closed",
                )
            )
        ).scalar_one_or_none()
        if project is None:
            return
        project.actual_hours = actual_hours
        await session.execute(
            update(SavedEstimate)
            .where(SavedEstimate.tenant == tenant, SavedEstimate.project_id == project.id)
            .values(actual_hours=actual_hours)
        )


async def saved_estimate(db: Database, tenant: str, estimate_id: str) -> SavedEstimate | None:
    async with db.sessions() as session:
        found = await session.get(SavedEstimate, estimate_id)
        return found if found is not None and found.tenant == tenant else None

"""Correcting past projects: `/projects edit`, `/projects remove`, `/projects restore`.

History is what every estimate is made from, so a wrong figure must be fixable without
re-importing a file, and a project that should not count must be removable without being lost:

- **edit** changes fields of one past project (``key=value``, the spellings of a CSV cell), with
  the same validation and hour plausibility rules as an import (an unusual figure needs
  ``confirm``). Correcting the hours of a project closed in Atelier also corrects its record
  and its saved estimate.
- **remove** is soft: the project leaves the knowledge store (so search, `/scope` and lists no
  longer see it) and is kept whole in the state database until **restore** puts it back.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import shlex
from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import ValidationError
from sqlalchemy import select

from bot.dates import read_day
from bot.errors import Conflict, InvalidInput, NotFound, Unavailable
from bot.services import Services
from bot.worklog import record_actuals
from knowledge.models import TRACKED, PastProject
from knowledge.plausibility import check_hours
from knowledge.port import KnowledgeStore
from state import RemovedProject

T = TypeVar("T")

# What `/projects edit` accepts, mapped to PastProject fields.
EDIT_KEYS = {
    "title": "title",
    "name": "title",
    "summary": "summary",
    "client": "client",
    "type": "type",
    "tags": "tags",
    "tag": "tags",
    "estimate": "estimated_hours",
    "estimated": "estimated_hours",
    "estimated_hours": "estimated_hours",
    "actual": "actual_hours",
    "hours": "actual_hours",
    "actual_hours": "actual_hours",
    "price": "price",
    "currency": "currency",
    "start": "started",
    "started": "started",
    "finish": "finished",
    "finished": "finished",
    "end": "finished",
    "phases": "phases",
    "lessons": "lessons",
    "assets": "assets",
}
_REQUIRED = {"title", "summary", "currency"}
_EMPTY: dict[str, Any] = {"tags": [], "lessons": [], "assets": [], "phases": {}, "type": "other"}
_CONFIRM = {"confirm", "confirmed", "--confirm"}
EDIT_USAGE = (
    "Usage: `/projects edit <id> key=value …` with keys title, summary, client, type, tags, "
    "estimate, actual, price, currency, start, finish, phases, lessons, assets; e.g. "
    "`/projects edit demo-001 actual=320 tags=shopify;theme`."
)


async def _store(services: Services, work: Callable[[KnowledgeStore], T]) -> T:
    """Run ``work(store)`` in a thread; an unavailable store becomes a plain answer."""
    from knowledge.store import KnowledgeUnavailable

    try:
        return await asyncio.to_thread(lambda: work(services.knowledge))
    except KnowledgeUnavailable as problem:
        raise Unavailable(f"{problem} Nothing was changed.") from None


async def _existing(services: Services, tenant: str, project_id: str) -> PastProject:
    project = await _store(services, lambda store: store.get(tenant, project_id))
    if project is None:
        raise NotFound(
            f"I don't know a past project with id `{project_id[:64]}` in this workspace. "
            "Find ids with `/projects search <words>` or `/projects list`."
        )
    return project


def parse_edit(args: str) -> tuple[str, dict[str, str], bool]:
    """``demo-001 actual=320 confirm`` -> ("demo-001", {"actual_hours": "320"}, True)."""
    try:
        tokens = shlex.split(args)
    except ValueError:
        raise InvalidInput(f"I couldn't read that: a quote is not closed. {EDIT_USAGE}") from None
    if not tokens or "=" in tokens[0]:
        raise InvalidInput(f"Which project? {EDIT_USAGE}")
    project_id, changes, confirmed = tokens[0], {}, False
    for token in tokens[1:]:
        key, sep, value = token.partition("=")
        if not sep:
            if token.lower() in _CONFIRM:
                confirmed = True
                continue
            raise InvalidInput(f"`{token[:30]}` is not a `key=value` change. {EDIT_USAGE}")
        name = EDIT_KEYS.get(key.strip().lower().replace("-", "_"))
        if name is None:
            raise InvalidInput(f"I can't edit `{key[:30]}`. {EDIT_USAGE}")
        changes[name] = value.strip()
    if not changes:
        raise InvalidInput(f"Nothing to change. {EDIT_USAGE}")
    return project_id, changes, confirmed


def _shown(value: Any) -> str:
    if value is None or value == [] or value == {}:
        return "—"
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return ", ".join(map(str, value))
    if isinstance(value, dict):
        return "; ".join(f"{k}:{v:g}" for k, v in value.items())
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _days_read(changes: dict[str, str], today: dt.date) -> dict[str, str]:
    """Start and finish dates as people write them ("15 March 2024", "3 weeks ago") -> ISO."""
    read = dict(changes)
    for name, what in (("started", "start date"), ("finished", "finish date")):
        if read.get(name):
            try:
                read[name] = read_day(read[name], today, what=what, prefer="past").isoformat()
            except InvalidInput as problem:
                raise InvalidInput(f"Nothing was changed: {problem}") from None
    return read


def corrected(
    project: PastProject, changes: dict[str, str], confirmed: bool, now: dt.datetime
) -> PastProject:
    """The project with ``changes`` applied and validated; InvalidInput says why not."""
    from knowledge.importers import parse_cells

    cleared = {name for name, value in changes.items() if not value}
    if cleared & _REQUIRED:
        first = sorted(cleared & _REQUIRED)[0]
        raise InvalidInput(f"`{first}` can't be empty. Nothing was changed.")
    changes = _days_read(changes, now.date())
    values, bad = parse_cells({name: value for name, value in changes.items() if value})
    if bad:
        field, message = bad[0]
        raise InvalidInput(f"Nothing was changed: {field}: {message}.")
    data = project.model_dump()
    data.update({name: _EMPTY.get(name) for name in cleared})
    data.update(values)
    data["updated"] = now
    try:
        fixed = PastProject.model_validate(data)
    except ValidationError as error:
        problems = "; ".join(
            f"{item['loc'][0] if item['loc'] else ''}: "
            + str(item["msg"]).removeprefix("Value error, ")
            for item in error.errors()
        )
        raise InvalidInput(f"Nothing was changed: {problems}.") from None
    checks = (
        ("estimated_hours", fixed.estimated_hours, "estimate", None),
        ("actual_hours", fixed.actual_hours, "actual", fixed.estimated_hours),
    )
    hours_changed = {"estimated_hours", "actual_hours"} & set(changes)
    for _name, value, kind, estimate in checks if hours_changed else ():
        # `kind` is one of the literal kinds listed just above; the tuple loses the Literal.
        problem = check_hours(value, kind, estimate=estimate, confirmed=confirmed)  # type: ignore[arg-type]
        if problem is not None and problem.confirmable:
            raise InvalidInput(
                f"Nothing was changed yet: {problem.reason}. If that is right, add `confirm`: "
                f"`/projects edit {project.id} {_as_args(changes)} confirm`."
            )
        if problem is not None:
            raise InvalidInput(f"Nothing was changed: {problem.reason}.")
    return fixed


def _as_args(changes: dict[str, str]) -> str:
    return " ".join(f"{name}={shlex.quote(value)}" for name, value in changes.items())


async def edit(services: Services, tenant: str, args: str) -> str:
    """Apply `/projects edit` and describe what changed."""
    project_id, changes, confirmed = parse_edit(args)
    project = await _existing(services, tenant, project_id)
    fixed = corrected(project, changes, confirmed, services.clock())
    changed = [
        (name, getattr(project, name), getattr(fixed, name))
        for name in dict.fromkeys(changes)
        if getattr(project, name) != getattr(fixed, name)
    ]
    if not changed:
        return f"`{project.id}` already says that; nothing was changed."
    await _store(services, lambda store: store.upsert(tenant, [fixed]))
    if project.origin == TRACKED and fixed.actual_hours != project.actual_hours:
        await record_actuals(services.db, tenant, project.id, fixed.actual_hours)
    lines = ", ".join(f"{name} {_shown(old)} → {_shown(new)}" for name, old, new in changed)
    return f"Updated **{fixed.title}** (`{fixed.id}`): {lines}."


async def remove(services: Services, tenant: str, project_id: str, user_id: str) -> str:
    """Take a past project out of the knowledge store, keeping it for `/projects restore`."""
    project = await _existing(services, tenant, project_id)
    async with services.db.transaction() as session:
        await session.merge(
            RemovedProject(
                tenant=tenant,
                id=project.id,
                project=project.model_dump_json(),
                removed_by=user_id,
                removed_at=services.clock(),
            )
        )
    try:
        await _store(services, lambda store: store.delete(tenant, project.id))
    except Unavailable:
        async with services.db.transaction() as session:  # it is still in the store: no copy
            found = await session.get(RemovedProject, (tenant, project.id))
            if found is not None:
                await session.delete(found)
        raise
    return (
        f"Removed **{project.title}** (`{project.id}`) from your past projects: search, "
        f"`/scope` and lists no longer use it. Undo with `/projects restore {project.id}`."
    )


async def removed_projects(services: Services, tenant: str) -> list[RemovedProject]:
    async with services.db.sessions() as session:
        rows = await session.execute(
            select(RemovedProject)
            .where(RemovedProject.tenant == tenant)
            .order_by(RemovedProject.removed_at.desc())
        )
        return list(rows.scalars())


async def restore(services: Services, tenant: str, project_id: str) -> str:
    """Put a removed past project back, exactly as it was."""
    async with services.db.sessions() as session:
        row = await session.get(RemovedProject, (tenant, project_id))
    if row is None:
        removed = await removed_projects(services, tenant)
        known = ", ".join(f"`{r.id}`" for r in removed[:10]) or "none"
        raise NotFound(
            f"`{project_id[:64]}` is not a removed project. Removed projects: {known}."
        )
    project = PastProject.model_validate_json(row.project)
    if await _store(services, lambda store: store.get(tenant, project.id)) is not None:
        raise Conflict(
            f"A past project with id `{project.id}` exists again (imported or closed since); "
            "restoring would overwrite it, so nothing was changed."
        )
    await _store(services, lambda store: store.upsert(tenant, [project]))
    async with services.db.transaction() as session:
        found = await session.get(RemovedProject, (tenant, project.id))
        if found is not None:
            await session.delete(found)
    return f"Restored **{project.title}** (`{project.id}`) to your past projects."


__all__ = ["EDIT_KEYS", "corrected", "edit", "parse_edit", "remove", "removed_projects", "restore"]

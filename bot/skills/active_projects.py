"""Projects in progress: `/projects add`, `/projects active`, `/projects close`.

The `/projects` command itself lives in the projects skill, which hands these three
sub-commands to :func:`handle_subcommand`. `/projects add` with no arguments answers with a form
(a modal in Slack and Discord, prompts in the console); its submission arrives as the action
``project-form:add``. Closing a project turns it into a closed past project in the knowledge
store, so the next estimates learn from its actual hours.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import shlex
from collections.abc import Mapping

from bot.logs import get_logger
from bot.messages import (
    Action,
    Form,
    FormField,
    Heading,
    Reply,
    Request,
    Table,
    text_reply,
)
from bot.registry import SkillError, SkillRegistry
from bot.services import Services
from bot.state import ActiveProject, LogEntry, TenantSettings
from bot.update_text import mentions_rate_or_margin
from bot.worklog import (
    NewProject,
    active_projects,
    aliases_of,
    close_project,
    find_project,
    hours_logged,
    recent_entries,
    saved_estimate,
)
from bot.worklog import create_project as store_project

log = get_logger(__name__)

FORM_ID = "project-form:add"

PROJECT_FORM = Form(
    form_id=FORM_ID,
    title="New active project",
    submit_label="Add project",
    fields=(
        FormField(name="name", label="Project name", required=True, placeholder="Acme web shop"),
        FormField(name="client", label="Client", placeholder="Acme Corp"),
        FormField(name="aliases", label="Aliases (comma-separated)", placeholder="acme, shop"),
        FormField(
            name="estimate",
            label="Estimate (hours, or a saved estimate id)",
            placeholder="40",
        ),
        FormField(name="budget", label="Budget", placeholder="6000"),
        FormField(name="rate", label="Hourly rate (private)", placeholder="120"),
        FormField(name="due", label="Due date (YYYY-MM-DD)", placeholder="2026-12-20"),
        FormField(name="client_channel", label="Client channel id", placeholder="C0123456"),
        FormField(name="summary", label="Summary", multiline=True),
        FormField(name="type", label="Type", placeholder="web-shop"),
    ),
)

# key=value spellings accepted by the one-liner and the CLI, mapped to form field names.
_KEYS = {
    "name": "name",
    "title": "name",
    "client": "client",
    "alias": "aliases",
    "aliases": "aliases",
    "estimate": "estimate",
    "estimate_hours": "estimate",
    "hours": "estimate",
    "budget": "budget",
    "rate": "rate",
    "due": "due",
    "due_date": "due",
    "start": "start",
    "start_date": "start",
    "channel": "client_channel",
    "client_channel": "client_channel",
    "summary": "summary",
    "type": "type",
    "currency": "currency",
}
_NUMBER = re.compile(r"^\s*[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(?:h|hrs?|hours?|[a-z]{3})?\s*$")
_RELATIVE = re.compile(r"^\s*in\s+(\d{1,3})\s+(day|week|month)s?\s*$", re.IGNORECASE)


def _number(text: str) -> float | None:
    """ "40", "40h", "$8,000", "8k" -> a float; None when it is not a number."""
    match = _NUMBER.match(text.lower())
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * 1000 if match.group(2) else value


def _date(text: str, today: dt.date) -> dt.date | None:
    """ISO dates, plus "in 3 weeks"; None when unreadable."""
    text = text.strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    if match := _RELATIVE.match(text):
        count, unit = int(match.group(1)), match.group(2).lower()
        days = {"day": 1, "week": 7, "month": 30}[unit] * count
        return today + dt.timedelta(days=days)
    return None


async def _tenant_rate(services: Services, tenant: str) -> tuple[float, str]:
    """The tenant's rate and currency (its own settings, else the defaults)."""
    async with services.db.sessions() as session:
        own = await session.get(TenantSettings, tenant)
    rate = own.rate if own is not None and own.rate else services.settings.rate
    currency = own.currency if own is not None and own.currency else services.settings.currency
    return rate, currency


async def effective_rate(services: Services, project: ActiveProject) -> float:
    if project.rate:
        return project.rate
    rate, _currency = await _tenant_rate(services, project.tenant)
    return rate


async def validate_fields(
    values: Mapping[str, str], tenant: str, services: Services
) -> tuple[NewProject | None, dict[str, str]]:
    """Form or one-liner values -> a project to create, or field -> friendly message."""
    errors: dict[str, str] = {}
    today = services.clock().date()
    get = {k: (v or "").strip() for k, v in values.items()}
    name = get.get("name", "")
    if not name:
        errors["name"] = "Give the project a name, e.g. `Acme web shop`."
    elif len(name) > 200:
        errors["name"] = "Keep the name under 200 characters."
    aliases = tuple(a.strip() for a in re.split(r"[,;]", get.get("aliases", "")) if a.strip())
    if any(len(a) > 60 for a in aliases):
        errors["aliases"] = "Aliases are short handles (up to 60 characters each)."
    estimate_hours: float | None = None
    saved_id: str | None = None
    if raw := get.get("estimate", ""):
        number = _number(raw)
        if number is not None:
            if not 0 < number <= 100_000:
                errors["estimate"] = "The estimate should be a positive number of hours."
            estimate_hours = number
        else:
            found = await saved_estimate(services.db, tenant, raw)
            if found is None:
                errors["estimate"] = (
                    f"`{raw[:40]}` is neither a number of hours nor a saved estimate id."
                )
            else:
                saved_id, estimate_hours = found.id, found.p50_hours
    money: dict[str, float | None] = {}
    for key, label in (("budget", "budget"), ("rate", "hourly rate")):
        money[key] = None
        if raw := get.get(key, ""):
            number = _number(raw)
            if number is None or number <= 0:
                errors[key] = f"The {label} should be a positive number, e.g. `6000`."
            money[key] = number
    due = start = None
    if raw := get.get("due", ""):
        due = _date(raw, today)
        if due is None:
            errors["due"] = "Write the due date as YYYY-MM-DD (e.g. 2026-12-20) or `in 3 weeks`."
    if raw := get.get("start", ""):
        start = _date(raw, today)
        if start is None:
            errors["start"] = "Write the start date as YYYY-MM-DD."
    if due and start and due < start:
        errors["due"] = "The due date is before the start date."
    _rate, currency = await _tenant_rate(services, tenant)
    if raw := get.get("currency", ""):
        if len(raw) == 3 and raw.isalpha():
            currency = raw.upper()
        else:
            errors["currency"] = "Use a three-letter currency code such as USD or EUR."
    channel = get.get("client_channel", "").strip("<>#") or None
    if channel and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", channel):
        errors["client_channel"] = "That doesn't look like a channel id (e.g. C0123456)."
    if errors:
        return None, errors
    return (
        NewProject(
            name=name,
            client=get.get("client") or None,
            aliases=aliases,
            summary=get.get("summary", ""),
            type=get.get("type") or "other",
            estimate_hours=estimate_hours,
            saved_estimate_id=saved_id,
            budget=money["budget"],
            rate=money["rate"],
            currency=currency,
            start_date=start,
            due_date=due,
            client_channel=channel,
        ),
        {},
    )


def parse_key_values(args: str) -> dict[str, str]:
    """``name="Acme shop" client=Acme estimate=40`` -> field values."""
    try:
        tokens = shlex.split(args)
    except ValueError:
        raise SkillError(
            "I couldn't read that: a quote is not closed. Example: "
            '`/projects add name="Acme web shop" client=Acme estimate=40 due=2026-12-20`'
        ) from None
    values: dict[str, str] = {}
    loose: list[str] = []
    for token in tokens:
        key, sep, value = token.partition("=")
        if not sep:
            loose.append(token)
            continue
        field = _KEYS.get(key.strip().lower().replace("-", "_"))
        if field is None:
            known = ", ".join(sorted({k for k in _KEYS if k == _KEYS[k]}))
            raise SkillError(f"I don't know the field `{key[:30]}`. Fields: {known}.")
        values[field] = value
    if loose and "name" not in values:
        values["name"] = " ".join(loose)  # `/projects add Acme web shop estimate=40`
    return values


async def _create(values: Mapping[str, str], user_id: str, tenant: str, services: Services):  # type: ignore[no-untyped-def]
    new, errors = await validate_fields(values, tenant, services)
    if new is None:
        return None, errors
    project = await store_project(services.db, tenant, new, user_id, services.clock())
    return project, {}


async def _added_reply(services: Services, project: ActiveProject) -> Reply:
    handles = await aliases_of(services.db, project.tenant, project.id)
    first = min(handles, key=len) if handles else project.id
    details = [f"Added **{project.name}** (`{project.id}`) to the active projects."]
    if handles:
        details.append("You can call it " + ", ".join(f"`{h}`" for h in handles) + ".")
    details.append(
        f"Log work with `/log {first} done: …, 2h`; draft an update with `/update {first}`."
    )
    return text_reply(" ".join(details))


async def add(args: str, request: Request, services: Services) -> Reply:
    if not args.strip():
        return Reply(blocks=(PROJECT_FORM,))
    values = parse_key_values(args)
    project, errors = await _create(values, request.user_id, request.tenant, services)
    if project is None:
        lines = "\n".join(f"- {field}: {message}" for field, message in errors.items())
        return text_reply(f"Nothing was saved; please fix:\n{lines}")
    return await _added_reply(services, project)


async def submit_form(action: Action, services: Services) -> Reply:
    """The `/projects add` form came back."""
    try:
        project, errors = await _create(action.values, action.user_id, action.tenant, services)
    except SkillError as clash:
        return Reply(form_errors={"aliases": str(clash)})
    if project is None:
        return Reply(form_errors=errors)
    return await _added_reply(services, project)


async def known_projects_text(services: Services, tenant: str) -> str:
    projects = await active_projects(services.db, tenant)
    if not projects:
        return "There are no active projects yet; add one with `/projects add`."
    names = ", ".join(f"**{p.name}** (`{p.id}`)" for p in projects)
    return f"Active projects: {names}."


async def resolve_project(services: Services, tenant: str, reference: str) -> ActiveProject:
    """The active project called ``reference``, or a SkillError listing the known ones."""
    project = await find_project(services.db, tenant, reference)
    if project is None or project.status != "active":
        known = await known_projects_text(services, tenant)
        raise SkillError(f"I don't know an active project called “{reference[:60]}”. {known}")
    return project


async def list_active(request: Request, services: Services) -> Reply:
    projects = await active_projects(services.db, request.tenant)
    if not projects:
        return text_reply("There are no active projects yet; add one with `/projects add`.")
    hours = await hours_logged(services.db, request.tenant, [p.id for p in projects])
    rows = []
    for project in projects:
        used = hours[project.id]
        if project.estimate_hours:
            logged = (
                f"{used:g} of {project.estimate_hours:g} h ({used / project.estimate_hours:.0%})"
            )
        else:
            logged = f"{used:g} h"
        rows.append(
            (
                project.name,
                project.id,
                project.client or "—",
                logged,
                project.due_date.isoformat() if project.due_date else "—",
            )
        )
    return Reply(
        blocks=(
            Heading(text="Active projects"),
            Table(columns=("project", "id", "client", "hours logged", "due"), rows=tuple(rows)),
        )
    )


def _split_hours(args: str) -> tuple[str, float | None]:
    """ "acme shop 42h" -> ("acme shop", 42.0)."""
    words = args.split()
    if len(words) >= 2 and (hours := _number(words[-1])) is not None:
        return " ".join(words[:-1]), hours
    return args.strip(), None


def _lessons(entries: list[LogEntry]) -> list[str]:
    """Blockers and decisions from the log become the project's retro notes."""
    lessons = []
    for entry in entries:
        if entry.kind in {"blocker", "decision"} and not mentions_rate_or_margin(entry.text):
            lessons.append(f"{entry.kind}: {entry.text}"[:300])
    return lessons[:10]


async def close(args: str, request: Request, services: Services) -> Reply:
    reference, hours = _split_hours(args)
    if not reference:
        raise SkillError("Which project? Usage: `/projects close <project> [actual hours]`.")
    project = await resolve_project(services, request.tenant, reference)
    logged = (await hours_logged(services.db, request.tenant, [project.id]))[project.id]
    given = hours is not None
    if hours is None:
        if logged <= 0:
            raise SkillError(
                f"No hours are logged for **{project.name}**, so I can't tell its actual "
                f"effort. Give it: `/projects close {project.id} 42`."
            )
        hours = logged
    if not 0 < hours <= 100_000:
        raise SkillError("Actual hours should be a positive number.")
    now = services.clock()
    entries = await recent_entries(services.db, request.tenant, project.id, limit=500)
    rate = await effective_rate(services, project)
    from knowledge.models import PastProject  # the knowledge layer, loaded only when closing

    past = PastProject(
        id=project.id,
        title=project.name,
        summary=project.summary or project.name,
        client=project.client,
        type=project.type or "other",
        status="closed",
        estimated_hours=project.estimate_hours,
        actual_hours=round(hours, 2),
        price=project.budget if project.budget else round(hours * rate, 2),
        currency=project.currency,
        started=project.start_date,
        finished=now.date(),
        lessons=_lessons(list(reversed(entries))),
        created=now,
        updated=now,
    )
    # Knowledge first: if the store is down the project simply stays active (retry is safe,
    # upsert is idempotent); the reverse order could lose the actuals.
    try:
        await asyncio.to_thread(services.knowledge.upsert, request.tenant, [past])
    except Exception as problem:
        log.warning("close_knowledge_failed", tenant=request.tenant, error=type(problem).__name__)
        raise SkillError(
            f"I couldn't save **{project.name}** to the past projects right now "
            f"({str(problem)[:120] or type(problem).__name__}). It stays active; try again."
        ) from None
    if not await close_project(services.db, request.tenant, project.id, hours, now):
        return text_reply(f"**{project.name}** was closed already.")
    source = "as given" if given else "summed from the log"
    line = f"Closed **{project.name}** at {hours:g} h ({source})"
    if project.estimate_hours:
        line += f" against an estimate of {project.estimate_hours:g} h"
    return text_reply(
        line + ". It is now a past project, so future estimates learn from its actuals."
    )


async def handle_subcommand(sub: str, args: str, request: Request, services: Services) -> Reply:
    """`/projects add|active|close …`, called by the `/projects` command."""
    sub = sub.strip().lower()
    if sub == "add":
        return await add(args, request, services)
    if sub in {"active", "list active"}:
        return await list_active(request, services)
    if sub == "close":
        return await close(args, request, services)
    raise SkillError(f"Unknown projects sub-command `{sub}`; try add, active or close.")


async def on_action(action: Action, services: Services) -> Reply:
    if action.action_id == FORM_ID:
        return await submit_form(action, services)
    return text_reply("That form is no longer supported. Run `/projects add` again.")


def setup(registry: SkillRegistry) -> None:
    registry.action("project-form", on_action)


__all__ = [
    "FORM_ID",
    "PROJECT_FORM",
    "effective_rate",
    "handle_subcommand",
    "known_projects_text",
    "parse_key_values",
    "resolve_project",
    "setup",
    "validate_fields",
]

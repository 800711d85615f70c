"""Projects in progress: `/projects add`, `/projects active`, `/projects close`, `/projects reopen`.

The `/projects` command itself lives in the projects skill, which hands these sub-commands to
:func:`handle_subcommand`. `/projects add` with no arguments answers with a form (a modal in
Slack and Discord, prompts in the console); its submission arrives as the action
``project-form:add``. A project started from a saved estimate inherits its brief, type and tags.

Closing a project turns it into a closed past project in the knowledge store, so the next
estimates learn from its actual hours. That past project gets an id of its own
(``closed-<project id>``), never one an imported project already has, so closing can't
overwrite history. Hours that look implausible (:mod:`knowledge.plausibility`) are confirmed
first, with a button or ``/projects close acme 900 confirm``. Reopening takes the past project
back out, so it never counts twice.
"""

from __future__ import annotations

import asyncio
import re
import shlex
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass

from bot.dates import read_day
from bot.errors import AtelierError, InvalidInput
from bot.logs import get_logger
from bot.messages import (
    Action,
    Button,
    Buttons,
    Form,
    FormField,
    Heading,
    Paragraph,
    Reply,
    Request,
    Table,
    refusal_reply,
    text_reply,
)
from bot.money import CURRENCY_HINT, UnknownCurrency, currency_code, format_rate, parse_money
from bot.pricing import project_pricing, workspace_pricing
from bot.registry import SkillError, SkillRegistry
from bot.services import Services
from bot.skills.scope import brief_words, named_in
from bot.update_text import mentions_rate_or_margin
from bot.worklog import (
    NewProject,
    active_projects,
    aliases_of,
    close_project,
    closed_project,
    find_project,
    get_project,
    hours_logged,
    recent_entries,
    reopen_project,
    saved_estimate,
)
from bot.worklog import create_project as store_project
from knowledge.models import TRACKED, ChangeHistory, normalise_tag
from knowledge.plausibility import check_hours
from state import ActiveProject, LogEntry, SavedEstimate

log = get_logger(__name__)

FORM_ID = "project-form:add"
CLOSE_ACTION = "project-close"  # the "close at … h anyway" button: project-close:confirm
KNOWLEDGE_PREFIX = "closed-"  # ids of past projects written by a close
_CONFIRM_WORDS = {"confirm", "confirmed", "--confirm", "yes"}

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
        FormField(name="due", label="Due date", placeholder="15 March, next Friday, 2026-12-20"),
        FormField(name="client_channel", label="Client channel id", placeholder="C0123456"),
        FormField(name="summary", label="Summary", multiline=True),
        FormField(name="type", label="Type", placeholder="web-shop"),
        FormField(name="tags", label="Tags (comma-separated)", placeholder="shopify, theme"),
        FormField(name="start", label="Start date (default today)", placeholder="2026-12-01"),
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
    "tag": "tags",
    "tags": "tags",
    "stack": "tags",
    "currency": "currency",
    "proposal": "proposal",
}
_NUMBER = re.compile(r"^\s*[$€£]?\s*(\d[\d,]*(?:\.\d+)?)\s*(k)?\s*(?:h|hrs?|hours?|[a-z]{3})?\s*$")


def _number(text: str) -> float | None:
    """ "40", "40h", "$8,000", "8k" -> a float; None when it is not a number."""
    match = _NUMBER.match(text.lower())
    if not match:
        return None
    value = float(match.group(1).replace(",", ""))
    return value * 1000 if match.group(2) else value


async def effective_rate(services: Services, project: ActiveProject) -> float:
    """The project's own rate, else its workspace's (see :mod:`bot.pricing`)."""
    return (await project_pricing(services, project)).rate


async def validate_fields(
    values: Mapping[str, str], tenant: str, services: Services
) -> tuple[NewProject | None, dict[str, str]]:
    """Form or one-liner values -> a project to create, or field -> friendly message."""
    errors: dict[str, str] = {}
    today = services.clock().date()
    get = {k: (v or "").strip() for k, v in values.items()}
    proposal_hours: float | None = None
    if raw := get.get("proposal", ""):
        # An approved proposal fills in what was not given: what was agreed with the client.
        agreed, proposal_hours, problem = await _from_proposal(services, tenant, raw)
        if problem:
            errors["proposal"] = problem
        get = {**agreed, **{k: v for k, v in get.items() if v}}
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
    inherited = Inherited()
    if raw := get.get("estimate", ""):
        number = _number(raw)
        if number is not None:
            implausible = check_hours(number, "estimate")
            if number <= 0:
                errors["estimate"] = "The estimate should be a positive number of hours."
            elif implausible is not None and not implausible.confirmable:
                errors["estimate"] = f"The estimate is not plausible: {implausible.reason}."
            estimate_hours = number
        else:
            found = await saved_estimate(services.db, tenant, raw)
            if found is None:
                errors["estimate"] = (
                    f"`{raw[:40]}` is neither a number of hours nor a saved estimate id."
                )
            else:
                saved_id, estimate_hours = found.id, found.p50_hours
                inherited = await inherit(services, tenant, found)
    if proposal_hours is not None and not _number(values.get("estimate", "") or ""):
        estimate_hours = proposal_hours  # the hours the client agreed to, not the bare P50
    tags = tuple(
        dict.fromkeys(
            normalise_tag(t) for t in re.split(r"[,;]", get.get("tags", "")) if normalise_tag(t)
        )
    )
    if any(len(t) > 40 for t in tags) or len(tags) > 20:
        errors["tags"] = "Tags are short labels (up to 20 of them, 40 characters each)."
    kind = normalise_tag(get.get("type", ""))
    if len(kind) > 60:
        errors["type"] = "Keep the type short, e.g. `e-commerce`."
    money: dict[str, float | None] = {}
    named: dict[str, str] = {}  # field -> the currency its amount was written in
    for key, label in (("budget", "budget"), ("rate", "hourly rate")):
        money[key] = None
        if raw := get.get(key, ""):
            try:
                typed = parse_money(raw)
            except UnknownCurrency as problem:
                errors[key] = str(problem)
                continue
            except InvalidInput:
                errors[key] = f"The {label} should be a positive amount, e.g. `6000` or `€6,000`."
                continue
            if typed.amount <= 0:
                errors[key] = f"The {label} should be a positive amount, e.g. `6000` or `€6,000`."
            money[key] = typed.amount
            if typed.currency:
                named[key] = typed.currency
    due = start = None
    if raw := get.get("due", ""):
        try:
            due = read_day(raw, today, what="due date", prefer="future")
        except InvalidInput as problem:
            errors["due"] = str(problem)
    if raw := get.get("start", ""):
        try:
            start = read_day(raw, today, what="start date", prefer="past")
        except InvalidInput as problem:
            errors["start"] = str(problem)
    if due and start and due < start:
        errors["due"] = "The due date is before the start date."
    workspace = await workspace_pricing(services, tenant)
    # The project's currency: as given, else the one its budget or rate is written in ("rate=€90"),
    # else the workspace's. An amount in another currency is refused, never relabelled.
    currency = next(iter(named.values()), workspace.currency)
    if raw := get.get("currency", ""):
        if (code := currency_code(raw)) is not None:
            currency = code
        else:
            errors["currency"] = f"I don't know that currency; {CURRENCY_HINT}."
    for key, written in named.items():
        if written != currency and key not in errors:
            errors[key] = (
                f"The {'hourly rate' if key == 'rate' else key} is in {written} but the project "
                f"is priced in {currency}: write both in one currency."
            )
    if currency != workspace.currency and not money["rate"] and "rate" not in errors:
        # The workspace's rate is in another currency: no price could be worked out from it.
        errors["rate"] = (
            f"A project priced in {currency} needs its own hourly rate in {currency} "
            f"(this workspace's is {format_rate(workspace.rate, workspace.currency)})."
        )
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
            summary=get.get("summary", "") or inherited.brief,
            type=kind or inherited.type or "other",
            tags=tags or inherited.tags,
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


@dataclass(frozen=True)
class Inherited:
    """What a project started from a saved estimate takes from it."""

    brief: str = ""
    type: str = ""
    tags: tuple[str, ...] = ()


async def inherit(services: Services, tenant: str, estimate: SavedEstimate) -> Inherited:
    """The brief of a saved estimate, and the type and tags of the past projects it was based
    on that the brief names (what `/scope` filters on), else the type most of them share.

    So the project, once closed, is found by the same type/tag filters as the briefs it
    resembles. Without the knowledge store, the brief alone is inherited.
    """
    from knowledge.store import KnowledgeUnavailable

    brief = estimate.brief.strip()[:20_000]
    ids = list(estimate.analogue_ids or [])
    try:
        found = (
            await asyncio.to_thread(lambda: services.knowledge.get_many(tenant, ids)) if ids else {}
        )
    except KnowledgeUnavailable:
        return Inherited(brief=brief)
    analogues = [found[i] for i in ids if i in found]
    if not analogues:
        return Inherited(brief=brief)
    words = brief_words(brief)  # named as `/scope` reads them, to filter by the same rule
    types = Counter(p.type for p in analogues if p.type and p.type != "other")
    named_types = [t for t in types if named_in(t, words)]
    kind = named_types[0] if len(named_types) == 1 else ""
    if not kind and types:
        common, count = types.most_common(1)[0]
        kind = common if count * 2 >= len(analogues) else ""
    tags = dict.fromkeys(t for p in analogues for t in p.tags if named_in(t, words))
    return Inherited(brief=brief, type=kind, tags=tuple(tags))


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


async def _from_proposal(
    services: Services, tenant: str, draft_id: str
) -> tuple[dict[str, str], float | None, str | None]:
    """Field values from an approved proposal (its estimate, budget, phases, dates, client)."""
    from bot.skills.proposals import approved_document

    found, problem = await approved_document(services, tenant, draft_id)
    if found is None:
        return {}, None, problem
    document = found.version.document or {}
    options = found.draft.options or {}
    price = document.get("price") or {}
    budget = price.get("amount") if price.get("form") == "fixed" else price.get("high")
    phases = "; ".join(f"{p['name']} {p['hours']} h" for p in document.get("phases") or [])
    timeline = document.get("timeline") or {}
    agreed = {
        "name": str(document.get("title") or "")[:200],
        "client": str(document.get("client") or ""),
        "estimate": found.draft.project_id,
        "budget": f"{budget:g}" if isinstance(budget, int | float) else "",
        "currency": str(price.get("currency") or ""),
        "start": str(timeline.get("start") or ""),
        "due": str(timeline.get("due") or timeline.get("end") or ""),
        "client_channel": str(options.get("channel") or ""),
        "summary": f"{document.get('goal') or ''}\nPhases: {phases}".strip()[:20_000],
    }
    hours = document.get("total_hours")
    return (
        {k: v for k, v in agreed.items() if v},
        float(hours) if isinstance(hours, int | float) and hours > 0 else None,
        None,
    )


async def _create(
    values: Mapping[str, str], user_id: str, tenant: str, services: Services
) -> tuple[ActiveProject | None, dict[str, str]]:
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
    kind = [f"type `{project.type}`"] if project.type and project.type != "other" else []
    kind += ["tags " + ", ".join(f"`{t}`" for t in project.tags)] if project.tags else []
    if kind:
        source = (
            f" (from estimate `{project.saved_estimate_id}`)" if project.saved_estimate_id else ""
        )
        details.append(f"Filed as {' and '.join(kind)}{source}, so `/scope` finds it by them.")
    details.append(
        f"Log work with `/log {first} done: …, 2h`; draft an update with `/update {first}`."
    )
    facts = {  # for scripts: the project as filed (never its rate or budget)
        "id": project.id,
        "name": project.name,
        "tenant": project.tenant,
        "type": project.type,
        "tags": list(project.tags or []),
        "start_date": project.start_date.isoformat() if project.start_date else None,
        "estimate_hours": project.estimate_hours,
        "due_date": project.due_date.isoformat() if project.due_date else None,
        "status": project.status,
    }
    return text_reply(" ".join(details)).model_copy(update={"facts": facts})


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
    except AtelierError as clash:  # a name or alias already taken
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
    from bot.changes.records import changes_by_project, extras_text

    changes = await changes_by_project(services.db, request.tenant, [p.id for p in projects])
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
                extras_text(changes.get(project.id, [])),  # the running extras
            )
        )
    return Reply(
        blocks=(
            Heading(text="Active projects"),
            Table(
                columns=("project", "id", "client", "hours logged", "due", "changes"),
                rows=tuple(rows),
            ),
        )
    )


def _close_args(args: str) -> tuple[str, float | None, bool]:
    """ "acme shop 42h confirm" -> ("acme shop", 42.0, True)."""
    words = args.split()
    confirmed = bool(words) and words[-1].lower() in _CONFIRM_WORDS
    if confirmed:
        words = words[:-1]
    if len(words) >= 2 and (hours := _hours_word(words[-1])) is not None:
        return " ".join(words[:-1]), hours, confirmed
    return " ".join(words), None, confirmed


def _hours_word(word: str) -> float | None:
    """ "42", "42h", "-3h" -> hours (negative kept, so it is refused, not flipped)."""
    if word[:1] in "-−" and (number := _number(word[1:])) is not None:
        return -number
    return _number(word)


def _lessons(entries: list[LogEntry]) -> list[str]:
    """Blockers and decisions from the log become the project's retro notes."""
    lessons = []
    for entry in entries:
        if entry.kind in {"blocker", "decision"} and not mentions_rate_or_margin(entry.text):
            lessons.append(f"{entry.kind}: {entry.text}"[:300])
    return lessons[:10]


async def close(args: str, request: Request, services: Services) -> Reply:
    reference, hours, confirmed = _close_args(args)
    if not reference:
        raise SkillError(
            "Which project? Usage: `/projects close <project> [actual hours] [confirm]`."
        )
    project = await resolve_project(services, request.tenant, reference)
    return await finish(services, project, hours, confirmed)


async def finish(
    services: Services, project: ActiveProject, hours: float | None, confirmed: bool
) -> Reply:
    """Close ``project`` at ``hours`` (None: the sum of its log), once they are plausible."""
    tenant = project.tenant
    logged = (await hours_logged(services.db, tenant, [project.id]))[project.id]
    given = hours is not None
    if hours is None:
        if logged <= 0:
            raise SkillError(
                f"No hours are logged for **{project.name}**, so I can't tell its actual "
                f"effort. Give it: `/projects close {project.id} 42`."
            )
        hours = logged
    hours = round(hours, 2)
    problem = check_hours(hours, "actual", estimate=project.estimate_hours, confirmed=confirmed)
    if problem is not None and not problem.confirmable:
        raise SkillError(f"Nothing was closed: {problem.reason}. **{project.name}** stays active.")
    if problem is not None:
        return _confirm_close(project, hours, given, problem.reason)
    now = services.clock()
    entries = await recent_entries(services.db, tenant, project.id, limit=500)
    rate = await effective_rate(services, project)
    from knowledge.models import PastProject  # the knowledge layer, loaded only when closing
    from knowledge.store import KnowledgeUnavailable

    # Knowledge first: if the store is down the project simply stays active (retry is safe,
    # the upsert is idempotent); the reverse order could lose the actuals.
    try:
        knowledge_id = await asyncio.to_thread(_free_knowledge_id, services, project)
        past = PastProject(
            id=knowledge_id,
            title=project.name,
            summary=project.summary or project.name,
            client=project.client,
            type=project.type or "other",
            tags=list(project.tags or []),
            status="closed",
            estimated_hours=project.estimate_hours,
            actual_hours=hours,
            price=project.budget if project.budget else round(hours * rate, 2),
            currency=project.currency,
            started=project.start_date,
            finished=max(now.date(), project.start_date) if project.start_date else now.date(),
            lessons=_lessons(list(reversed(entries))),
            created=now,
            updated=now,
            origin=TRACKED,
            changes=await _change_history(services, project),
        )
        await asyncio.to_thread(services.knowledge.upsert, tenant, [past])
    except (KnowledgeUnavailable, ValueError) as problem:
        log.warning("close_knowledge_failed", tenant=tenant, error=type(problem).__name__)
        raise SkillError(
            f"I couldn't save **{project.name}** to the past projects right now "
            f"({str(problem)[:120] or type(problem).__name__}). It stays active; try again."
        ) from None
    if not await close_project(services.db, tenant, project.id, hours, now, knowledge_id):
        return refusal_reply(f"**{project.name}** was closed already.")
    source = "as given" if given else "summed from the log"
    line = f"Closed **{project.name}** at {hours:g} h ({source})"
    if project.estimate_hours:
        line += f" against an estimate of {project.estimate_hours:g} h"
    return text_reply(
        line + f". It is now past project `{knowledge_id}`, so future estimates learn from its "
        f"actuals (`/projects reopen {project.id}` undoes this)."
    )


async def _change_history(services: Services, project: ActiveProject) -> ChangeHistory:
    """The project's change requests as its past project keeps them (none is a record too:
    a project that did not grow counts in how much similar projects grow)."""
    from bot.changes.records import project_changes, summarise

    summary = summarise(
        await project_changes(services.db, project.tenant, project.id), project.currency
    )
    base = None
    if project.estimate_hours is not None:
        base = max(project.estimate_hours - summary.approved_hours, 0.0) or None
    return ChangeHistory(**summary.as_history(base))


def _free_knowledge_id(services: Services, project: ActiveProject) -> str:
    """``closed-<project id>``, or with a number when something else already has that id.

    Active project ids are unique per tenant (closed ones included), so only an import can
    have taken it; a past project written by this same project's earlier close is reused.
    """
    base = (KNOWLEDGE_PREFIX + project.id)[:60]
    candidates = [base, *(f"{base}-{n}" for n in range(2, 100))]
    taken = services.knowledge.get_many(project.tenant, candidates)
    for candidate in candidates:
        found = taken.get(candidate)
        if found is None:
            return candidate
        if found.origin == TRACKED and found.title == project.name:
            return candidate  # this project's own earlier entry (a close retried)
    raise ValueError("no free id for the past project")


def _legacy_knowledge_id(services: Services, project: ActiveProject) -> str | None:
    """The past project an older close wrote under the project's own id, if it is that one
    (same title and hours); an imported project that merely shares the id is left alone."""
    found = services.knowledge.get(project.tenant, project.id)
    if (
        found is not None
        and found.title == project.name
        and found.actual_hours is not None
        and project.actual_hours is not None
        and abs(found.actual_hours - project.actual_hours) < 0.01
    ):
        return str(found.id)
    return None


def _confirm_close(project: ActiveProject, hours: float, given: bool, reason: str) -> Reply:
    value = f"{project.id}|{hours:g}"
    return Reply(
        blocks=(
            Paragraph(
                text=f"Nothing was closed yet: {reason}. If **{project.name}** really took "
                f"{hours:g} h, confirm with the button or `/projects close {project.id} "
                f"{hours:g} confirm`; otherwise close it with the right figure."
            ),
            Buttons(
                items=(
                    Button(
                        label=f"Close at {hours:g} h",
                        action_id=f"{CLOSE_ACTION}:confirm",
                        value=value,
                        style="danger",
                        keyword="confirm-close",
                    ),
                )
            ),
        ),
        refused=True,  # not done until confirmed
    )


async def confirmed_close(action: Action, services: Services) -> Reply:
    """The "Close at … h" button: close with the hours it carries, if still active."""
    project_id, _, hours_text = action.value.partition("|")
    try:
        hours = float(hours_text)
    except ValueError:
        return refusal_reply("That button is out of date. Run `/projects close` again.")
    project = await get_project(services.db, action.tenant, project_id)
    if project is None or project.status != "active":
        return refusal_reply("That project is not active any more; nothing was changed.")
    return await finish(services, project, hours, confirmed=True)


async def reopen(args: str, request: Request, services: Services) -> Reply:
    """`/projects reopen <project>`: a closed project back to active, its past project out."""
    reference = args.strip()
    if not reference:
        raise SkillError("Which project? Usage: `/projects reopen <project>`.")
    project = await closed_project(services.db, request.tenant, reference)
    if project is None:
        raise SkillError(
            f"I don't know a closed project called “{reference[:60]}”. Closed projects are "
            "reopened by their name, id, or the id of the past project they became."
        )
    from knowledge.store import KnowledgeUnavailable

    knowledge_id = project.knowledge_id
    if knowledge_id is None:  # closed before closes had ids of their own
        try:
            knowledge_id = await asyncio.to_thread(_legacy_knowledge_id, services, project)
        except KnowledgeUnavailable:
            knowledge_id = None
    handles = await reopen_project(services.db, request.tenant, project.id)
    if handles is None:
        return refusal_reply(f"**{project.name}** is active already.")

    note = ""
    if knowledge_id:
        try:
            await asyncio.to_thread(lambda: services.knowledge.delete(request.tenant, knowledge_id))
            note = (
                f" Past project `{knowledge_id}` was taken out of your history so it doesn't "
                "count twice; closing again records the actuals anew."
            )
        except KnowledgeUnavailable:
            note = (
                f" I couldn't take past project `{knowledge_id}` out of your history right "
                f"now; remove it with `/projects remove {knowledge_id}` so it doesn't count "
                "twice."
            )
    first = min(handles, key=len) if handles else project.id
    return text_reply(
        f"Reopened **{project.name}**: it is active again with its log, as `{first}`." + note
    )


async def handle_subcommand(sub: str, args: str, request: Request, services: Services) -> Reply:
    """`/projects add|active|close|reopen …`, called by the `/projects` command."""
    sub = sub.strip().lower()
    if sub == "add":
        return await add(args, request, services)
    if sub in {"active", "list active"}:
        return await list_active(request, services)
    if sub == "close":
        return await close(args, request, services)
    if sub == "reopen":
        return await reopen(args, request, services)
    raise SkillError(f"Unknown projects sub-command `{sub}`; try add, active, close or reopen.")


async def on_action(action: Action, services: Services) -> Reply:
    if action.action_id == FORM_ID:
        return await submit_form(action, services)
    return refusal_reply("That form is no longer supported. Run `/projects add` again.")


async def on_close_action(action: Action, services: Services) -> Reply:
    if action.action_id == f"{CLOSE_ACTION}:confirm":
        return await confirmed_close(action, services)
    return refusal_reply("That button is no longer supported. Run `/projects close` again.")


def setup(registry: SkillRegistry) -> None:
    registry.action("project-form", on_action)
    registry.action(CLOSE_ACTION, on_close_action)


__all__ = [
    "FORM_ID",
    "KNOWLEDGE_PREFIX",
    "PROJECT_FORM",
    "effective_rate",
    "handle_subcommand",
    "inherit",
    "known_projects_text",
    "parse_key_values",
    "resolve_project",
    "setup",
    "validate_fields",
]

"""`/change <project> <request>`: is what the client asked for part of the deal, and if not,
what does it cost? Then a priced change order, private until its requester approves it.

1. **Judged** against the agreed scope (the project's brief, its saved estimate, the approved
   proposal's goal, deliverables and exclusions, and the changes approved so far):
   included, extra or unclear, with one sentence citing the scope line (:mod:`bot.changes.judge`).
2. **Priced** from the studio's past pieces of work with the ``/scope`` engine, with a band,
   and the delivery impact at the studio's capacity (:mod:`bot.changes.pricing`), at the rate
   :mod:`bot.pricing` gives the project (its own, else the workspace's), in that rate's
   currency. A project's budget is in the project's currency, and a price in another currency
   is never added to it: a change on a project with a budget that would be priced in another
   currency (the workspace's rate, after the workspace changed currency) gets its hours but no
   price, and neither a change order nor an approval, until it is given a rate in the budget's
   currency (``/change hours <id> 8 at 120 USD/h``).
3. **The change order** is a client document of kind ``change`` on the shared draft path
   (:mod:`bot.documents`): drafted privately, approved by its requester, then posted to the
   client channel (recorded on the platform's confirmation) or exported as Markdown.
4. **The client's answer** is recorded with ``/change approve|decline|absorb <id>`` (or the
   buttons): approved raises the project's estimate, budget and due date; declined and absorbed
   are kept. ``/update`` and ``/projects active`` show what the changes add up to.

Also reached from the log (an entry starting ``client asked:`` or ``request:`` is offered as a
change request) and from a mention ("@Atelier the client wants a blog section on acme").
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from collections.abc import Callable
from typing import Any

import numpy as np
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.changes.judge import Judgement, ScopeLine, judge, scope_lines
from bot.changes.order import (
    OrderFigures,
    amount,
    build_order,
    client_request,
    export_markdown,
)
from bot.changes.pricing import ExtraPrice, delivery_impact, price_extra, round_hours
from bot.changes.records import (
    DECISIONS,
    ChangeSummary,
    Decided,
    StaleChange,
    budget_conflict,
    changes_by_project,
    create_change,
    currency_advice,
    decide,
    get_change,
    link_draft,
    past_changes,
    project_changes,
    reprice,
    summarise,
)
from bot.client_guard import document_guard
from bot.documents import DocumentFlow, Subject, button_value, draft_reply, parse_value
from bot.drafts import DraftText, StaleDraft, approve, create_draft, get_draft
from bot.errors import InvalidInput
from bot.leaks import REASONS
from bot.logparse import negative_hours, parse_hours
from bot.logs import get_logger
from bot.mentions import neutralise_mentions
from bot.messages import (
    Action,
    Block,
    Button,
    Buttons,
    FieldItem,
    Fields,
    Form,
    FormField,
    Heading,
    Paragraph,
    Reply,
    Request,
    Table,
    Visibility,
    refusal_reply,
    text_reply,
)
from bot.money import format_rate, parse_money
from bot.pricing import Pricing, project_pricing
from bot.registry import ActionId, Command, SkillError, SkillRegistry
from bot.services import Services
from bot.skills.active_projects import known_projects_text
from bot.worklog import active_projects, closed_project, find_project, get_project
from knowledge.port import KnowledgeStore
from state import ActiveProject, ChangeRequest, Draft, DraftVersion, LogEntry, SavedEstimate

log = get_logger(__name__)

KIND = "change"
MAX_REQUEST_CHARS = 1000
MAX_EXTRA_HOURS = 2000  # more than this in one change request is a typo or a new project
MAX_PROJECT_WORDS = 6
USAGE = (
    "Usage: `/change <project> <what the client asked for>` (e.g. `/change acme a blog "
    "section with categories`). Then `/change approve|decline|absorb <change id>` records "
    "the client's answer; `/change hours <id> 8` puts your own figure on it (`… 8 at "
    "120 EUR/h` at a rate of its own); "
    "`/change export <id>` gives the change order as Markdown; `/change list [project]` "
    "shows a project's change requests, or those waiting for an answer."
)
# A log entry that is a client's request: offered as a change request, never judged silently.
LOG_REQUEST = re.compile(r"^\s*(?:client\s+asked(?:\s+for)?|request)\s*[:\-–—]\s*(?P<text>\S.*)$",
                         re.IGNORECASE | re.DOTALL)
_TRAILING_PROJECT = re.compile(r"\s+(?:on|for|in|to|at)\s+(?:the\s+)?(?P<name>[^,.;!?]{1,80}?)"
                               r"(?:\s+project)?[\s.!?]*$", re.IGNORECASE)


async def _no_subject(services: Services, draft: Draft) -> Subject | None:
    project = await get_project(services.db, draft.tenant, draft.project_id)
    if project is None:
        return None
    guard = await document_guard(
        services, draft.tenant, own_names=(project.name, project.client or ""),
        project_id=project.id,
    )
    return Subject(title=project.name, client_channel=project.client_channel, guard=guard)


FLOW = DocumentFlow(kind=KIND, fresh="`/change <project> <request>`", load_subject=_no_subject)


# --- settings and small helpers --------------------------------------------------------------


def capacity(services: Services) -> float:
    """The studio's hours a week for one project (``ATELIER_CAPACITY_HOURS_PER_WEEK``)."""
    return float(services.settings.capacity_hours_per_week)


def _embedder(services: Services) -> Callable[[list[str]], np.ndarray] | None:
    """The product's embedder, once the knowledge store is open (pricing opens it); without a
    store, judging stays lexical."""
    store = services._knowledge
    embedder = getattr(store, "embedder", None)
    if embedder is None:
        return None

    def embed(texts: list[str]) -> np.ndarray:
        vectors = np.asarray(embedder.embed(texts), dtype=float)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)
        return vectors / np.where(norms == 0, 1.0, norms)

    return embed


def _hours(value: float | None) -> str:
    return "—" if value is None else f"{value:g} h"


def _short(text: str, limit: int = 80) -> str:
    """The request echoed back: one line, cut, and never a ping (``@here`` in a request)."""
    text = neutralise_mentions(" ".join(text.split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the agreed scope ---------------------------------------------------------------------------


async def agreed_scope(services: Services, project: ActiveProject) -> list[ScopeLine]:
    """The brief and phases of the project's estimate or proposal, and the approved changes."""
    lines: list[ScopeLine] = []
    lines += scope_lines(project.summary if project.summary != project.name else "", "brief")
    async with services.db.sessions() as session:
        if project.saved_estimate_id:
            estimate = await session.get(SavedEstimate, project.saved_estimate_id)
            if estimate is not None and estimate.brief.strip() != (project.summary or "").strip():
                lines += scope_lines(estimate.brief, f"estimate {estimate.id}")
            lines += await _proposal_lines(session, project)
    for change in await project_changes(services.db, project.tenant, project.id):
        if change.status == "approved":
            lines += scope_lines(change.text, f"change {change.id}, approved")
    return lines


async def _proposal_lines(session: AsyncSession, project: ActiveProject) -> list[ScopeLine]:
    """The goal, deliverables and exclusions of the latest approved proposal of its estimate."""
    row = (
        await session.execute(
            select(Draft)
            .where(
                Draft.tenant == project.tenant,
                Draft.kind == "proposal",
                Draft.project_id == project.saved_estimate_id,
                Draft.status.in_(("approved", "sending", "posted")),
            )
            .order_by(Draft.approved_at.desc())
        )
    ).scalars().first()
    if row is None:
        return []
    version = await session.get(DraftVersion, (row.id, row.version))
    document = (version.document if version is not None else None) or {}
    source = f"proposal {row.id}"
    lines = scope_lines(str(document.get("goal") or ""), source)
    for phase in document.get("phases") or ():
        name = phase.get("name") if isinstance(phase, dict) else str(phase)
        if name:
            lines += scope_lines(str(name), f"{source}, deliverables")
    for text in document.get("exclusions") or ():
        if "not listed" not in str(text).lower():
            lines += scope_lines(str(text), f"{source}, not included", excluded=True)
    return lines


# --- judging and pricing ------------------------------------------------------------------------


async def _price(services: Services, project: ActiveProject, text: str) -> ExtraPrice:
    from knowledge.store import KnowledgeUnavailable

    pricing = await project_pricing(services, project)
    rate, currency = pricing.rate, pricing.currency
    changes = await past_changes(services.db, project.tenant)
    # A negative figure ("~-6h") is no estimate: priced from history, not as +6 h.
    guess = None if negative_hours(text) else parse_hours(text)
    k = services.settings.scope_k

    def work(store: KnowledgeStore) -> ExtraPrice:
        closed = services.histories.history(store, project.tenant).closed
        return price_extra(
            text, closed, changes, rate=rate, currency=currency, guess=guess, k=k
        )

    try:
        store = await services.open_knowledge()
        return await asyncio.to_thread(work, store)
    except (KnowledgeUnavailable, RuntimeError) as problem:
        log.warning("change_pricing_without_history", error=type(problem).__name__)
        return price_extra(text, [], changes, rate=rate, currency=currency, guess=guess)


def _weeks(change: ChangeRequest) -> float | None:
    return (change.effect or {}).get("weeks") if change.status == "open" else None


def _assessed_reply(
    project: ActiveProject, change: ChangeRequest, price: ExtraPrice, judgement: Judgement
) -> Reply:
    verdict = {"included": "Included", "extra": "Extra", "unclear": "Unclear"}[change.verdict]
    fields = [
        FieldItem(label="Verdict", value=verdict),
        FieldItem(label="Change id", value=change.id),
    ]
    if price.priced and price.hours is not None:
        band = (
            f" (band {price.p10:g}–{price.p90:g} h)" if price.p10 is not None else " (your figure)"
        )
        fields.append(FieldItem(label="Hours", value=f"{price.hours:g} h{band}"))
        if change.price is not None and price.price is not None:
            money = amount(price.price, price.currency)
            if spread := price.price_band():
                low, high = (amount(value, price.currency) for value in spread)
                money += f" ({low}–{high})"
            fields.append(FieldItem(label="Price", value=money))
    weeks = _weeks(change)
    if weeks is not None:
        impact = f"+{weeks:g} week{'s' if weeks != 1 else ''} at the studio's capacity"
        if change.new_due_date and project.due_date:
            impact += f": due {project.due_date:%d %b} → {change.new_due_date:%d %b %Y}"
        fields.append(FieldItem(label="Delivery", value=impact))
    blocks: list[Block] = [
        Heading(text=_short(f"Change request on {project.name}: {change.text}", 140)),
        Paragraph(text=change.reason),
        Fields(items=tuple(fields)),
    ]
    notes = []
    if price.basis:
        notes.append(f"The hours rest on {price.basis}.")
    notes += [f"{a.label}: {a.hours:g} h" for a in price.analogues[:3]]
    if change.hours is not None and budget_conflict(project, change.currency):
        notes.append(_no_price_text(project, change))
    if not price.priced:
        notes.append(
            "There is no history to price it from yet: give your own figure, e.g. "
            f"`/change {project.id} {_short(change.text, 40)} ~6h`."
        )
    if notes:
        blocks.append(Paragraph(text="**Private notes**\n" + "\n".join(f"- {n}" for n in notes)))
    blocks.append(_decision_buttons(change))
    return Reply(blocks=tuple(blocks), visibility=Visibility.EPHEMERAL)


def _no_price_text(project: ActiveProject, change: ChangeRequest) -> str:
    """Why a change with hours has no price: its rate's currency isn't its budget's."""
    return (
        f"No price yet: the budget of **{project.name}** is in {project.currency}, the project "
        f"has no rate of its own, and this workspace's rate is in {change.currency}; I never "
        f"add {change.currency} to a {project.currency} budget. "
        + currency_advice(project, change.id, change.hours)
    )


def _mixed_text(project: ActiveProject, change: ChangeRequest) -> str:
    """Why a change priced in another currency than its project's budget can't go out."""
    return (
        f"Change `{change.id}` is priced in {change.currency} but the budget of "
        f"**{project.name}** is in {project.currency}, and I never add two currencies. "
        + currency_advice(project, change.id, change.hours)
    )


def _decision_buttons(change: ChangeRequest) -> Buttons:
    items = []
    if change.verdict != "included" and change.price is not None:
        items.append(
            Button(
                label="Draft change order",
                action_id="change:draft",
                value=change.id,
                style="primary",
            )
        )
    if change.verdict == "included":
        items.append(
            Button(label="Treat as extra: draft change order", action_id="change:draft",
                   value=change.id)
        )
    items += [
        Button(label="Client approved", action_id="change:decide:approved", value=change.id),
        Button(label="Declined", action_id="change:decide:declined", value=change.id),
        Button(label="Absorb (no charge)", action_id="change:decide:absorbed", value=change.id),
    ]
    return Buttons(items=tuple(items))


# --- the command --------------------------------------------------------------------------------


async def _project_and_request(
    services: Services, tenant: str, text: str
) -> tuple[ActiveProject, str]:
    """The project named at the start ("acme: …", "acme shop a blog") or at the end ("… on
    acme") of ``text``, and the request."""
    head, colon, tail = text.partition(":")
    if colon and len(head.split()) <= MAX_PROJECT_WORDS:
        if project := await find_project(services.db, tenant, head):
            return project, tail.strip()
        await _refuse_closed(services, tenant, head)
    words = text.split()
    for count in range(min(len(words), MAX_PROJECT_WORDS), 0, -1):
        candidate = " ".join(words[:count]).rstrip(":,")
        if project := await find_project(services.db, tenant, candidate):
            return project, " ".join(words[count:]).lstrip(":,").strip()
    if found := _TRAILING_PROJECT.search(text):
        if project := await find_project(services.db, tenant, found.group("name")):
            return project, text[: found.start()].strip()
        await _refuse_closed(services, tenant, found.group("name"))
    for count in range(min(len(words), MAX_PROJECT_WORDS), 0, -1):
        await _refuse_closed(services, tenant, " ".join(words[:count]).rstrip(":,"))
    known = await known_projects_text(services, tenant)
    raise SkillError(
        f"I couldn't tell which active project “{_short(text, 60)}” is about. Start with its "
        f"name, e.g. `/change acme a blog section`. {known}"
    )


async def _refuse_closed(services: Services, tenant: str, reference: str) -> None:
    closed = await closed_project(services.db, tenant, reference)
    if closed is not None:
        raise SkillError(
            f"**{closed.name}** is closed, so there is no scope left to change. Reopen it with "
            f"`/projects reopen {closed.id}` if the work goes on."
        )


async def new_request(
    services: Services,
    project: ActiveProject,
    text: str,
    *,
    user_id: str,
    user_name: str,
    source: str,
    log_entry_id: int | None = None,
) -> Reply:
    """Judge, price and record one request (status ``open``), and answer with all three."""
    text = _request_text(project, text)
    # Pricing first: it opens the knowledge store, whose embedder the judging then uses, so
    # the first request of a process is judged the same way as every later one.
    price = await _price(services, project, text)
    lines = await agreed_scope(services, project)
    embed = _embedder(services)
    judgement = await asyncio.to_thread(judge, text, lines, embed) if embed else judge(text, lines)
    weeks, new_due = delivery_impact(price.hours, capacity(services), project.due_date)
    # Hours, but no price a budget in another currency could be raised by.
    unpriced = price.hours is not None and budget_conflict(project, price.currency)
    change = await create_change(
        services.db,
        tenant=project.tenant,
        project_id=project.id,
        requester_id=user_id,
        requester_name=user_name,
        text=text,
        source=source,
        verdict=judgement.verdict,
        reason=judgement.reason,
        scope_line=judgement.line.text if judgement.line else None,
        hours_p10=price.p10,
        hours=price.hours,
        hours_p90=price.p90,
        price=None if unpriced else price.price,
        currency=price.currency,
        new_due_date=new_due,
        log_entry_id=log_entry_id,
        created_at=services.clock(),
        effect={"weeks": weeks} if weeks is not None else None,
    )
    reply = _assessed_reply(project, change, price, judgement)
    return reply.model_copy(update={"facts": change_facts(change)})


def change_facts(change: ChangeRequest) -> dict[str, Any]:
    """A change request as recorded, for scripts (``atelier change --json``) and tests."""
    band = None
    if change.hours_p10 is not None and change.hours_p90 is not None:
        band = {"p10": change.hours_p10, "p50": change.hours, "p90": change.hours_p90}
    return {
        "change_id": change.id,
        "project": change.project_id,
        "request": change.text,
        "verdict": change.verdict,
        "reason": change.reason,
        "scope_line": change.scope_line,
        "hours": change.hours,
        "band": band,
        "price": change.price,
        "currency": change.currency,
        "new_due_date": change.new_due_date.isoformat() if change.new_due_date else None,
        "status": change.status,
        "draft_id": change.draft_id,
    }


def _request_text(project: ActiveProject, text: str) -> str:
    """The client's request on one line, or why it can't be assessed."""
    text = " ".join(text.split())
    if not re.search(r"[^\W\d_]{2}", text):
        raise SkillError(
            f"What did the client ask for on **{project.name}**? Usage: "
            f"`/change {project.id} <the request>`."
        )
    if len(text) > MAX_REQUEST_CHARS:
        raise SkillError(
            f"That request is {len(text):,} characters long; I read up to "
            f"{MAX_REQUEST_CHARS:,}. Give the gist of what the client asked for."
        )
    if project.status != "active":
        raise SkillError(
            f"**{project.name}** is closed, so there is no scope left to change. Reopen it "
            f"with `/projects reopen {project.id}` if the work goes on."
        )
    return text


FORM_ID = "change:form"
_MODAL_PLATFORMS = {"slack", "discord"}  # where a form is a modal; elsewhere, the usage line


def change_form(project: str = "") -> Form:
    """The change request as a form (a Slack or Discord modal): the project and the request."""
    return Form(
        form_id=FORM_ID,
        title="Change request",
        submit_label="Check scope",
        fields=(
            FormField(
                name="project", label="Project", required=True, initial=project,
                placeholder="acme",
            ),
            FormField(
                name="request",
                label="What did the client ask for?",
                required=True,
                multiline=True,
                placeholder="a blog section with categories",
            ),
        ),
    )


async def submit_form(action: Action, services: Services) -> Reply:
    """The change-request form came back: errors in place, or the judged request."""
    reference = (action.values.get("project") or "").strip()
    wanted = " ".join((action.values.get("request") or "").split())
    errors: dict[str, str] = {}
    project = await find_project(services.db, action.tenant, reference) if reference else None
    if project is None:
        closed = await closed_project(services.db, action.tenant, reference) if reference else None
        errors["project"] = (
            f"{closed.name} is closed; reopen it first."
            if closed is not None
            else "No active project by that name."
        )
    if not re.search(r"[^\W\d_]{2}", wanted):
        errors["request"] = "Say what the client asked for."
    elif len(wanted) > MAX_REQUEST_CHARS:
        errors["request"] = f"Up to {MAX_REQUEST_CHARS:,} characters, please."
    if errors or project is None:
        return Reply(form_errors=errors)
    return await new_request(
        services, project, wanted, user_id=action.user_id, user_name=action.user_name,
        source="form",
    )


async def change_command(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    if not text:
        if request.platform in _MODAL_PLATFORMS:
            return Reply(blocks=(change_form(),))
        return text_reply(f"{USAGE}\n\n{await known_projects_text(services, request.tenant)}")
    verb, _, rest = text.partition(" ")
    verb_key = verb.lower()
    if verb_key in {"list", "open"} and not rest.strip():
        return await _list_open(services, request.tenant, request.platform)
    subcommand = verb_key in {*DECISIONS, "export", "show", "draft", "post", "list", "hours"}
    if subcommand and rest.strip() and not await find_project(services.db, request.tenant, verb):
        return await _subcommand(verb_key, rest.strip(), request, services)
    project, wanted = await _project_and_request(services, request.tenant, text)
    if not wanted and request.platform in _MODAL_PLATFORMS:
        return Reply(blocks=(change_form(project.id),))
    return await new_request(
        services, project, wanted, user_id=request.user_id, user_name=request.user_name,
        source="command",
    )


async def _subcommand(verb: str, argument: str, request: Request, services: Services) -> Reply:
    if verb == "list":
        project = await find_project(services.db, request.tenant, argument)
        if project is None:
            await _refuse_closed(services, request.tenant, argument)
            known = await known_projects_text(services, request.tenant)
            raise SkillError(f"I don't know an active project called “{argument[:60]}”. {known}")
        return await _list(services, project, request.platform)
    reference = argument.split()[0]
    change = await _change_by_reference(services, request.tenant, reference)
    reply = await _on_change(verb, change, reference, argument, request, services)
    # The request as it stands now: a decision, a new figure or a draft may have changed it.
    latest = await get_change(services.db, request.tenant, change.id) or change
    return reply.model_copy(update={"facts": {**change_facts(latest), **reply.facts}})


async def _on_change(
    verb: str,
    change: ChangeRequest,
    reference: str,
    argument: str,
    request: Request,
    services: Services,
) -> Reply:
    if verb in DECISIONS:
        return await _decide(services, change, DECISIONS[verb], request.user_id)
    if verb == "show":
        project = await _project_of(services, change)
        return _show_reply(project, change)
    if verb == "hours":
        return await _reprice(services, change, argument.split(maxsplit=1)[1:], request.user_id)
    if verb == "draft":
        return await _draft(services, change, request.user_id, request.user_name)
    found = await _change_draft(services, change, reference)
    if verb == "export":
        return await _export(services, change, found, request.user_id)
    # post
    if (refusal := FLOW.check(found, reference, request.user_id, "post")) is not None:
        return refusal
    assert found is not None
    return await _post(services, change, found, None, request.user_id)


async def _change_by_reference(services: Services, tenant: str, reference: str) -> ChangeRequest:
    """A change request by its id, or by the id of its change-order draft."""
    change = await get_change(services.db, tenant, reference)
    if change is None and reference.startswith("c"):
        found = await get_draft(services.db, tenant, reference.strip()[:16], kind=KIND)
        if found is not None and found.draft.options:
            change = await get_change(services.db, tenant, str(found.draft.options["change_id"]))
    if change is None:
        raise SkillError(
            f"I can't find the change request `{reference[:20]}`. `/change list <project>` "
            "shows a project's change requests."
        )
    return change


async def _change_draft(
    services: Services, change: ChangeRequest, reference: str
) -> DraftText | None:
    draft_id = reference if reference.startswith("c") and reference != change.id else None
    draft_id = draft_id or change.draft_id
    if not draft_id:
        return None
    return await FLOW.find(services, change.tenant, draft_id)


async def _project_of(services: Services, change: ChangeRequest) -> ActiveProject:
    project = await get_project(services.db, change.tenant, change.project_id)
    if project is None:
        raise SkillError("The project of this change request no longer exists.")
    return project


def _only_requester(change: ChangeRequest, user_id: str, verb: str) -> None:
    if user_id != change.requester_id:
        who = change.requester_name or change.requester_id
        raise SkillError(
            f"Sorry, only the person who logged this change request ({who}) can {verb} it. "
            "Nothing was changed."
        )


async def _reprice(
    services: Services, change: ChangeRequest, given: list[str], user_id: str
) -> Reply:
    """`/change hours <id> 8 [at 120 EUR/h]`: the studio's own figure replaces the history's,
    at the project's rate (:mod:`bot.pricing`) or at the rate given."""
    _only_requester(change, user_id, "re-price")
    text, _, rate_text = (given[0].strip() if given else "").partition(" at ")
    text = text.strip()
    written = text if re.search(r"[a-z]", text) else f"{text}h"
    hours = parse_hours(written) if text else None
    if negative_hours(written):
        hours = None  # "-3h" is not 3 h
    if hours is None or hours <= 0 or hours > MAX_EXTRA_HOURS:
        raise SkillError(
            f"How many hours? Usage: `/change hours {change.id} 8` (more than 0, up to "
            f"{MAX_EXTRA_HOURS:,} h), or `/change hours {change.id} 8 at 120 EUR/h` at a rate "
            "of its own. Nothing was changed."
        )
    project = await _project_of(services, change)
    hours = round_hours(hours)
    pricing = await _given_rate(project, change, rate_text) if rate_text.strip() else None
    pricing = pricing or await project_pricing(services, project)
    if budget_conflict(project, pricing.currency):
        whose = "the rate you gave" if rate_text.strip() else "this workspace's rate"
        return refusal_reply(
            f"The budget of **{project.name}** is in {project.currency} and {whose} "
            f"is {format_rate(pricing.rate, pricing.currency)}; I never add "
            f"{pricing.currency} to a {project.currency} budget. "
            + currency_advice(project, change.id, hours)
            + " Nothing was changed."
        )
    weeks, new_due = delivery_impact(hours, capacity(services), project.due_date)
    try:
        repriced, stale = await reprice(
            services.db, change.tenant, change.id, hours=hours,
            price=round(hours * pricing.rate, 2), currency=pricing.currency,
            new_due_date=new_due, weeks=weeks,
        )
    except StaleChange as decided:
        return refusal_reply(f"{decided} Nothing was changed.")
    text = (
        f"Re-priced change `{repriced.id}` on **{project.name}** at your figure: "
        f"{hours:g} h, {amount(repriced.price or 0, repriced.currency)}"
    )
    if new_due and project.due_date:
        text += f"; due {project.due_date:%d %b} → {new_due:%d %b %Y}"
    text += "."
    if stale:
        text += (
            f" {stale} change-order draft{'s' if stale != 1 else ''} with the old figure "
            f"{'are' if stale != 1 else 'is'} out of date; draft a new one."
        )
    return Reply(blocks=(Paragraph(text=text), _decision_buttons(repriced)))


async def _given_rate(project: ActiveProject, change: ChangeRequest, text: str) -> Pricing:
    """The rate written after ``at`` ("120 EUR/h", "$95"), in the project's currency unless it
    names one; a rate in another currency than a project's budget is refused."""
    try:
        money = parse_money(text.strip())
    except InvalidInput as problem:
        raise SkillError(f"{problem} Nothing was changed.") from problem
    if money.amount <= 0:
        raise SkillError(
            f"The rate should be a positive amount, e.g. `/change hours {change.id} 8 at 120 "
            f"{project.currency}/h`. Nothing was changed."
        )
    return Pricing(money.amount, money.currency or project.currency, "project")


# --- decisions ----------------------------------------------------------------------------------


async def _decide(
    services: Services, change: ChangeRequest, decision: str, user_id: str
) -> Reply:
    verb = {"approved": "approve", "declined": "decline", "absorbed": "absorb"}[decision]
    _only_requester(change, user_id, verb)
    try:
        decided = await decide(
            # A key of the verb table above, so one of the Decision literals.
            services.db, change.tenant, change.id, decision, user_id, services.clock()  # type: ignore[arg-type]
        )
    except StaleChange as stale:
        return refusal_reply(f"{stale} Nothing was changed.")
    return _decided_reply(decided)


def _decided_reply(decided: Decided) -> Reply:
    change, project, effect = decided.change, decided.project, decided.effect
    name = f"**{project.name}**"
    if change.status == "approved":
        bits = []
        if "estimate_hours" in effect:
            before, after = effect["estimate_hours"]
            bits.append(f"estimate {before:g} h → {after:g} h")
        if "budget" in effect:
            before, after = effect["budget"]
            bits.append(
                f"budget {amount(before, project.currency)} → {amount(after, project.currency)}"
            )
        if "due_date" in effect:
            before, after = (dt.date.fromisoformat(d) for d in effect["due_date"])
            bits.append(f"due {before:%d %b} → {after:%d %b %Y}")
        what = "; ".join(bits) if bits else (
            f"+{_hours(change.hours)} recorded (the project has no estimate or budget to raise)"
        )
        text = f"Recorded: the client approved change `{change.id}` on {name}: {what}."
    elif change.status == "declined":
        text = (
            f"Recorded: the client declined change `{change.id}` on {name}. The scope, "
            "estimate and budget stay as they were."
        )
    else:
        text = (
            f"Recorded: change `{change.id}` on {name} is absorbed — done at no charge "
            f"({_hours(change.hours)} on the studio). The budget stays as it was."
        )
    return Reply(blocks=(Paragraph(text=text),), visibility=Visibility.EPHEMERAL,
                 replace_original=False)


# --- listing and showing ------------------------------------------------------------------------


def _command(platform: str, words: str) -> str:
    """A hint's command as the reader types it: ``atelier change …`` on the command line,
    ``/change …`` in chat."""
    return f"`atelier change {words}`" if platform == "cli" else f"`/change {words}`"


def _answer_hint(platform: str, reference: str) -> str:
    if platform == "cli":
        return f"`atelier change approve {reference}` (or `decline`, `absorb`)"
    return f"`/change approve|decline|absorb {reference}`"


def _status_text(change: ChangeRequest) -> str:
    return change.status if change.status != "open" else f"open ({change.verdict})"


async def _list(services: Services, project: ActiveProject, platform: str = "") -> Reply:
    changes = await project_changes(services.db, project.tenant, project.id)
    if not changes:
        log_one = _command(platform, f"{project.id} <what the client asked for>")
        return text_reply(f"No change requests on **{project.name}** yet. Log one with {log_one}.")
    rows = tuple(
        (
            c.id,
            c.created_at.strftime("%d %b") if c.created_at else "",
            _short(c.text, 50),
            _status_text(c),
            _hours(c.hours),
            amount(c.price, c.currency) if c.price is not None else "—",
        )
        for c in changes
    )
    summary = summarise(changes, project.currency)
    return Reply(
        blocks=(
            Heading(text=f"Change requests — {project.name}"),
            Table(columns=("id", "when", "request", "status", "hours", "price"), rows=rows),
            Paragraph(text=changes_line(summary) or "No approved changes yet."),
        )
    )


async def _list_open(services: Services, tenant: str, platform: str = "") -> Reply:
    """Every request still waiting for the client's answer, across the active projects."""
    projects = {p.id: p for p in await active_projects(services.db, tenant)}
    waiting = [
        change
        for changes in (await changes_by_project(services.db, tenant, list(projects))).values()
        for change in changes
        if change.status == "open" and change.verdict != "included"
    ]
    if not waiting:
        log_one = _command(platform, "<project> <what the client asked for>")
        return text_reply(
            f"No change requests are waiting for a client's answer. Log one with {log_one}."
        )
    rows = tuple(
        (
            c.id,
            projects[c.project_id].name,
            _short(c.text, 50),
            c.verdict,
            _hours(c.hours),
            amount(c.price, c.currency) if c.price is not None else "—",
            "drafted" if c.draft_id else "—",
        )
        for c in waiting
    )
    return Reply(
        blocks=(
            Heading(text="Change requests waiting for the client"),
            Table(
                columns=("id", "project", "request", "verdict", "hours", "price", "order"),
                rows=rows,
            ),
            Paragraph(text=f"Record an answer with {_answer_hint(platform, '<id>')}."),
        )
    )


def _show_reply(project: ActiveProject, change: ChangeRequest) -> Reply:
    blocks: list[Block] = [
        Heading(text=f"Change `{change.id}` on {project.name}: {_status_text(change)}"),
        Paragraph(text=f"“{_short(change.text, 300)}”\n\n{change.reason}"),
    ]
    if change.status == "open":
        blocks.append(_decision_buttons(change))
    return Reply(blocks=tuple(blocks))


def changes_line(summary: ChangeSummary) -> str | None:
    """ "2 approved changes, +14 h, +€1,260" (None when nothing was approved)."""
    if not summary.approved:
        return None
    plural = "s" if summary.approved != 1 else ""
    text = f"{summary.approved} approved change{plural}, +{summary.approved_hours:g} h"
    if summary.approved_price:
        text += f", +{amount(summary.approved_price, summary.currency or 'USD')}"
    # Prices in another currency are listed beside it, never added to it.
    text += "".join(f", +{amount(total, code)}" for code, total in summary.other_prices)
    return text


# --- the change-order draft ---------------------------------------------------------------------


class _ChangeHooks:
    """Approving a change order: refused once the client's answer is recorded; other open
    drafts for the same change request become out of date."""

    async def check(self, session: AsyncSession, draft: Draft) -> None:
        change_id = str((draft.options or {}).get("change_id", ""))
        change = await session.get(ChangeRequest, change_id)
        if change is None or change.tenant != draft.tenant:
            raise StaleDraft("The change request of this draft no longer exists.")
        if change.status != "open":
            raise StaleDraft(f"The client's answer is recorded already: {change.status}.")

    async def apply(self, session: AsyncSession, draft: Draft) -> int:
        others = (
            await session.execute(
                select(Draft).where(
                    Draft.tenant == draft.tenant,
                    Draft.kind == KIND,
                    Draft.project_id == draft.project_id,
                    Draft.id != draft.id,
                    Draft.status.in_(("draft", "approved")),
                )
            )
        ).scalars()
        count = 0
        for other in list(others):
            if (other.options or {}).get("change_id") == (draft.options or {}).get("change_id"):
                other.status, other.superseded_by = "superseded", draft.id
                count += 1
        return count


CHANGE_HOOKS = _ChangeHooks()


async def _write_order(
    services: Services, project: ActiveProject, change: ChangeRequest
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    guard = await document_guard(
        services, project.tenant, own_names=(project.name, project.client or ""),
        project_id=project.id,
    )
    request, left_out = client_request(change.text, guard.filter.judge)
    # The delay from the due date as it is now (an earlier change may have moved it).
    weeks, new_due = delivery_impact(change.hours, capacity(services), project.due_date)
    text, document = build_order(
        OrderFigures(
            project=project.name,
            client=project.client,
            request=request,
            reason=change.reason,
            hours=change.hours or 0.0,
            price=change.price,
            currency=change.currency,
            due_date=project.due_date,
            new_due_date=new_due,
            weeks=weeks,
            change_id=change.id,
            verdict=change.verdict,
        )
    )
    checked = guard.filter.clean(text)
    notes = [
        f"Verdict: {change.verdict}. {change.reason}",
        f"Hours band: {_hours(change.hours_p10)}–{_hours(change.hours_p90)}; quoted at "
        f"{_hours(change.hours)} (the band's middle).",
        *guard.notes,
        *(
            f"Part of the request was left out of the client text ({REASONS[reason]})."
            for reason in dict.fromkeys(left_out)
        ),
        *(
            f"Left out of the client text ({REASONS[item.reason]}, line {item.line})."
            for item in checked.withheld
        ),
    ]
    if change.verdict == "included":
        notes.insert(0, "Careful: the agreed scope seems to include this request already.")
    return checked.text, tuple(notes), document


async def _draft(services: Services, change: ChangeRequest, user_id: str, user_name: str) -> Reply:
    _only_requester(change, user_id, "draft a change order for")
    if change.status != "open":
        return refusal_reply(
            f"The client's answer to change `{change.id}` is recorded already "
            f"({change.status}), so there is no change order to send. Nothing was changed."
        )
    if change.hours is None:
        return refusal_reply(
            "This request has no hours yet, so a change order would have no price. Log it "
            "again with your own figure, e.g. `… ~6h`. Nothing was changed."
        )
    project = await _project_of(services, change)
    if budget_conflict(project, change.currency):
        # The client would agree to a price the budget can't take: priced in its currency first.
        return refusal_reply(
            (_no_price_text if change.price is None else _mixed_text)(project, change)
            + " Nothing was changed."
        )
    client_text, notes, document = await _write_order(services, project, change)
    created = await create_draft(
        services.db,
        tenant=change.tenant,
        project_id=project.id,
        requester_id=user_id,
        requester_name=user_name,
        tone="friendly",
        client_text=client_text,
        private_notes=notes,
        now=services.clock(),
        kind=KIND,
        options={"change_id": change.id},
        document=document,
    )
    await link_draft(services.db, change.tenant, change.id, created.draft.id)
    return _draft_reply(project, created, notice="Draft change order sent to your DMs.")


def _draft_reply(project: ActiveProject, text: DraftText, *, notice: str = "") -> Reply:
    draft, version = text.draft, text.version
    value = button_value(draft.id, version.version)
    return draft_reply(
        f"Draft change order — {project.name} (v{version.version}; only you can see this)",
        version,
        Paragraph(
            text=f"Draft `{draft.id}`. Nothing is sent to the client until you approve it."
        ),
        Buttons(
            items=(
                Button(label="Approve", action_id="change:approve", value=value, style="primary"),
                Button(label="Discard", action_id="change:discard", value=value, style="danger"),
                Button(label="Export", action_id="change:export", value=value),
            )
        ),
        notice=notice,
    )


def _approved_reply(project: ActiveProject, text: DraftText, change: ChangeRequest) -> Reply:
    value = button_value(text.draft.id, text.version.version)
    buttons = [Button(label="Export", action_id="change:export", value=value)]
    if project.client_channel:
        buttons.insert(
            0,
            Button(label="Post to client channel", action_id="change:post", value=value,
                   style="primary"),
        )
        where = "Post it to the client channel when you're ready, or export it."
    else:
        where = "This project has no client channel; export it to send it yourself."
    return Reply(
        blocks=(
            Heading(text=f"Approved change order — {project.name} (v{text.version.version})"),
            Paragraph(text=text.version.client_text),
            Paragraph(
                text=f"{where} When the client answers, record it with the buttons below or "
                f"`/change approve|decline|absorb {change.id}`."
            ),
            Buttons(items=tuple(buttons)),
            _decision_buttons_only(change),
        ),
        visibility=Visibility.DM,
        replace_original=True,
    )


def _decision_buttons_only(change: ChangeRequest) -> Buttons:
    items = [b for b in _decision_buttons(change).items if b.action_id.startswith("change:decide")]
    return Buttons(items=tuple(items))


async def _export(
    services: Services, change: ChangeRequest, found: DraftText | None, user_id: str
) -> Reply:
    if found is None:
        return refusal_reply(
            f"Change `{change.id}` has no change order yet. Draft one with "
            f"`/change draft {change.id}`."
        )
    if (refusal := FLOW.check(found, found.draft.id, user_id, "export")) is not None:
        return refusal
    markdown = export_markdown(
        found.version.document or {"change_id": change.id}, found.version.client_text,
        services.clock().date(),
    )
    return Reply(
        blocks=(Heading(text=f"Change order `{change.id}` (Markdown)"), Paragraph(text=markdown)),
        visibility=Visibility.DM,
    )


async def _post(
    services: Services, change: ChangeRequest, found: DraftText, version: int | None, user_id: str
) -> Reply:
    if change.status in {"declined", "absorbed"}:
        return refusal_reply(
            f"The client's answer is recorded already ({change.status}), so the change order "
            "is not sent. Nothing was posted."
        )
    subject = await FLOW.load_subject(services, found.draft)
    if subject is None:
        return refusal_reply("The project of this change order no longer exists.")
    return await FLOW.post(services, subject, found, version, user_id)


async def _draft_action(verb: str, action: Action, services: Services) -> Reply:
    draft_id, version, attempt = parse_value(action.value)
    found = await FLOW.own(services, action.tenant, draft_id, action.user_id, verb)
    change_id = str((found.draft.options or {}).get("change_id", ""))
    change = await get_change(services.db, action.tenant, change_id)
    project = await get_project(services.db, action.tenant, found.draft.project_id)
    subject = await FLOW.load_subject(services, found.draft)
    if change is None or project is None or subject is None:
        return refusal_reply("The change request of this draft no longer exists.")
    if verb == "export":
        return await _export(services, change, found, action.user_id)
    if verb == "post":
        return await _post(services, change, found, version, action.user_id)
    if verb in {"resend", "arrived"}:
        return await FLOW.settle_interrupted(
            services, subject, found, verb, attempt, action.user_id
        )
    if verb == "discard":
        return await FLOW.discard(services, subject, found, version)
    if verb == "approve":
        if (refusal := FLOW.stale(found.draft, version)) is not None:
            return refusal
        try:
            await approve(
                services.db, action.tenant, found.draft.id, found.draft.version,
                services.clock(), hooks=CHANGE_HOOKS,
            )
        except StaleDraft as stale:
            return refusal_reply(f"{stale} Nothing was changed.")
        refreshed = await FLOW.find(services, action.tenant, found.draft.id)
        assert refreshed is not None
        return _approved_reply(project, refreshed, change)
    return refusal_reply("That button is no longer supported. Run `/change` again.")


# --- buttons and the log ------------------------------------------------------------------------


async def on_action(action: Action, services: Services) -> Reply:
    parsed = ActionId.parse(action.action_id)
    if parsed.verb == "decide":
        decision = parsed.rest[0] if parsed.rest else ""
        if decision not in {"approved", "declined", "absorbed"}:
            return refusal_reply("That button is no longer supported. Run `/change` again.")
        change = await _change_by_reference(services, action.tenant, action.value)
        return await _decide(services, change, decision, action.user_id)
    if parsed.verb == "draft":
        change = await _change_by_reference(services, action.tenant, action.value)
        return await _draft(services, change, action.user_id, action.user_name)
    if parsed.verb == "form":
        return await submit_form(action, services)
    if parsed.verb == "check":  # a log entry offered as a change request
        return await _check_entry(action, services)
    return await _draft_action(parsed.verb, action, services)


async def _check_entry(action: Action, services: Services) -> Reply:
    entry_id = int(action.value) if action.value.isdigit() else -1
    async with services.db.sessions() as session:
        entry = await session.get(LogEntry, entry_id)
        if entry is not None:
            already = (
                await session.execute(
                    select(ChangeRequest.id).where(
                        ChangeRequest.tenant == action.tenant,
                        ChangeRequest.log_entry_id == entry_id,
                    )
                )
            ).scalar_one_or_none()
    if entry is None or entry.tenant != action.tenant or entry.deleted_at is not None:
        return refusal_reply("That log entry no longer exists. Nothing was changed.")
    if already is not None:
        return refusal_reply(
            f"That entry is change request `{already}` already; `/change show {already}` "
            "shows it. Nothing was changed."
        )
    match = LOG_REQUEST.match(entry.text)
    project = await get_project(services.db, action.tenant, entry.project_id)
    if match is None or project is None:
        return refusal_reply("That entry is not a client request. Nothing was changed.")
    return await new_request(
        services, project, match.group("text"), user_id=action.user_id,
        user_name=action.user_name, source="log", log_entry_id=entry.id,
    )


def offer_for_entry(reply: Reply, entry: LogEntry) -> Reply:
    """A logged ``client asked: …`` / ``request: …`` line, offered as a change request."""
    if not LOG_REQUEST.match(entry.text or ""):
        return reply
    offer = (
        Paragraph(
            text="This looks like a client request. Check it against the agreed scope to see "
            "whether it is extra, and price it?"
        ),
        Buttons(
            items=(
                Button(
                    label="Check against scope",
                    action_id="change:check",
                    value=str(entry.id),
                    style="primary",
                ),
            )
        ),
    )
    return reply.model_copy(update={"blocks": (*reply.blocks, *offer)})


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="change",
            summary="Is a client's request in scope? Judged, priced, and a change order to send",
            usage="<project> <request>",
            examples=(
                "acme a blog section with categories",
                "acme one more revision round on the homepage",
                "approve cr1a2b3c",
            ),
            handler=change_command,
            option=("request", "project, then what the client asked for"),
        )
    )
    # "@Atelier the client wants a blog section on acme", "client asked for … for acme".
    registry.intent(
        "change",
        r"^\s*(?:the\s+|our\s+|my\s+)?(?:client|customer)\s+(?:now\s+|also\s+)?(?:wants|asked"
        r"(?:\s+for)?|asks(?:\s+for)?|would\s+like|requested|is\s+asking\s+for|needs)\s+"
        r"(?P<text>\S.*)$",
        65,
        "text",
    )
    registry.intent("change", r"^\s*change\s+request\s+(?:on|for)\s+(?P<text>\S.*)$", 65, "text")
    registry.action("change", on_action)
    registry.delivery("change", FLOW.on_delivery)


__all__ = [
    "FLOW",
    "agreed_scope",
    "change_command",
    "change_facts",
    "changes_line",
    "offer_for_entry",
    "setup",
]

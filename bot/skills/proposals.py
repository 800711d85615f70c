"""`/proposal <estimate id>`: a client proposal from a saved estimate, private until approved.

``/proposal est-1a2b3c4d [friendly|formal|brief] [fixed|tm] [p50|p80] [client=…] [due=…]
[channel=…] [title=…] [guess=…]`` drafts the proposal (:mod:`bot.proposal_text`) in the
requester's DMs with buttons: Approve, Regenerate, Change tone, the other pricing form, the other
confidence, Details (a form: tone, pricing, client, channel, due date, own estimate), Discard,
Export. Once approved: Post to the client channel (when one was given), Export, and Start
project (``/projects add proposal=<id>``). ``/proposal export|approve|discard <id>`` do the
same from text or the CLI. The `/scope` answer's **Draft proposal** button saves the estimate
when needed and drafts one.

Confidentiality: the client text is written from this estimate's own band and the analogues'
phase *shares* only; the analogues (titles, clients, hours) are named in the private notes,
and their titles and every other client are withheld by the leak rules all the same.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from bot.client_guard import ClientGuard, document_guard
from bot.compose import Composition
from bot.dates import read_day
from bot.documents import DocumentFlow, Subject, button_value, draft_reply, parse_value
from bot.drafts import SUPERSEDE_SAME_SUBJECT, DraftText, StaleDraft, add_version, approve
from bot.drafts import create_draft as create_document
from bot.errors import InvalidInput
from bot.estimate import overrun
from bot.leaks import REASONS
from bot.logs import get_logger
from bot.mentions import neutralise_mentions
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
    Visibility,
    refusal_reply,
)
from bot.proposal_text import (
    CONFIDENCES,
    PRICINGS,
    TONES,
    OpenPoint,
    PhaseShare,
    Price,
    Proposal,
    ProposalFacts,
    build_proposal,
    next_tone,
)
from bot.registry import ActionId, Command, SkillError, SkillRegistry
from bot.scoping import wording as w
from bot.scoping.history import HistoryCache
from bot.services import Services
from bot.skills.scope import save_estimate
from knowledge.port import KnowledgeStore
from state import Draft, SavedEstimate, ScopeRun

log = get_logger(__name__)

DM_NOTICE = "Draft proposal sent to your DMs."
FRESH = "`/proposal <estimate id>`"
USAGE = (
    "Usage: `/proposal <estimate id> [friendly|formal|brief] [fixed|tm] [p50|p80] "
    "[client=Name] [due=YYYY-MM-DD] [channel=C0123] [guess=60h]` drafts a client proposal "
    "from a saved estimate (save one from a `/scope` answer); `/proposal export <draft id>` "
    "gives its text."
)
_ESTIMATE_ID = re.compile(r"^est-[0-9a-f]{4,16}$", re.IGNORECASE)
_DONE = ("approved", "sending", "posted")


# --- the estimate and what it rests on ----------------------------------------------------


async def _estimate(services: Services, tenant: str, estimate_id: str) -> SavedEstimate | None:
    async with services.db.sessions() as session:
        return await session.scalar(
            select(SavedEstimate).where(
                SavedEstimate.id == estimate_id, SavedEstimate.tenant == tenant
            )
        )


async def save_run(services: Services, tenant: str, run_id: str, user_id: str) -> SavedEstimate:
    """The saved estimate of a `/scope` answer, saving it first when it was not yet."""
    found = await _estimate(services, tenant, run_id)
    if found is not None:
        return found
    async with services.db.sessions() as session:
        run = await session.scalar(
            select(ScopeRun).where(ScopeRun.id == run_id, ScopeRun.tenant == tenant)
        )
    if run is None:
        raise SkillError(
            f"I can't find the estimate `{run_id[:20]}`. Save one from a `/scope` answer "
            "(**Save estimate**), then run `/proposal <estimate id>`."
        )
    saved, _created = await save_estimate(services, run, user_id)
    return saved


@dataclass(frozen=True)
class Grounds:
    """What the estimate's analogues give the proposal, and what only the studio may read."""

    phases: tuple[PhaseShare, ...]
    open_points: tuple[OpenPoint, ...]
    overrun: float | None
    titles: tuple[str, ...]  # withheld from the client text
    notes: tuple[str, ...]


def _grounds(
    store: KnowledgeStore, tenant: str, estimate: SavedEstimate, histories: HistoryCache
) -> Grounds:
    from bot.scoping.phases import phase_breakdown
    from bot.scoping.questions import PastLessons, open_questions

    history = histories.history(store, tenant)
    projects = [history.by_id[i] for i in estimate.analogue_ids or [] if i in history.by_id]
    phases = phase_breakdown([(p.phases or {}, 1.0) for p in projects], estimate.p50_hours)
    lessons = [PastLessons(p.id, list(p.lessons or []), 1.0, str(p.type or "")) for p in projects]
    questions = open_questions(estimate.brief, lessons)
    pairs = [
        (float(p.estimated_hours), float(p.actual_hours))
        for p in projects
        if p.estimated_hours and p.actual_hours is not None
    ]
    stats = overrun(pairs) if pairs else None
    if stats is None:
        stats = history.facts.overrun_all
    notes = [
        f"Analogue (never in the client text): {w.safe(p.title, 60)} (`{p.id}`"
        + (f", {w.safe(p.client, 40)}" if getattr(p, "client", None) else "")
        + (f", {w.hours(float(p.actual_hours))} actual" if p.actual_hours is not None else "")
        + ")"
        for p in projects
    ]
    if phases:
        notes.append(f"Phase split from the phase records of {len(projects)} analogues.")
    clients = [p.client for p in projects if getattr(p, "client", None)]
    estimate_ids = [p.id for p in projects]
    return Grounds(
        phases=tuple(PhaseShare(p.name, p.share) for p in phases),
        open_points=tuple(OpenPoint(q.topic, _without_sources(q.text)) for q in questions),
        overrun=stats.ratio if stats is not None else None,
        titles=tuple(dict.fromkeys([*(p.title for p in projects), *clients, *estimate_ids])),
        notes=tuple(notes),
    )


_SOURCES = re.compile(r"\s*\([^()]*`[^`]*`[^()]*\)")


def _without_sources(question: str) -> str:
    """A retro question without the past projects it cites ("(learnt on `demo-001`)")."""
    return _SOURCES.sub("", question).strip()


async def _load_grounds(services: Services, estimate: SavedEstimate) -> Grounds:
    from bot.scoping.questions import open_questions

    try:
        store = await services.open_knowledge()
        return await asyncio.to_thread(
            _grounds, store, estimate.tenant, estimate, services.histories
        )
    except Exception as problem:  # the store down: a plainer proposal, and the studio is told
        log.warning("proposal_grounds_unavailable", error=type(problem).__name__)
        return Grounds(
            phases=(),
            open_points=tuple(OpenPoint(q.topic, q.text) for q in open_questions(estimate.brief)),
            overrun=None,
            titles=(),
            notes=(
                "The past projects could not be read (the knowledge store is unavailable): no "
                "phase split, overrun or retro questions; read the draft before approving it.",
            ),
        )


# --- options ----------------------------------------------------------------------------


def _default_options(services: Services) -> dict[str, Any]:
    settings = services.settings
    return {
        "pricing": settings.proposal_pricing,
        "confidence": settings.proposal_confidence,
        "client": None,
        "due": None,
        "channel": None,
        "title": None,
        "guess": None,
    }


_KEY_VALUE = re.compile(r'(\w+)=("([^"]*)"|\S+)')


def parse_options(text: str, services: Services) -> tuple[str, str, dict[str, Any]]:
    """``est-… formal tm client="Acme Bakery" due=2027-03-01`` -> (estimate id, tone, options)."""
    options = _default_options(services)
    tone = "formal"
    rest = text
    for match in _KEY_VALUE.finditer(text):
        key, value = match.group(1).lower(), match.group(3) or match.group(2)
        if key not in {"client", "due", "channel", "title", "guess"}:
            raise SkillError(f"I don't know the option `{key[:20]}=`. {USAGE}")
        options[key] = value.strip()[:200] or None
        rest = rest.replace(match.group(0), " ")
    words = rest.split()
    if not words:
        raise SkillError(USAGE)
    estimate_id, *flags = words
    for flag in flags:
        lowered = flag.lower()
        if lowered in TONES:
            tone = lowered
        elif lowered in PRICINGS or lowered in {"t&m", "time"}:
            options["pricing"] = "tm" if lowered != "fixed" else "fixed"
        elif lowered in CONFIDENCES:
            options["confidence"] = lowered
        else:
            raise SkillError(
                f"“{flag[:20]}” isn't a tone ({', '.join(TONES)}), a pricing form (fixed, tm) "
                "or a confidence (p50, p80)."
            )
    if options["guess"]:
        options["guess"] = guess_hours(str(options["guess"]))
    if options["due"]:
        options["due"] = read_day(options["due"], services.clock().date()).isoformat()
    if options["channel"]:
        channel = str(options["channel"]).strip("<>#").split("|")[0]
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", channel):
            raise SkillError("That doesn't look like a channel id (e.g. `channel=C0123456`).")
        options["channel"] = channel
    return estimate_id, tone, options


_HOURS = re.compile(r"^~?(\d{1,6}(?:\.\d+)?)\s*(?:h|hrs?|hours?)?$", re.IGNORECASE)


def guess_hours(text: str) -> float:
    """The studio's own estimate ("60", "60h", "~60 hours") in hours, or a friendly refusal."""
    found = _HOURS.match(text.strip())
    hours = float(found.group(1)) if found else 0.0
    if not 0 < hours <= 100_000:
        raise SkillError(
            "Write your own estimate as hours, e.g. `guess=60` or `guess=60h`; the fixed "
            "price then stands on it, with your record of overruns applied."
        )
    return hours


# --- writing ------------------------------------------------------------------------------


async def _guard(services: Services, estimate: SavedEstimate, options: dict[str, Any],
                 grounds: Grounds) -> ClientGuard:
    own = tuple(n for n in (options.get("client"),) if n)
    return await document_guard(
        services, estimate.tenant, own_names=own, withheld=grounds.titles
    )


async def _write(
    services: Services, estimate: SavedEstimate, tone: str, options: dict[str, Any]
) -> tuple[str, tuple[str, ...], dict[str, Any]]:
    """Client text (composed, leak-checked, ping-proof), private notes, the document."""
    grounds = await _load_grounds(services, estimate)
    settings = services.settings
    facts = ProposalFacts(
        estimate_id=estimate.id,
        brief=estimate.brief,
        p10_hours=estimate.p10_hours,
        p50_hours=estimate.p50_hours,
        p90_hours=estimate.p90_hours,
        rate=estimate.rate,
        currency=estimate.currency,
        phases=grounds.phases,
        open_points=grounds.open_points,
        overrun=grounds.overrun,
        pricing=options.get("pricing") or settings.proposal_pricing,
        confidence=options.get("confidence") or settings.proposal_confidence,
        capacity_hours_per_week=settings.capacity_hours_per_week,
        payment_terms=settings.proposal_payment_terms,
        validity_days=settings.proposal_validity_days,
        today=services.clock().date(),
        tone=tone,
        client=options.get("client"),
        title=options.get("title"),
        due_date=dt.date.fromisoformat(options["due"]) if options.get("due") else None,
        guess_hours=float(options["guess"]) if options.get("guess") else None,
    )
    proposal = build_proposal(facts)
    guard = await _guard(services, estimate, options, grounds)
    document = proposal.to_dict()
    composed = await services.composer.compose(
        Composition(
            kind="client_proposal",
            tenant=estimate.tenant,
            draft=proposal.client_text,
            facts=document,
            tone=tone,
            withheld_names=guard.other_clients,
        )
    )
    # Whoever wrote the text, what reaches a client passes the leak rules once more.
    checked = guard.filter.clean(composed or proposal.client_text)
    notes = _notes(estimate, proposal, grounds, settings.capacity_hours_per_week)
    notes += guard.notes + tuple(
        f"Left out of the client text ({REASONS[item.reason]}, line {item.line})."
        for item in checked.withheld
    )
    return neutralise_mentions(checked.text), notes, document


def _notes(
    estimate: SavedEstimate, proposal: Proposal, grounds: Grounds, capacity: float
) -> tuple[str, ...]:
    cur, price = estimate.currency, proposal.price
    lines = [
        f"Estimate `{estimate.id}`: ≈ {w.hours(estimate.p50_hours)} "
        f"({w.hours_range(estimate.p10_hours, estimate.p90_hours)}, 80% range) at "
        f"{w.rate(estimate.rate, cur)}."
    ]
    if price.form == "fixed":
        lines.append(_price_basis(price, grounds.overrun))
    else:
        lines.append("Time-and-materials range: the P10–P90 band at your rate.")
    if proposal.timeline.due is not None and not proposal.timeline.fits:
        lines.append(
            f"At {capacity:g} h a week the plan ends after the requested date; the client text "
            "offers a smaller first release or a later date."
        )
    return tuple(lines) + grounds.notes


def _price_basis(price: Price, overrun: float | None) -> str:
    """Which figure a fixed price stands on, and why the overrun is (not) applied."""
    # A "guess" price always carries the estimate it stands on (proposal_text.price).
    if price.base == "guess" and price.guess_hours is not None:
        if price.overrun:
            basis = (
                f"your own estimate of {w.hours(price.guess_hours)} × {w.ratio(price.overrun)} "
                "(how far similar work ran over its estimate)"
            )
        else:
            basis = (
                f"your own estimate of {w.hours(price.guess_hours)} (similar work has not run "
                "over its estimates, so nothing is added)"
            )
        return f"Fixed price base: {basis}: {w.hours(price.hours)} at your rate, rounded up."
    line = (
        f"Fixed price base: the {(price.confidence or 'p80').upper()} of the band, which is "
        "read from similar projects' actual hours, so no overrun is added on top: "
        f"{w.hours(price.hours)} at your rate, rounded up."
    )
    if overrun is not None and overrun > 1:
        line += (
            f" Similar work ran {w.ratio(overrun)} its estimates; to price from your own "
            "estimate instead, add `guess=<hours>`."
        )
    return line


# --- replies ------------------------------------------------------------------------------


def _title(found: DraftText) -> str:
    document = found.version.document or {}
    return str(document.get("title") or found.draft.project_id)


def _draft_reply(found: DraftText, *, notice: str = "") -> Reply:
    draft, version = found.draft, found.version
    options = draft.options or {}
    value = button_value(draft.id, version.version)
    pricing, confidence = options.get("pricing", "fixed"), options.get("confidence", "p80")
    guessed = pricing == "fixed" and bool(options.get("guess"))
    form = (
        "time and materials"
        if pricing == "tm"
        else "fixed price, own estimate"
        if guessed
        else f"fixed price, {confidence.upper()}"
    )
    other_tone = next_tone(version.tone)
    buttons = [
        Button(label="Approve", action_id="proposal:approve", value=value, style="primary"),
        Button(label="Regenerate", action_id="proposal:regenerate", value=value),
        Button(
            label=f"Change tone ({other_tone})",
            action_id=f"proposal:tone:{other_tone}",
            value=value,
        ),
        Button(
            label="Time and materials" if pricing == "fixed" else "Fixed price",
            action_id=f"proposal:pricing:{'tm' if pricing == 'fixed' else 'fixed'}",
            value=value,
        ),
    ]
    if pricing == "fixed" and not guessed:
        other = "p50" if confidence == "p80" else "p80"
        buttons.append(
            Button(
                label=f"Price at {other.upper()}",
                action_id=f"proposal:confidence:{other}",
                value=value,
            )
        )
    buttons += [
        Button(label="Details", action_id="proposal:details", value=value),
        Button(label="Discard", action_id="proposal:discard", value=value, style="danger"),
        Button(label="Export", action_id="proposal:export", value=value),
    ]
    return draft_reply(
        f"Draft proposal — {_title(found)} (v{version.version}, {version.tone}, {form}; only "
        "you can see this)",
        version,
        Paragraph(
            text=f"Draft `{draft.id}` from estimate `{draft.project_id}`. Nothing is sent to "
            "the client until you approve it."
        ),
        Buttons(items=tuple(buttons)),
        notice=notice,
    )


def _approved_reply(found: DraftText) -> Reply:
    draft, version = found.draft, found.version
    value = button_value(draft.id, version.version)
    buttons = [
        Button(label="Export", action_id="proposal:export", value=value),
        Button(label="Start project", action_id="proposal:start", value=value),
    ]
    channel = (draft.options or {}).get("channel")
    if channel:
        buttons.insert(
            0,
            Button(
                label="Post to client channel",
                action_id="proposal:post",
                value=value,
                style="primary",
            ),
        )
        where = "Post it to the client channel when you're ready, or export it."
    else:
        where = "No client channel was given; export it (Markdown or PDF) to send it yourself."
    return Reply(
        blocks=(
            Heading(text=f"Approved — proposal {_title(found)} (v{version.version})"),
            Paragraph(text=version.client_text),
            Paragraph(
                text=f"{where} When the client accepts, **Start project** (or "
                f"`/projects add proposal={draft.id}`) starts it with this proposal's "
                "estimate, budget, phases and tags."
            ),
            Buttons(items=tuple(buttons)),
        ),
        visibility=Visibility.DM,
        replace_original=True,
    )


def export_markdown(found: DraftText) -> str:
    """The client Markdown of the current version, as exported (a title line, then the text)."""
    return found.version.client_text


def _export_reply(found: DraftText) -> Reply:
    return Reply(
        blocks=(
            Heading(text=f"Markdown — proposal {_title(found)} (v{found.version.version})"),
            Paragraph(text=export_markdown(found)),
            Paragraph(
                text=f"For a PDF: `atelier proposal export {found.draft.id} --pdf proposal.pdf`."
            ),
        ),
        visibility=Visibility.DM,
    )


# --- the command --------------------------------------------------------------------------


async def _usable_estimate(
    services: Services, tenant: str, user_id: str, ref: str
) -> SavedEstimate:
    ref = ref.strip()
    if not _ESTIMATE_ID.match(ref):
        raise SkillError(
            f"`{ref[:20]}` isn't an estimate id (they look like `est-1a2b3c4d`). {USAGE}"
        )
    estimate = await _estimate(services, tenant, ref.lower())
    if estimate is None:
        # A `/scope` answer of this person that was never saved: save it now.
        async with services.db.sessions() as session:
            run = await session.scalar(
                select(ScopeRun).where(ScopeRun.id == ref.lower(), ScopeRun.tenant == tenant)
            )
        if run is None or run.user_id != user_id:
            raise SkillError(
                f"I can't find the estimate `{ref[:20]}`. Save one from a `/scope` answer "
                "(**Save estimate**), then run `/proposal <estimate id>`."
            )
        estimate = await save_run(services, tenant, run.id, user_id)
    if estimate.user_id != user_id:
        raise SkillError(
            f"Estimate `{estimate.id}` was saved by someone else, so only they can draft a "
            "proposal from it. Run `/scope` with the brief to get your own."
        )
    if estimate.p50_hours <= 0 or estimate.rate <= 0:
        raise SkillError(f"Estimate `{estimate.id}` has no hours or rate to price a proposal.")
    return estimate


async def _new_draft(
    services: Services,
    estimate: SavedEstimate,
    user_id: str,
    user_name: str,
    tone: str,
    options: dict[str, Any],
) -> Reply:
    client_text, notes, document = await _write(services, estimate, tone, options)
    created = await create_document(
        services.db,
        tenant=estimate.tenant,
        project_id=estimate.id,
        requester_id=user_id,
        requester_name=user_name,
        tone=tone,
        client_text=client_text,
        private_notes=notes,
        now=services.clock(),
        kind="proposal",
        options=options,
        document=document,
    )
    return _draft_reply(created, notice=DM_NOTICE)


async def proposal_command(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    if not text:
        return refusal_reply(USAGE)
    verb, _, rest = text.partition(" ")
    if verb.lower() in {"export", "approve", "discard", "post", "start"} and rest.strip():
        draft_id, version, _ = parse_value(rest)
        return await act(
            verb.lower(), draft_id, version, tenant=request.tenant, user_id=request.user_id,
            user_name=request.user_name, services=services,
        )
    estimate_id, tone, options = parse_options(text, services)
    estimate = await _usable_estimate(services, request.tenant, request.user_id, estimate_id)
    return await _new_draft(services, estimate, request.user_id, request.user_name, tone, options)


# --- buttons ------------------------------------------------------------------------------


async def _subject(services: Services, draft: Draft) -> Subject | None:
    estimate = await _estimate(services, draft.tenant, draft.project_id)
    if estimate is None:
        return None
    options = draft.options or {}
    grounds = await _load_grounds(services, estimate)
    guard = await _guard(services, estimate, options, grounds)
    found_title = options.get("title") or estimate.brief[:60]
    return Subject(title=str(found_title), client_channel=options.get("channel"), guard=guard)


FLOW = DocumentFlow(kind="proposal", fresh=FRESH, load_subject=_subject)


async def act(
    verb: str,
    draft_id: str,
    version: int | None,
    *,
    tenant: str,
    user_id: str,
    user_name: str = "",
    services: Services,
    choice: str | None = None,
    attempt: str = "",
) -> Reply:
    """One step of a proposal's life, by its requester only; stale steps change nothing."""
    found = await FLOW.own(services, tenant, draft_id, user_id, verb)
    draft = found.draft
    if verb == "export":
        return _export_reply(found)
    if verb == "start":
        return await _start_project(services, found, user_id, user_name)
    if verb in {"post", "resend", "arrived", "discard"}:
        subject = await _subject(services, draft)
        if subject is None:
            return refusal_reply("The estimate of this proposal no longer exists.")
        if verb == "post":
            return await FLOW.post(services, subject, found, version, user_id)
        if verb == "discard":
            return await FLOW.discard(services, subject, found, version)
        return await FLOW.settle_interrupted(services, subject, found, verb, attempt, user_id)
    if (refused := FLOW.stale(draft, version)) is not None:
        return refused
    if verb == "details":
        return Reply(blocks=(details_form(found),))
    try:
        if verb == "approve":
            await approve(
                services.db, tenant, draft.id, draft.version, services.clock(),
                SUPERSEDE_SAME_SUBJECT,
            )
            refreshed = await FLOW.find(services, tenant, draft.id)
            assert refreshed is not None
            return _approved_reply(refreshed)
        if verb in {"regenerate", "tone", "pricing", "confidence"}:
            estimate = await _estimate(services, tenant, draft.project_id)
            if estimate is None:
                return refusal_reply("The estimate of this proposal no longer exists.")
            tone = found.version.tone
            options = dict(draft.options or _default_options(services))
            if verb == "tone" and choice in TONES:
                tone = choice
            if verb == "pricing" and choice in PRICINGS:
                options["pricing"] = choice
            if verb == "confidence" and choice in CONFIDENCES:
                options["confidence"] = choice
            client_text, notes, document = await _write(services, estimate, tone, options)
            await add_version(
                services.db, tenant, draft.id, draft.version, tone=tone,
                client_text=client_text, private_notes=notes, now=services.clock(),
                document=document, options=options,
            )
            refreshed = await FLOW.find(services, tenant, draft.id)
            assert refreshed is not None
            return _draft_reply(refreshed)
    except StaleDraft as stale:
        return refusal_reply(f"{stale} Nothing was changed.")
    return refusal_reply(f"That button is no longer supported. Run {FRESH} again.")


async def _start_project(
    services: Services, found: DraftText, user_id: str, user_name: str
) -> Reply:
    if found.draft.status not in _DONE:
        return refusal_reply(
            "Approve the proposal first; a project starts from an approved proposal."
        )
    command = services.commands.get("projects")
    if command is None:
        return refusal_reply("Projects are not available here.")
    request = Request(
        tenant=found.draft.tenant,
        user_id=user_id,
        user_name=user_name,
        command="projects",
        text=f"add proposal={found.draft.id}",
    )
    return await command.handler(request, services)


async def on_action(action: Action, services: Services) -> Reply:
    parsed = ActionId.parse(action.action_id)
    if parsed.verb == "form":
        return await submit_details(action, services)
    if parsed.verb == "scope":  # the `/scope` answer's Draft proposal button: value = run id
        estimate = await save_run(services, action.tenant, action.value, action.user_id)
        if estimate.user_id != action.user_id:
            raise SkillError(
                f"Estimate `{estimate.id}` was saved by someone else, so only they can draft "
                "a proposal from it."
            )
        return await _new_draft(
            services, estimate, action.user_id, action.user_name, "formal",
            _default_options(services),
        )
    draft_id, version, attempt = parse_value(action.value)
    return await act(
        parsed.verb,
        draft_id,
        version,
        tenant=action.tenant,
        user_id=action.user_id,
        user_name=action.user_name,
        services=services,
        choice=parsed.rest[0] if parsed.rest else None,
        attempt=attempt,
    )


# --- the details form (a Slack or Discord modal) --------------------------------------------

DETAILS_FORM = "proposal:form"
_PRICING_CHOICES = {"fixed p80": ("fixed", "p80"), "fixed p50": ("fixed", "p50"),
                    "tm": ("tm", None), "fixed": ("fixed", None)}  # fmt: skip


def details_form(found: DraftText) -> Form:
    """The draft's tone, pricing and client details as one form, filled with what it has."""
    draft, version = found.draft, found.version
    options = draft.options or {}
    pricing = options.get("pricing") or "fixed"
    pricing_text = "tm" if pricing == "tm" else f"fixed {options.get('confidence') or 'p80'}"
    guess = options.get("guess")
    return Form(
        form_id=DETAILS_FORM,
        title="Proposal details",
        submit_label="Redraft",
        value=button_value(draft.id, version.version),
        fields=(
            FormField(name="tone", label="Tone: friendly, formal or brief", required=True,
                      initial=version.tone, placeholder="formal"),
            FormField(name="pricing", label="Pricing: fixed p80, fixed p50 or tm",
                      required=True, initial=pricing_text, placeholder="fixed p80"),
            FormField(name="guess", label="Your own estimate in hours (optional)",
                      initial=f"{float(guess):g}" if guess else "", placeholder="60"),
            FormField(name="client", label="Client name (optional)",
                      initial=str(options.get("client") or ""), placeholder="Acme Bakery"),
            FormField(name="channel", label="Client channel id (optional)",
                      initial=str(options.get("channel") or ""), placeholder="C0123456"),
            FormField(name="due", label="Due date (optional)",
                      initial=str(options.get("due") or ""), placeholder="15 March or 2027-03-01"),
        ),
    )  # fmt: skip


def _details_options(
    values: Any, options: dict[str, Any], today: dt.date
) -> tuple[str, dict[str, Any], dict[str, str]]:
    """(tone, options, errors by field) from a submitted details form."""
    errors: dict[str, str] = {}
    updated = dict(options)
    tone = (values.get("tone") or "").strip().lower()
    if tone not in TONES:
        errors["tone"] = f"One of {', '.join(TONES)}."
    pricing = " ".join((values.get("pricing") or "").lower().replace("t&m", "tm").split())
    if pricing not in _PRICING_CHOICES:
        errors["pricing"] = "fixed p80, fixed p50 or tm."
    else:
        form, confidence = _PRICING_CHOICES[pricing]
        updated["pricing"] = form
        updated["confidence"] = confidence or updated.get("confidence") or "p80"
    guess = (values.get("guess") or "").strip()
    try:
        updated["guess"] = guess_hours(guess) if guess else None
    except SkillError:
        errors["guess"] = "Hours, e.g. 60 or 60h; leave it empty to price from the band."
    updated["client"] = " ".join((values.get("client") or "").split())[:200] or None
    channel = (values.get("channel") or "").strip().strip("<>#").split("|")[0]
    if channel and not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", channel):
        errors["channel"] = "A channel id, e.g. C0123456."
    updated["channel"] = channel or None
    due = (values.get("due") or "").strip()
    if due:
        try:
            due = read_day(due, today).isoformat()
        except InvalidInput as problem:
            errors["due"] = str(problem)
    updated["due"] = due or None
    return tone, updated, errors


async def submit_details(action: Action, services: Services) -> Reply:
    """The details form came back: errors in place, or a new version written with them."""
    draft_id, version, _ = parse_value(action.value)
    found = await FLOW.own(services, action.tenant, draft_id, action.user_id, "details")
    draft = found.draft
    if (refused := FLOW.stale(draft, version)) is not None:
        return refused
    tone, options, errors = _details_options(
        action.values, dict(draft.options or {}), services.clock().date()
    )
    if errors:
        return Reply(form_errors=errors)
    estimate = await _estimate(services, action.tenant, draft.project_id)
    if estimate is None:
        return refusal_reply("The estimate of this proposal no longer exists.")
    client_text, notes, document = await _write(services, estimate, tone, options)
    try:
        await add_version(
            services.db, action.tenant, draft.id, draft.version, tone=tone,
            client_text=client_text, private_notes=notes, now=services.clock(),
            document=document, options=options,
        )
    except StaleDraft as stale:
        return refusal_reply(f"{stale} Nothing was changed.")
    refreshed = await FLOW.find(services, action.tenant, draft.id)
    assert refreshed is not None
    return _draft_reply(refreshed, notice="Proposal redrafted with your details (see your DMs).")


async def approved_document(
    services: Services, tenant: str, draft_id: str
) -> tuple[DraftText | None, str | None]:
    """An approved proposal for `/projects add proposal=…`, or why it can't start a project."""
    found = await FLOW.find(services, tenant, draft_id)
    if found is None:
        return None, f"`{draft_id[:20]}` is not a proposal I know."
    if found.draft.status not in _DONE:
        return None, f"Proposal `{found.draft.id}` is not approved yet; approve it first."
    return found, None


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="proposal",
            summary="Draft a client proposal from a saved estimate, privately; nothing is "
            "sent unapproved",
            usage="<estimate id> [friendly|formal|brief] [fixed|tm] [p50|p80]",
            examples=("est-1a2b3c4d", "est-1a2b3c4d tm client=Acme", "export p1a2b3c"),
            handler=proposal_command,
            option=("estimate", "a saved estimate id, optionally a tone and fixed|tm"),
        )
    )
    registry.action("proposal", on_action)
    registry.delivery("proposal", FLOW.on_delivery)


__all__ = ["DM_NOTICE", "FLOW", "act", "approved_document", "save_run", "setup"]

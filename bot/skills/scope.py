"""`/scope <brief>`: how big is this, from the tenant's own past projects.

Finds the closest closed projects, turns their actual hours into a calibrated range
(``estimating``), adds the overrun record, phases, risks, open questions and a chart, and
offers to save the estimate. Every number shown is computed from the tenant's data; with no
close analogues the answer says so and gives no number at all.
"""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from bot.compose import Composition
from bot.messages import Action, Block, Button, Buttons, Paragraph, Reply, Request, text_reply
from bot.pricing import Pricing, workspace_pricing
from bot.registry import ActionId, Command, SkillError, SkillRegistry
from bot.router import Route, not_a_brief
from bot.scoping import wording as w
from bot.scoping.brief import ParsedBrief, RateCommand, parse_brief, rate_command
from bot.scoping.chart import estimate_chart
from bot.scoping.clarify import (
    asked_before,
    follows_up,
    labelled_wide,
    questions_first,
    recent_vague_asks,
    remember_vague_ask,
    widened,
)
from bot.scoping.history import TenantHistory
from bot.scoping.questions import PastLessons, Question, open_questions
from bot.scoping.reply import (
    analogue_citations,
    analogue_table,
    chart_name,
    chart_title,
    scope_blocks,
    summary_draft,
)
from bot.scoping.result import AnalogueRow, ScopeResult, compute_scope
from bot.scoping.vagueness import assess
from bot.services import Services
from estimating import Knobs
from knowledge.port import KnowledgeStore
from state import SavedEstimate, ScopeRun, TenantSettings

if TYPE_CHECKING:  # the store module loads Chroma
    from knowledge.store import Match

MIN_FILTERED = 3  # a type/tag filter is kept only if it leaves this many usable analogues
MORE_PAGE = 5  # analogues added per "Show more analogues"
SEARCH_WIDTH = 4  # candidates an answer considers, per k (the estimate uses the closest k)
NEAREST = 128  # neighbours fetched (ids only) so that type/tag filters need no second search
MAX_SEARCH = 50

USAGE = (
    "Tell me what the client wants, e.g. `/scope Shopify store with a custom theme and Stripe`. "
    "Optional: a rate (`at €90/h`, `rate 120 EUR`) and your own guess (`I think 60h`). "
    "`/scope rate 120 EUR` sets this workspace's default rate."
)


async def _rate_command(command: RateCommand, request: Request, services: Services) -> Reply:
    tenant = request.tenant
    if command.reset:
        async with services.db.transaction() as session:
            row = await session.get(TenantSettings, tenant)
            if row is not None:
                await session.delete(row)
        services.pricing.forget(tenant)  # committed: the next answer reads the new rate
        pricing = await workspace_pricing(services, tenant)
        return text_reply(f"Back to the default rate: {w.rate(pricing.rate, pricing.currency)}.")
    if command.amount is None:
        pricing = await workspace_pricing(services, tenant)
        where = "this workspace's rate" if pricing.source == "workspace" else "the default rate"
        return text_reply(
            f"Estimates use {where}: {w.rate(pricing.rate, pricing.currency)}. "
            "Change it with `/scope rate 120 EUR`, or per estimate with `at €90/h`."
        )
    amount, currency = command.amount, command.currency
    async with services.db.transaction() as session:
        row = await session.get(TenantSettings, tenant)
        if row is None:
            row = TenantSettings(tenant=tenant)
            session.add(row)
        row.rate = amount
        if currency:
            row.currency = currency
    services.pricing.forget(tenant)
    pricing = await workspace_pricing(services, tenant)
    return text_reply(
        f"Saved: estimates in this workspace now use {w.rate(pricing.rate, pricing.currency)}."
    )


# --- finding analogues ---------------------------------------------------------------------


def brief_words(text: str) -> str:
    """A brief's words in lower case between spaces (" e commerce shop "), for :func:`named_in`."""
    return " " + " ".join(re.findall(r"[a-z0-9.+#]+", text.lower().replace("-", " "))) + " "


def named_in(label: str, words: str) -> bool:
    """Whether a brief (its :func:`brief_words`) names a project type or tag, as `/scope`
    filters on it."""
    phrase = brief_words(label).strip()
    if len(phrase) < 2 or phrase == "other":
        return False
    forms = {phrase, phrase.replace(" ", "")}  # "e-commerce" is also written "ecommerce"
    return any(f" {form} " in words or f" {form}s " in words for form in forms)


def filter_options(brief: str, history: TenantHistory) -> list[dict[str, Any]]:
    """Metadata filters the brief names (a project type, stack tags), narrowest first."""
    words = brief_words(brief)
    types = sorted(t for t in history.types if named_in(t, words))
    tags = sorted(t for t in history.tags if named_in(t, words))
    options: list[dict[str, Any]] = []
    kind = types[0] if len(types) == 1 else None  # two named types: let similarity decide
    if kind and tags:
        options.append({"type": kind, "tags": tags})
    if kind:
        options.append({"type": kind})
    if tags:
        options.append({"tags": tags})
    return options


def _search(store: KnowledgeStore, tenant: str, brief: str, k: int) -> list[Match]:
    return store.search(tenant, brief, k=k, status="closed")


Candidate = tuple[Any, float]  # (past project, similarity to the brief)


def _passes(project: Any, filters: dict[str, Any]) -> bool:
    if filters.get("type") and project.type != filters["type"]:
        return False
    return set(filters.get("tags") or ()) <= set(project.tags or ())


def _usable(matches: Sequence[Candidate], floor: float, k: int) -> int:
    usable = [(p, s) for p, s in matches if p.actual_hours is not None]
    return sum(1 for _, s in usable[:k] if s >= floor)


def _width(k: int) -> int:
    return min(max(k * SEARCH_WIDTH, 32), MAX_SEARCH)


def closed_candidates(
    store: KnowledgeStore,
    tenant: str,
    brief: str,
    history: TenantHistory,
    nearest: Sequence[tuple[str, float]],
    k: int,
) -> list[Candidate]:
    """The closed projects among the brief's nearest neighbours, closest first.

    ``nearest`` are (id, similarity) pairs from one wide, metadata-free search; the projects
    themselves come from the cached history. When the net caught too few closed projects (a
    tenant with many projects still open), the store's own filtered search is asked instead.
    """
    closed = history.by_id
    found = [(closed[i], s) for i, s in nearest if i in closed]
    if len(found) < min(_width(k), len(closed)) and len(nearest) >= NEAREST:
        return [(m.project, m.similarity) for m in _search(store, tenant, brief, _width(k))]
    return found


def choose_matches(
    brief: str, history: TenantHistory, candidates: Sequence[Candidate], k: int, floor: float
) -> tuple[list[Candidate], dict[str, Any]]:
    """(matches, filters used): the candidates narrowed by a type/tag filter the brief names.

    A filter is used only while enough evidence is left: at least ``MIN_FILTERED`` usable
    analogues and half as many as without it; otherwise it would trade several good analogues
    for a wider, shrunk range. The filters apply to every candidate of the one search (the
    brief's embedding is the expensive part), so they never cost a second search.
    """
    found = list(candidates[: _width(k)])
    enough = max(MIN_FILTERED, (_usable(found, floor, k) + 1) // 2)
    for filters in filter_options(brief, history):
        narrowed = [c for c in candidates if _passes(c[0], filters)][: _width(k)]
        if _usable(narrowed, floor, k) >= enough:
            return narrowed, filters
    return found, {}


def _unavailable(problem: Exception) -> str:
    return (
        f"The knowledge store is unavailable right now ({problem}), so I can't look up your "
        "past projects. Nothing was lost; please try again in a moment."
    )


async def scope_result(
    services: Services,
    tenant: str,
    parsed: ParsedBrief,
    *,
    rate: float | None = None,
    currency: str | None = None,
) -> ScopeResult:
    """The full answer's numbers. ``rate``/``currency`` (CLI flags) beat the brief's own."""
    result = await unpriced_result(services, tenant, parsed)
    return priced(result, parsed, await workspace_pricing(services, tenant), rate, currency)


def priced(
    result: ScopeResult,
    parsed: ParsedBrief,
    pricing: Pricing,
    rate: float | None = None,
    currency: str | None = None,
) -> ScopeResult:
    """The result at the first rate given: explicit, the brief's own, the workspace's."""
    return replace(
        result,
        rate=rate or parsed.rate or pricing.rate,
        currency=currency or parsed.currency or pricing.currency,
    )


async def unpriced_result(services: Services, tenant: str, parsed: ParsedBrief) -> ScopeResult:
    """The answer's numbers in hours (rate 0): the store's part of the work."""
    from knowledge.store import KnowledgeUnavailable

    settings = services.settings
    k, floor = settings.scope_k, settings.scope_min_similarity
    params = Knobs(k=k, min_similarity=floor)

    def work(store: KnowledgeStore) -> ScopeResult:
        # One worker thread, in order: run side by side, the embedding (numpy, GIL-bound
        # between its BLAS calls), the database driver and the history check slowed each
        # other down more than their overlap saved.
        nearest = None
        if tenant in services.histories.tenants():
            history = services.histories.history(store, tenant)
        else:  # a first read: the store's first search (model, index) runs beside it
            with ThreadPoolExecutor(1, thread_name_prefix="atelier-first-search") as pool:
                searching = pool.submit(store.nearest, tenant, parsed.brief, NEAREST)
                history = services.histories.history(store, tenant)
                nearest = searching.result()
        matches: list[Candidate] = []
        filters: dict[str, Any] = {}
        band = None
        if history.closed:
            if nearest is None:
                nearest = store.nearest(tenant, parsed.brief, NEAREST)
            candidates = closed_candidates(store, tenant, parsed.brief, history, nearest, k)
            matches, filters = choose_matches(parsed.brief, history, candidates, k, floor)
            # This tenant's engine: knobs and band tuned on its own projects (cached).
            band = services.bands.get(store, tenant, history, params)
        result = compute_scope(
            parsed.brief,
            history.closed,
            matches,
            params=band.params if band else params,
            calibrated_on=band.projects if band else 0,
            engine=band.engine if band else None,
            rate=0.0,  # priced below, once the workspace's rate is read
            currency="",
            guess_hours=parsed.guess_hours,
            filters=filters,
            summary=history.facts if history.closed else None,
            with_questions=False,  # asked below, from the analogues' retros
        )
        return replace(
            result,
            questions=clarifying_questions(parsed.brief, result, matches, k),
            growth=_growth(history, result),
        )

    try:
        store = await services.open_knowledge()
        return await asyncio.to_thread(work, store)
    except KnowledgeUnavailable as problem:
        raise SkillError(_unavailable(problem)) from None


def clarifying_questions(
    brief: str, result: ScopeResult, matches: Sequence[Candidate], k: int
) -> tuple[Question, ...]:
    """The questions for ``brief``, learnt from the retros of the projects the answer rests on
    (its analogues; without an estimate, the closest candidates above the floor) and from the
    generic rules that fit this kind of job."""
    used = {a.id for a in result.analogues}
    pool = [(p, s) for p, s in matches if p.id in used]
    if not pool:
        pool = [(p, s) for p, s in matches[:k] if s >= result.min_similarity]
    lessons = [
        PastLessons(p.id, list(p.lessons or []), float(s), str(p.type or "")) for p, s in pool
    ]
    return tuple(open_questions(brief, lessons))


async def scope_reply(
    services: Services, tenant: str, result: ScopeResult, run_id: str | None
) -> Reply:
    """Compose the summary and build the blocks (with the chart when there is an estimate).

    The chart takes well under a millisecond, so it is simply drawn first.
    """
    chart = None
    if result.has_estimate and result.estimate is not None:
        est = result.estimate
        # Named as in the reply's table (the same safe, shortened titles).
        analogues = [
            (a.actual_hours, a.similarity, chart_name(a.title)) for a in result.analogues
        ]
        chart = estimate_chart(
            analogues, est.p10, est.p50, est.p90, title=chart_title(result.brief)
        )
    summary = await services.composer.compose(
        Composition(
            kind="estimate_summary",
            tenant=tenant,
            draft=summary_draft(result),
            facts=result.facts(),
            audience="studio",  # the studio's own estimate: its rate is the point
        )
    )
    blocks = scope_blocks(result, summary, run_id=run_id, chart=chart)
    return Reply(blocks=_with_growth(result, blocks), facts=result.facts())


def _growth(history: TenantHistory, result: ScopeResult) -> str | None:
    """How much the answer's analogues grew through change requests, when they were followed
    in Atelier (worked out beside the estimate, from the same history)."""
    from bot.changes.learning import growth_note

    if not result.analogues:
        return None
    by_id = history.by_id
    return growth_note([by_id[a.id] for a in result.analogues if a.id in by_id])


def _with_growth(result: ScopeResult, blocks: Sequence[Block]) -> tuple[Block, ...]:
    """The answer with its analogues' growth note (:func:`_growth`) before the buttons."""
    if result.growth is None or not result.analogues:
        return tuple(blocks)
    at = next((i for i, b in enumerate(blocks) if isinstance(b, Buttons)), len(blocks))
    return (*blocks[:at], Paragraph(text=result.growth), *blocks[at:])


# --- the command ---------------------------------------------------------------------------


async def scope_command(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    rate = rate_command(text)
    if rate is not None:
        return await _rate_command(rate, request, services)
    elsewhere = not_a_brief(text)
    if elsewhere is not None:
        return await _not_a_brief(elsewhere, request, services)
    parsed = parse_brief(text)
    if not re.search(r"[^\W\d_]{2}", parsed.brief):
        return text_reply(USAGE)
    result = await unpriced_result(services, request.tenant, parsed)
    closest = result.candidates[0].similarity if result.candidates else None
    vagueness = assess(parsed.brief, closest)
    now = services.clock()
    run_id = "est-" + uuid.uuid4().hex[:8] if result.has_estimate else None
    pricing = await workspace_pricing(services, request.tenant)  # kept: rarely a read
    wide = False
    if vagueness.thin or vagueness.too_vague:
        # One round trip: earlier vague asks, and the answer kept before its buttons can be
        # pressed (they carry this short id, never the brief).
        async with services.db.transaction() as session:
            earlier: list[str] = []
            if vagueness.thin:
                earlier = await recent_vague_asks(session, request.tenant, request.user_id, now)
            if vagueness.too_vague and not asked_before(parsed.brief, earlier):
                # Too vague to size, asked for the first time: the questions, no number.
                remember_vague_ask(session, request.tenant, request.user_id, parsed.brief, now)
                asked = questions_first(parsed.brief, vagueness, result.questions, result.n_closed)
                facts = _questions_facts(result, vagueness.reason)
                return asked.model_copy(update={"facts": facts})
            wide = vagueness.too_vague or follows_up(parsed.brief, earlier)
            result = priced(widened(result) if wide else result, parsed, pricing)
            if run_id is not None:
                await _keep_run(await session.connection(), request, result, run_id)
    else:
        result = priced(result, parsed, pricing)
        if run_id is not None:  # the answer kept before its buttons can be pressed
            async with services.db.engine.begin() as connection:
                await _keep_run(connection, request, result, run_id)
    reply = await scope_reply(services, request.tenant, result, run_id)
    return labelled_wide(reply, parsed.brief) if wide and result.has_estimate else reply


def _questions_facts(result: ScopeResult, reason: str) -> dict[str, Any]:
    """The facts of a questions-first answer: the questions, and no number of any kind."""
    return {
        "brief": result.brief,
        "closed_projects": result.n_closed,
        "has_estimate": False,
        "estimate": None,
        "price": None,
        "analogues": [],
        "too_vague": True,
        "reason": reason,
        "questions": [{"topic": q.topic, "text": q.text} for q in result.questions],
    }


async def _not_a_brief(route: Route, request: Request, services: Services) -> Reply:
    """Text given to `/scope` that is no brief: small talk, help, or a question for another
    skill (hours logged, a project's status), which that skill answers. Never priced."""
    if route.command == "help":
        return text_reply(USAGE)
    if route.command is None:
        opening = "You're welcome!" if route.reason == "thanks" else "Hi!"
        return text_reply(f"{opening} {USAGE}")
    command = services.commands.get(route.command)
    if command is None:
        return text_reply(f"That is not a brief, so I won't price it. {USAGE}")
    routed = request.model_copy(update={"command": route.command, "text": route.text})
    return await command.handler(routed, services)


async def _keep_run(
    connection: AsyncConnection, request: Request, result: ScopeResult, run_id: str
) -> None:
    """Keep the answer (its :class:`ScopeRun`) for its buttons: one plain insert, without the
    ORM's unit of work, which cost more than the write itself."""
    est = result.estimate
    assert est is not None
    await connection.execute(
        insert(ScopeRun),
        {
            "id": run_id,
            "tenant": request.tenant,
            "user_id": request.user_id,
            "brief": result.brief,
            "p10_hours": est.p10,
            "p50_hours": est.p50,
            "p90_hours": est.p90,
            "rate": result.rate,
            "currency": result.currency,
            "analogue_ids": [a.id for a in result.analogues],
            "shown": len(result.analogues),
        },
    )


# --- buttons -------------------------------------------------------------------------------


async def _load_run(services: Services, action: Action) -> ScopeRun:
    async with services.db.sessions() as session:
        row = await session.scalar(
            select(ScopeRun).where(ScopeRun.id == action.value, ScopeRun.tenant == action.tenant)
        )
    if row is None:
        raise SkillError("I can't find that estimate any more. Please run `/scope` again.")
    return row


async def scope_action(action: Action, services: Services) -> Reply:
    verb = ActionId.parse(action.action_id).verb
    run = await _load_run(services, action)
    if verb == "save":
        return await _save(action, services, run)
    if verb == "more":
        return await _more(action, services, run)
    return text_reply("That button is no longer supported. Please run `/scope` again.")


async def save_estimate(
    services: Services, run: ScopeRun, user_id: str
) -> tuple[SavedEstimate, bool]:
    """The saved estimate of a `/scope` answer, saving it now when it was not yet; True when
    this call saved it (a double click, or the other button, may have raced us to it)."""
    if (saved := await _saved_estimate(services, run)) is not None:
        return saved, False
    created = True
    try:
        async with services.db.transaction() as session:
            session.add(
                SavedEstimate(
                    id=run.id,
                    tenant=run.tenant,
                    user_id=user_id,
                    brief=run.brief,
                    p10_hours=run.p10_hours,
                    p50_hours=run.p50_hours,
                    p90_hours=run.p90_hours,
                    rate=run.rate,
                    currency=run.currency,
                    analogue_ids=list(run.analogue_ids or []),
                )
            )
    except IntegrityError:
        created = False
    saved = await _saved_estimate(services, run)
    assert saved is not None
    return saved, created


async def _saved_estimate(services: Services, run: ScopeRun) -> SavedEstimate | None:
    async with services.db.sessions() as session:
        return await session.scalar(
            select(SavedEstimate).where(
                SavedEstimate.id == run.id, SavedEstimate.tenant == run.tenant
            )
        )


async def _save(action: Action, services: Services, run: ScopeRun) -> Reply:
    _saved, created = await save_estimate(services, run, action.user_id)
    if not created:
        return text_reply(
            f"That estimate is already saved as `{run.id}`. When the project starts, link it "
            "with `/projects add` so its actual hours are compared when it closes."
        )
    return text_reply(
        f"Saved as estimate `{run.id}` (≈ {w.hours(run.p50_hours)}, "
        f"{w.hours_range(run.p10_hours, run.p90_hours)}). When the project starts, link it with "
        "`/projects add` so its actual hours are compared when it closes."
    )


async def _more(action: Action, services: Services, run: ScopeRun) -> Reply:
    """The next closest past projects, from the kept brief, without type/tag filters.

    The estimate's own analogues were shown already; "shown" counts them plus every page since.
    """
    from knowledge.store import KnowledgeUnavailable

    used = list(run.analogue_ids or [])
    skip = max(run.shown - len(used), 0)  # extra projects shown by earlier pages
    k = min(len(used) + skip + MORE_PAGE + 1, MAX_SEARCH)  # one extra: is there a next page?

    def work() -> list[Any]:
        matches = _search(services.knowledge, run.tenant, run.brief, k)
        return [m for m in matches if m.project.actual_hours is not None]

    try:
        matches = await asyncio.to_thread(work)
    except KnowledgeUnavailable as problem:
        raise SkillError(_unavailable(problem)) from None
    fresh = [m for m in matches if m.project.id not in set(used)]
    page = fresh[skip : skip + MORE_PAGE]
    if not page:
        return text_reply("There are no more past projects to show for this brief.")
    rows = [
        AnalogueRow(
            id=m.project.id,
            title=m.project.title,
            actual_hours=float(m.project.actual_hours),
            estimated_hours=m.project.estimated_hours or None,
            similarity=float(m.similarity),
            used=False,
        )
        for m in page
    ]
    async with services.db.transaction() as session:
        row = await session.get(ScopeRun, run.id)
        if row is not None:
            row.shown = len(used) + skip + len(rows)
    blocks: list[Block] = [
        Paragraph(
            text="More past projects close to this brief. They were not counted in the "
            "estimate (less similar, or outside the filter it used)."
        ),
        analogue_table(rows, "More similar past projects"),
        analogue_citations(rows),
    ]
    if len(fresh) > skip + MORE_PAGE and k < MAX_SEARCH:
        blocks.append(
            Buttons(
                items=(Button(label="Show more analogues", action_id="scope:more", value=run.id),)
            )
        )
    return Reply(blocks=tuple(blocks))


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="scope",
            summary="How big is this? Effort and price range from your similar past projects",
            usage="<brief>",
            examples=(
                "Shopify store with a custom theme and Stripe checkout, at $120/h",
                "booking app for a dental practice, I think 80h",
                "rate 120 EUR",
            ),
            handler=scope_command,
            option=("brief", "What the client wants, in plain words (optional: at €90/h)"),
        )
    )
    # Free text: "how long would …", "how much would … cost", "can you estimate/quote …".
    # Not the past tense: "how long did Acme take?" asks about history, not for an estimate.
    registry.intent(
        "scope",
        r"\b(how\s+long\s+(would|will|does|might|could|to)|how\s+much\s+(would|will|does|"
        r"might|could|to|for)|how\s+many\s+hours|what\s+(would|will|does|might)\b.{0,80}\bcost|"
        r"estimate\s+(for|of|on|a|an|the|this|how)|ballpark|quote\s+(for|on|a|an|the|this)|"
        r"scope\s+(this|a|an|the))\b",
        priority=40,
    )
    registry.action("scope", scope_action)

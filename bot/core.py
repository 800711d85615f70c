"""The bot core: ``Bot.handle(Request) -> Reply`` and ``Bot.handle_action(Action) -> Reply``."""

from __future__ import annotations

import asyncio
import threading
import uuid
from collections.abc import Awaitable, Sequence
from typing import TypeVar

from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError

from bot.access import AccessPolicy, keep_private
from bot.button_values import ButtonValues
from bot.errors import AtelierError
from bot.logs import get_logger
from bot.messages import (
    Action,
    ConfirmDelivery,
    DeliveryOutcome,
    DeliveryState,
    Paragraph,
    Reply,
    Request,
    Visibility,
    refusal_reply,
    text_reply,
)
from bot.outbound import DirectMessages
from bot.registry import ActionId, SkillRegistry
from bot.retention import prune_expired
from bot.router import Route, route
from bot.scoping.warm import read_histories, recent_tenants
from bot.services import Services
from bot.skills import SKILL_MODULES
from bot.suggestions import Suggestion, project_suggestions
from state import DatabaseUnavailable
from state.migrations import upgrade_to_head

log = get_logger(__name__)
T = TypeVar("T")

MAX_TEXT = 20_000  # characters; a brief longer than a few pages is a file, not a message

# The database being down or locked is not a bug in a skill: say so plainly.
_DATABASE_ERRORS = (DatabaseUnavailable, OperationalError, InterfaceError)


def _locked(problem: Exception) -> bool:
    """SQLite's "database is locked" / "busy": another writer holds it, nothing is broken."""
    reason = str(getattr(problem, "orig", "") or "").lower()
    return isinstance(problem, OperationalError) and ("locked" in reason or "busy" in reason)


def skill_registry(skills: Sequence[str] = SKILL_MODULES) -> SkillRegistry:
    """The commands, intents and actions of ``skills``, without a bot: what a platform's
    manifest lists, so adapters never import the skills themselves."""
    registry = SkillRegistry()
    registry.load(skills)
    return registry


class Bot:
    """Routes requests to skills and turns every failure into a short, useful answer."""

    def __init__(self, services: Services, skills: Sequence[str] = SKILL_MODULES) -> None:
        self.services = services
        self.registry = skill_registry(skills)
        services.commands = self.registry.commands
        self.access = AccessPolicy.from_settings(services.settings)
        # Platforms that can DM a person unprompted (scheduled digests), by platform name.
        self.direct_messages: dict[str, DirectMessages] = {}
        # Button values too long for a platform are stored and swapped for a short id.
        self.button_values = ButtonValues(services.db)

    _warming: asyncio.Task[None] | None = None
    _closing: threading.Event | None = None

    async def start(self, *, warm_up: bool = False) -> None:
        """Bring the database up to date; with ``warm_up`` (a bot that serves until stopped)
        also open the knowledge store, load the embedding model and read the histories of the
        workspaces that asked for estimates most recently, in the background: the first
        `/scope` would otherwise wait for them."""
        closing = self._closing = threading.Event()

        async def histories() -> None:
            try:
                tenants = await recent_tenants(self.services.db, self.services.clock())
            except SQLAlchemyError:  # a database the migrations have not made yet: none
                return
            if tenants:
                store = await self.services.open_knowledge()
                await asyncio.to_thread(
                    read_histories, self.services.histories, store, tenants, closing.is_set
                )

        async def warming() -> None:
            # The model and the histories side by side: neither needs the other.
            for done in await asyncio.gather(
                asyncio.to_thread(self.services.warm_up), histories(), return_exceptions=True
            ):
                if isinstance(done, Exception):  # the first /scope says what is wrong
                    log.warning("warm_up_failed", error=type(done).__name__)

        self.services.bands.resume()  # tunings stopped by an earlier close may run again
        if warm_up:  # beside the migrations: neither needs the other
            self._warming = asyncio.create_task(warming())
        # The migrations own the schema: bring the database to their head (one query when it
        # is there already; a database made by create_all before migrations is adopted).
        await upgrade_to_head(self.services.db)
        # Old bookkeeping rows go at every start; the scheduler repeats it daily.
        await prune_expired(self.services.db, self.services.settings, self.services.clock())

    async def close(self) -> None:
        if self._closing is not None:
            self._closing.set()  # a history still being read is the last one read
        if self._warming is not None:  # a store still loading is not left behind half-open
            await self._warming
            self._warming = None
        # No background tuning may be searching when the process exits (see TenantBands.stop).
        await asyncio.to_thread(self.services.bands.stop)
        await self.services.db.close()

    async def is_retry(self, platform: str, tenant: str, event_id: str | None) -> bool:
        """True when this platform event was handled already (a delivery retry)."""
        if not event_id:
            return False
        return not await self.services.db.claim_event(f"{platform}:{tenant}:{event_id}")

    async def handle(self, request: Request) -> Reply | None:
        """Answer a request; ``None`` only for a platform retry of an event already handled."""
        retry = await self._run(
            self.is_retry(request.platform, request.tenant, request.event_id), request, "dedupe"
        )
        if isinstance(retry, Reply):
            return retry
        if retry:
            log.info("duplicate_event", event_id=request.event_id, tenant=request.tenant)
            return None
        # Who may ask is decided here, once, before any skill runs.
        refusal = self.access.refusal(request)
        if refusal is not None:
            return refusal.model_copy(update={"refused": True})
        if len(request.text) > MAX_TEXT:
            return refusal_reply(
                f"That message is {len(request.text):,} characters long; I read up to "
                f"{MAX_TEXT:,}. Please shorten it (the key points of a brief are plenty), "
                "or import long documents with `/projects import`."
            )
        found = route(request, self.registry)
        if found.command is None:
            found = await self._classify(request, found)
        if found.command is None:
            return self._not_understood(request, found.text)
        command = self.registry.commands[found.command]
        routed = request.model_copy(update={"command": found.command, "text": found.text})
        answer = await self._run(command.handler(routed, self.services), request, found.command)
        if isinstance(answer, Reply):  # adapters learn here what ran, never by routing again
            ran = {"command": found.command, "command_text": found.text}
            answer = answer.model_copy(update=ran)
        return await self.button_values.fit(keep_private(answer, request.access), request.tenant)

    async def handle_action(self, action: Action) -> Reply | None:
        retry = await self._run(
            self.is_retry(action.platform, action.tenant, action.event_id), action, "dedupe"
        )
        if isinstance(retry, Reply):
            return retry
        if retry:
            return None
        refusal = self.access.refusal(action)
        if refusal is not None:
            return refusal.model_copy(update={"refused": True})
        action = await self.button_values.expand(action)
        parsed = ActionId.parse(action.action_id)
        handler = self.registry.actions.get(parsed.prefix)
        if handler is None:
            return refusal_reply(
                "That button is no longer supported. Please run the command again."
            )
        answer = await self._run(handler(action, self.services), action, action.action_id)
        return await self.button_values.fit(keep_private(answer, action.access), action.tenant)

    async def confirm_delivery(
        self, confirm: ConfirmDelivery, outcome: DeliveryOutcome
    ) -> Reply | None:
        """What the platform did with a reply that asked for confirmation (``Reply.confirm``).

        Adapters call this after every such post, whatever happened, and deliver the answer to
        the requester. The skill that asked records the outcome (e.g. "posted" with the
        platform's message id) and says what happened; None when there is nothing to say.
        """
        handler = self.registry.deliveries.get(ActionId.parse(confirm.key).prefix)
        if handler is None:
            log.error("delivery_unhandled", key=confirm.key[:80], tenant=confirm.tenant)
            return None
        log.info(
            "delivery_outcome",
            key=confirm.key[:80],
            tenant=confirm.tenant,
            state=outcome.state.value,
            reason_code=outcome.reason_code,
        )
        try:
            answer = await handler(confirm, outcome, self.services)
            return await self.button_values.fit(answer, confirm.tenant)
        except _DATABASE_ERRORS:
            # The message may be out there while the record could not say so: never claim
            # "nothing was sent" here; the record stays "sending" and asks for a check later.
            error_id = uuid.uuid4().hex[:8]
            log.exception("delivery_unrecorded", error_id=error_id, tenant=confirm.tenant)
            where = f" ({outcome.permalink})" if outcome.permalink else ""
            what = {
                DeliveryState.DELIVERED: f"It was posted{where}, but",
                DeliveryState.REFUSED: "Nothing was sent, and",
            }.get(outcome.state, "It may not have arrived, and")
            return text_reply(
                f"{what} I can't reach my database to record it (error id `{error_id}`). "
                "Press **Post** on the update again later: I'll ask you whether it arrived "
                "before sending anything again."
            )
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("delivery_record_failed", error_id=error_id, tenant=confirm.tenant)
            return text_reply(
                f"Sorry, I couldn't record what happened to that post (error id `{error_id}`). "
                "Press **Post** on the update again: I'll check with you before sending anything."
            )

    async def suggestions(self, request: Request) -> list[Suggestion]:
        """What to offer while someone types a command's project option (autocomplete): the
        active projects matching ``request.text`` so far; none for a person the core refuses."""
        return await project_suggestions(self.services, self.access, request)

    def add_direct_messages(self, port: DirectMessages) -> None:
        """An adapter offers to deliver DMs nobody asked for (see :mod:`bot.outbound`)."""
        self.direct_messages[port.platform] = port

    async def send_dm(
        self, platform: str, tenant: str, user_id: str, reply: Reply
    ) -> DeliveryOutcome:
        """Deliver ``reply`` to a person's DMs on ``platform``; what the platform did.

        Only DMs: scheduled work has no way to post in a channel, so it can't reach a client.
        """
        port = self.direct_messages.get(platform)
        if port is None:
            return DeliveryOutcome.refused(
                "", "no_platform", f"Atelier isn't connected to {platform or 'a platform'} here"
            )
        if not port.can_reach(user_id):
            return DeliveryOutcome.refused("", "unreachable", "that person has no DMs there")
        dm = reply.model_copy(update={"visibility": Visibility.DM, "channel_id": None})
        try:
            dm = await self.button_values.fit(dm, tenant) or dm
            outcome = await port.send_dm(tenant, user_id, dm)
        except Exception:
            log.exception("dm_failed", platform=platform, tenant=tenant, user_id=user_id)
            return DeliveryOutcome.unknown("", "error", "the DM failed on my side")
        log.info(
            "dm_outcome",
            platform=platform,
            tenant=tenant,
            user_id=user_id,
            state=outcome.state.value,
            reason_code=outcome.reason_code,
        )
        return outcome

    async def _run(self, pending: Awaitable[T], source: Request | Action, what: str) -> T | Reply:
        try:
            return await pending
        except AtelierError as problem:  # the skills' and the domain's plain answers
            return refusal_reply(str(problem))
        except _DATABASE_ERRORS as problem:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "database_unavailable", error_id=error_id, what=what, tenant=source.tenant
            )
            if _locked(problem):  # waiting helps, and the person can see who holds it
                return refusal_reply(
                    "I can't reach my database right now: it is locked by another process "
                    "(another Atelier writing to it, or a tool holding it open), so nothing was "
                    f"saved (error id `{error_id}`). Try again when it is free."
                )
            return refusal_reply(
                f"I can't reach my database right now (error id `{error_id}`), so I couldn't "
                "finish that; nothing was half-saved. Please try again in a minute."
            )
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception(
                "skill_failed",
                error_id=error_id,
                what=what,
                tenant=source.tenant,
                user_id=source.user_id,
            )
            return Reply(
                blocks=(
                    Paragraph(
                        text=f"Sorry, something went wrong on my side (error id `{error_id}`). "
                        "Nothing was lost; please try again, and quote the id if it persists."
                    ),
                ),
                refused=True,
            )

    async def _classify(self, request: Request, found: Route) -> Route:
        """Free text the rules missed: ask the optional model-based classifier, if any."""
        classifier = self.services.intent_classifier
        if classifier is None or request.command or not found.text or found.text[0] == "/":
            return found
        name = await classifier(found.text, self.registry.commands)
        return Route(name, found.text) if name in self.registry.commands else found

    def _not_understood(self, request: Request, text: str) -> Reply:
        names = ", ".join(f"`/{name}`" for name in self.registry.commands)
        if request.command:
            opening = f"I don't know the command `/{request.command.lstrip('/')}`."
        elif not text:
            opening = "Hi! Tell me what you need."
        else:
            opening = "I'm not sure what you'd like me to do with that."
        return refusal_reply(
            f"{opening} I understand {names}. Try `/help` for examples, or ask in plain words, "
            "e.g. _how long would a Shopify store with a custom theme take?_"
        )

"""The steps every client document shares, whatever its kind.

A skill builds one :class:`DocumentFlow` for its kind and hands it the generic verbs: who may
act (:meth:`DocumentFlow.check`), discarding, posting an approved document to the client
channel (re-judged by the leak rules at the door), settling a send that never heard back, and
the platform's delivery outcome (:meth:`DocumentFlow.on_delivery`). Wording names the kind
(``noun``) and its subject (``Subject.title``), so "the proposal for Shop rebuild" and "the
change order for Acme" read right.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bot.client_guard import ClientGuard
from bot.drafts import (
    DraftText,
    StaleDraft,
    confirm_posted,
    discard,
    get_draft,
    interrupted,
    noun,
    release_sending,
    send_again,
    start_sending,
    why_stale,
)
from bot.errors import Conflict, NotFound
from bot.leaks import REASONS
from bot.logs import get_logger
from bot.mentions import neutralise_mentions
from bot.messages import (
    Button,
    Buttons,
    ConfirmDelivery,
    DeliveryOutcome,
    DeliveryState,
    Paragraph,
    Reply,
    Visibility,
    refusal_reply,
)
from bot.services import Services
from state import Draft

log = get_logger(__name__)


@dataclass(frozen=True)
class Subject:
    """What a document is about, as the shared steps need it."""

    title: str  # "Shop rebuild": named in sentences to the studio
    client_channel: str | None  # where an approved document can be posted (None: export only)
    guard: ClientGuard  # the leak rules for this document's client
    # The command for a newer document about this subject ("`/update acme`"), named when this
    # one was superseded; None says nothing more.
    fresh: str | None = None


# Loads a draft's subject (None: it is gone); the kind's skill knows where it lives.
SubjectLoader = Callable[[Services, Draft], Awaitable[Subject | None]]
# A kind's own last word before anything is sent: a refusal, or None to go ahead.
ReadyCheck = Callable[[], Awaitable[Reply | None]]


def button_value(draft_id: str, version: int, attempt: str = "") -> str:
    """A button's value: the draft and the version it was shown with (and a send's attempt)."""
    return f"{draft_id}:{version}:{attempt}" if attempt else f"{draft_id}:{version}"


def parse_value(value: str) -> tuple[str, int | None, str]:
    """(draft id, version or None, attempt) from :func:`button_value`'s text."""
    draft_id, _, rest = value.strip().partition(":")
    version, _, attempt = rest.partition(":")
    return draft_id, int(version) if version.isdigit() else None, attempt


_VERB_NAMES = {
    "approve": "approve",
    "post": "post",
    "discard": "discard",
    "regenerate": "regenerate",
    "tone": "change the tone of",
    "pricing": "change the pricing of",
    "details": "change the details of",
    "export": "export",
    "resend": "post",
    "arrived": "record",
    "start": "start a project from",
}


@dataclass(frozen=True)
class DocumentFlow:
    """The shared steps of one kind of client document.

    ``kind`` is ``Draft.kind`` and the prefix of the kind's action and delivery keys;
    ``fresh`` is the command that drafts a new one (shown when a button is stale).
    """

    kind: str
    fresh: str
    load_subject: SubjectLoader

    @property
    def noun(self) -> str:
        return noun(self.kind)

    # --- who may act, and on what --------------------------------------------------------

    async def find(self, services: Services, tenant: str, draft_id: str) -> DraftText | None:
        """The draft of this kind in this tenant (another kind's id is not found)."""
        return await get_draft(services.db, tenant, draft_id.strip()[:20], kind=self.kind)

    async def own(
        self, services: Services, tenant: str, draft_id: str, user_id: str, verb: str
    ) -> DraftText:
        """The draft ``user_id`` may ``verb``: the one rule of :meth:`check`, raised as the
        person's plain answer (``NotFound``, ``Conflict``) when it refuses."""
        found = await self.find(services, tenant, draft_id)
        if found is None:
            raise NotFound(self._unknown(draft_id))
        if (refusal := self._not_theirs(found.draft, user_id, verb)) is not None:
            raise Conflict(refusal)
        return found

    def check(
        self, found: DraftText | None, draft_id: str, user_id: str, verb: str
    ) -> Reply | None:
        """The one rule for every kind: only the requester acts on a draft. A refusal, or None."""
        if found is None:
            return refusal_reply(self._unknown(draft_id))
        if (refusal := self._not_theirs(found.draft, user_id, verb)) is not None:
            return refusal_reply(refusal)
        return None

    def _unknown(self, draft_id: str) -> str:
        return f"I can't find the draft `{draft_id.strip()[:20]}`. Run {self.fresh} again."

    def _not_theirs(self, draft: Draft, user_id: str, verb: str) -> str | None:
        if user_id == draft.requester_id:
            return None
        who = draft.requester_name or draft.requester_id
        return (
            f"Sorry, only the person who asked for this draft ({who}) can "
            f"{_VERB_NAMES.get(verb, verb)} it. You can draft your own with {self.fresh}."
        )

    def stale(
        self,
        draft: Draft,
        version: int | None,
        wanted: str = "draft",
        *,
        fresh: str | None = None,
        outcome: str = "Nothing was changed.",
    ) -> Reply | None:
        """Why a button of ``version`` no longer applies, as a refusal; None when it applies.
        ``fresh`` (see :attr:`Subject.fresh`) is offered when a newer document replaced it."""
        reason = why_stale(draft, version, wanted)
        if reason is None:
            return None
        superseded = fresh and draft.status == "superseded"
        newer = f" Run {fresh} for anything newer." if superseded else ""
        return refusal_reply(f"{reason}{newer} {outcome}")

    # --- discard -------------------------------------------------------------------------

    async def discard(
        self, services: Services, subject: Subject, found: DraftText, version: int | None
    ) -> Reply:
        draft = found.draft
        if (refused := self.stale(draft, version, fresh=subject.fresh)) is not None:
            return refused
        try:
            await discard(services.db, draft.tenant, draft.id, draft.version)
        except StaleDraft as stale:
            return refusal_reply(f"{stale} Nothing was changed.")
        return Reply(
            blocks=(
                Paragraph(
                    text=f"Discarded {self.noun} draft `{draft.id}` for **{subject.title}**. "
                    f"Nothing was sent; run {self.fresh} for a new one."
                ),
            ),
            visibility=Visibility.DM,
            replace_original=True,
        )

    # --- posting -------------------------------------------------------------------------

    async def post(
        self,
        services: Services,
        subject: Subject,
        found: DraftText,
        version: int | None,
        user_id: str,
        text: str | None = None,
        ready: ReadyCheck | None = None,
    ) -> Reply:
        """Hand an approved document to the platform, for the client channel. ``text`` is what
        to post when it differs from the version's client text (a shorter channel message);
        ``ready`` is the kind's own check, after the shared ones and before the leak rules."""
        draft = found.draft
        if not subject.client_channel:
            return refusal_reply(
                f"**{subject.title}** has no client channel, so I can't post there. "
                "Export it instead."
            )
        if draft.status == "sending":
            return self._sending_reply(services, subject, found)
        stale = self.stale(
            draft, version, "approved", fresh=subject.fresh, outcome="Nothing was posted."
        )
        if stale is not None:
            return stale
        if ready is not None and (refused := await ready()) is not None:
            return refused
        body = text if text is not None else found.version.client_text
        if (refused := self._leak_refusal(subject, body)) is not None:
            return refused
        try:
            attempt = await start_sending(
                services.db, draft.tenant, draft.id, draft.version, services.clock()
            )
        except StaleDraft as stale:
            return refusal_reply(f"{stale} Nothing was posted.")
        return self._post_reply(subject, found, attempt, user_id, body)

    def _leak_refusal(self, subject: Subject, body: str) -> Reply | None:
        """Every post is judged at the door: approved under older rules, or another client
        was added since, it goes nowhere."""
        if not (leaks := subject.guard.filter.leaks(body)):
            return None
        where = ", ".join(f"line {line}: {REASONS[reason]}" for line, reason in leaks[:3])
        return refusal_reply(
            f"This approved {self.noun} no longer passes the checks for client text "
            f"({where}), so nothing was posted. Export it to edit by hand, or draft a new "
            "one."
        )

    def _post_reply(
        self, subject: Subject, found: DraftText, attempt: str, user_id: str, body: str
    ) -> Reply:
        assert subject.client_channel
        return Reply(
            blocks=(Paragraph(text=neutralise_mentions(body)),),
            visibility=Visibility.PUBLIC,
            channel_id=subject.client_channel,
            confirm=ConfirmDelivery(
                key=f"{self.kind}:{found.draft.id}:{attempt}",
                tenant=found.draft.tenant,
                user_id=user_id,
            ),
        )

    def _sending_reply(self, services: Services, subject: Subject, found: DraftText) -> Reply:
        draft = found.draft
        if not interrupted(draft, services.clock()):
            return refusal_reply(
                f"The {self.noun} for **{subject.title}** is being posted right now; I'll tell "
                "you as soon as the platform confirms it. Nothing else was sent."
            )
        started = draft.sending_at
        when = f" (started {started:%d %b %Y %H:%M} UTC)" if started is not None else ""
        return self._check_channel_reply(
            subject,
            found,
            f"An earlier attempt to post the {self.noun} for **{subject.title}**{when} never "
            "heard back from the platform (the app may have restarted in the middle), so I "
            "don't know whether the client got it. It is recorded as *sending*, not as posted.",
        )

    def _check_channel_reply(self, subject: Subject, found: DraftText, opening: str) -> Reply:
        draft = found.draft
        value = button_value(draft.id, draft.version, draft.delivery_attempt or "")
        return Reply(
            blocks=(
                Paragraph(
                    text=f"{opening} Please look in the client channel "
                    f"`{subject.client_channel}`: if the {self.noun} is there, press **It "
                    "arrived** to record it; if not, press **Post again**."
                ),
                Buttons(
                    items=(
                        Button(label="It arrived", action_id=f"{self.kind}:arrived", value=value),
                        Button(
                            label="Post again",
                            action_id=f"{self.kind}:resend",
                            value=value,
                            style="primary",
                        ),
                    )
                ),
            ),
            visibility=Visibility.DM,
        )

    async def settle_interrupted(
        self,
        services: Services,
        subject: Subject,
        found: DraftText,
        verb: str,
        attempt: str,
        user_id: str,
    ) -> Reply:
        """The requester looked at the channel after a send that never heard back."""
        draft = found.draft
        if draft.status != "sending" or not attempt or draft.delivery_attempt != attempt:
            reason = why_stale(draft, None, wanted="sending") or "That send was settled meanwhile."
            return refusal_reply(f"{reason} Nothing was changed.")
        if verb == "resend":
            if (refused := self._leak_refusal(subject, found.version.client_text)) is not None:
                return refused
            try:
                new = await send_again(
                    services.db, draft.tenant, draft.id, attempt, services.clock()
                )
            except StaleDraft as stale:
                return refusal_reply(f"{stale} Nothing was posted.")
            return self._post_reply(subject, found, new, user_id, found.version.client_text)
        try:
            await confirm_posted(
                services.db,
                draft.tenant,
                draft.id,
                attempt,
                posted_by=user_id,
                channel_id=subject.client_channel or "",
                text=neutralise_mentions(found.version.client_text),
                now=services.clock(),
                message_id=None,
                note=f"the platform never confirmed; {user_id} checked the channel and said "
                "it arrived",
            )
        except StaleDraft as stale:
            return refusal_reply(f"{stale} Nothing was changed.")
        return Reply(
            blocks=(
                Paragraph(
                    text=f"Recorded: the {self.noun} for **{subject.title}** "
                    f"(v{draft.version}) arrived in the client channel. The record notes that "
                    "you confirmed it, as the platform never did."
                ),
            ),
            visibility=Visibility.DM,
        )

    async def on_delivery(
        self, confirm: ConfirmDelivery, outcome: DeliveryOutcome, services: Services
    ) -> Reply | None:
        """What the platform did with a post: recorded as posted only on its confirmation."""
        _prefix, draft_id, attempt = [*confirm.key.split(":", 2), "", ""][:3]
        found = await self.find(services, confirm.tenant, draft_id)
        subject = await self.load_subject(services, found.draft) if found else None
        if found is None or subject is None:
            log.error("delivery_for_unknown_draft", draft_id=draft_id[:20], tenant=confirm.tenant)
            return None
        draft = found.draft
        if draft.status != "sending" or draft.delivery_attempt != attempt:
            log.warning("delivery_outcome_ignored", draft_id=draft.id, state=outcome.state.value)
            return None
        if outcome.state is DeliveryState.DELIVERED:
            return await self._record_posted(services, subject, found, attempt, confirm, outcome)
        if outcome.state is DeliveryState.REFUSED:
            await release_sending(services.db, confirm.tenant, draft.id, attempt)
            value = button_value(draft.id, draft.version)
            return Reply(
                blocks=(
                    Paragraph(
                        text=f"I couldn't post the {self.noun} for **{subject.title}** to the "
                        f"client channel `{subject.client_channel}`: "
                        f"{sentence(outcome.reason)} **Nothing was sent.** It is still "
                        "approved; try again once that is fixed."
                    ),
                    Buttons(
                        items=(
                            Button(
                                label="Post to client channel",
                                action_id=f"{self.kind}:post",
                                value=value,
                                style="primary",
                            ),
                            Button(label="Export", action_id=f"{self.kind}:export", value=value),
                        )
                    ),
                ),
                visibility=Visibility.DM,
            )
        return self._check_channel_reply(
            subject,
            found,
            f"I couldn't tell whether the {self.noun} for **{subject.title}** reached the "
            f"client channel: {sentence(outcome.reason or 'the platform did not answer.')} "
            "It is recorded as *sending*, not as posted.",
        )

    async def _record_posted(
        self,
        services: Services,
        subject: Subject,
        found: DraftText,
        attempt: str,
        confirm: ConfirmDelivery,
        outcome: DeliveryOutcome,
    ) -> Reply | None:
        """Sending → posted on the platform's confirmation; None when the send was settled
        meanwhile (by the requester)."""
        draft = found.draft
        missing = None if outcome.complete else f"only part of it arrived: {outcome.reason}"
        try:
            await confirm_posted(
                services.db,
                confirm.tenant,
                draft.id,
                attempt,
                posted_by=confirm.user_id,
                channel_id=outcome.channel_id or subject.client_channel or "",
                text=neutralise_mentions(found.version.client_text),
                now=services.clock(),
                message_id=outcome.message_id,
                permalink=outcome.permalink,
                note=missing,
            )
        except StaleDraft:
            return None  # settled meanwhile by the requester
        link = f" [Open it]({outcome.permalink})" if outcome.permalink else ""
        text = (
            f"Posted the approved {self.noun} for **{subject.title}** (v{draft.version}) to the "
            f"client channel.{link}"
        )
        if missing:
            text += (
                f" Note: {sentence(missing)} The rest was not sent; export the text to send it."
            )
        return Reply(blocks=(Paragraph(text=text),), visibility=Visibility.DM)


def sentence(text: str) -> str:
    """A platform's reason as a sentence of the reply."""
    text = text.strip() or "the platform refused it."
    return text if text[-1] in ".!?" else text + "."


__all__ = [
    "DocumentFlow",
    "ReadyCheck",
    "Subject",
    "SubjectLoader",
    "button_value",
    "parse_value",
    "sentence",
]

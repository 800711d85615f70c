"""The test adapter: the real bot in memory, text in and :class:`Reply` objects out.

A first-class adapter like the console, Slack and Discord ones: it enters the core only through
``Bot.handle``, ``Bot.handle_action`` and ``Bot.confirm_delivery``, and it implements the
core's outbound port (:class:`bot.outbound.DirectMessages`). Nothing is rendered: tests assert
on replies and on what the adapter recorded.

* ``await adapter.say("/scope …")`` and ``await adapter.press(button)`` return the answer.
* A reply that asks for delivery confirmation (``Reply.confirm``, a post to a client channel)
  is "posted" by :attr:`TestAdapter.post_to_channel` (by default: accepted, with a message id
  ``test-1``, ``test-2``…), the outcome is reported to ``Bot.confirm_delivery`` and the answer
  to that lands in :attr:`TestAdapter.follow_ups`. :attr:`TestAdapter.deliveries` keeps every
  post with its outcome; inject a poster to play a platform that refuses or never answers.
* DMs the core sends on its own (the weekly digest) are kept in :attr:`TestAdapter.dms`.

:func:`started_bot` builds and starts the real bot on a temporary data directory::

    async with started_bot() as adapter:
        reply = await adapter.say("/help")
        assert "what I can do" in reply.text
"""

from __future__ import annotations

import io
import tempfile
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console

from adapters.console import ChannelPoster, ConsoleAdapter, post_and_report
from bot.core import Bot
from bot.messages import Action, Button, DeliveryOutcome, Form, Reply, Request


class NoReply(AssertionError):
    """The core answered nothing where the test expected an answer."""


@dataclass(frozen=True)
class Delivery:
    """One post the core asked to hear about, what the "platform" did, and the core's answer."""

    channel_id: str
    reply: Reply
    outcome: DeliveryOutcome
    follow_up: Reply | None


@dataclass(frozen=True)
class DirectMessage:
    """A DM the core sent without being asked (scheduled work)."""

    tenant: str
    user_id: str
    reply: Reply


@dataclass
class Recorded:
    """What every adapter of one test saw; shared by :meth:`TestAdapter.as_user` copies."""

    replies: list[Reply] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)
    follow_ups: list[Reply] = field(default_factory=list)
    dms: list[DirectMessage] = field(default_factory=list)


class TestAdapter:
    """One person talking to the bot, in memory.

    ``platform`` is what requests say they come from: ``"console"`` (the default) is a private
    terminal chat, where file paths are local files and forms are answered field by field;
    ``"slack"`` or ``"discord"`` make the core treat the requests as coming from there.
    """

    __test__ = False  # not a pytest test class, despite its name

    def __init__(
        self,
        bot: Bot,
        *,
        user_id: str = "alice",
        user_name: str | None = None,
        tenant: str = "local",
        channel_id: str = "test",
        platform: str = "console",
        private: bool = True,
        post_to_channel: ChannelPoster | None = None,
        recorded: Recorded | None = None,
    ) -> None:
        self.bot = bot
        self.user_id = user_id
        self.user_name = user_name or user_id
        self.tenant = tenant
        self.channel_id = channel_id
        self.platform = platform
        self.private = private
        self.post_to_channel: ChannelPoster = post_to_channel or self._accept_post
        self.recorded = recorded or Recorded()

    # --- what was recorded ------------------------------------------------------------------

    @property
    def replies(self) -> list[Reply]:
        """Every answer the person got, follow-ups included, oldest first."""
        return self.recorded.replies

    @property
    def deliveries(self) -> list[Delivery]:
        return self.recorded.deliveries

    @property
    def follow_ups(self) -> list[Reply]:
        """The core's answers to delivery outcomes ("Posted…", "Nothing was sent…")."""
        return self.recorded.follow_ups

    @property
    def dms(self) -> list[DirectMessage]:
        return self.recorded.dms

    @property
    def posted(self) -> list[Delivery]:
        """Posts the "platform" accepted."""
        return [d for d in self.deliveries if d.outcome.delivered]

    # --- input ------------------------------------------------------------------------------

    async def say(
        self, text: str, *, thread_id: str | None = None, event_id: str | None = None
    ) -> Reply:
        """Send one message: ``/command rest`` is a slash command, anything else plain text.
        Raises :class:`NoReply` when the core answers nothing."""
        return self._expect(await self.send(text, thread_id=thread_id, event_id=event_id), text)

    async def send(
        self, text: str, *, thread_id: str | None = None, event_id: str | None = None
    ) -> Reply | None:
        """Like :meth:`say`, but None when the core answers nothing (e.g. a platform's retry
        of an event it already delivered, same ``event_id``)."""
        stripped = text.strip()
        command: str | None = None
        if stripped.startswith("/"):
            name, _, stripped = stripped[1:].partition(" ")
            command = name.lower()
        request = Request(
            tenant=self.tenant,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id=self.channel_id,
            thread_id=thread_id,
            is_private=self.private,
            command=command,
            text=stripped,
            event_id=event_id,
            platform=self.platform,
        )
        return await self._answered(await self.bot.handle(request))

    async def press(self, button: Button | str, value: str = "") -> Reply:
        """Press a button (or an action id with ``value``) as this person."""
        action_id, value = (
            (button.action_id, button.value) if isinstance(button, Button) else (button, value)
        )
        action = self._action(action_id, value)
        return self._expect(await self._answered(await self.bot.handle_action(action)), action_id)

    async def submit(self, form: Form, values: Mapping[str, str]) -> Reply:
        """Submit a form with ``values`` (fields left out keep their initial value)."""
        filled = {f.name: f.initial for f in form.fields} | dict(values)
        action = self._action(form.form_id, form.value, filled)
        return self._expect(await self._answered(await self.bot.handle_action(action)), form.title)

    def as_user(
        self, user_id: str, *, tenant: str | None = None, user_name: str | None = None
    ) -> TestAdapter:
        """Another person (in another workspace with ``tenant``), in the same chat and
        recording into the same lists."""
        return TestAdapter(
            self.bot,
            user_id=user_id,
            user_name=user_name,
            tenant=tenant or self.tenant,
            channel_id=self.channel_id,
            platform=self.platform,
            private=self.private,
            post_to_channel=self.post_to_channel,
            recorded=self.recorded,
        )

    def _action(
        self, action_id: str, value: str, values: Mapping[str, str] | None = None
    ) -> Action:
        return Action(
            action_id=action_id,
            value=value,
            values=dict(values or {}),
            tenant=self.tenant,
            user_id=self.user_id,
            user_name=self.user_name,
            channel_id=self.channel_id,
            platform=self.platform,
        )

    @staticmethod
    def _expect(answer: Reply | None, what: str) -> Reply:
        if answer is None:
            raise NoReply(f"the bot answered nothing to {what[:80]!r}")
        return answer

    # --- output -----------------------------------------------------------------------------

    async def _answered(self, answer: Reply | None) -> Reply | None:
        if answer is not None:
            await self.deliver(answer)
        return answer

    async def deliver(self, answer: Reply) -> None:
        """Record an answer; one that asks for confirmation is posted first, then reported."""
        self.recorded.replies.append(answer)
        if answer.confirm is None or not answer.channel_id:
            return
        outcome, follow_up = await post_and_report(self.bot, answer, self.post_to_channel)
        self.recorded.deliveries.append(Delivery(answer.channel_id, answer, outcome, follow_up))
        if follow_up is not None:
            self.recorded.follow_ups.append(follow_up)
            await self.deliver(follow_up)

    async def _accept_post(self, channel_id: str, answer: Reply) -> DeliveryOutcome:
        number = sum(1 for d in self.recorded.deliveries if d.outcome.delivered) + 1
        return DeliveryOutcome.ok(channel_id, f"test-{number}")

    # --- the core's outbound port (bot.outbound.DirectMessages) ------------------------------

    def can_reach(self, user_id: str) -> bool:
        return bool(user_id)

    async def send_dm(self, tenant: str, user_id: str, reply: Reply) -> DeliveryOutcome:
        self.recorded.dms.append(DirectMessage(tenant, user_id, reply))
        return DeliveryOutcome.ok(f"dm-{user_id}", f"dm-{len(self.recorded.dms)}")

    def receive_dms(self) -> None:
        """Take the DMs the core sends on this adapter's platform (scheduled work)."""
        self.bot.add_direct_messages(self)


class ConsoleHarness:
    """The real console adapter, writing into a buffer: text in, replies and screen out."""

    def __init__(self, bot: Bot, user_id: str = "alice", tenant: str = "local") -> None:
        self.bot = bot
        self.buffer = io.StringIO()
        console = Console(file=self.buffer, width=120, force_terminal=False, color_system=None)
        self.adapter = ConsoleAdapter(
            bot,
            console,
            tenant=tenant,
            user_id=user_id,
            user_name=user_id,
            image_dir=bot.services.settings.data_dir / "images",
        )

    async def say(self, line: str) -> Reply:
        return TestAdapter._expect(await self.adapter.say(line), line)

    async def press(self, button: Button) -> Reply:
        return TestAdapter._expect(await self.adapter.press(button), button.action_id)

    def as_user(self, user_id: str) -> ConsoleHarness:
        return ConsoleHarness(self.bot, user_id=user_id, tenant=self.adapter.tenant)

    def screen(self) -> str:
        """Everything rendered so far; clears the buffer."""
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


@asynccontextmanager
async def started_bot(
    data_dir: Path | None = None, **settings: object
) -> AsyncIterator[TestAdapter]:
    """The real bot on ``data_dir`` (a fresh temporary directory by default), started, with a
    test adapter for user ``alice`` in workspace ``local``; closed on the way out.

    ``settings`` override :class:`bot.config.Settings` fields (environment variables and
    ``.env`` are still read: clear them in tests that must not see the developer's).
    """
    from adapters.runtime import build_services
    from bot.config import load_settings

    with tempfile.TemporaryDirectory(prefix="atelier-test-") as scratch:
        where = data_dir or Path(scratch) / "data"
        bot = Bot(build_services(load_settings(data_dir=where, **settings)))
        await bot.start()
        try:
            yield TestAdapter(bot)
        finally:
            await bot.close()


__all__ = [
    "ChannelPoster",
    "ConsoleHarness",
    "Delivery",
    "DirectMessage",
    "NoReply",
    "Recorded",
    "TestAdapter",
    "started_bot",
]

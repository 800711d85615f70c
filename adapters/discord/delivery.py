"""Sending a rendered :class:`~bot.messages.Reply` where it belongs.

Visibility rules, in Discord terms:

- ``public`` — in the channel (a mention is answered as a reply to it, in its thread if any).
- ``ephemeral`` — an ephemeral interaction response; a mention has no ephemeral form, so the
  answer is a normal reply (the person asked in the open).
- ``dm`` — the requester's DMs, with a short notice where they asked. If their DMs are closed
  they are told how to open them; the content is never posted in the channel instead.
- ``Reply.channel_id`` — posted to that channel, only if it belongs to the same server. When
  the reply asks to hear back (``Reply.confirm``, e.g. a client update), what Discord did (the
  message id and ``jump_url``, or ``Forbidden``/``NotFound`` in plain words) goes to
  ``Bot.confirm_delivery``, and its answer is given to the requester like any reply.

Every send passes ``allowed_mentions=AllowedMentions.none()``: stored or user text can never
ping anyone, whatever it contains.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

import aiohttp
import discord

from adapters.discord.deadline import Deadline
from adapters.discord.keys import ButtonKeys
from adapters.discord.render import Outgoing, text_messages, to_messages
from adapters.discord.views import NO_MENTIONS, FormModal, button_view, open_form_view
from bot.logs import get_logger
from bot.messages import ConfirmDelivery, DeliveryOutcome, Form, Paragraph, Reply, Visibility

log = get_logger(__name__)
# Hands a delivery outcome to the core (Bot.confirm_delivery) and returns its answer.
Reporter = Callable[[ConfirmDelivery, DeliveryOutcome], Awaitable[Reply | None]]
NOT_ALLOWED = (
    "I'm not allowed to post in that channel. Give me **View Channel**, **Send Messages** and "
    "**Embed Links** there, then try again"
)
NOT_FOUND = (
    "Discord can't find that channel (it may have been deleted). Check the project's client channel"
)
OTHER_SERVER = "I can't find that channel in this server"

DM_CLOSED = (
    "I couldn't send you a direct message: your DMs are closed to me. To open them, right-click "
    "(or long-press) this server's name → **Privacy Settings** → turn on **Direct Messages**, "
    "then ask again. Nothing was lost."
)
DM_SENT = "Sent to your DMs."
# Fills the ephemeral "thinking…" state while a public answer goes out; deleted right after.
POSTING = "Posting in the channel…"
DONE = "Done."


def form_hint(form: Form, command: str | None, text: str = "") -> str:
    """What a mention gets instead of a form: forms open from slash commands only."""
    how = f"`/{command}`" if command else "the slash command"
    if command and text:
        how += f" with `{text[:60]}`"
    return (
        f"**{form.title}** is a form: type {how} (as a slash command) and I'll open it for you. "
        f"It asks for: {', '.join(f.label for f in form.fields)}."
    )


def without_form(reply: Reply, hint: str | None = None) -> Reply:
    blocks = tuple(b for b in reply.blocks if not isinstance(b, Form))
    if hint:
        blocks = (*blocks, Paragraph(text=hint))
    return reply.model_copy(update={"blocks": blocks})


def rendered(reply: Reply) -> list[Outgoing]:
    """The reply's messages; an empty reply still says something (answers never vanish)."""
    return to_messages(reply) or text_messages(DONE)


class Delivery:
    """Sends messages for one client; knows the button key store and the channels."""

    def __init__(
        self, client: discord.Client, keys: ButtonKeys, report: Reporter | None = None
    ) -> None:
        self.client = client
        self.keys = keys
        self.report = report

    async def _kwargs(
        self,
        message: Outgoing,
        owner_id: str,
        tenant: str,
        view: discord.ui.View | None = None,
    ) -> dict[str, Any]:
        kwargs: dict[str, Any] = {"allowed_mentions": NO_MENTIONS}
        if message.content:
            kwargs["content"] = message.content
        if message.embeds:
            kwargs["embeds"] = message.embeds
        if message.attachments:
            kwargs["files"] = message.files()
        if message.buttons:
            kwargs["view"] = await button_view(message.buttons, owner_id, tenant, self.keys)
        elif view is not None:
            kwargs["view"] = view
        return kwargs

    async def send(
        self,
        target: discord.abc.Messageable,
        messages: Sequence[Outgoing],
        owner_id: str,
        tenant: str,
        reference: discord.Message | None = None,
    ) -> list[discord.Message]:
        """Send messages in order; the first one replies to ``reference`` when given.

        Buttons are reserved for ``owner_id`` and act in ``tenant``. Returns what was sent."""
        sent: list[discord.Message] = []
        for index, message in enumerate(messages):
            kwargs = await self._kwargs(message, owner_id, tenant)
            if index == 0 and reference is not None:
                # Still answer if the question was deleted meanwhile (no silent drop).
                kwargs["reference"] = reference.to_reference(fail_if_not_exists=False)
            sent.append(await target.send(**kwargs))
        return sent

    async def to_dms(
        self, user: discord.User | discord.Member, messages: Sequence[Outgoing], tenant: str
    ) -> bool:
        """Deliver privately; False when the user's DMs are closed to the bot."""
        try:
            await self.send(user, messages, str(user.id), tenant)
        except discord.Forbidden:
            return False
        return True

    async def to_channel(self, channel_id: str, tenant: str, reply: Reply, owner_id: str) -> str:
        """Post a reply to another channel of the same server; returns what to tell the user."""
        channel_id = channel_id.strip().removeprefix("<#").removesuffix(">").lstrip("#")
        channel = await self._channel_in(channel_id, tenant)
        if channel is None:
            return "I can't find that channel in this server, so nothing was posted."
        try:
            await self.send(channel, rendered(without_form(reply)), owner_id, tenant)
        except discord.Forbidden:
            return (
                f"I'm not allowed to post in <#{channel_id}>. Give me **Send Messages** and "
                "**Embed Links** there, then try again. Nothing was posted."
            )
        return reply.notice or f"Posted in <#{channel_id}>."

    async def post_for_outcome(
        self, channel_id: str, tenant: str, reply: Reply, owner_id: str
    ) -> DeliveryOutcome:
        """Post to a channel of the same server and say what Discord did with it."""
        channel_id = channel_id.strip().removeprefix("<#").removesuffix(">").lstrip("#")
        channel = await self._channel_in(channel_id, tenant)
        if channel is None:
            return DeliveryOutcome.refused(channel_id, "unknown_channel", OTHER_SERVER)
        messages = rendered(without_form(reply))
        sent: list[discord.Message] = []
        for message in messages:
            try:
                sent += await self.send(channel, [message], owner_id, tenant)
            except (TimeoutError, discord.HTTPException, aiohttp.ClientError) as error:
                outcome = _failure(channel_id, error)
                log.warning("discord_post_failed", channel=channel_id, code=outcome.reason_code)
                if not sent:
                    return outcome
                return _posted(channel_id, sent[0]).model_copy(
                    update={"complete": False, "reason": outcome.reason}
                )
        if not sent:
            return DeliveryOutcome.refused(channel_id, "empty", "there was nothing to post")
        return _posted(channel_id, sent[0])

    async def _report(self, reply: Reply, outcome: DeliveryOutcome) -> Reply | None:
        assert reply.confirm is not None
        if self.report is None:
            log.error("discord_delivery_unreported", state=outcome.state.value)
            return None
        return await self.report(reply.confirm, outcome)

    async def _channel_in(self, channel_id: str, tenant: str) -> Any:
        """The channel, if it is one the bot can post to in the server ``tenant``."""
        channel: Any = None
        if channel_id.isdigit():
            channel = self.client.get_channel(int(channel_id))
            if channel is None:
                try:
                    channel = await self.client.fetch_channel(int(channel_id))
                except discord.HTTPException:
                    channel = None
        guild = getattr(channel, "guild", None)
        # Tenants never reach each other: the target must be in the requester's own server.
        postable = isinstance(channel, discord.abc.Messageable)
        if not postable or guild is None or str(guild.id) != tenant:
            return None
        return channel

    # --- mentions and DMs ------------------------------------------------------------------

    async def answer_message(
        self,
        message: discord.Message,
        reply: Reply,
        tenant: str,
        command: str | None,
        text: str = "",
    ) -> None:
        """Answer a mention or a DM (``command``/``text``: what it was routed to)."""
        owner_id = str(message.author.id)
        if reply.form is not None:
            reply = without_form(reply, form_hint(reply.form, command, text))
        if reply.channel_id and reply.confirm is not None:
            outcome = await self.post_for_outcome(reply.channel_id, tenant, reply, owner_id)
            answer = await self._report(reply, outcome)
            if answer is not None:
                await self.answer_message(message, answer, tenant, command, text)
            return
        if reply.channel_id:
            note = await self.to_channel(reply.channel_id, tenant, reply, owner_id)
            await self.send(message.channel, text_messages(note), owner_id, tenant, message)
            return
        messages = rendered(reply)
        if reply.visibility is Visibility.DM and message.guild is not None:
            sent = await self.to_dms(message.author, messages, tenant)
            note = (reply.notice or DM_SENT) if sent else DM_CLOSED
            await self.send(message.channel, text_messages(note), owner_id, tenant, message)
            return
        await self.send(message.channel, messages, owner_id, tenant, message)

    # --- interactions ----------------------------------------------------------------------

    async def answer_interaction(
        self, interaction: discord.Interaction, reply: Reply, tenant: str, deadline: Deadline
    ) -> None:
        """Answer a slash command, a button press or a modal, whether or not it was deferred.

        Sending a DM, fetching and posting to another channel, and asking the core about a
        post's outcome are never guaranteed fast, so the interaction is deferred (``deadline``)
        before each of them. After a "thinking…" deferral the first follow-up replaces that
        ephemeral state, and it stays ephemeral as it was deferred.
        """
        owner_id = str(interaction.user.id)
        in_dm = interaction.guild_id is None
        if reply.form is not None:
            form = reply.form
            rest = without_form(reply)
            modal = FormModal(form, owner_id=owner_id, tenant=tenant)
            if not rest.blocks and not interaction.response.is_done():
                await interaction.response.send_modal(modal)
                return
            # A modal must be the first response; after a deferral, a button opens it.
            messages = [*to_messages(rest), Outgoing(content=f"**{form.title}**")]
            await self._respond(
                interaction,
                messages,
                owner_id,
                tenant,
                ephemeral=True,
                view=await open_form_view(modal, self.keys),
            )
            return
        if reply.channel_id and reply.confirm is not None:
            await deadline.defer()
            outcome = await self.post_for_outcome(reply.channel_id, tenant, reply, owner_id)
            answer = await self._report(reply, outcome)
            if answer is not None:
                await self.answer_interaction(interaction, answer, tenant, deadline)
            return
        if reply.channel_id:
            await deadline.defer()
            note = await self.to_channel(reply.channel_id, tenant, reply, owner_id)
            await self._respond(interaction, text_messages(note), owner_id, tenant, ephemeral=True)
            return
        messages = rendered(reply)
        if reply.visibility is Visibility.DM and not in_dm:
            await deadline.defer()
            sent = await self.to_dms(interaction.user, messages, tenant)
            note = (reply.notice or DM_SENT) if sent else DM_CLOSED
            await self._respond(interaction, text_messages(note), owner_id, tenant, ephemeral=True)
            return
        if reply.replace_original and getattr(interaction, "message", None) is not None:
            await self._replace(interaction, messages, owner_id, tenant)
            messages = messages[1:]
            if not messages:
                return
        public = reply.visibility is Visibility.PUBLIC
        if public and deadline.deferred_thinking:
            await self._post_after_thinking(interaction, messages, owner_id, tenant)
            return
        await self._respond(interaction, messages, owner_id, tenant, ephemeral=not public)

    async def _post_after_thinking(
        self,
        interaction: discord.Interaction,
        messages: Sequence[Outgoing],
        owner_id: str,
        tenant: str,
    ) -> None:
        """A public answer after an ephemeral "thinking…" deferral: that state can't become
        public, and the first follow-up would only replace it. So it is filled, the answer is
        posted as public follow-ups, and the private state is then deleted: nothing is left
        over in the person's view but the answer."""
        await interaction.edit_original_response(content=POSTING, allowed_mentions=NO_MENTIONS)
        await self._respond(interaction, messages, owner_id, tenant, ephemeral=False)
        try:
            await interaction.delete_original_response()
        except discord.HTTPException:
            log.info("discord_thinking_not_deleted")  # harmless: it only says "Posting…"

    async def _respond(
        self,
        interaction: discord.Interaction,
        messages: Sequence[Outgoing],
        owner_id: str,
        tenant: str,
        *,
        ephemeral: bool,
        view: discord.ui.View | None = None,
    ) -> None:
        """First message as the interaction response (if none was sent), the rest as
        follow-ups. ``view`` goes on the last message."""
        for index, message in enumerate(messages):
            last = index == len(messages) - 1
            kwargs = await self._kwargs(message, owner_id, tenant, view if last else None)
            if not interaction.response.is_done():
                await interaction.response.send_message(**kwargs, ephemeral=ephemeral)
            else:
                await interaction.followup.send(**kwargs, ephemeral=ephemeral)

    async def _replace(
        self,
        interaction: discord.Interaction,
        messages: Sequence[Outgoing],
        owner_id: str,
        tenant: str,
    ) -> None:
        """Edit the message the button was on into the first rendered message."""
        first = messages[0] if messages else Outgoing(content="Done.")
        kwargs = await self._kwargs(first, owner_id, tenant)
        edit: dict[str, Any] = {
            "content": kwargs.get("content"),
            "embeds": kwargs.get("embeds", []),
            "attachments": kwargs.get("files", []),
            "view": kwargs.get("view"),
            "allowed_mentions": NO_MENTIONS,
        }
        if not interaction.response.is_done():
            await interaction.response.edit_message(**edit)
        else:
            await interaction.edit_original_response(**edit)


def _posted(channel_id: str, message: discord.Message) -> DeliveryOutcome:
    link = getattr(message, "jump_url", None)
    return DeliveryOutcome.ok(channel_id, str(message.id), str(link) if link else None)


def _failure(channel_id: str, error: BaseException) -> DeliveryOutcome:
    """Discord's refusal in words; a server error or no answer leaves it unknown."""
    if isinstance(error, discord.Forbidden):
        return DeliveryOutcome.refused(channel_id, "forbidden", NOT_ALLOWED)
    if isinstance(error, discord.NotFound):
        return DeliveryOutcome.refused(channel_id, "not_found", NOT_FOUND)
    if isinstance(error, discord.DiscordServerError):
        return DeliveryOutcome.unknown(channel_id, "server_error", "Discord had a server error")
    if isinstance(error, discord.HTTPException):
        return DeliveryOutcome.refused(
            channel_id, f"http_{error.status}", f"Discord refused the post ({error.text[:100]})"
        )
    return DeliveryOutcome.unknown(channel_id, "no_answer", "Discord did not answer in time")

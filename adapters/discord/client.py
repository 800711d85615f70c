"""The Discord client: mentions, DMs, slash commands, buttons and modals -> the bot core.

The client only translates and delivers; every decision about what to answer is the core's.
Tenant = the guild id. A DM acts in the home guild's tenant (``ATELIER_DISCORD_HOME_GUILD``),
and only for members of that guild; without a home guild, DMs get a clear refusal.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable, Mapping

import discord
from discord import app_commands

from adapters.discord.access import access_of, channel_of
from adapters.discord.commands import add_commands
from adapters.discord.deadline import REPLY_BUDGET, Clock, Deadline
from adapters.discord.delivery import Delivery
from adapters.discord.direct import DiscordDirectMessages
from adapters.discord.keys import ButtonKeys
from adapters.discord.render import text_messages
from adapters.discord.translate import (
    interaction_action,
    interaction_request,
    mentions_user,
    message_request,
)
from adapters.discord.views import NO_MENTIONS, ActionButton, FormButton, retry_form
from adapters.lifecycle import InFlight, Shutdown, drain
from bot.config import Settings
from bot.core import Bot
from bot.logs import get_logger
from bot.messages import MAX_ATTACHMENT_BYTES, Access, Attachment, Form
from bot.router import clean_text

log = get_logger(__name__)

# Interactions must be acknowledged within 3 s (see deadline.py). A quick answer is sent
# directly (and a form can then open as a modal); anything slower is deferred first.
BeforeSlow = Callable[[], Awaitable[None]]

NO_HOME_GUILD = (
    "I answer DMs on behalf of one server, and none is set up yet. Mention me in your server "
    "instead (an admin can set `ATELIER_DISCORD_HOME_GUILD` to enable DMs)."
)
NOT_A_MEMBER = (
    "I can only answer DMs from members of the server I work for. Mention me in a server we "
    "share instead."
)
FAILED = "Sorry, something went wrong on my side (error id `{error_id}`). Nothing was lost."
EXPIRED_BUTTON = "That button has expired. Please run the command again."
OTHER_SERVER = "That button belongs to another server; run the command again here."
RESTARTING = "Atelier is restarting; please try again in a few seconds."


def intents() -> discord.Intents:
    """Only what Atelier needs: guilds, guild and DM messages. No privileged intent: Discord
    sends the text of messages that mention the bot and of its DMs without Message Content
    (which bots in more than 100 servers must apply for), and nothing else is read."""
    chosen = discord.Intents.none()
    chosen.guilds = True
    chosen.guild_messages = True
    chosen.dm_messages = True
    return chosen


class AtelierClient(discord.Client):
    """A discord.py client wired to the bot core."""

    def __init__(
        self,
        bot: Bot,
        settings: Settings,
        *,
        reply_budget: float = REPLY_BUDGET,
        clock: Clock = time.monotonic,
    ):
        super().__init__(intents=intents(), allowed_mentions=NO_MENTIONS)
        self.bot = bot
        self.settings = settings
        self.reply_budget = reply_budget
        self.clock = clock
        self.keys = ButtonKeys(bot.services.db)
        # Posts that must be confirmed report what Discord did back to the core.
        self.delivery = Delivery(self, self.keys, report=bot.confirm_delivery)
        # Scheduled digests reach people in their DMs (never a channel).
        bot.add_direct_messages(DiscordDirectMessages(self, self.delivery))
        self.tree = app_commands.CommandTree(self)
        add_commands(self.tree, bot.registry, self.run_command, self.complete_project)
        # discord.py's documented way to replace a CommandTree's error handler.
        self.tree.on_error = self._on_tree_error  # type: ignore[method-assign]
        # Every message or interaction being answered; shutdown waits for them (see drain).
        self.in_flight = InFlight()
        self.draining = False

    async def setup_hook(self) -> None:
        # Any button we ever sent is routed to ActionButton (actions) or FormButton (form
        # pages), also after a restart.
        self.add_dynamic_items(ActionButton, FormButton)

    async def on_ready(self) -> None:
        log.info("discord_ready", guilds=len(self.guilds))

    # --- tenants ----------------------------------------------------------------------------

    async def _home_member(
        self, home_guild: discord.Guild, user_id: int, before_slow: BeforeSlow | None
    ) -> discord.Member | None:
        """The person in the home server: from the cache, else asked of Discord (slow: an
        interaction is deferred first)."""
        member = home_guild.get_member(user_id)
        if member is not None:
            return member
        if before_slow is not None:
            await before_slow()
        try:
            return await home_guild.fetch_member(user_id)
        except discord.HTTPException:
            return None

    async def tenant_for(
        self,
        user: discord.abc.User,
        guild: discord.Guild | None,
        before_slow: BeforeSlow | None = None,
    ) -> tuple[str | None, str]:
        """(tenant, "") or (None, why not)."""
        if guild is not None:
            return str(guild.id), ""
        home = (self.settings.discord_home_guild or "").strip()
        if not home.isdigit():
            return None, NO_HOME_GUILD
        home_guild = self.get_guild(int(home))
        if home_guild is None:
            log.warning("discord_home_guild_unknown", hint="the bot is not in that server")
            return None, NOT_A_MEMBER
        member = await self._home_member(home_guild, user.id, before_slow)
        return (home, "") if member is not None else (None, NOT_A_MEMBER)

    # --- who is asking, and where -----------------------------------------------------------

    async def access_for(
        self,
        user: discord.abc.User,
        guild: discord.Guild | None,
        channel: object,
        tenant: str,
        *,
        in_place: bool = False,
        before_slow: BeforeSlow | None = None,
    ) -> Access:
        """What Discord says about the person and the channel; the core decides from it.

        In a server: the member's own permissions and roles there (Discord sends them with
        the message or interaction). In a DM: their membership, permissions and roles in the
        server the DM acts for (``tenant``); not a member there means unknown, so refused."""
        client_roles = self.settings.discord_client_roles
        if guild is not None:
            return access_of(user, guild, channel, client_roles, private_in_place=in_place)
        home_guild = self.get_guild(int(tenant)) if tenant.isdigit() else None
        member = None
        if home_guild is not None:
            member = await self._home_member(home_guild, user.id, before_slow)
        return access_of(member, home_guild, None, client_roles, private_in_place=in_place)

    async def interaction_access(
        self, interaction: discord.Interaction, tenant: str, deadline: Deadline
    ) -> Access:
        guild = interaction.guild
        channel = channel_of(guild, interaction.channel, interaction.channel_id)
        return await self.access_for(
            interaction.user, guild, channel, tenant, in_place=True, before_slow=deadline.defer
        )

    # --- mentions and DMs -------------------------------------------------------------------

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or self.user is None:
            return
        if message.guild is not None and not mentions_user(message, self.user.id):
            return
        if self.draining:
            # Discord never redelivers a message: say so rather than let it vanish.
            owner_id = str(message.author.id)
            await self.delivery.send(
                message.channel, text_messages(RESTARTING), owner_id, "", message
            )
            return
        ticket = self.in_flight.begin()
        try:
            await self._answer_message(message)
        finally:
            ticket.end()

    async def _answer_message(self, message: discord.Message) -> None:
        assert self.user is not None  # checked by on_message
        tenant, refusal = await self.tenant_for(message.author, message.guild)
        owner_id = str(message.author.id)
        if tenant is None:
            await self.delivery.send(message.channel, text_messages(refusal), owner_id, "", message)
            return
        request = message_request(message, tenant, self.user.id)
        # A message has no private answer in place: in a shared channel the core sends DMs.
        access = await self.access_for(message.author, message.guild, message.channel, tenant)
        request = request.model_copy(update={"access": access})
        try:
            async with message.channel.typing():
                reply = await self.bot.handle(request)
                if reply is None:  # a redelivered message already answered
                    return
                # The core says which command answered; its arguments are worth quoting only
                # when they were typed as a command ("/projects add"), not plain words.
                typed = clean_text(request.text).startswith("/")
                await self.delivery.answer_message(
                    message, reply, tenant, reply.command, reply.command_text if typed else ""
                )
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("discord_message_failed", error_id=error_id, tenant=tenant)
            note = text_messages(FAILED.format(error_id=error_id))
            await self.delivery.send(message.channel, note, owner_id, tenant, message)

    # --- interactions -----------------------------------------------------------------------

    def deadline(self, interaction: discord.Interaction, *, thinking: bool) -> Deadline:
        """The 3-second clock of an interaction that has just arrived."""
        return Deadline(interaction, thinking=thinking, budget=self.reply_budget, clock=self.clock)

    async def _guarded(
        self, interaction: discord.Interaction, work: Awaitable[None], what: str
    ) -> None:
        """Run an interaction handler; any failure still gets a private answer."""
        if self.draining:
            if asyncio.iscoroutine(work):
                work.close()  # never started
            await self._refuse(interaction, RESTARTING)
            return
        ticket = self.in_flight.begin()
        try:
            await work
        except Exception:
            error_id = uuid.uuid4().hex[:8]
            log.exception("discord_interaction_failed", error_id=error_id, what=what)
            text = FAILED.format(error_id=error_id)
            if interaction.response.is_done():
                await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            else:
                await interaction.response.send_message(
                    text, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
        finally:
            ticket.end()

    async def drain(self, shutdown: Shutdown) -> int:
        """Take no new work and let work in flight finish; returns how much did not."""
        self.draining = True
        return await drain(self.in_flight, shutdown, "discord")

    async def _refuse(self, interaction: discord.Interaction, text: str) -> None:
        if interaction.response.is_done():  # deferred before slow work
            await interaction.followup.send(text, ephemeral=True, allowed_mentions=NO_MENTIONS)
            return
        await interaction.response.send_message(text, ephemeral=True, allowed_mentions=NO_MENTIONS)

    async def run_command(
        self,
        interaction: discord.Interaction,
        command: str,
        text: str,
        attachment: discord.Attachment | None = None,
    ) -> None:
        """A slash command: the app-command callbacks land here."""
        await self._guarded(
            interaction, self._run_command(interaction, command, text, attachment), command
        )

    async def _run_command(
        self,
        interaction: discord.Interaction,
        command: str,
        text: str,
        attachment: discord.Attachment | None = None,
    ) -> None:
        deadline = self.deadline(interaction, thinking=True)
        tenant, refusal = await self.tenant_for(
            interaction.user, interaction.guild, before_slow=deadline.defer
        )
        if tenant is None:
            await self._refuse(interaction, refusal)
            return
        request = interaction_request(interaction, tenant, command, text)
        access = await self.interaction_access(interaction, tenant, deadline)
        request = request.model_copy(update={"access": access})
        # The file is fetched only for someone the core admits; the core refuses the rest.
        if attachment is not None and self.bot.access.refusal(request) is None:
            await deadline.defer()  # a download is never guaranteed fast
            try:
                shared = await attached_file(attachment)
            except discord.HTTPException:
                log.warning("discord_attachment_failed", tenant=tenant)
                await self._refuse(
                    interaction,
                    f"I couldn't download {attachment.filename} from Discord, so nothing was "
                    "imported. Please attach it again.",
                )
                return
            request = request.model_copy(update={"attachments": (shared,)})
        reply = await deadline.within(self.bot.handle(request))
        if reply is not None:
            await self.delivery.answer_interaction(interaction, reply, tenant, deadline)

    async def complete_project(
        self, interaction: discord.Interaction, command: str, typed: str
    ) -> list[app_commands.Choice[str]]:
        """Autocomplete for a project option: the core's suggestions for this person in this
        server. Autocomplete has the same 3 s and cannot defer, so nothing slow happens here: a
        DM whose person is not cached gets no suggestions (the command itself still works)."""
        try:
            tenant, _ = await self.tenant_for(interaction.user, interaction.guild, _no_slow_work)
            if tenant is None:
                return []
            request = interaction_request(interaction, tenant, command, typed)
            access = await self.access_for(
                interaction.user,
                interaction.guild,
                channel_of(interaction.guild, interaction.channel, interaction.channel_id),
                tenant,
                in_place=True,
                before_slow=_no_slow_work,
            )
            request = request.model_copy(update={"access": access})
            found = await self.bot.suggestions(request)
        except _NoSlowWork:
            return []
        except Exception:
            log.exception("discord_autocomplete_failed")
            return []
        return [app_commands.Choice(name=_fit_choice(s.label), value=s.value[:100]) for s in found]

    async def press_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        """A button of ours was pressed (``ActionButton`` already checked who pressed it)."""
        await self._guarded(interaction, self._press_button(interaction, custom_id), "button")

    async def _press_button(self, interaction: discord.Interaction, custom_id: str) -> None:
        deadline = self.deadline(interaction, thinking=False)
        pressed = await deadline.within(self.keys.decode(custom_id))
        if pressed is None:
            await self._refuse(interaction, EXPIRED_BUTTON)
            return
        tenant, refusal = await self._button_tenant(interaction, pressed.tenant, deadline)
        if tenant is None:
            await self._refuse(interaction, refusal)
            return
        action = interaction_action(interaction, tenant, pressed.action_id, pressed.value)
        access = await self.interaction_access(interaction, tenant, deadline)
        action = action.model_copy(update={"access": access})
        reply = await deadline.within(self.bot.handle_action(action))
        if reply is not None:
            await self.delivery.answer_interaction(interaction, reply, tenant, deadline)

    async def _button_tenant(
        self, interaction: discord.Interaction, tenant: str, deadline: Deadline
    ) -> tuple[str | None, str]:
        """The tenant a button or form acts in: the one its reply was made in (DM buttons
        have no server of their own); never a different server than the one it is pressed in."""
        if not tenant:
            return await self.tenant_for(
                interaction.user, interaction.guild, before_slow=deadline.defer
            )
        if interaction.guild is not None and str(interaction.guild.id) != tenant:
            return None, OTHER_SERVER
        return tenant, ""

    async def submit_form(
        self,
        interaction: discord.Interaction,
        form: Form,
        values: Mapping[str, str],
        tenant: str,
    ) -> None:
        """A form's last modal page was submitted."""
        work = self._submit_form(interaction, form, values, tenant)
        await self._guarded(interaction, work, "form")

    async def _submit_form(
        self,
        interaction: discord.Interaction,
        form: Form,
        values: Mapping[str, str],
        form_tenant: str,
    ) -> None:
        deadline = self.deadline(interaction, thinking=True)
        tenant, refusal = await self._button_tenant(interaction, form_tenant, deadline)
        if tenant is None:
            await self._refuse(interaction, refusal)
            return
        action = interaction_action(interaction, tenant, form.form_id, form.value, values)
        access = await self.interaction_access(interaction, tenant, deadline)
        action = action.model_copy(update={"access": access})
        reply = await deadline.within(self.bot.handle_action(action))
        if reply is None:
            return
        if reply.form_errors:
            owner_id = str(interaction.user.id)
            text, view = await retry_form(
                form, owner_id, tenant, values, reply.form_errors, self.keys
            )
            if interaction.response.is_done():
                await interaction.followup.send(
                    text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
            else:
                await interaction.response.send_message(
                    text, view=view, ephemeral=True, allowed_mentions=NO_MENTIONS
                )
            return
        await self.delivery.answer_interaction(interaction, reply, tenant, deadline)

    async def _on_tree_error(
        self, interaction: discord.Interaction, error: app_commands.AppCommandError
    ) -> None:
        error_id = uuid.uuid4().hex[:8]
        log.error("discord_command_error", error_id=error_id, error=type(error).__name__)
        if not interaction.response.is_done():
            await self._refuse(interaction, FAILED.format(error_id=error_id))


class _NoSlowWork(Exception):
    """Raised instead of slow work where none may happen (autocomplete)."""


async def _no_slow_work() -> None:
    raise _NoSlowWork


def _fit_choice(text: str) -> str:
    text = " ".join(text.split()) or "…"
    return text if len(text) <= 100 else text[:99] + "…"


LOGIN_FAILED = (
    "Discord rejected DISCORD_TOKEN. Copy the bot token again from the Developer Portal "
    "(Applications → your app → Bot → Reset Token) into .env."
)
# Atelier asks for no privileged intent; this can only follow a code change that adds one.
INTENT_MISSING = (
    "Discord refused a privileged intent. Enable it in the Developer Portal: "
    "Applications → your app → Bot → Privileged Gateway Intents."
)


async def attached_file(attachment: discord.Attachment) -> Attachment:
    """A command's attached file as neutral data; one over the chat limit is not downloaded."""
    name = attachment.filename or "file"
    kind = attachment.content_type or ""
    if attachment.size > MAX_ATTACHMENT_BYTES:
        return Attachment(filename=name, size=attachment.size, content_type=kind)
    content = await attachment.read()
    return Attachment(filename=name, size=len(content), content=content, content_type=kind)


async def serve_discord(bot: Bot, settings: Settings, shutdown: Shutdown | None = None) -> bool:
    """Run the Discord client until ``shutdown`` is requested (then drain and close) or the
    task is cancelled. A bad token or a missing intent is logged as one clear line and stops
    only Discord (other platforms keep running); returns False then."""
    if settings.discord_token is None:
        log.error("discord_not_configured", hint="set DISCORD_TOKEN")
        return False
    shutdown = shutdown or Shutdown(settings.shutdown_grace_seconds)
    client = AtelierClient(bot, settings)
    try:
        async with client:
            await _run_until_shutdown(client, settings.discord_token.get_secret_value(), shutdown)
    except discord.LoginFailure:
        log.error("discord_login_failed", hint=LOGIN_FAILED)
        return False
    except discord.PrivilegedIntentsRequired:
        log.error("discord_intent_missing", hint=INTENT_MISSING)
        return False
    return True


async def _run_until_shutdown(client: AtelierClient, token: str, shutdown: Shutdown) -> None:
    """The gateway runs until a stop request; then in-flight answers finish (the HTTP session
    stays open for them) before the client closes."""
    running = asyncio.ensure_future(client.start(token))
    stop = asyncio.ensure_future(shutdown.wait())
    try:
        await asyncio.wait({running, stop}, return_when=asyncio.FIRST_COMPLETED)
        if running.done():
            running.result()  # a login or intent failure, or the connection gave up
            return
        await client.drain(shutdown)
    finally:
        stop.cancel()
        client.draining = True
        await client.close()
        if not running.done():
            running.cancel()
        await asyncio.gather(running, return_exceptions=True)

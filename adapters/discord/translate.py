"""discord.py objects -> neutral :class:`~bot.messages.Request` / :class:`~bot.messages.Action`.

Pure functions: they read attributes and build neutral models; no network, no state. The tenant
is decided by the caller (the guild id, or the home guild for a DM).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping

import discord

from adapters.discord.access import UNCHECKED
from bot.messages import Action, Request

PLATFORM = "discord"


def own_role_ids(message: discord.Message, user_id: int) -> set[int]:
    """Roles mentioned in the message that are this bot's own managed role.

    Discord gives every bot an integration role named after it; the member list and the mention
    picker offer it next to the bot, so people often ping ``@Atelier`` the role rather than
    the user. Such a role carries the bot's id in its tags."""
    found = set()
    for role in getattr(message, "role_mentions", None) or ():
        tags = getattr(role, "tags", None)
        if tags is not None and getattr(tags, "bot_id", None) == user_id:
            found.add(role.id)
    return found


def mentions_user(message: discord.Message, user_id: int) -> bool:
    """True when the message mentions this bot: the user itself or its managed role (never
    via @everyone or another role)."""
    if any(user.id == user_id for user in message.mentions):
        return True
    return bool(own_role_ids(message, user_id))


def strip_mention(text: str, user_id: int, role_ids: Collection[int] = ()) -> str:
    """Remove the bot's own mentions (``<@id>``, ``<@!id>``, and ``<@&role>`` of its managed
    role) wherever they appear."""
    text = re.sub(rf"<@!?{user_id}>", " ", text)
    for role_id in role_ids:
        text = text.replace(f"<@&{role_id}>", " ")
    return text.strip()


def _thread_id(channel: object) -> str | None:
    return str(channel.id) if isinstance(channel, discord.Thread) else None


def _name(user: discord.abc.User) -> str:
    return getattr(user, "display_name", None) or user.name


def message_request(message: discord.Message, tenant: str, bot_user_id: int) -> Request:
    """A mention in a guild channel or a DM."""
    return Request(
        tenant=tenant,
        user_id=str(message.author.id),
        user_name=_name(message.author),
        channel_id=str(message.channel.id),
        thread_id=_thread_id(message.channel),
        is_private=message.guild is None,
        command=None,
        text=strip_mention(message.content, bot_user_id, own_role_ids(message, bot_user_id)),
        event_id=f"message:{message.id}",
        platform=PLATFORM,
        access=UNCHECKED,  # filled in by the client (adapters/discord/access.py)
        raw={
            "message_id": str(message.id),
            "guild_id": str(message.guild.id) if message.guild else None,
        },
    )


def interaction_request(
    interaction: discord.Interaction, tenant: str, command: str, text: str
) -> Request:
    """A slash command with its text option."""
    return Request(
        tenant=tenant,
        user_id=str(interaction.user.id),
        user_name=_name(interaction.user),
        channel_id=str(interaction.channel_id or ""),
        thread_id=_thread_id(interaction.channel),
        is_private=interaction.guild_id is None,
        command=command,
        text=text,
        event_id=f"interaction:{interaction.id}",
        platform=PLATFORM,
        access=UNCHECKED,  # filled in by the client (adapters/discord/access.py)
        raw={"interaction_id": str(interaction.id), "guild_id": _guild_id(interaction)},
    )


def interaction_action(
    interaction: discord.Interaction,
    tenant: str,
    action_id: str,
    value: str,
    values: Mapping[str, str] | None = None,
) -> Action:
    """A button press, or a submitted modal (``values`` holds its fields)."""
    message = getattr(interaction, "message", None)
    return Action(
        action_id=action_id,
        value=value,
        tenant=tenant,
        user_id=str(interaction.user.id),
        user_name=_name(interaction.user),
        channel_id=str(interaction.channel_id or ""),
        message_id=str(message.id) if message is not None else None,
        values=dict(values or {}),
        event_id=f"interaction:{interaction.id}",
        platform=PLATFORM,
        access=UNCHECKED,  # filled in by the client (adapters/discord/access.py)
        raw={"interaction_id": str(interaction.id), "guild_id": _guild_id(interaction)},
    )


def _guild_id(interaction: discord.Interaction) -> str | None:
    return str(interaction.guild_id) if interaction.guild_id else None

"""Registering the slash commands with Discord (``atelier sync-commands``) and the invite URL."""

from __future__ import annotations

from dataclasses import dataclass

import discord

from adapters.discord.client import AtelierClient
from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot

# What the bot needs in a channel: read and answer, embeds, chart files, the message it replies
# to, and answering inside threads.
PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    attach_files=True,
    read_message_history=True,
)
SCOPES = ("bot", "applications.commands")


def invite_url(application_id: int) -> str:
    """The URL that adds the bot to a server with exactly the permissions it needs."""
    return discord.utils.oauth_url(application_id, permissions=PERMISSIONS, scopes=SCOPES)


@dataclass(frozen=True)
class Synced:
    commands: list[str]
    guild_id: str | None
    invite: str


async def sync_commands(settings: Settings, guild_id: str | None = None) -> Synced:
    """Log in with the bot token and register the app commands: in one guild (instant, for
    testing) or globally (every server the bot is in)."""
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    bot = Bot(build_services(settings))
    try:
        client = AtelierClient(bot, settings)
        async with client:
            await client.login(settings.discord_token.get_secret_value())
            if guild_id:
                guild = discord.Object(id=int(guild_id))
                client.tree.copy_global_to(guild=guild)
                synced = await client.tree.sync(guild=guild)
            else:
                synced = await client.tree.sync()
            application_id = client.application_id or 0
    finally:
        await bot.close()
    return Synced([c.name for c in synced], guild_id, invite_url(application_id))

"""Registering the slash commands with Discord (``atelier sync-commands``) and the invite URL.

The caller builds the bot (the command line does, from its settings) and hands it in: the
commands registered are those of that bot's skills, and this adapter never builds one itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import discord

from adapters.discord.client import AtelierClient
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
    # Where an older registration was removed so no command shows up twice: "global" or
    # server ids.
    cleared: tuple[str, ...] = ()


async def sync_commands(
    bot: Bot, settings: Settings, guild_id: str | None = None, *, clear: bool = False
) -> Synced:
    """Log in with the bot token and register the app commands in exactly one place, so none
    is listed twice (Discord shows a server's copy and the global one side by side).

    - ``guild_id``: in that server only (instant, for testing or a one-server install); the
      global registration is removed.
    - ``guild_id`` and ``clear``: that server's own copy is removed (back to the global ones).
    - neither: globally (every server the bot is in, within about an hour); any server copy
      left by an earlier ``--guild`` is removed.

    ``bot`` stays the caller's to close.
    """
    if settings.discord_token is None:
        raise ValueError("DISCORD_TOKEN is not set")
    cleared: list[str] = []
    client = AtelierClient(bot, settings)
    async with client:
        await client.login(settings.discord_token.get_secret_value())
        tree = client.tree
        if guild_id and clear:
            guild = discord.Object(id=int(guild_id))
            tree.clear_commands(guild=guild)
            await tree.sync(guild=guild)
            synced: list[discord.app_commands.AppCommand] = []
            cleared.append(guild_id)
        elif guild_id:
            guild = discord.Object(id=int(guild_id))
            tree.copy_global_to(guild=guild)
            synced = await tree.sync(guild=guild)
            if await tree.fetch_commands():
                tree.clear_commands(guild=None)
                await tree.sync()
                cleared.append("global")
        else:
            synced = await tree.sync()
            async for server in client.fetch_guilds(limit=None):
                if await tree.fetch_commands(guild=server):
                    await tree.sync(guild=server)  # the tree holds none for a server
                    cleared.append(str(server.id))
        application_id = client.application_id or 0
    return Synced([c.name for c in synced], guild_id, invite_url(application_id), tuple(cleared))

"""`atelier sync-commands [--guild ID]`: register the Discord slash commands.

Not a chat command, so not sent through ``Bot.handle``: the bot built here is never started; its
skills' commands are what is registered, and it is closed here once Discord has them.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from adapters.cli.common import describe_failure, error_line, settings_or_exit, stdout

NO_TOKEN = (
    "error: setting DISCORD_TOKEN is not set. Copy the bot token from the Discord Developer "
    "Portal (Applications → your app → Bot → Reset Token) into .env, then run this again.\n"
)


def sync_commands_command(
    guild: Annotated[
        str | None,
        typer.Option(
            "--guild",
            help="Register in this server only (a guild id): instant, handy while testing. "
            "Without it the commands are registered for every server the bot is in. "
            "Either way, the other registration is removed so no command is listed twice.",
        ),
    ] = None,
    clear: Annotated[
        bool,
        typer.Option(
            "--clear",
            help="With --guild: remove that server's own copy of the commands instead "
            "(the global ones stay).",
        ),
    ] = False,
) -> None:
    settings = settings_or_exit()
    if settings.discord_token is None:
        sys.stderr.write(NO_TOKEN)
        raise typer.Exit(2)
    if guild is not None and not guild.strip().isdigit():
        sys.stderr.write(f"error: --guild must be a numeric server id (got {guild[:40]!r})\n")
        raise typer.Exit(2)
    if clear and guild is None:
        sys.stderr.write("error: --clear needs --guild (the server whose copy to remove)\n")
        raise typer.Exit(2)
    import asyncio

    import aiohttp
    import discord

    from adapters.discord.sync import Synced, sync_commands
    from adapters.runtime import build_services
    from bot.core import Bot

    async def go() -> Synced:
        # The commands registered are this bot's skills'; it is never started (only its
        # registry and the button-key table are used), and closed here, where it was built.
        bot = Bot(build_services(settings))
        try:
            return await sync_commands(bot, settings, guild.strip() if guild else None, clear=clear)
        finally:
            await bot.close()

    try:
        # Not common.run: Discord's own failures get their own words here.
        synced = asyncio.run(go())
    except discord.LoginFailure:
        sys.stderr.write("error: Discord rejected DISCORD_TOKEN; copy the token again.\n")
        raise typer.Exit(1) from None
    except discord.HTTPException as problem:
        sys.stderr.write(f"error: Discord refused the commands: {problem.text or problem}\n")
        raise typer.Exit(1) from None
    except (aiohttp.ClientError, OSError):
        sys.stderr.write("error: can't reach Discord; check the network connection.\n")
        raise typer.Exit(1) from None
    except Exception as problem:
        message, code = describe_failure(problem)
        error_line(message)
        raise typer.Exit(code) from None
    where = f"server {synced.guild_id}" if synced.guild_id else "every server (global)"
    if clear:
        stdout.print(f"Removed the commands registered in server {synced.guild_id}.")
    else:
        stdout.print(f"Registered {len(synced.commands)} commands in {where}: ", end="")
        stdout.print(", ".join(f"/{name}" for name in synced.commands), highlight=False)
    for place in (p for p in synced.cleared if not clear):
        what = "the global registration" if place == "global" else f"the copy in server {place}"
        stdout.print(f"Removed {what}, so no command is listed twice.", highlight=False)
    stdout.print(f"Invite the bot with: {synced.invite}", highlight=False, soft_wrap=True)


def summary() -> str:
    """The command's help line, naming every command the skills register (none hand-kept)."""
    from bot.core import skill_registry

    names = ", ".join(f"/{name}" for name in skill_registry().commands)
    return f"Register Atelier's slash commands ({names}) with Discord."


def register(app: typer.Typer) -> None:
    app.command("sync-commands", help=summary())(sync_commands_command)

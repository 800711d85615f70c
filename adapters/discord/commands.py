"""Slash commands built from the skill registry: one per registered command.

Each command takes its text as one string option, named and described by ``Command.option``
(``text`` when the skill gave none). The option is required when the usage starts with a
required argument (``<brief>``), optional otherwise (``[tone]``), and absent for commands that
take no arguments (``/help``). ``/projects`` also takes an optional file: history to import.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

import discord
from discord import app_commands

from bot.registry import Command, SkillRegistry

# (interaction, command name, text[, an attached file]) -> answers the interaction
Runner = Callable[..., Awaitable[None]]
# Commands that take a file as well as their text: `/projects import` with history attached.
FILE_COMMANDS = frozenset({"projects"})
FILE_DESCRIPTION = "A CSV, JSON, JSON Lines or Markdown file of past projects to import"

_NAME = re.compile(r"[^a-z0-9_-]+")
# Who sees the commands until a server admin changes it: Manage Server (Administrator implies it).
DEFAULT_MEMBER_PERMISSIONS = discord.Permissions(manage_guild=True)


def _option_name(name: str) -> str:
    """Discord option names: lowercase letters, digits, ``-`` and ``_``, at most 32."""
    return _NAME.sub("_", name.lower()).strip("_")[:32] or "text"


def _description(text: str, fallback: str) -> str:
    text = " ".join(text.split()) or fallback
    return text if len(text) <= 100 else text[:99] + "…"


def app_command(command: Command, runner: Runner) -> app_commands.Command:  # type: ignore[type-arg]
    """The slash command for one registered command."""
    name = command.name
    option_name, option_description = command.option or ("text", "")
    option_description = _description(option_description, command.usage or "What you need")
    usage = command.usage.strip()

    if not usage:

        async def no_option(interaction: discord.Interaction) -> None:
            await runner(interaction, name, "")

        callback = no_option
    elif usage.startswith("<"):

        async def required(interaction: discord.Interaction, text: str) -> None:
            await runner(interaction, name, text)

        callback = required
    elif name in FILE_COMMANDS:

        async def with_file(
            interaction: discord.Interaction,
            text: str | None = None,
            file: discord.Attachment | None = None,
        ) -> None:
            await runner(interaction, name, text or "", file)

        callback = app_commands.describe(file=FILE_DESCRIPTION)(with_file)
    else:

        async def optional(interaction: discord.Interaction, text: str | None = None) -> None:
            await runner(interaction, name, text or "")

        callback = optional

    if usage:
        callback = app_commands.rename(text=_option_name(option_name))(callback)
        callback = app_commands.describe(text=option_description)(callback)
    built = app_commands.Command(
        name=name,
        description=_description(command.summary, name),
        callback=callback,
    )
    # Shown by default only to people who may manage the server; admins can open a command
    # to more roles in Server Settings -> Integrations. The adapter checks again on every use.
    built.default_permissions = DEFAULT_MEMBER_PERMISSIONS
    return built


def add_commands(tree: app_commands.CommandTree, registry: SkillRegistry, runner: Runner) -> None:  # type: ignore[type-arg]
    for command in registry.commands.values():
        tree.add_command(app_command(command, runner))

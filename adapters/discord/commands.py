"""Slash commands built from the skill registry: one per registered command.

Each command takes its text as one string option, named and described by ``Command.option``
(``text`` when the skill gave none). The option is required when the usage starts with a
required argument (``<brief>``), optional otherwise (``[tone]``), and absent for commands that
take no arguments (``/help``). ``/projects`` also takes an optional file: history to import.

Read off the usage, too:

- a usage starting with ``<project>`` autocompletes the project from the workspace's active
  projects (``/log``, ``/update``, ``/change``);
- each ``[a|b|c]`` group after a required argument becomes an optional option with those
  choices (``/update``'s tone; ``/proposal``'s tone, pricing and confidence), appended to the
  text in order, so the skill reads the same words it would from a typed command.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Any

import discord
from discord import app_commands

from bot.registry import Command, SkillRegistry

# (interaction, command name, text[, an attached file]) -> answers the interaction
Runner = Callable[..., Awaitable[None]]
# (interaction, command name, typed so far) -> choices for the project option
Completer = Callable[[discord.Interaction, str, str], Awaitable[list[app_commands.Choice[str]]]]
# Commands that take a file as well as their text: `/projects import` with history attached.
FILE_COMMANDS = frozenset({"projects"})
FILE_DESCRIPTION = "A CSV, JSON, JSON Lines or Markdown file of past projects to import"

_NAME = re.compile(r"[^a-z0-9_-]+")
_CHOICE_GROUP = re.compile(r"\[([a-z0-9_-]+(?:\|[a-z0-9_-]+)+)\]")
# What a choice group is called on Discord, by its values; any other group is "option".
_CHOICE_NAMES = {
    frozenset({"friendly", "formal", "brief"}): ("tone", "How the text should sound"),
    frozenset({"fixed", "tm"}): ("pricing", "Fixed price or time and materials"),
    frozenset({"p50", "p80"}): ("confidence", "Price at P50 or P80 of the estimate"),
}
# Who sees the commands until a server admin changes it: Manage Server (Administrator implies it).
DEFAULT_MEMBER_PERMISSIONS = discord.Permissions(manage_guild=True)


def _option_name(name: str) -> str:
    """Discord option names: lowercase letters, digits, ``-`` and ``_``, at most 32."""
    return _NAME.sub("_", name.lower()).strip("_")[:32] or "text"


def _description(text: str, fallback: str) -> str:
    text = " ".join(text.split()) or fallback
    return text if len(text) <= 100 else text[:99] + "…"


def choice_groups(usage: str) -> list[tuple[str, str, tuple[str, ...]]]:
    """(option name, description, values) for each ``[a|b]`` group of a usage (at most 3),
    when it takes a required argument first."""
    if not usage.startswith("<"):
        return []
    groups: list[tuple[str, str, tuple[str, ...]]] = []
    for found in _CHOICE_GROUP.finditer(usage):
        values = tuple(found[1].split("|"))
        name, description = _CHOICE_NAMES.get(frozenset(values), ("option", "One of these"))
        if any(name == taken for taken, _, _ in groups):
            name = f"{name}_{len(groups) + 1}"
        groups.append((name, description, values))
    return groups[:3]


def _with_choices(name: str, runner: Runner, count: int) -> Callable[..., Awaitable[None]]:
    """A callback taking the text and ``count`` optional choices (discord.py reads the
    options off the signature, so each arity is spelled out)."""

    def joined(text: str, *choices: str | None) -> str:
        return " ".join([text, *(c for c in choices if c)])

    if count == 1:

        async def one(interaction: discord.Interaction, text: str, c1: str | None = None) -> None:
            await runner(interaction, name, joined(text, c1))

        return one
    if count == 2:

        async def two(
            interaction: discord.Interaction,
            text: str,
            c1: str | None = None,
            c2: str | None = None,
        ) -> None:
            await runner(interaction, name, joined(text, c1, c2))

        return two

    async def three(
        interaction: discord.Interaction,
        text: str,
        c1: str | None = None,
        c2: str | None = None,
        c3: str | None = None,
    ) -> None:
        await runner(interaction, name, joined(text, c1, c2, c3))

    return three


def app_command(
    command: Command, runner: Runner, completer: Completer | None = None
) -> app_commands.Command[Any, ..., None]:
    """The slash command for one registered command."""
    name = command.name
    option_name, option_description = command.option or ("text", "")
    option_description = _description(option_description, command.usage or "What you need")
    usage = command.usage.strip()
    groups = choice_groups(usage)

    if groups:
        callback: Callable[..., Awaitable[None]] = _with_choices(name, runner, len(groups))
        for index, (choice_name, description, values) in enumerate(groups, start=1):
            key = f"c{index}"
            choices = [app_commands.Choice(name=value, value=value) for value in values]
            callback = app_commands.choices(**{key: choices})(callback)
            callback = app_commands.describe(**{key: description})(callback)
            callback = app_commands.rename(**{key: choice_name})(callback)
    elif not usage:

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
    built: app_commands.Command[Any, ..., None] = app_commands.Command(
        name=name,
        description=_description(command.summary, name),
        # The callback's signature is chosen at run time (with or without a file option);
        # discord.py reads its parameters by inspection, which no static type can express.
        callback=callback,  # type: ignore[arg-type]
    )
    # Shown by default only to people who may manage the server; admins can open a command
    # to more roles in Server Settings -> Integrations. The adapter checks again on every use.
    built.default_permissions = DEFAULT_MEMBER_PERMISSIONS
    if completer is not None and usage.startswith("<project>"):

        async def complete(
            interaction: discord.Interaction, current: str
        ) -> list[app_commands.Choice[str]]:
            return await completer(interaction, name, current)

        built.autocomplete("text")(complete)
    return built


def add_commands(
    tree: app_commands.CommandTree[Any],
    registry: SkillRegistry,
    runner: Runner,
    completer: Completer | None = None,
) -> None:
    for command in registry.commands.values():
        tree.add_command(app_command(command, runner, completer))

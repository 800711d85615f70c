"""`/help`: every command with one example, in the syntax of the platform asking."""

from __future__ import annotations

from bot.messages import Heading, Paragraph, Reply, Request, Table
from bot.registry import Command, SkillRegistry
from bot.services import CommandSpec, Services

_PLATFORM_NOTES = {
    "slack": "You can also mention me (`@Atelier how long would a landing page take?`) "
    "or write to me in a DM.",
    "discord": "Slash commands take their text as an option (`/scope brief: …`). You can also "
    "mention me (`@Atelier how long would a landing page take?`) or DM me.",
    "console": "Lines starting with `/` are commands; anything else is a message to me. "
    "When a reply has buttons, type the keyword shown in brackets (e.g. `approve-1`) to press "
    "one. Press Ctrl-D (or send end of input) to leave.",
}


def _example(platform: str, command: CommandSpec, example: str) -> str:
    if platform == "discord" and command.option and example:
        return f"/{command.name} {command.option[0]}: {example}"
    return f"/{command.name} {example}".rstrip()


async def show_help(request: Request, services: Services) -> Reply:
    platform = request.platform if request.platform in _PLATFORM_NOTES else "console"
    rows = []
    for command in services.commands.values():
        example = command.examples[0] if command.examples else ""
        rows.append(
            (
                f"/{command.name} {command.usage}".rstrip(),
                command.summary,
                _example(platform, command, example),
            )
        )
    return Reply(
        blocks=(
            Heading(text="Atelier — what I can do"),
            Paragraph(
                text="I help you scope work from your own past projects and keep clients "
                "updated. Every number I give comes from your data."
            ),
            Table(columns=("command", "what it does", "example"), rows=tuple(rows)),
            Paragraph(text=_PLATFORM_NOTES[platform]),
        )
    )


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="help",
            summary="List the commands, with an example of each",
            usage="",
            examples=("",),
            handler=show_help,
        )
    )
    registry.intent("help", r"^\s*(help|what can you do|commands)\b[?!.\s]*$", priority=90)

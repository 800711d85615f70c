"""The command line's help texts say what the commands do today, in the command line's terms."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import typer
from typer.testing import CliRunner

from adapters.cli import app
from adapters.cli.common import DEFAULT_USER
from bot.core import skill_registry


def help_text(*args: str) -> str:
    """``atelier ARGS --help`` as one line of words (no box drawing, no wrapping)."""
    result = CliRunner().invoke(app, [*args, "--help"], env={"COLUMNS": "300"})
    assert result.exit_code == 0, result.output
    return " ".join(re.sub(r"[│╭╮╰╯─]", " ", result.output).split())


def test_sync_commands_names_every_registered_command() -> None:
    text = help_text("sync-commands")
    names = list(skill_registry().commands)
    assert len(names) >= 8
    for name in names:
        assert f"/{name}" in text


def test_db_help_names_only_the_commands_there_are() -> None:
    text = help_text("db")
    assert "show the revision" not in text
    assert "upgrade" in text and "check" in text
    upgrade = help_text("db", "upgrade")
    assert "before `atelier run`" not in upgrade
    assert "upgrades its database itself when it starts" in upgrade


def _commands(group: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every leaf command under ``group`` (typer's groups have ``commands``)."""
    if hasattr(group, "commands"):
        for name, command in group.commands.items():
            yield from _commands(command, (*path, name))
    else:
        yield path


def test_every_date_option_takes_dates_as_people_write_them() -> None:
    for args, option in (
        (("projects", "add"), "--start"),
        (("projects", "add"), "--due"),
        (("proposal",), "--due"),
    ):
        text = help_text(*args)
        described = text[text.index(option) :]
        assert "YYYY" not in text
        assert "15 March" in described.split("--", 2)[1], (args, option)


def test_every_command_acts_as_the_same_default_user() -> None:
    root = typer.main.get_command(app)
    defaults: dict[tuple[str, ...], object] = {}
    for path in _commands(root):
        command: Any = root  # a group at every step but the last
        for name in path:
            command = command.commands[name]
        for param in command.params:
            if "--user" in getattr(param, "opts", ()):
                defaults[path] = param.default
    assert ("projects", "edit") in defaults and ("log",) in defaults
    assert set(defaults.values()) == {DEFAULT_USER}, defaults

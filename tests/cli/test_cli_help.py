"""The command line's help texts say what the commands do today, in the command line's terms."""

from __future__ import annotations

import re

from typer.testing import CliRunner

from adapters.cli import app
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

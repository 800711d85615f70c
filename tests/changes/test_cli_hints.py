"""`atelier change list` names the command-line form of what to type next; chat keeps `/change`."""

from __future__ import annotations

from typer.testing import CliRunner

from adapters.cli import app


def invoke(settings, *args: str, stdin: str | None = None):
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    return CliRunner().invoke(app, list(args), env=env, input=stdin)


def shown(result) -> str:
    """The printed text as one line: the terminal wraps it at its width."""
    return " ".join(result.output.split())


def test_change_list_hints_name_the_cli_commands_and_chat_keeps_the_slash_command(
    settings,
) -> None:
    empty = invoke(settings, "change", "list")
    assert empty.exit_code == 0, empty.output
    assert "atelier change <project> <what the client asked for>" in shown(empty)
    assert "/change" not in shown(empty)

    added = invoke(
        settings,
        "projects", "add", "--title", "Acme coffee shop", "--client", "Acme Corp",
        "--aliases", "acme", "--estimate-hours", "120", "--rate", "90", "--active",
        "--summary", "Shopify store with product pages and a brew guide blog.",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    nothing_yet = invoke(settings, "change", "list", "acme")
    assert "atelier change acme-coffee-shop <what the client asked for>" in shown(nothing_yet)
    assert "/change" not in shown(nothing_yet)

    logged = invoke(settings, "change", "acme", "a", "loyalty", "points", "program")
    assert logged.exit_code == 0, logged.output
    waiting = invoke(settings, "change", "list")
    assert waiting.exit_code == 0, waiting.output
    assert "atelier change approve <id>" in shown(waiting)
    assert "/change" not in shown(waiting)

    chat = invoke(settings, "chat", stdin="/change list\n")
    assert chat.exit_code == 0, chat.output
    assert "/change approve|decline|absorb <id>" in shown(chat)
    assert "atelier change approve" not in shown(chat)

"""Slash commands built from the registry, intents, client-wide mention safety, the CLI."""

from __future__ import annotations

from urllib.parse import parse_qs, urlparse

import discord
import pytest
from typer.testing import CliRunner

from adapters.cli import app
from adapters.discord.client import AtelierClient, intents
from adapters.discord.sync import invite_url
from bot.config import Settings
from bot.core import Bot


def test_every_registered_command_becomes_a_slash_command(discord_bot: Bot) -> None:
    client = AtelierClient(discord_bot, discord_bot.services.settings)
    names = {command.name for command in client.tree.get_commands()}
    assert names == set(discord_bot.registry.commands)


def test_options_are_named_described_and_required_from_usage(discord_bot: Bot) -> None:
    tree = AtelierClient(discord_bot, discord_bot.services.settings).tree

    def options(name: str) -> list[dict]:
        command = tree.get_command(name)
        assert command is not None
        return command.to_dict(tree).get("options", [])

    [echo] = options("echo")
    assert (echo["name"], echo["description"], echo["required"]) == (
        "words",
        "What to echo back",
        True,
    )
    [private] = options("private")
    assert private["name"] == "text" and private["required"] is False
    assert options("help") == []
    help_command = tree.get_command("help")
    assert help_command is not None
    assert help_command.description == "List the commands, with an example of each"


def test_intents_are_minimal() -> None:
    chosen = intents()
    wanted = discord.Intents.none()
    wanted.guilds = wanted.guild_messages = wanted.dm_messages = True
    assert chosen == wanted  # exactly these, nothing else
    # No privileged intent: mentions and DMs carry their text without Message Content.
    assert not chosen.message_content and not chosen.members and not chosen.presences


def test_the_client_itself_never_pings(discord_bot: Bot) -> None:
    client = AtelierClient(discord_bot, discord_bot.services.settings)
    assert client.allowed_mentions is not None
    assert client.allowed_mentions.to_dict() == discord.AllowedMentions.none().to_dict()


def test_invite_url_asks_for_the_documented_scopes_and_permissions() -> None:
    query = parse_qs(urlparse(invite_url(1234)).query)
    assert query["client_id"] == ["1234"]
    assert set(query["scope"][0].split()) == {"bot", "applications.commands"}
    permissions = discord.Permissions(int(query["permissions"][0]))
    assert permissions.send_messages and permissions.embed_links and permissions.attach_files
    assert permissions.read_message_history
    assert not permissions.administrator and not permissions.mention_everyone


def test_sync_commands_without_token_says_what_to_set(settings: Settings) -> None:
    result = CliRunner().invoke(app, ["sync-commands"])
    assert result.exit_code == 2
    assert "DISCORD_TOKEN is not set" in result.output


def test_sync_commands_rejects_a_bad_guild_id(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    result = CliRunner().invoke(app, ["sync-commands", "--guild", "my-server"])
    assert result.exit_code == 2
    assert "--guild must be a numeric server id" in result.output
    assert "not-a-real-token" not in result.output


@pytest.mark.parametrize(
    ("failure", "message"),
    [
        (discord.LoginFailure("Improper token"), "Discord rejected DISCORD_TOKEN"),
        (OSError("network is unreachable"), "can't reach Discord"),
    ],
)
def test_sync_commands_login_problems_are_one_clear_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, failure: Exception, message: str
) -> None:
    async def static_login(self: discord.http.HTTPClient, token: str) -> None:
        raise failure

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", static_login)
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    result = CliRunner().invoke(app, ["sync-commands", "--guild", "123"])
    assert result.exit_code == 1
    assert message in result.output and "Traceback" not in result.output
    assert "not-a-real-token" not in result.output

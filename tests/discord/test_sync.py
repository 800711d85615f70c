"""`atelier sync-commands`: commands registered in exactly one place, never listed twice.

Discord's REST API is faked at discord.py's HTTP seam (``HTTPClient.request``): the global and
per-server command lists live in a dict, so the test reads what Discord would show.
"""

from __future__ import annotations

import itertools
from typing import Any

import discord
import pytest
from typer.testing import CliRunner

from adapters.cli import app
from adapters.discord.sync import Synced
from adapters.discord.sync import sync_commands as sync_with
from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot

APP_ID = "424242424242424242"
SERVERS = ("111111111111111111", "222222222222222222")
USER = {"id": APP_ID, "username": "Atelier", "discriminator": "0", "avatar": None, "bot": True}


class FakeCommandsAPI:
    """The few routes sync-commands uses, with Discord's semantics (PUT replaces the list)."""

    def __init__(self) -> None:
        self.commands: dict[str, list[dict[str, Any]]] = {}  # "global" or a server id
        self.ids = itertools.count(900)

    def shown_in(self, server: str) -> list[str]:
        """What a member of ``server`` sees in the command picker: both lists."""
        both = self.commands.get("global", []) + self.commands.get(server, [])
        return sorted(c["name"] for c in both)

    async def request(self, route: discord.http.Route, **kwargs: Any) -> Any:
        method, path = route.method, route.path
        if path == "/users/@me":
            return USER
        if path == "/oauth2/applications/@me":
            return {
                "id": APP_ID, "name": "Atelier", "description": "", "icon": None,
                "bot_public": True, "bot_require_code_grant": False, "verify_key": "k",
                "owner": USER, "flags": 0,
            }  # fmt: skip
        if path == "/users/@me/guilds":
            return [
                {"id": s, "name": f"S{s[0]}", "icon": None, "owner": False, "permissions": "0",
                 "features": []}
                for s in SERVERS
                if not kwargs.get("params", {}).get("after")
            ]  # fmt: skip
        place = str(route.guild_id) if "/guilds/" in path else "global"
        if method == "GET":
            return self.commands.get(place, [])
        if method == "PUT":
            stored = [
                {**c, "id": str(next(self.ids)), "application_id": APP_ID, "version": "1"}
                for c in kwargs["json"]
            ]
            self.commands[place] = stored
            return stored
        raise AssertionError(f"unexpected route {method} {path}")


@pytest.fixture
def api(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> FakeCommandsAPI:
    fake = FakeCommandsAPI()
    monkeypatch.setattr(
        discord.http.HTTPClient, "request", lambda self, r, **kw: fake.request(r, **kw)
    )
    monkeypatch.setenv("DISCORD_TOKEN", "not-a-real-token")
    return fake


def configured(settings: Settings) -> Settings:
    return Settings.model_validate({**settings.model_dump(), "discord_token": "not-a-real-token"})


async def sync_commands(settings: Settings, guild_id: str | None = None, **flags: bool) -> Synced:
    """Sync for a bot built here, as the command line builds one and hands it in."""
    bot = Bot(build_services(settings))
    try:
        return await sync_with(bot, settings, guild_id, **flags)
    finally:
        await bot.close()


async def test_a_guild_sync_after_a_global_one_lists_each_command_once(
    api: FakeCommandsAPI, settings: Settings
) -> None:
    await sync_commands(configured(settings))
    names = api.shown_in(SERVERS[0])
    assert names and len(names) == len(set(names))
    synced = await sync_commands(configured(settings), SERVERS[0])
    assert synced.cleared == ("global",)
    shown = api.shown_in(SERVERS[0])
    assert shown == names  # the same commands, once each
    assert api.commands["global"] == [] and api.shown_in(SERVERS[1]) == []


async def test_a_global_sync_removes_the_copies_left_in_servers(
    api: FakeCommandsAPI, settings: Settings
) -> None:
    await sync_commands(configured(settings), SERVERS[1])
    synced = await sync_commands(configured(settings))
    assert synced.cleared == (SERVERS[1],)
    for server in SERVERS:
        names = api.shown_in(server)
        assert names and len(names) == len(set(names))
    assert api.commands[SERVERS[1]] == []


async def test_clear_removes_only_that_servers_copy(
    api: FakeCommandsAPI, settings: Settings
) -> None:
    await sync_commands(configured(settings), SERVERS[0])
    synced = await sync_commands(configured(settings), SERVERS[0], clear=True)
    assert synced.commands == [] and synced.cleared == (SERVERS[0],)
    assert api.commands[SERVERS[0]] == []


def test_the_cli_says_what_it_removed(api: FakeCommandsAPI, settings: Settings) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["sync-commands"]).exit_code == 0
    result = runner.invoke(app, ["sync-commands", "--guild", SERVERS[0]])
    assert result.exit_code == 0, result.output
    assert f"in server {SERVERS[0]}" in result.output
    assert "Removed the global registration, so no command is listed twice." in result.output
    assert "not-a-real-token" not in result.output
    refused = runner.invoke(app, ["sync-commands", "--clear"])
    assert refused.exit_code == 2 and "--clear needs --guild" in refused.output


async def test_the_commands_registered_are_those_of_the_bot_handed_in(
    api: FakeCommandsAPI, settings: Settings
) -> None:
    only_help = Bot(build_services(configured(settings)), skills=("bot.skills.help",))
    try:
        synced = await sync_with(only_help, configured(settings))
    finally:
        await only_help.close()
    assert synced.commands == ["help"]
    assert api.shown_in(SERVERS[0]) == ["help"]

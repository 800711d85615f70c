"""Starting the Discord client: a rejected token stops Discord cleanly, with one clear line."""

from __future__ import annotations

import discord
import pytest

from adapters.discord.client import serve_discord
from bot.config import Settings
from bot.core import Bot
from bot.logs import configure_logging


async def test_rejected_token_is_reported_without_crashing_or_leaking(
    discord_bot: Bot,
    settings: Settings,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = "MTIzNDU2Nzg5MDEyMzQ1Njc4.Gabcde.not-a-real-token-0123456789abcdefgh"
    seen: list[str] = []
    # As `atelier run` sets it up (an earlier CLI test may have pointed logging at a file).
    configure_logging()

    async def static_login(self: discord.http.HTTPClient, given: str) -> None:
        seen.append(given)
        raise discord.LoginFailure("Improper token has been passed.")

    # Discord's HTTP login is the seam: no network, the real client start-up path otherwise.
    monkeypatch.setattr(discord.http.HTTPClient, "static_login", static_login)
    configured = Settings.model_validate({**settings.model_dump(), "discord_token": token})
    assert await serve_discord(discord_bot, configured) is False
    assert seen == [token]
    output = capsys.readouterr()
    logged = output.out + output.err
    assert "discord_login_failed" in logged and "Reset Token" in logged
    assert token not in logged


async def test_launch_exits_1_when_discord_is_the_only_platform_and_refuses(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from adapters.launch import launch

    async def static_login(self: discord.http.HTTPClient, given: str) -> None:
        raise discord.LoginFailure("Improper token has been passed.")

    monkeypatch.setattr(discord.http.HTTPClient, "static_login", static_login)
    configured = Settings.model_validate(
        {**settings.model_dump(), "discord_token": "MTIz.Gabcde.not-a-real-token"}
    )
    assert await launch(configured) == 1

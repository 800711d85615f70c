"""`atelier slack manifest` and `atelier slack forget`, through the real command line."""

from __future__ import annotations

import yaml
from typer.testing import CliRunner

from adapters.cli import app
from adapters.runtime import build_services
from bot.core import Bot
from state import TenantSettings, forget_tenant

runner = CliRunner()


def test_manifest_for_a_url_is_valid_yaml_with_every_url_filled_in(settings, monkeypatch):
    monkeypatch.setenv("ATELIER_SLACK_COMMAND_PREFIX", "at-")
    result = runner.invoke(app, ["slack", "manifest", "--url", "https://bot.example.org/"])
    assert result.exit_code == 0, result.output
    manifest = yaml.safe_load(result.stdout)
    assert "YOUR-HOST" not in result.stdout
    assert manifest["settings"]["socket_mode_enabled"] is False
    assert manifest["settings"]["interactivity"]["request_url"] == (
        "https://bot.example.org/slack/events"
    )
    assert all(c["command"].startswith("/at-") for c in manifest["features"]["slash_commands"])

    refused = runner.invoke(app, ["slack", "manifest", "--url", "http://bot.example.org"])
    assert refused.exit_code == 2 and "https://" in refused.stderr


def test_forget_asks_for_yes_then_deletes_only_that_workspace(settings, monkeypatch):
    import asyncio

    monkeypatch.setenv("ATELIER_DATA_DIR", str(settings.data_dir))

    async def seed() -> None:
        bot = Bot(build_services(settings))
        await bot.start()
        async with bot.services.db.transaction() as session:
            session.add(TenantSettings(tenant="T0001", rate=90.0, currency="EUR"))
            session.add(TenantSettings(tenant="T0002", rate=80.0, currency="EUR"))
        await bot.close()

    asyncio.run(seed())
    assert runner.invoke(app, ["slack", "forget", "not-an-id"]).exit_code == 2
    unconfirmed = runner.invoke(app, ["slack", "forget", "T0001"])
    assert unconfirmed.exit_code == 1 and "--yes" in unconfirmed.stderr

    done = runner.invoke(app, ["slack", "forget", "T0001", "--yes"])
    assert done.exit_code == 0, done.output
    assert "1 tenant_settings" in done.stdout

    async def left() -> dict[str, int]:
        bot = Bot(build_services(settings))
        await bot.start()
        try:
            return await forget_tenant(bot.services.db, "T0002")
        finally:
            await bot.close()

    assert asyncio.run(left()) == {"tenant_settings": 1}  # the other workspace was kept

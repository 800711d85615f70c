"""Project autocomplete and choice options, on the product's own commands and skills."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest

from adapters.discord.client import AtelierClient
from adapters.discord.commands import app_command
from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from state import ActiveProject
from tests.discord.fakes import FakeInteraction, FakeUser


@pytest.fixture
async def product(settings: Settings, client: AtelierClient) -> AsyncIterator[AtelierClient]:
    """The real client with the product's own skills, on the dpytest guild of ``client``."""
    bot = Bot(build_services(settings))
    await bot.start()
    real = AtelierClient(bot, settings, reply_budget=60)
    real._connection = client._connection  # the same guild and members
    guild = str(dpytest.get_config().guilds[0].id)
    async with bot.services.db.transaction() as session:
        session.add(ActiveProject(tenant=guild, id="acme-shop", name="Acme shop", client="Acme"))
        session.add(ActiveProject(tenant=guild, id="bakery-site", name="Bakery site"))
        session.add(ActiveProject(tenant="other", id="acme-secret", name="Acme secret"))
        session.add(ActiveProject(tenant=guild, id="old-job", name="Acme old job", status="closed"))
    yield real
    await bot.close()


def _interaction(client: AtelierClient, user: FakeUser | None = None) -> FakeInteraction:
    guild = dpytest.get_config().guilds[0]
    return FakeInteraction(client=client, user=user or FakeUser(111), guild_id=guild.id)


def _command(client: AtelierClient, name: str) -> discord.app_commands.Command[Any, ..., Any]:
    command = client.tree.get_command(name)
    assert isinstance(command, discord.app_commands.Command)
    return command


async def _complete(client: AtelierClient, name: str, typed: str, **kw: Any) -> list[Any]:
    command = _command(client, name)
    complete = command._params["text"].autocomplete  # what discord.py calls as people type
    assert complete is not None
    return await complete(_interaction(client, **kw), typed)


async def test_project_options_autocomplete_from_the_servers_active_projects(
    product: AtelierClient,
) -> None:
    for name in ("log", "update"):
        choices = await _complete(product, name, "ac")
        assert [(c.name, c.value) for c in choices] == [("Acme shop — Acme", "acme-shop")]
    every = await _complete(product, "log", "")
    assert [c.value for c in every] == ["acme-shop", "bakery-site"]  # never other servers'
    assert await _complete(product, "log", "acme-shop did the cart 2h") == []


async def test_no_suggestions_for_someone_the_core_refuses(product: AtelierClient) -> None:
    outsider = FakeUser(333, permissions=discord.Permissions.none())
    assert await _complete(product, "log", "ac", user=outsider) == []


def test_tones_and_pricing_are_choices(product: AtelierClient) -> None:
    update = _command(product, "update").to_dict(product.tree)
    tone = next(o for o in update["options"] if o["name"] == "tone")
    assert [c["value"] for c in tone["choices"]] == ["friendly", "formal", "brief"]
    assert tone["required"] is False
    proposal = _command(product, "proposal").to_dict(product.tree)
    names = [o["name"] for o in proposal["options"]]
    assert names == ["estimate", "tone", "pricing", "confidence"]
    project = next(o for o in update["options"] if o["name"] == "project")
    assert project["autocomplete"] is True


async def test_chosen_options_reach_the_skill_as_the_words_a_person_would_type(
    product: AtelierClient,
) -> None:
    seen: list[str] = []

    async def runner(interaction: Any, command: str, text: str, *_: Any) -> None:
        seen.append(f"{command}: {text}")

    registry = product.bot.registry.commands
    update = app_command(registry["update"], runner)
    proposal = app_command(registry["proposal"], runner)
    interaction = _interaction(product)
    await update.callback(interaction, "acme-shop", "formal")  # type: ignore[arg-type]
    await update.callback(interaction, "acme-shop")  # type: ignore[arg-type]
    await proposal.callback(interaction, "est-1", None, "tm", "p80")  # type: ignore[arg-type]
    assert seen == ["update: acme-shop formal", "update: acme-shop", "proposal: est-1 tm p80"]

"""`/atelier home` and the scheduled digest on Discord, with the product's own skills.

The home content is the core's, answered ephemerally; the digest goes to each owner's DMs
through the adapter's DM port (buttons reserved for them, no mentions), and closed DMs come
back as a refusal the run records.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import discord
import discord.ext.test as dpytest
import pytest

from adapters.discord.client import AtelierClient
from adapters.discord.direct import DiscordDirectMessages
from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from bot.scheduler import DigestRunner
from tests.digest.conftest import SLOT, FrozenClock
from tests.discord.fakes import FakeInteraction, FakeUser
from tests.discord.test_real_skills import call_text


@pytest.fixture
def real_bot(settings: Settings) -> Bot:
    bot = Bot(build_services(settings))
    bot.services.clock = FrozenClock(SLOT - dt.timedelta(days=2))
    return bot


async def _command(client: AtelierClient, user: FakeUser, name: str, text: str) -> FakeInteraction:
    guild = dpytest.get_config().guilds[0]
    interaction = FakeInteraction(client=client, user=user, guild_id=guild.id)
    command = client.tree.get_command(name)
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(interaction, text)  # type: ignore[arg-type]
    return interaction


async def test_atelier_home_is_ephemeral_and_shows_the_same_content(
    real_client: AtelierClient,
) -> None:
    me = FakeUser(111)
    empty = await _command(real_client, me, "atelier", "home")
    [shown] = empty.sent()
    assert shown.kwargs["ephemeral"] is True
    assert "Import history" in call_text(shown) or "Welcome" in call_text(shown)

    await _command(real_client, me, "projects", 'add name="Acme web shop" estimate=40')
    await _command(real_client, me, "log", "acme-web-shop done: checkout, 10h")
    home = await _command(real_client, me, "atelier", "home")
    [shown] = home.sent()
    text = call_text(shown)
    assert shown.kwargs["ephemeral"] is True
    assert "Acme web shop" in text and "▰▰▱" in text and "10 of 40 h" in text
    assert "Weekly digest" in text and me.dms == []


async def test_the_scheduled_digest_reaches_the_owner_by_dm(real_client: AtelierClient) -> None:
    bot = real_client.bot
    me, closed = FakeUser(111), FakeUser(222, "bob", dms_open=False)
    for user, name in ((me, "Acme"), (closed, "Beta")):
        await _command(real_client, user, "projects", f"add name={name} estimate=20")
    await _command(real_client, me, "log", "acme done: wireframes, 4h")
    answer = await _command(real_client, me, "atelier", "digest on fri 15:00 Europe/Berlin")
    assert "Fridays at 15:00" in call_text(answer.sent()[0])
    people = {"111": me, "222": closed}
    # The port's own lookup, pointed at the test users (dpytest can't DM a FakeUser).
    stand_in = SimpleNamespace(get_user=lambda user_id: people.get(str(user_id)))
    bot.add_direct_messages(DiscordDirectMessages(stand_in, real_client.delivery))  # type: ignore[arg-type]

    bot.services.clock.now = SLOT + dt.timedelta(seconds=10)  # type: ignore[attr-defined]
    [report] = await DigestRunner(bot).run_due()
    assert report.outcomes == {"111": "delivered", "222": "refused: dms_closed"}
    [dm] = me.dms
    text = call_text(dm)
    assert "Acme" in text and "wireframes" in text and "Beta" not in text
    assert dm.kwargs["allowed_mentions"].to_dict() == {"parse": []}
    assert "view" in dm.kwargs  # the Draft update button, reserved for its owner

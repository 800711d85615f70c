"""Fixtures: the real Atelier Discord client, wired to dpytest's fake gateway and HTTP."""

from __future__ import annotations

import sys
from collections.abc import AsyncIterator
from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend
from discord.ext.test import factories as dpytest_factories

from adapters.discord.client import AtelierClient
from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from tests.discord.fakes import FakeInteraction, FakeUser, forbidden

SKILLS = ("bot.skills.help", "tests.discord.fake_skills")


@pytest.fixture
async def discord_bot(settings: Settings) -> AsyncIterator[Bot]:
    instance = Bot(build_services(settings), skills=SKILLS)
    await instance.start()
    yield instance
    await instance.close()


class SendLog:
    """Every payload the client hands to Discord's HTTP layer (wraps dpytest's fake HTTP).

    ``dms_closed`` makes Discord refuse DMs the way it does for a user whose DMs are closed
    (403, code 50007). ``get_member`` answers 404 for non-members, as Discord does (dpytest's
    fake crashes instead).
    """

    def __init__(self, client: discord.Client) -> None:
        self.payloads: list[dict[str, Any]] = []
        self.dms_closed = False
        # channel id -> errors to raise, one per message sent there, before it succeeds
        self.refuse: dict[int, list[discord.HTTPException]] = {}
        original = client.http.send_message

        async def send_message(channel_id: int, *, params: Any) -> Any:
            # dpytest reads `channel` from its caller's locals; keep it visible one level up.
            channel = sys._getframe(1).f_locals.get("channel")
            self.payloads.append(dict(params.payload or {}))
            if self.dms_closed and isinstance(channel, discord.DMChannel):
                raise forbidden()
            if self.refuse.get(int(channel_id)):
                raise self.refuse[int(channel_id)].pop(0)
            return await original(channel_id, params=params)

        async def get_member(guild_id: int, member_id: int) -> Any:
            guild = client.get_guild(guild_id)
            member = guild.get_member(member_id) if guild else None
            if member is None:
                response = SimpleNamespace(status=404, reason="Not Found")
                raise discord.NotFound(response, "Unknown Member")  # type: ignore[arg-type]
            return dpytest_factories.dict_from_member(member)

        client.http.send_message = send_message  # type: ignore[method-assign,assignment]
        client.http.get_member = get_member  # type: ignore[method-assign,assignment]


STUDIO_ROLE = "Studio"


async def add_studio_members(client: AtelierClient) -> None:
    """The people these tests act as are studio members: dpytest's member and user 111 (the
    default interaction user, also when they press buttons in DMs) hold a role with Manage
    Server, the permission Atelier asks for by default."""
    guild = dpytest.get_config().guilds[0]
    role = backend.make_role(
        STUDIO_ROLE, guild, permissions=discord.Permissions(manage_guild=True).value
    )
    member = dpytest.get_config().members[0]
    await dpytest.add_role(member, role)
    user = backend.make_user("alice", 1, id_num=111)
    backend.make_member(user, guild, roles=[role])


async def configured(bot: Bot) -> AtelierClient:
    """A client of ``bot`` on dpytest (one guild, one text channel, one member)."""
    instance = AtelierClient(bot, bot.services.settings, reply_budget=60)
    # dpytest resolves `<@id>` mentions through the member cache, which discord.py fills only
    # with the members intent. In production mentions arrive in the payload, so the adapter
    # itself never asks for that privileged intent (see test_intents_are_minimal).
    instance._connection._intents.members = True
    instance._connection.member_cache_flags = discord.MemberCacheFlags.from_intents(
        instance._connection._intents
    )
    await instance._async_setup_hook()
    dpytest.configure(instance)
    await instance._async_setup_hook()  # again: dpytest replaced the connection state
    await instance.setup_hook()
    instance.send_log = SendLog(instance)  # type: ignore[attr-defined]
    await add_studio_members(instance)
    return instance


@pytest.fixture
async def client(discord_bot: Bot) -> AsyncIterator[AtelierClient]:
    """A configured client on dpytest, with the test skills."""
    yield await configured(discord_bot)
    await dpytest.empty_queue()


@pytest.fixture
def real_bot(settings: Settings) -> Bot:
    """The product's own skills (a test module may override this, e.g. to set the clock)."""
    return Bot(build_services(settings))


@pytest.fixture
async def real_client(real_bot: Bot) -> AsyncIterator[AtelierClient]:
    """A configured client on dpytest, with the product's own skills."""
    await real_bot.start()
    yield await configured(real_bot)
    await dpytest.empty_queue()
    await real_bot.close()


@pytest.fixture
def make_interaction(client: AtelierClient):
    """Interactions in the dpytest guild, from a given user."""
    guild = dpytest.get_config().guilds[0]

    def make(
        user: FakeUser | None = None, *, in_guild: bool = True, message: Any = None
    ) -> FakeInteraction:
        return FakeInteraction(
            client=client,
            user=user or FakeUser(111),
            guild_id=guild.id if in_guild else None,
            message=message,
        )

    return make

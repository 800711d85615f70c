"""discord.py objects -> neutral requests."""

from __future__ import annotations

from types import SimpleNamespace

import discord
import discord.ext.test as dpytest

from adapters.discord.client import AtelierClient
from adapters.discord.translate import message_request, strip_mention
from tests.discord.fakes import bot_user_id


def test_strip_mention_removes_only_the_bots_own_mentions() -> None:
    assert strip_mention("<@42> scope a shop", 42) == "scope a shop"
    assert strip_mention("hey <@!42>, ping <@7> about it", 42) == "hey  , ping <@7> about it"


async def test_message_request_carries_tenant_user_channel_and_event(
    client: AtelierClient,
) -> None:
    config = dpytest.get_config()
    message = await dpytest.message("just chatting")  # not a mention: the bot stays quiet
    request = message_request(message, "t-1", bot_user_id(client))
    assert request.tenant == "t-1" and request.platform == "discord"
    assert request.user_id == str(config.members[0].id)
    assert request.channel_id == str(config.channels[0].id)
    assert request.thread_id is None and request.is_private is False
    assert request.event_id == f"message:{message.id}" and request.command is None
    assert dpytest.sent_queue.empty()


def test_a_mention_inside_a_thread_keeps_the_thread(client: AtelierClient) -> None:
    guild = dpytest.get_config().guilds[0]
    thread = discord.Thread(
        guild=guild,
        state=client._connection,
        data={  # type: ignore[typeddict-item]
            "id": "5000",
            "parent_id": str(dpytest.get_config().channels[0].id),
            "owner_id": "3",
            "name": "Acme launch",
            "type": 11,
            "guild_id": str(guild.id),
            "message_count": 0,
            "member_count": 0,
            "rate_limit_per_user": 0,
            "thread_metadata": {
                "archived": False,
                "auto_archive_duration": 60,
                "archive_timestamp": "2026-01-01T00:00:00+00:00",
                "locked": False,
            },
        },
    )
    author = dpytest.get_config().members[0]
    message = SimpleNamespace(
        id=77, author=author, channel=thread, guild=guild, content=f"<@{bot_user_id(client)}> hi"
    )
    request = message_request(message, str(guild.id), bot_user_id(client))  # type: ignore[arg-type]
    assert request.thread_id == "5000" and request.channel_id == "5000"
    assert request.text == "hi"


def test_strip_mention_removes_the_bots_managed_role_too() -> None:
    assert strip_mention("<@&99> scope a shop <@&7>", 42, {99}) == "scope a shop <@&7>"

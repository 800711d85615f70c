"""discord.py objects -> neutral requests."""

from __future__ import annotations

import discord.ext.test as dpytest

from adapters.discord.client import AtelierClient
from adapters.discord.translate import message_request, strip_mention


def test_strip_mention_removes_only_the_bots_own_mentions() -> None:
    assert strip_mention("<@42> scope a shop", 42) == "scope a shop"
    assert strip_mention("hey <@!42>, ping <@7> about it", 42) == "hey  , ping <@7> about it"


async def test_message_request_carries_tenant_user_channel_and_event(
    client: AtelierClient,
) -> None:
    config = dpytest.get_config()
    message = await dpytest.message("just chatting")  # not a mention: the bot stays quiet
    request = message_request(message, "t-1", client.user.id)
    assert request.tenant == "t-1" and request.platform == "discord"
    assert request.user_id == str(config.members[0].id)
    assert request.channel_id == str(config.channels[0].id)
    assert request.thread_id is None and request.is_private is False
    assert request.event_id == f"message:{message.id}" and request.command is None
    assert dpytest.sent_queue.empty()

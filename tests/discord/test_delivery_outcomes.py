"""A client update posted through the real Discord client and dpytest's fake HTTP: Discord
refuses the first post (``Forbidden`` / ``NotFound``), then accepts the retry. Only the accepted
post is recorded as posted, with the message's id and jump URL."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend
from sqlalchemy import select

from adapters.discord.client import AtelierClient
from bot.drafts import audit_rows
from state import Draft
from tests.discord.fakes import FakeInteraction, FakeUser
from tests.discord.test_real_skills import _button, _command, call_text


def _refusal(kind: type[discord.HTTPException]) -> discord.HTTPException:
    """What discord.py raises when the bot may not post there (403) or it is gone (404)."""
    if kind is discord.Forbidden:
        response = SimpleNamespace(status=403, reason="Forbidden")
        return discord.Forbidden(response, {"code": 50013, "message": "Missing Permissions"})  # type: ignore[arg-type]
    response = SimpleNamespace(status=404, reason="Not Found")
    return discord.NotFound(response, {"code": 10003, "message": "Unknown Channel"})  # type: ignore[arg-type]


async def _status(client: AtelierClient) -> str:
    async with client.bot.services.db.sessions() as session:
        return (await session.execute(select(Draft.status))).scalar_one()


@pytest.mark.parametrize(
    ("kind", "words"),
    [(discord.Forbidden, "not allowed to post"), (discord.NotFound, "can't find that channel")],
)
async def test_a_refused_post_is_not_recorded_and_the_retry_is(
    real_client: AtelierClient, kind: type[discord.HTTPException], words: str
) -> None:
    guild = dpytest.get_config().guilds[0]
    tenant = str(guild.id)
    client_channel = backend.make_text_channel("acme-client", guild)
    me = FakeUser(111)

    def interaction(in_guild: bool = True) -> FakeInteraction:
        return FakeInteraction(
            client=real_client,
            user=me,
            guild_id=guild.id if in_guild else None,
            message=None if in_guild else SimpleNamespace(id=1),
        )

    added = interaction()
    await _command(
        real_client, added, "projects", f"add name=Acme aliases=acme channel={client_channel.id}"
    )
    assert "Added" in added.text(), added.text()
    await _command(real_client, interaction(), "log", "acme done: checkout page, 3h")
    await _command(real_client, interaction(), "update", "acme")
    [draft] = me.dms
    approving = interaction(in_guild=False)
    await _button(draft, "Approve").callback(approving)
    [approved] = approving.sent()

    # Discord refuses the post.
    real_client.send_log.refuse[client_channel.id] = [_refusal(kind)]  # type: ignore[attr-defined]
    posting = interaction(in_guild=False)
    await _button(approved, "Post to client channel").callback(posting)
    [told] = posting.sent()
    assert "Nothing was sent" in call_text(told) and words in call_text(told)
    assert "Posted" not in call_text(told)
    assert await _status(real_client) == "approved"
    assert await audit_rows(real_client.bot.services.db, tenant) == []
    assert dpytest.verify().message().nothing()

    # The retry button on the refusal posts it, and that is what the record says.
    retrying = interaction(in_guild=False)
    await _button(told, "Post to client channel").callback(retrying)
    posted: Any = dpytest.get_message()
    assert posted.channel.id == client_channel.id and "checkout" in posted.content.lower()
    assert await _status(real_client) == "posted"
    (row,) = await audit_rows(real_client.bot.services.db, tenant)
    assert row.message_id == str(posted.id) and row.permalink == posted.jump_url
    assert row.channel_id == str(client_channel.id) and row.posted_by == "111"
    [confirmed] = retrying.sent()
    assert "Posted the approved update" in call_text(confirmed)
    assert posted.jump_url in call_text(confirmed)

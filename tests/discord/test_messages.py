"""Mentions and DMs through the real client code, on dpytest's fake gateway."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import discord
import discord.ext.test as dpytest
from discord.ext.test import backend, callbacks

from adapters.discord.client import NO_HOME_GUILD, NOT_A_MEMBER, AtelierClient
from adapters.discord.delivery import DM_CLOSED
from tests.discord.fakes import bot_user_id

NONE: dict[str, list[str]] = {"parse": []}  # AllowedMentions.none() on the wire


def _sent() -> list[discord.Message]:
    messages = []
    while not dpytest.sent_queue.empty():
        messages.append(dpytest.get_message())
    return messages


async def test_mention_is_answered_as_a_reply_in_the_guild_tenant(client: AtelierClient) -> None:
    config = dpytest.get_config()
    guild, channel, member = config.guilds[0], config.channels[0], config.members[0]
    await dpytest.message(f"<@{bot_user_id(client)}> echo hello there")
    (answer,) = _sent()
    assert answer.content == f"echo [{guild.id}] {member.id}: hello there"
    assert answer.channel.id == channel.id
    (payload,) = client.send_log.payloads  # type: ignore[attr-defined]
    assert payload["message_reference"]["channel_id"] == channel.id
    assert payload["allowed_mentions"] == NONE


async def test_messages_that_do_not_mention_the_bot_are_ignored(client: AtelierClient) -> None:
    await dpytest.message("echo nobody asked me")
    assert _sent() == []


async def test_typing_indicator_while_working(client: AtelierClient) -> None:
    typed: list[object] = []

    async def on_typing(channel: object) -> None:
        typed.append(channel)

    callbacks.set_callback(on_typing, "send_typing")
    try:
        await dpytest.message(f"<@{bot_user_id(client)}> help")
    finally:
        callbacks.remove_callback("send_typing")
    assert typed == [dpytest.get_config().channels[0]]
    (answer,) = _sent()
    assert answer.embeds and answer.embeds[0].title == "Atelier — what I can do"


async def test_long_answer_is_several_messages_nothing_lost(client: AtelierClient) -> None:
    await dpytest.message(f"<@{bot_user_id(client)}> /long 40")
    answers = _sent()
    assert len(answers) > 1
    assert all(len(a.content) <= 2000 for a in answers)
    joined = "\n\n".join(a.content for a in answers)
    for i in range(40):
        assert f"Paragraph {i}: " + ("lorem ipsum dolor " * 12).strip() in joined
    payloads = client.send_log.payloads  # type: ignore[attr-defined]
    assert all(p["allowed_mentions"] == NONE for p in payloads)
    assert "message_reference" in payloads[0]
    assert not any("message_reference" in p for p in payloads[1:])  # only the first replies


async def test_everyone_and_role_mentions_in_answers_never_ping(client: AtelierClient) -> None:
    await dpytest.message(f"<@{bot_user_id(client)}> be loud")
    (answer,) = _sent()
    assert "@everyone" in answer.content  # the text is shown as written…
    (payload,) = client.send_log.payloads  # type: ignore[attr-defined]
    assert payload["allowed_mentions"] == NONE  # …but pings nobody


async def test_dm_acts_in_the_home_guild_tenant(client: AtelierClient) -> None:
    config = dpytest.get_config()
    guild, member = config.guilds[0], config.members[0]
    client.settings.discord_home_guild = str(guild.id)
    dm = await member.create_dm()
    await dpytest.message("echo from my DMs", channel=dm, member=member)
    (answer,) = _sent()
    assert answer.content == f"echo [{guild.id}] {member.id}: from my DMs"
    assert isinstance(answer.channel, discord.DMChannel)


async def test_dm_without_home_guild_is_refused_clearly(client: AtelierClient) -> None:
    member = dpytest.get_config().members[0]
    dm = await member.create_dm()
    await dpytest.message("echo secret", channel=dm, member=member)
    (answer,) = _sent()
    assert answer.content == NO_HOME_GUILD


async def test_dm_from_someone_outside_the_home_guild_is_refused(client: AtelierClient) -> None:
    client.settings.discord_home_guild = str(dpytest.get_config().guilds[0].id)
    stranger = backend.make_user("stranger", 42)
    dm = await stranger.create_dm()
    await dpytest.message("echo let me in", channel=dm, member=stranger)
    (answer,) = _sent()
    assert answer.content == NOT_A_MEMBER


async def test_dm_visibility_reply_goes_to_dms_with_a_notice_in_channel(
    client: AtelierClient,
) -> None:
    channel = dpytest.get_config().channels[0]
    await dpytest.message(f"<@{bot_user_id(client)}> draft weekly update")
    answers = _sent()
    private = [a for a in answers if isinstance(a.channel, discord.DMChannel)]
    public = [a for a in answers if a.channel.id == channel.id]
    assert len(private) == 1 and private[0].embeds[0].title == "Draft update"
    assert [a.content for a in public] == ["Draft sent to your DMs."]
    assert all("weekly update" not in (a.content or "") for a in public)


async def test_closed_dms_explain_how_to_open_them_and_post_nothing(
    client: AtelierClient,
) -> None:
    client.send_log.dms_closed = True  # type: ignore[attr-defined]
    await dpytest.message(f"<@{bot_user_id(client)}> draft weekly update")
    (answer,) = _sent()
    assert answer.content == DM_CLOSED
    assert not answer.embeds


async def test_form_in_a_mention_points_to_the_slash_command(client: AtelierClient) -> None:
    await dpytest.message(f"<@{bot_user_id(client)}> new form")
    (answer,) = _sent()
    assert "type `/form` (as a slash command)" in answer.content
    assert "Estimated hours" in answer.content
    await dpytest.message(f"<@{bot_user_id(client)}> /form now please")
    (answer,) = _sent()
    assert "type `/form` with `now please`" in answer.content


async def test_a_form_chosen_by_the_classifier_names_the_command_the_core_ran(
    client: AtelierClient,
) -> None:
    """The core says which command answered: the adapter never guesses by routing again (the
    rules alone would not know this message, only the optional classifier does)."""
    seen: list[str] = []

    async def classify(text: str, commands: Mapping[str, Any]) -> str | None:
        seen.append(text)
        return "form"

    client.bot.services.intent_classifier = classify
    await dpytest.message(f"<@{bot_user_id(client)}> I would like to fill in that project sheet")
    (answer,) = _sent()
    assert seen == ["I would like to fill in that project sheet"]
    assert "type `/form` (as a slash command)" in answer.content
    assert "with `" not in answer.content  # plain words are not quoted as arguments


async def test_reply_for_another_channel_is_posted_there_only_in_the_same_guild(
    client: AtelierClient,
) -> None:
    guild = dpytest.get_config().guilds[0]
    here = dpytest.get_config().channels[0]
    client_channel = backend.make_text_channel("client-acme", guild)
    await dpytest.message(f"<@{bot_user_id(client)}> post to {client_channel.id}")
    answers = _sent()
    assert [(a.channel.id, a.content) for a in answers] == [
        (client_channel.id, "Update for the client"),
        (here.id, f"Posted in <#{client_channel.id}>."),
    ]
    other_guild = backend.make_guild("Another studio")
    elsewhere = backend.make_text_channel("their-channel", other_guild)
    await dpytest.message(f"<@{bot_user_id(client)}> post to {elsewhere.id}")
    (answer,) = _sent()
    assert answer.channel.id == here.id and "nothing was posted" in answer.content


async def test_a_failure_while_answering_still_gets_an_answer(client: AtelierClient) -> None:
    await dpytest.message(f"<@{bot_user_id(client)}> break")
    (answer,) = _sent()
    assert answer.content.startswith("Sorry, something went wrong") and "error id" in answer.content


async def test_a_mention_of_the_bots_managed_role_is_answered(client: AtelierClient) -> None:
    """``@Atelier`` picked from the mention list is often the bot's integration role, which
    Discord tags with the bot's id; any other role mention is not for us."""
    config = dpytest.get_config()
    guild, member = config.guilds[0], config.members[0]
    own = backend.make_role("Atelier", guild)
    own.tags = discord.RoleTags({"bot_id": str(bot_user_id(client))})  # as Discord sends it
    other = backend.make_role("Designers", guild)
    await dpytest.message(f"<@&{other.id}> echo not for me")
    assert _sent() == []
    await dpytest.message(f"<@&{own.id}> echo hello role")
    (answer,) = _sent()
    assert answer.content == f"echo [{guild.id}] {member.id}: hello role"

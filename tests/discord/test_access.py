"""Who may use Atelier on Discord: the real client and core, dpytest members and channels.

Mentions come through dpytest's gateway as real ``discord.Member`` objects; slash commands
through ``FakeInteraction`` (discord.py cannot build an Interaction offline) carrying a real
member of the dpytest server and a real channel, so permissions and overwrites are discord.py's.
"""

from __future__ import annotations

from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from discord.ext.test import backend, factories

from adapters.discord.client import AtelierClient
from adapters.discord.commands import DEFAULT_MEMBER_PERMISSIONS
from bot.access import NOT_LISTED, SHARED_CHANNEL_NOTICE, AccessPolicy
from tests.discord.fakes import FakeInteraction, FakeUser, bot_user_id


def _sent() -> list[discord.Message]:
    messages = []
    while not dpytest.sent_queue.empty():
        messages.append(dpytest.get_message())
    return messages


class GuildInteraction(FakeInteraction):
    """A slash command in the dpytest server: its guild and channel are the real objects."""

    @property
    def guild(self) -> Any:
        return dpytest.get_config().guilds[0] if self.guild_id else None

    def __post_init__(self) -> None:
        super().__post_init__()
        self.channel = dpytest.get_config().guilds[0].get_channel(self.channel_id)


async def _run(client: AtelierClient, interaction: FakeInteraction, name: str, text: str) -> None:
    command = client.tree.get_command(name)
    assert isinstance(command, discord.app_commands.Command)
    await command.callback(interaction, text)  # type: ignore[arg-type]


def _configure(client: AtelierClient, **settings: Any) -> None:
    """Change the settings of the running client and its core (as a restart would)."""
    for name, value in settings.items():
        setattr(client.settings, name, value)
    client.bot.access = AccessPolicy.from_settings(client.settings)


def _hide(channel: discord.abc.GuildChannel, role: discord.Role) -> None:
    """Deny the role View Channel there, as Discord's CHANNEL_UPDATE event would say it
    (dpytest's own helper files a role's overwrite as a member's)."""
    data = factories.dict_from_channel(channel)
    deny = discord.Permissions(view_channel=True).value
    data["permission_overwrites"] = [{"id": role.id, "type": 0, "allow": "0", "deny": str(deny)}]
    backend.get_state().parse_channel_update(data)
    refreshed = channel.guild.get_channel(channel.id)
    assert refreshed is not None and not refreshed.permissions_for(role).view_channel


async def _newcomer(name: str = "newcomer") -> discord.Member:
    """A member of the server with no role: @everyone's permissions only."""
    guild = dpytest.get_config().guilds[0]
    return await dpytest.member_join(guild, name=name)


# --- the command payload --------------------------------------------------------------------


def test_every_app_command_is_shown_to_server_managers_by_default(
    client: AtelierClient,
) -> None:
    commands = client.tree.get_commands()
    assert commands
    for command in commands:
        payload = command.to_dict(client.tree)
        assert int(payload["default_member_permissions"]) == DEFAULT_MEMBER_PERMISSIONS.value
    assert DEFAULT_MEMBER_PERMISSIONS.value == 1 << 5  # Manage Server, as Discord numbers it


# --- mentions (real members through the gateway) --------------------------------------------


async def test_a_member_without_manage_server_or_a_role_is_refused(client: AtelierClient) -> None:
    member = await _newcomer()
    await dpytest.message(f"<@{bot_user_id(client)}> echo what are your rates", member=member)
    (answer,) = _sent()
    assert answer.content.startswith(NOT_LISTED) and "Manage Server" in answer.content
    assert "echo" not in answer.content and "rates" not in answer.content


async def test_a_member_with_manage_server_is_served(client: AtelierClient) -> None:
    member = dpytest.get_config().members[0]  # holds the fixture's Studio role
    await dpytest.message(f"<@{bot_user_id(client)}> echo hello", member=member)
    (answer,) = _sent()
    assert answer.content.endswith(f"{member.id}: hello")


async def test_a_configured_role_lets_its_members_in(client: AtelierClient) -> None:
    guild = dpytest.get_config().guilds[0]
    atelier_role = backend.make_role("Atelier", guild)  # no special permission
    member = await _newcomer()
    await dpytest.add_role(member, atelier_role)
    _configure(client, discord_roles=(str(atelier_role.id),))
    await dpytest.message(f"<@{bot_user_id(client)}> echo hello", member=member)
    (answer,) = _sent()
    assert answer.content.endswith(f"{member.id}: hello")

    other = await _newcomer("other")
    await dpytest.message(f"<@{bot_user_id(client)}> echo hello", member=other)
    (refused,) = _sent()
    assert refused.content.startswith(NOT_LISTED)


async def test_a_dm_needs_the_permission_in_the_home_server(client: AtelierClient) -> None:
    guild = dpytest.get_config().guilds[0]
    client.settings.discord_home_guild = str(guild.id)
    member = await _newcomer()
    dm = await member.create_dm()
    await dpytest.message("echo what do you charge", channel=dm, member=member)
    (answer,) = _sent()
    assert answer.content.startswith(NOT_LISTED)
    assert isinstance(answer.channel, discord.DMChannel)


async def test_a_mention_in_a_channel_clients_can_read_is_answered_in_dms(
    client: AtelierClient,
) -> None:
    guild, channel = dpytest.get_config().guilds[0], dpytest.get_config().channels[0]
    clients = backend.make_role("Client", guild)  # @everyone can read the channel: so can they
    _configure(client, discord_client_roles=(str(clients.id),))
    await dpytest.message(f"<@{bot_user_id(client)}> echo our rate is 95/h")
    answers = _sent()
    in_channel = [a for a in answers if a.channel.id == channel.id]
    private = [a for a in answers if isinstance(a.channel, discord.DMChannel)]
    assert [a.content for a in in_channel] == [SHARED_CHANNEL_NOTICE]
    assert len(private) == 1 and "our rate is 95/h" in private[0].content


async def test_a_channel_hidden_from_clients_is_not_shared(client: AtelierClient) -> None:
    guild, channel = dpytest.get_config().guilds[0], dpytest.get_config().channels[0]
    clients = backend.make_role("Client", guild)
    _hide(channel, clients)
    _configure(client, discord_client_roles=(str(clients.id),))
    await dpytest.message(f"<@{bot_user_id(client)}> echo hello team")
    (answer,) = _sent()
    assert answer.channel.id == channel.id and answer.content.endswith("hello team")


# --- slash commands ---------------------------------------------------------------------------


@pytest.fixture
def in_channel(client: AtelierClient):
    guild, channel = dpytest.get_config().guilds[0], dpytest.get_config().channels[0]

    def make(user: Any) -> GuildInteraction:
        return GuildInteraction(client=client, user=user, guild_id=guild.id, channel_id=channel.id)

    return make


async def test_slash_command_without_the_permission_is_refused(
    client: AtelierClient, in_channel: Any
) -> None:
    member = await _newcomer()
    refused = in_channel(member)
    await _run(client, refused, "echo", "hello")
    [call] = refused.sent()
    assert call.kwargs["ephemeral"] is True and call.kwargs["content"].startswith(NOT_LISTED)

    manager = in_channel(FakeUser(111))  # holds Manage Server
    await _run(client, manager, "echo", "hello")
    [call] = manager.sent()
    assert call.kwargs["content"].endswith("111: hello")


async def test_a_public_answer_in_a_client_readable_channel_becomes_ephemeral(
    client: AtelierClient, in_channel: Any
) -> None:
    guild = dpytest.get_config().guilds[0]
    manager = dpytest.get_config().members[0]
    before = in_channel(manager)
    await _run(client, before, "echo", "hello")
    assert before.sent()[0].kwargs["ephemeral"] is False  # an ordinary channel

    clients = backend.make_role("Client", guild)
    _configure(client, discord_client_roles=(str(clients.id),))
    after = in_channel(manager)
    await _run(client, after, "echo", "hello")
    [call] = after.sent()
    assert call.kwargs["ephemeral"] is True and call.kwargs["content"].endswith("hello")


async def test_a_button_press_is_checked_too(client: AtelierClient, make_interaction: Any) -> None:
    drafting = make_interaction(FakeUser(333))  # a manager asks for a draft…
    await _run(client, drafting, "draft", "weekly")
    [dm] = drafting.user.dms
    approve, _discard = dm.kwargs["view"].children
    # …and presses Approve after losing the permission: refused, nothing approved.
    press = make_interaction(FakeUser(333, permissions=discord.Permissions.none()))
    await approve.callback(press)
    [call] = press.sent()
    assert call.kwargs["content"].startswith(NOT_LISTED) and "approve" not in call.kwargs["content"]

    again = make_interaction(FakeUser(333))
    await approve.callback(again)
    assert again.sent()[0].kwargs["content"].startswith("approve")

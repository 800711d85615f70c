"""The core's one access decision, driven through ``Bot.handle`` / ``Bot.handle_action``.

The skills here record whether they ran, so a refusal is checked to stop *before* any skill.
"""

from __future__ import annotations

import sys
import types
from collections.abc import AsyncIterator, Callable
from typing import ClassVar

import pytest

from adapters.runtime import build_services
from bot.access import (
    NOT_A_MEMBER,
    NOT_CONFIRMED,
    NOT_LISTED,
    OTHER_ORGANISATION,
    SHARED_CHANNEL_NOTICE,
    keep_private,
)
from bot.config import Settings
from bot.core import Bot
from bot.messages import Access, Action, Paragraph, Reply, Request, Role, Visibility, text_reply
from bot.registry import Command, SkillRegistry

SECRET = "Harbor Coffee: 120 h at $95/h"


class Ran:
    """Which skills ran in the current test (reset by the fixture)."""

    names: ClassVar[list[str]] = []


def _setup(registry: SkillRegistry) -> None:
    async def secret(request: Request, services: object) -> Reply:
        Ran.names.append("secret")
        return Reply(blocks=(Paragraph(text=SECRET),), visibility=Visibility.PUBLIC)

    async def private(request: Request, services: object) -> Reply:
        Ran.names.append("private")
        return text_reply(SECRET)

    async def post(request: Request, services: object) -> Reply:
        Ran.names.append("post")
        return Reply(
            blocks=(Paragraph(text="Approved update"),),
            visibility=Visibility.PUBLIC,
            channel_id="C0CLIENT",
        )

    async def press(action: Action, services: object) -> Reply:
        Ran.names.append("press")
        return Reply(blocks=(Paragraph(text=SECRET),), visibility=Visibility.PUBLIC)

    for name, handler in (("secret", secret), ("private", private), ("post", post)):
        registry.command(Command(name=name, summary="", usage="", examples=(), handler=handler))
    registry.action("probe", press)


@pytest.fixture
async def gated(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Callable[..., Bot]]:
    module = types.ModuleType("tests_access_skill")
    module.setup = _setup  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "tests_access_skill", module)
    Ran.names = []
    made: list[Bot] = []

    def build(**overrides: object) -> Bot:
        bot = Bot(
            build_services(settings.model_copy(update=overrides)),
            skills=("tests_access_skill",),
        )
        made.append(bot)
        return bot

    yield build
    for bot in made:
        await bot.close()


def _request(platform: str = "slack", user_id: str = "U0ALICE", **access: object) -> Request:
    return Request(
        tenant="T0001",
        user_id=user_id,
        command="secret",
        platform=platform,
        access=Access(**access),  # type: ignore[arg-type]
    )


def _action(**access: object) -> Action:
    return Action(
        action_id="probe:go",
        tenant="T0001",
        user_id="U0ALICE",
        platform="slack",
        access=Access(**access),  # type: ignore[arg-type]
    )


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (Role.GUEST, NOT_A_MEMBER),
        (Role.EXTERNAL, OTHER_ORGANISATION),
        (Role.UNKNOWN, NOT_CONFIRMED),
    ],
)
async def test_non_members_are_refused_before_any_skill_runs(gated, role, expected) -> None:
    bot = gated()
    await bot.start()
    for source in (_request(role=role), _action(role=role)):
        answer = (
            await bot.handle(source)
            if isinstance(source, Request)
            else await bot.handle_action(source)
        )
        assert answer is not None and answer.text == expected
        assert answer.visibility is Visibility.EPHEMERAL
        assert "Harbor" not in answer.text and "$" not in answer.text
    assert Ran.names == []


async def test_a_member_is_served(gated) -> None:
    bot = gated()
    await bot.start()
    answer = await bot.handle(_request(role=Role.MEMBER))
    assert answer is not None and answer.text == SECRET
    assert answer.visibility is Visibility.PUBLIC  # not shared: left as the skill chose
    pressed = await bot.handle_action(_action(role=Role.MEMBER))
    assert pressed is not None and pressed.text == SECRET
    assert Ran.names == ["secret", "press"]


async def test_console_and_cli_default_to_a_local_member_in_a_private_place(gated) -> None:
    bot = gated(slack_allowed_users=("U0BOB",))  # a Slack allowlist says nothing of the console
    await bot.start()
    for platform in ("console", "cli"):
        request = Request(tenant="local", user_id="alice", command="secret", platform=platform)
        assert request.access == Access(role=Role.MEMBER, shared_channel=False)
        answer = await bot.handle(request)
        assert answer is not None and answer.text == SECRET


async def test_slack_allowlist_of_users_and_groups(gated) -> None:
    bot = gated(slack_allowed_users=("U0BOB",), slack_allowed_groups=("S0STUDIO",))
    await bot.start()
    listed = await bot.handle(_request(user_id="U0BOB"))
    in_group = await bot.handle(_request(group_ids=frozenset({"S0STUDIO"})))
    left_out = await bot.handle(_request(group_ids=frozenset({"S0OTHER"})))
    assert listed is not None and listed.text == SECRET
    assert in_group is not None and in_group.text == SECRET
    assert left_out is not None and left_out.text.startswith(NOT_LISTED)
    assert Ran.names == ["secret", "secret"]


async def test_discord_needs_manage_server_or_a_configured_role(gated) -> None:
    plain = gated()
    await plain.start()
    refused = await plain.handle(_request("discord", user_id="42"))
    admin = await plain.handle(_request("discord", user_id="42", is_admin=True))
    assert refused is not None and refused.text.startswith(NOT_LISTED)
    assert "Manage Server" in refused.text
    assert admin is not None and admin.text == SECRET

    with_role = gated(discord_roles=("123456789012345678",))
    await with_role.start()
    holder = await with_role.handle(
        _request("discord", user_id="42", group_ids=frozenset({"123456789012345678"}))
    )
    other = await with_role.handle(
        _request("discord", user_id="43", group_ids=frozenset({"999999999999999999"}))
    )
    assert holder is not None and holder.text == SECRET
    assert other is not None and other.text.startswith(NOT_LISTED)
    assert Ran.names == ["secret", "secret"]


async def test_a_shared_channel_keeps_answers_with_the_requester(gated) -> None:
    bot = gated()
    await bot.start()
    answer = await bot.handle(_request(shared_channel=True))
    assert answer is not None and answer.visibility is Visibility.EPHEMERAL
    pressed = await bot.handle_action(_action(shared_channel=True))
    assert pressed is not None and pressed.visibility is Visibility.EPHEMERAL


async def test_a_shared_channel_without_private_answers_in_place_sends_them_to_dms(
    gated,
) -> None:
    bot = gated()
    await bot.start()
    for command in ("secret", "private"):
        request = _request(shared_channel=True, private_in_place=False).model_copy(
            update={"command": command}
        )
        answer = await bot.handle(request)
        assert answer is not None and answer.visibility is Visibility.DM
        assert answer.notice == SHARED_CHANNEL_NOTICE


async def test_the_explicit_post_to_a_client_channel_still_goes_out(gated) -> None:
    bot = gated()
    await bot.start()
    request = _request(shared_channel=True).model_copy(update={"command": "post"})
    answer = await bot.handle(request)
    assert answer is not None
    assert answer.channel_id == "C0CLIENT" and answer.visibility is Visibility.PUBLIC


def test_keep_private_leaves_private_and_unshared_answers_alone() -> None:
    dm = Reply(blocks=(Paragraph(text="x"),), visibility=Visibility.DM, notice="Draft sent.")
    public = Reply(blocks=(Paragraph(text="x"),), visibility=Visibility.PUBLIC)
    assert keep_private(dm, Access(shared_channel=True, private_in_place=False)) == dm
    assert keep_private(public, Access()) == public

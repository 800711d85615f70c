"""Who may use Atelier on Slack: signed requests into the real app, the fake Web API saying who
people are (users.info), where they are (conversations.info) and which groups they are in."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

import pytest

from adapters.runtime import build_services
from bot.access import NOT_A_MEMBER, NOT_CONFIRMED, NOT_LISTED, OTHER_ORGANISATION
from bot.config import Settings
from bot.core import Bot
from tests.slack.conftest import TEST_SKILLS, SlackHarness, payload, serving
from tests.slack.fake_skills import DRAFT_TEXT
from tests.slack.fake_slack import Call, FakeSlack

BRIEF = "Shopify store with a custom theme"
ESTIMATE = "Estimate: 80–120 h"  # what the test /scope answers, with a price
SHARED = "C0SHARED"


def _has(method: str, count: int = 1) -> Callable[[list[Call]], bool]:
    return lambda calls: sum(call.method == method for call in calls) >= count


async def _answers(slack: SlackHarness, name: str, text: str = "", **changes: Any) -> list[Call]:
    before = len(slack.fake.calls)
    status, _ = await slack.command(name, text, **changes)
    assert status == 200
    await slack.settle()
    return [c for c in slack.fake.calls[before:] if c.method in {"response_url"}]


def _nothing_revealed(slack: SlackHarness) -> None:
    for call in slack.fake.calls:
        assert "Estimate" not in call.text and "$9,600" not in call.text
        assert "Harbor" not in call.text and DRAFT_TEXT not in call.text
    assert not slack.fake.of("chat.postMessage", "files.getUploadURLExternal", "views.open")


@asynccontextmanager
async def _slack_with(
    settings: Settings, fake: FakeSlack, skills: tuple[str, ...] | None = TEST_SKILLS
) -> AsyncIterator[SlackHarness]:
    bot = Bot(build_services(settings), **({"skills": skills} if skills else {}))
    await bot.start()
    try:
        async with serving(bot, settings, fake) as harness:
            yield harness
    finally:
        await bot.close()


# --- people who are refused -----------------------------------------------------------------


@pytest.mark.parametrize("flag", ["is_restricted", "is_ultra_restricted"])
async def test_a_guest_is_refused_politely_and_shown_nothing(slack, flag) -> None:
    slack.fake.users["U0ALICE"] = {flag: True}
    answers = await _answers(slack, "scope", BRIEF)
    assert NOT_A_MEMBER in answers[-1].text
    assert all(a.payload["response_type"] == "ephemeral" for a in answers)
    _nothing_revealed(slack)
    (looked_up,) = slack.fake.of("users.info")
    assert looked_up.payload["user"] == "U0ALICE"


async def test_a_slack_connect_user_from_another_team_is_refused(slack) -> None:
    slack.fake.users["U0EXT"] = {"team_id": "T0OTHERCO"}
    answers = await _answers(slack, "scope", BRIEF, user_id="U0EXT", channel_id=SHARED)
    assert OTHER_ORGANISATION in answers[-1].text
    _nothing_revealed(slack)


async def test_a_request_made_from_another_workspace_is_refused(slack) -> None:
    answers = await _answers(slack, "projects", "list", team_id="T0OTHERCO")
    assert OTHER_ORGANISATION in answers[-1].text
    _nothing_revealed(slack)


async def test_an_enterprise_grid_colleague_of_another_workspace_is_a_member(slack) -> None:
    slack.fake.identity["enterprise_id"] = "E0GRID"
    slack.fake.users["U0GRID"] = {
        "team_id": "T0SISTER",
        "enterprise_user": {"enterprise_id": "E0GRID"},
    }
    slack.fake.users["U0EXT"] = {
        "team_id": "T0SISTER",
        "enterprise_user": {"enterprise_id": "E0ELSE"},
    }
    member = await _answers(slack, "log", "harbor done", user_id="U0GRID", enterprise_id="E0GRID")
    assert "Logged for" in member[-1].text
    outsider = await _answers(slack, "log", "harbor done", user_id="U0EXT", enterprise_id="E0GRID")
    assert OTHER_ORGANISATION in outsider[-1].text


async def test_a_failed_lookup_refuses_and_is_not_retried_by_every_event(slack) -> None:
    slack.fake.errors["users.info"] = "ratelimited"
    answers = await _answers(slack, "scope", BRIEF)
    assert NOT_CONFIRMED in answers[-1].text
    _nothing_revealed(slack)

    del slack.fake.errors["users.info"]
    answers = await _answers(slack, "scope", BRIEF)
    assert NOT_CONFIRMED in answers[-1].text  # still refused: a failure never allows
    assert len(slack.fake.of("users.info")) == 1  # … and Slack was not asked again at once


async def test_a_failed_lookup_is_asked_again_after_a_few_seconds(slack_settings, fake_slack):
    from slack_sdk.web.async_client import AsyncWebClient

    from adapters.slack.access import FAILURE_SECONDS, SlackDirectory

    now = [0.0]
    client = AsyncWebClient(token="xoxb-test-0000-token", base_url=fake_slack.api_url)
    directory = SlackDirectory(client, slack_settings, clock=lambda: now[0])
    installation = await directory.installation()
    fake_slack.errors["users.info"] = "ratelimited"
    assert await directory.person("T0001", "U0ALICE", installation) is None
    del fake_slack.errors["users.info"]
    assert await directory.person("T0001", "U0ALICE", installation) is None  # remembered
    now[0] += FAILURE_SECONDS + 1
    person = await directory.person("T0001", "U0ALICE", installation)
    assert person is not None and person.name == "Person U0ALICE"
    assert len(fake_slack.of("users.info")) == 2



async def test_a_deactivated_account_is_refused(slack) -> None:
    slack.fake.users["U0ALICE"] = {"deleted": True}
    answers = await _answers(slack, "help")
    assert NOT_A_MEMBER in answers[-1].text


async def test_a_guest_pressing_a_button_changes_nothing(slack) -> None:
    slack.fake.users["U0ALICE"] = {"is_restricted": True}
    await slack.interact(payload("block_actions"))
    await slack.fake.wait_for(_has("response_url"))
    await slack.settle()
    (answer,) = slack.fake.of("response_url")
    assert NOT_A_MEMBER in answer.text and "approved" not in answer.text


async def test_a_guest_mention_or_dm_is_refused(slack) -> None:
    slack.fake.users["U0ALICE"] = {"is_ultra_restricted": True}
    await slack.event(payload("message_im"))
    await slack.fake.wait_for(_has("chat.postMessage"))
    await slack.settle()
    (answer,) = slack.fake.of("chat.postMessage")
    assert NOT_A_MEMBER in answer.text


async def test_people_are_looked_up_once_per_cache_period(slack) -> None:
    for _ in range(3):
        await _answers(slack, "log", "harbor done")
    assert len(slack.fake.of("users.info")) == 1
    assert len(slack.fake.of("conversations.info")) == 1


async def test_a_short_cache_asks_again(slack_settings, fake_slack) -> None:
    settings = slack_settings.model_copy(update={"access_cache_seconds": 0})
    async with _slack_with(settings, fake_slack) as slack:
        await _answers(slack, "log", "harbor done")
        fake_slack.users["U0ALICE"] = {"is_restricted": True}  # became a guest meanwhile
        answers = await _answers(slack, "log", "harbor done")
    assert NOT_A_MEMBER in answers[-1].text


# --- allowlists -----------------------------------------------------------------------------


async def test_allowlist_of_user_ids(slack_settings, fake_slack) -> None:
    settings = slack_settings.model_copy(update={"slack_allowed_users": ("U0BOB",)})
    async with _slack_with(settings, fake_slack) as slack:
        listed = await _answers(slack, "scope", BRIEF, user_id="U0BOB")
        assert ESTIMATE in listed[-1].text
        left_out = await _answers(slack, "scope", BRIEF)
        assert left_out[-1].text.startswith(NOT_LISTED)
        assert "Estimate" not in left_out[-1].text


async def test_allowlist_of_a_user_group(slack_settings, fake_slack) -> None:
    settings = slack_settings.model_copy(update={"slack_allowed_groups": ("S0STUDIO",)})
    fake_slack.usergroups["S0STUDIO"] = ["U0ALICE"]
    async with _slack_with(settings, fake_slack) as slack:
        inside = await _answers(slack, "scope", BRIEF)
        again = await _answers(slack, "scope", BRIEF)
        outside = await _answers(slack, "scope", BRIEF, user_id="U0CAROL")
    assert ESTIMATE in inside[-1].text and ESTIMATE in again[-1].text
    assert outside[-1].text.startswith(NOT_LISTED)
    (listed,) = fake_slack.of("usergroups.users.list")[:1]
    assert listed.payload["usergroup"] == "S0STUDIO"
    assert len(fake_slack.of("usergroups.users.list")) == 1  # one read per workspace and group


async def test_an_unreadable_user_group_refuses(slack_settings, fake_slack) -> None:
    settings = slack_settings.model_copy(update={"slack_allowed_groups": ("S0GONE",)})
    async with _slack_with(settings, fake_slack) as slack:
        answers = await _answers(slack, "scope", BRIEF)
    assert NOT_CONFIRMED in answers[-1].text


# --- shared channels --------------------------------------------------------------------------


@pytest.mark.parametrize("flags", [{"is_ext_shared": True, "is_shared": True}, {"is_shared": True}])
async def test_a_public_answer_in_a_shared_channel_stays_with_the_requester(slack, flags) -> None:
    public = await _answers(slack, "scope", BRIEF)
    assert public[-1].payload["response_type"] == "in_channel"  # an ordinary channel

    slack.fake.channels[SHARED] = flags
    before = len(slack.fake.calls)
    private = await _answers(slack, "scope", BRIEF, channel_id=SHARED)
    assert ESTIMATE in private[-1].text
    assert all(a.payload["response_type"] == "ephemeral" for a in private)
    later = slack.fake.calls[before:]
    # The chart goes to the requester's DM, never to the shared channel.
    assert all(c.payload.get("channel_id") != SHARED for c in later)
    assert not [
        c for c in later if c.method == "chat.postMessage" and c.payload["channel"] == SHARED
    ]


async def test_a_mention_in_a_shared_channel_is_answered_ephemerally(slack) -> None:
    slack.fake.channels["C0GENERAL"] = {"is_ext_shared": True, "is_shared": True}
    mention = payload("app_mention")
    mention["event"]["text"] = f"<@UBOT> /scope {BRIEF}"
    await slack.event(mention)
    await slack.fake.wait_for(_has("chat.postEphemeral"))
    await slack.settle()
    answers = slack.fake.of("chat.postEphemeral")
    assert any(ESTIMATE in a.text for a in answers)
    assert all(a.payload["user"] == "U0ALICE" for a in answers)
    assert not [c for c in slack.fake.of("chat.postMessage") if c.payload["channel"] == "C0GENERAL"]


async def test_an_unreadable_channel_counts_as_shared(slack) -> None:
    slack.fake.errors["conversations.info"] = "channel_not_found"
    answers = await _answers(slack, "scope", BRIEF)
    assert ESTIMATE in answers[-1].text
    assert all(a.payload["response_type"] == "ephemeral" for a in answers)


async def test_the_approved_post_to_the_client_channel_still_goes_out(slack) -> None:
    slack.fake.channels[SHARED] = {"is_ext_shared": True, "is_shared": True}
    await _answers(slack, "announce", "v2 is live", channel_id=SHARED)
    (posted,) = slack.fake.of("chat.postMessage")
    assert posted.payload["channel"] == "C0CLIENT" and "v2 is live" in posted.text


async def test_product_scope_and_projects_list_in_a_shared_channel_are_private(
    slack_settings, fake_slack
) -> None:
    fake_slack.channels[SHARED] = {"is_ext_shared": True, "is_shared": True}
    async with _slack_with(slack_settings, fake_slack, skills=None) as slack:
        await _answers(
            slack, "projects", 'add name="Acme web shop" client="Acme" estimate=40 rate=120'
        )
        for name, text in (("scope", BRIEF), ("projects", "list"), ("projects", "list active")):
            answers = await _answers(slack, name, text, channel_id=SHARED)
            assert answers, name
            assert all(a.payload["response_type"] == "ephemeral" for a in answers), (name, text)
        active = answers[-1].text
    assert "Acme web shop" in active
    assert not [c for c in fake_slack.of("chat.postMessage") if c.payload["channel"] == SHARED]
    assert not [
        c
        for c in fake_slack.of("files.completeUploadExternal")
        if c.payload.get("channel_id") == SHARED
    ]

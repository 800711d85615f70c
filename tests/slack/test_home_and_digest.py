"""The App Home tab and the scheduled digest through the real Slack adapter.

The home view is what the core builds for `/atelier home`, rendered as a ``home`` view that
slack_sdk's models accept, published on ``app_home_opened`` and again after the person's
actions. The digest reaches each owner in their IM with the app (``conversations.open`` +
``chat.postMessage``), and nothing ever goes to the client channel.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from slack_sdk.models.blocks import Block
from slack_sdk.models.views import View

from adapters.slack.home import MAX_HOME_BLOCKS, to_home_view
from bot.home import HomeDraft, HomeEstimate, HomeProject, HomeView, home_reply
from bot.messages import Paragraph, Reply
from bot.scheduler import DigestRunner
from tests.digest.conftest import SLOT, FrozenClock
from tests.slack.conftest import SlackHarness, payload
from tests.slack.fake_slack import Call

CLIENT_CHANNEL = "C0CLIENT"
ACME = (
    'name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 '
    f"due=2026-12-21 channel={CLIENT_CHANNEL}"
)
TODAY = dt.date(2026, 12, 3)


def _text(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False)


def _validated(view: dict[str, Any]) -> View:
    """The payload as slack_sdk's View (which validates it) and its blocks as Block models."""
    parsed = View(**view)
    parsed.validate_json()
    assert parsed.type == "home"
    blocks = Block.parse_all(view["blocks"])
    assert [block.to_dict() for block in blocks] == view["blocks"]
    assert len(blocks) <= MAX_HOME_BLOCKS
    return parsed


def _full_view() -> HomeView:
    return HomeView(
        projects=(
            HomeProject("acme", "Acme web shop", "Acme Corp", 26.0, 40.0, TODAY),
            HomeProject("beta", "Beta <!channel>", None, 50.0, 40.0, None),
            HomeProject("gamma", "Gamma", None, 3.5, None, TODAY - dt.timedelta(days=2)),
        ),
        more_projects=4,
        drafts=(HomeDraft("d1", 2, "Acme web shop", "friendly", "Hi Acme,\n\n" + "x" * 5000),),
        estimates=(HomeEstimate("e1", "Shopify store", 40, 70, 100, "EUR", None),),
        digest="Fridays at 15:00 (Europe/Berlin)",
        today=TODAY,
    )


def test_a_full_home_view_validates_against_slack_sdk_models() -> None:
    view = to_home_view(home_reply(_full_view()))
    _validated(view)
    text = _text(view)
    assert "▰" in text and "65%" in text  # 26 of 40 h as a bar
    assert "over the estimate" in text and "<!channel>" not in text
    actions = [
        element["action_id"]
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
    ]
    assert {"update:approve", "update:regenerate", "update:discard"} <= set(actions)
    assert "Fridays at 15:00 (Europe/Berlin)" in text


def test_an_empty_workspace_gets_onboarding() -> None:
    empty = HomeView((), 0, (), (), "off", TODAY)
    view = to_home_view(home_reply(empty))
    _validated(view)
    text = _text(view)
    for label in ("Import history", "Load the demo", "Add a project"):
        assert label in text
    assert "/atelier digest on fri 15:00 Europe/Berlin" in text


def test_more_than_a_home_view_holds_says_where_the_rest_is() -> None:
    many = Reply(blocks=tuple(Paragraph(text=f"line {n}") for n in range(150)))
    view = to_home_view(many)
    _validated(view)
    assert len(view["blocks"]) == MAX_HOME_BLOCKS
    assert "/atelier home" in _text(view["blocks"][-1])


async def _command(slack: SlackHarness, name: str, text: str) -> Call:
    before = len(slack.fake.calls)
    status, _ = await slack.command(name, text)
    assert status == 200
    await slack.settle()
    answers = [c for c in slack.fake.calls[before:] if c.method == "response_url"]
    assert answers, [c.method for c in slack.fake.calls[before:]]
    return answers[0]


async def _open_home(slack: SlackHarness, user: str = "U0ALICE") -> dict[str, Any]:
    before = len(slack.fake.of("views.publish"))
    body = payload("app_home_opened")
    body["event"] = {**body["event"], "user": user}
    status, _ = await slack.event(body)
    assert status == 200
    await slack.settle()
    published = slack.fake.of("views.publish")
    assert len(published) == before + 1
    assert published[-1].payload["user_id"] == user
    return published[-1].payload["view"]


async def test_home_tab_is_published_on_open_and_refreshed_after_an_action(product_slack):
    slack = product_slack
    view = await _open_home(slack)
    _validated(view)
    assert "Add a project" in _text(view)  # a new workspace: onboarding

    await _command(slack, "projects", f"add {ACME}")
    after_add = slack.fake.of("views.publish")[-1].payload["view"]  # refreshed after the command
    assert "Acme web shop" in _text(after_add) and "Add a project" not in _text(after_add)
    await _command(slack, "log", "acme done: checkout flow 10h")
    await _command(slack, "update", "acme")
    view = await _open_home(slack)
    _validated(view)
    text = _text(view)
    assert "Acme web shop" in text and "10 of 40 h" in text and "▰▰▱" in text and "25%" in text
    assert "Drafts awaiting your approval" in text and "heckout flow" in text

    # Approve straight from the Home tab (a view action: no channel, no response URL).
    approve = next(
        element
        for block in view["blocks"]
        if block["type"] == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("update:approve")
    )
    body = payload("block_actions", trigger_id=None, response_url=None)
    del body["channel"]
    body["container"] = {"type": "view", "view_id": "V1"}
    body["view"] = {"id": "V1", "type": "home", "team_id": "T0001"}
    body["actions"] = [
        {
            "action_id": approve["action_id"],
            "value": approve["value"],
            "type": "button",
            "block_id": "b",
            "action_ts": "1700000400.1",
        }
    ]
    status, _ = await slack.interact(body)
    assert status == 200
    await slack.settle()
    approved = [c for c in slack.fake.of("chat.postMessage") if "Approved" in c.text]
    assert approved and approved[-1].payload["channel"] == "DU0ALICE"
    refreshed = slack.fake.of("views.publish")[-1].payload["view"]
    _validated(refreshed)
    assert "Nothing waiting" in _text(refreshed)
    assert not [c for c in slack.fake.calls if c.payload.get("channel") == CLIENT_CHANNEL]


async def test_a_guest_opening_the_home_tab_sees_a_refusal_not_the_workspace(product_slack):
    slack = product_slack
    await _command(slack, "projects", f"add {ACME}")
    slack.fake.users["U0GUEST"] = {"is_restricted": True}
    view = await _open_home(slack, "U0GUEST")
    _validated(view)
    assert "Acme" not in _text(view) and "only available to full members" in _text(view)


async def test_the_scheduled_digest_dms_the_owner_in_slack_and_never_the_client(product_slack):
    slack = product_slack
    clock = FrozenClock(SLOT - dt.timedelta(days=2))
    slack.adapter.bot.services.clock = clock
    await _command(slack, "projects", f"add {ACME}")
    await _command(slack, "log", "acme done: checkout flow 10h")
    answer = await _command(slack, "atelier", "digest on fri 15:00 Europe/Berlin")
    assert "weekly digest on Fridays at 15:00 (Europe/Berlin)" in answer.text
    before = len(slack.fake.calls)

    clock.now = SLOT + dt.timedelta(seconds=30)
    [report] = await DigestRunner(slack.adapter.bot).run_due()
    assert report.outcomes == {"U0ALICE": "delivered"}
    calls = slack.fake.calls[before:]
    opened = [c for c in calls if c.method == "conversations.open"]
    assert [c.payload["users"] for c in opened] == ["U0ALICE"]
    posts = [c for c in calls if c.method == "chat.postMessage"]
    assert posts and {c.payload["channel"] for c in posts} == {"DU0ALICE"}
    assert "Acme web shop" in posts[0].text and "not yet reported" in posts[0].text
    assert "update:draft" in _text(posts[0].payload["blocks"])
    assert not [c for c in slack.fake.calls if c.payload.get("channel") == CLIENT_CHANNEL]
    assert not [c for c in calls if c.method in {"chat.postEphemeral", "response_url"}]

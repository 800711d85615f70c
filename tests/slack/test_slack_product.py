"""The product's own skills through Slack: add a project, log, draft an update privately,
approve it and post it to the client channel; the project modal and its validation."""

from __future__ import annotations

import json
from typing import Any

from tests.slack.conftest import SlackHarness, payload
from tests.slack.fake_slack import Call

CLIENT_CHANNEL = "C0CLIENT"
ACME = (
    'name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 budget=6000 '
    f"rate=100 due=2026-12-21 channel={CLIENT_CHANNEL}"
)


def _has(method: str, count: int = 1):
    return lambda calls: sum(call.method == method for call in calls) >= count


async def _run(slack: SlackHarness, name: str, text: str) -> Call:
    """A slash command, and the first thing Slack shows its author."""
    before = len(slack.fake.calls)
    status, _ = await slack.command(name, text)
    assert status == 200
    await slack.settle()
    answers = [c for c in slack.fake.calls[before:] if c.method == "response_url"]
    assert answers, [c.method for c in slack.fake.calls[before:]]
    return answers[0]


def _buttons(call: Call) -> dict[str, dict[str, Any]]:
    found = {}
    for block in call.payload.get("blocks", []):
        if block["type"] == "actions":
            for element in block["elements"]:
                found[element["text"]["text"]] = element
    return found


async def _click(slack: SlackHarness, message: Call, label: str, channel: str) -> None:
    """Press a button of a message shown in ``channel``."""
    button = _buttons(message)[label]
    body = payload("block_actions", trigger_id=None)
    body["channel"] = {"id": channel, "name": "directmessage"}
    body["container"] = {"type": "message", "message_ts": "1700.9", "channel_id": channel}
    # Slack sends the pressed message along, blocks included.
    body["message"] = {"ts": "1700.9", "text": message.payload.get("text", ""),
                       "blocks": message.payload.get("blocks", [])}  # fmt: skip
    body["actions"] = [
        {
            "action_id": button["action_id"],
            "value": button.get("value", ""),
            "type": "button",
            "block_id": "b",
            "action_ts": "1700000400.1",
        }
    ]
    status, _ = await slack.interact(body)
    assert status == 200
    await slack.settle()


async def test_update_draft_is_private_until_approved_then_posted_to_the_client(product_slack):
    slack = product_slack
    added = await _run(slack, "projects", f"add {ACME}")
    assert "Added" in added.text
    logged = await _run(slack, "log", "acme done: checkout flow 2h")
    assert "Logged #" in logged.text

    notice = await _run(slack, "update", "acme")
    assert notice.payload["response_type"] == "ephemeral"
    assert "Draft sent to your DMs." in notice.text
    (draft,) = slack.fake.of("chat.postMessage")
    assert draft.payload["channel"] == "DU0ALICE"  # the IM opened with the requester
    assert "Draft update — Acme web shop" in draft.text and "Checkout flow" in draft.text
    assert not [c for c in slack.fake.calls if c.payload.get("channel") == CLIENT_CHANNEL]
    assert "Checkout flow" not in notice.text

    await _click(slack, draft, "Approve", "DU0ALICE")
    approved = slack.fake.of("response_url")[-1]
    assert approved.payload["replace_original"] is True  # the draft message becomes "Approved"
    assert "Approved — Acme web shop" in approved.text
    assert not [c for c in slack.fake.calls if c.payload.get("channel") == CLIENT_CHANNEL]

    await _click(slack, approved, "Post to client channel", "DU0ALICE")
    (posted,) = [
        c for c in slack.fake.of("chat.postMessage") if c.payload["channel"] == CLIENT_CHANNEL
    ]
    assert "Checkout flow" in posted.text
    assert "only you can see this" not in posted.text
    # The DM message that was posted keeps its text and loses its buttons (no second post).
    (retired,) = [c for c in slack.fake.of("response_url") if "Posted to" in c.text]
    assert retired.payload["replace_original"] is True
    assert "Approved — Acme web shop" in retired.text
    assert not _buttons(retired)


async def test_project_form_opens_as_a_modal_and_validates_in_place(product_slack):
    slack = product_slack
    status, _ = await slack.command("projects", "add")
    assert status == 200
    await slack.fake.wait_for(_has("views.open"))
    await slack.settle()
    view = slack.fake.of("views.open")[0].payload["view"]
    names = [block["block_id"] for block in view["blocks"]]
    assert names[0] == "name" and "client_channel" in names
    assert view["submit"]["text"] == "Add project"

    submitted = payload("view_submission", trigger_id=None)
    submitted["view"] |= {
        "blocks": view["blocks"],
        "private_metadata": view["private_metadata"],
        "callback_id": view["callback_id"],
        "state": {"values": {n: {n: {"type": "plain_text_input", "value": None}} for n in names}},
    }
    values = submitted["view"]["state"]["values"]
    values["name"]["name"]["value"] = "Harbor Coffee storefront"
    values["budget"]["budget"]["value"] = "a lot"
    status, body = await slack.interact(submitted)
    assert status == 200
    errors = json.loads(body)
    assert errors["response_action"] == "errors" and set(errors["errors"]) <= set(names)
    assert "budget" in errors["errors"]

    values["budget"]["budget"]["value"] = "6000"
    status, body = await slack.interact({**submitted, "trigger_id": None})
    assert (status, body) == (200, "")
    await slack.fake.wait_for(_has("chat.postEphemeral"))
    (confirmation,) = slack.fake.of("chat.postEphemeral")
    assert confirmation.payload["channel"] == "C0GENERAL"
    assert "Harbor Coffee storefront" in confirmation.text

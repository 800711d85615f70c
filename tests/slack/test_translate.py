"""Recorded Slack payloads -> neutral Requests and Actions."""

from __future__ import annotations

import pytest

from adapters.slack.translate import (
    block_action_to_action,
    command_to_request,
    delivery_of,
    event_to_request,
    tenant_of,
    view_submission_to_action,
)
from tests.slack.conftest import payload


def test_slash_command():
    request = command_to_request(payload("slash_command", command="/Scope", text="a shop"))
    assert (request.command, request.text, request.platform) == ("scope", "a shop", "slack")
    assert (request.tenant, request.user_id, request.user_name) == ("T0001", "U0ALICE", "alice")
    assert request.channel_id == "C0GENERAL" and not request.is_private
    assert request.event_id == "command:13345224609.738474920.8088930838d88f008e0"
    delivery = delivery_of(request)
    assert delivery.response_url == "{response_url}" and delivery.trigger_id


def test_enterprise_grid_tenant_is_the_org():
    assert tenant_of(payload("slash_command", enterprise_id="E0ORG")) == "E0ORG"
    body = payload("block_actions")
    body["enterprise"] = {"id": "E0ORG", "name": "Org"}
    assert tenant_of(body) == "E0ORG"
    assert tenant_of({"user": {"id": "U1", "team_id": "T9"}}) == "T9"


def test_mention_replies_in_a_thread_and_keeps_the_event_id():
    request = event_to_request(payload("app_mention"))
    assert request is not None
    assert request.command is None and request.text == "<@UBOT> help"
    assert request.thread_id == "1700000000.000100" and request.event_id == "event:Ev0MENTION01"
    threaded = payload("app_mention")
    threaded["event"]["thread_ts"] = "1699.1"
    assert event_to_request(threaded).thread_id == "1699.1"  # type: ignore[union-attr]


def test_dm_is_private_without_a_thread():
    request = event_to_request(payload("message_im"))
    assert request is not None and request.is_private and request.thread_id is None
    assert delivery_of(request).is_im


@pytest.mark.parametrize(
    "change",
    [
        {"subtype": "message_changed"},
        {"subtype": "bot_message"},
        {"bot_id": "B1"},
        {"channel_type": "channel", "channel": "C0GENERAL"},  # channel chatter, not a DM
        {"user": None},
    ],
)
def test_messages_to_ignore(change):
    body = payload("message_im")
    body["event"] |= change
    assert event_to_request(body) is None


def test_mention_inside_a_dm_is_left_to_the_dm_listener():
    body = payload("app_mention")
    body["event"]["channel"] = "D0ALICE"
    assert event_to_request(body) is None


def test_button_click():
    action = block_action_to_action(payload("block_actions"))
    assert action is not None
    assert (action.action_id, action.value, action.user_name) == (
        "update:approve",
        "draft-1",
        "alice",
    )
    assert action.channel_id == "D0ALICE" and action.message_id == "1700.5"
    assert action.event_id == "action:13345224609.738474920.button0001"
    numbered = payload("block_actions")
    numbered["actions"][0]["action_id"] = "update:approve#2"
    assert block_action_to_action(numbered).action_id == "update:approve"  # type: ignore[union-attr]


def test_modal_submission():
    action = view_submission_to_action(payload("view_submission"))
    assert action is not None
    assert action.action_id == "project-form:add" and action.channel_id == "C0GENERAL"
    assert dict(action.values) == {"title": "Harbor Coffee storefront", "estimate_hours": "120"}


def test_modal_with_broken_metadata_falls_back_to_the_callback_id():
    body = payload("view_submission")
    body["view"]["private_metadata"] = "not json"
    action = view_submission_to_action(body)
    assert action is not None and action.action_id == "project-form:add"
    assert action.channel_id == ""

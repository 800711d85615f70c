"""Proposals through Slack, signed requests into the real app against the loopback Web API:
/scope → **Draft proposal** → the draft in the requester's DMs → **Details** (a modal: the
client channel, pricing) → approve → posted to the client channel on Slack's confirmation;
and a post Slack refuses (``not_in_channel``) stays approved with a retry that works."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import pytest
from sqlalchemy import select

from bot.drafts import audit_rows
from knowledge.store import ProjectStore
from state import Draft
from tests.slack.conftest import SlackHarness, payload
from tests.slack.fake_slack import TEAM, Call
from tests.slack.test_slack_product import _buttons, _click, _run

BRIEF = "Shopify store for a coffee roaster with subscriptions and a custom theme"
CLIENT_CHANNEL = "C0CLIENT"
IM = "DU0ALICE"  # the requester's IM with the bot, as the fake opens it


@pytest.fixture
async def proposal_slack(
    product_slack: SlackHarness, demo_vectors: tuple[list, object]
) -> AsyncIterator[SlackHarness]:
    """The product over Slack with the demo portfolio as this workspace's past projects."""
    projects, vectors = demo_vectors
    services = product_slack.adapter.bot.services
    store = ProjectStore.open(services.settings.data_dir)
    store.upsert(TEAM, projects, embeddings=vectors)  # type: ignore[arg-type]
    services.set_knowledge(store)
    yield product_slack
    store.close()


def _to(slack: SlackHarness, channel: str) -> list[Call]:
    return [c for c in slack.fake.of("chat.postMessage") if c.payload["channel"] == channel]


async def _status(slack: SlackHarness) -> str:
    async with slack.adapter.bot.services.db.sessions() as session:
        query = select(Draft.status).where(Draft.kind == "proposal")
        return (await session.execute(query)).scalar_one()


async def _submit(slack: SlackHarness, view: dict[str, Any], values: dict[str, str]) -> str:
    """Submit a modal the fake was asked to open, with ``values`` over its initial values."""
    submitted = payload("view_submission", trigger_id=None)
    state = {
        block["block_id"]: {
            block["block_id"]: {
                "type": "plain_text_input",
                "value": values.get(block["block_id"], block["element"].get("initial_value")),
            }
        }
        for block in view["blocks"]
    }
    submitted["view"] |= {
        "blocks": view["blocks"],
        "private_metadata": view["private_metadata"],
        "callback_id": view["callback_id"],
        "state": {"values": state},
    }
    status, body = await slack.interact(submitted)
    assert status == 200
    await slack.settle()
    return body


async def _drafted(slack: SlackHarness) -> Call:
    """/scope, then its Draft proposal button: the draft that reached the requester's DMs."""
    scope = await _run(slack, "scope", BRIEF)
    assert scope.payload["response_type"] == "ephemeral"
    assert "Draft proposal" in _buttons(scope)
    await _click(slack, scope, "Draft proposal", "C0GENERAL")
    (draft,) = _to(slack, IM)
    return draft


async def _with_client_channel(slack: SlackHarness, draft: Call) -> Call:
    """The draft's Details modal, first with a bad due date (refused in place), then fixed."""
    await _click(slack, draft, "Details", IM)
    (opened,) = slack.fake.of("views.open")
    view = opened.payload["view"]
    assert view["submit"]["text"] == "Redraft"
    names = [block["block_id"] for block in view["blocks"]]
    assert names == ["tone", "pricing", "guess", "client", "channel", "due"]
    errors = json.loads(
        await _submit(slack, view, {"channel": CLIENT_CHANNEL, "due": "soon", "tone": "cheery"})
    )
    assert errors["response_action"] == "errors" and set(errors["errors"]) == {"due", "tone"}
    assert await _status(slack) == "draft" and len(_to(slack, IM)) == 1  # nothing redrafted
    body = await _submit(
        slack, view, {"channel": CLIENT_CHANNEL, "client": "Bean Co", "pricing": "tm"}
    )
    assert body == ""
    redrafted = _to(slack, IM)[-1]
    assert "(v2, formal, time and materials" in redrafted.text and "Bean Co" in redrafted.text
    return redrafted


async def test_scope_button_to_a_private_draft_then_posted_to_the_client(proposal_slack) -> None:
    slack = proposal_slack
    draft = await _drafted(slack)
    assert "Draft proposal — " in draft.text and "only you can see this" in draft.text
    assert "Private notes" in draft.text and "Fixed price base" in draft.text
    assert not _to(slack, CLIENT_CHANNEL)
    notices = [c.text for c in slack.fake.of("response_url", "chat.postEphemeral")]
    assert any("Draft proposal sent to your DMs." in text for text in notices)
    assert "Post to client channel" not in _buttons(draft)  # approval comes first

    redrafted = await _with_client_channel(slack, draft)
    await _click(slack, draft, "Approve", IM)  # v1's button: stale, changes nothing
    assert "version 1" in slack.fake.of("response_url")[-1].text
    assert await _status(slack) == "draft"

    await _click(slack, redrafted, "Approve", IM)
    approved = slack.fake.of("response_url")[-1]
    assert "Approved — proposal" in approved.text and not _to(slack, CLIENT_CHANNEL)
    await _click(slack, approved, "Post to client channel", IM)
    (posted,) = _to(slack, CLIENT_CHANNEL)
    assert "Time and materials:" in posted.text and "Bean Co" in posted.text
    for private in ("only you can see this", "Private notes", "Analogue", "Fixed price base"):
        assert private not in posted.text
    assert await _status(slack) == "posted"
    (row,) = await audit_rows(slack.adapter.bot.services.db, TEAM)
    (permalink,) = slack.fake.of("chat.getPermalink")
    assert row.channel_id == CLIENT_CHANNEL and row.message_id == permalink.payload["message_ts"]
    assert row.permalink and row.permalink in _to(slack, IM)[-1].text


async def test_a_refused_proposal_post_stays_approved_and_the_retry_posts(proposal_slack) -> None:
    slack = proposal_slack
    redrafted = await _with_client_channel(slack, await _drafted(slack))
    await _click(slack, redrafted, "Approve", IM)
    approved = slack.fake.of("response_url")[-1]

    slack.fake.refuse_posts[CLIENT_CHANNEL] = ["not_in_channel"]
    await _click(slack, approved, "Post to client channel", IM)
    assert len(_to(slack, CLIENT_CHANNEL)) == 1  # Slack was asked, and said no
    told = _to(slack, IM)[-1]
    assert "Nothing was sent" in told.text and "/invite @Atelier" in told.text
    assert await _status(slack) == "approved"
    assert await audit_rows(slack.adapter.bot.services.db, TEAM) == []

    await _click(slack, told, "Post to client channel", IM)
    _refused, accepted = _to(slack, CLIENT_CHANNEL)
    assert "Time and materials:" in accepted.text
    assert await _status(slack) == "posted"
    (row,) = await audit_rows(slack.adapter.bot.services.db, TEAM)
    assert row.channel_id == CLIENT_CHANNEL and row.permalink
    await _click(slack, told, "Post to client channel", IM)  # stale now: never twice
    assert len(_to(slack, CLIENT_CHANNEL)) == 2

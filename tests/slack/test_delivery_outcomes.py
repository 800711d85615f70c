"""A client update through the real Slack app and the loopback Web API: Slack refuses the first
post (``not_in_channel``), then accepts the retry. Only the accepted post is recorded."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from sqlalchemy import select

from adapters.slack.blocks import to_blocks
from adapters.slack.send import Sender
from bot.drafts import audit_rows
from bot.messages import DeliveryState, text_reply
from state import Draft
from tests.slack.conftest import SlackHarness
from tests.slack.fake_slack import Call
from tests.slack.test_slack_product import _buttons, _click, _run

CLIENT_CHANNEL = "C0CLIENT"
IM = "DU0ALICE"  # the requester's IM with the bot, as the fake opens it
ACME = (
    'name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 '
    f"due=2026-12-21 channel={CLIENT_CHANNEL}"
)


def _to(slack: SlackHarness, channel: str) -> list[Call]:
    return [c for c in slack.fake.of("chat.postMessage") if c.payload["channel"] == channel]


async def _draft_status(slack: SlackHarness) -> str:
    async with slack.adapter.bot.services.db.sessions() as session:
        return (await session.execute(select(Draft.status))).scalar_one()


async def test_a_refused_post_is_not_recorded_and_the_retry_is(product_slack) -> None:
    slack = product_slack
    await _run(slack, "projects", f"add {ACME}")
    await _run(slack, "log", "acme done: checkout flow 2h")
    await _run(slack, "update", "acme")
    (draft,) = _to(slack, IM)
    await _click(slack, draft, "Approve", IM)
    approved = slack.fake.of("response_url")[-1]
    assert "Approved — Acme web shop" in approved.text

    # Slack refuses: the bot is not in the client's channel.
    slack.fake.refuse_posts[CLIENT_CHANNEL] = ["not_in_channel"]
    await _click(slack, approved, "Post to client channel", IM)
    assert len(_to(slack, CLIENT_CHANNEL)) == 1  # Slack was asked, and said no
    told = _to(slack, IM)[-1]
    assert "Nothing was sent" in told.text and "isn't a member of that channel" in told.text
    assert "/invite @Atelier" in told.text and "Posted" not in told.text
    assert await _draft_status(slack) == "approved"
    db = slack.adapter.bot.services.db
    assert await audit_rows(db, "T0001") == []

    # Fixed (the bot was invited): the retry button on the refusal works.
    assert "Post to client channel" in _buttons(told)
    await _click(slack, told, "Post to client channel", IM)
    _refused, accepted = _to(slack, CLIENT_CHANNEL)
    assert "Checkout flow" in accepted.text
    assert await _draft_status(slack) == "posted"
    (row,) = await audit_rows(db, "T0001")
    (permalink,) = slack.fake.of("chat.getPermalink")
    ts = permalink.payload["message_ts"]
    assert ts.startswith("1700.") and row.message_id == ts
    assert row.channel_id == CLIENT_CHANNEL and row.posted_by == "U0ALICE"
    link = f"https://northwind.slack.com/archives/{CLIENT_CHANNEL}/p{ts.replace('.', '')}"
    assert row.permalink == link
    confirmation = _to(slack, IM)[-1]
    assert "Posted the approved update for *Acme web shop*" in confirmation.text
    assert row.permalink in confirmation.text

    # The old buttons are stale now: nothing is posted twice.
    await _click(slack, told, "Post to client channel", IM)
    assert len(_to(slack, CLIENT_CHANNEL)) == 2
    assert "already posted" in slack.fake.of("response_url")[-1].text


async def test_a_post_slack_never_answers_is_neither_posted_nor_refused(product_slack) -> None:
    slack = product_slack
    await _run(slack, "projects", f"add {ACME}")
    await _run(slack, "log", "acme done: checkout flow 2h")
    await _run(slack, "update", "acme")
    await _click(slack, _to(slack, IM)[0], "Approve", IM)
    approved = slack.fake.of("response_url")[-1]
    slack.fake.refuse_posts[CLIENT_CHANNEL] = ["internal_error"]  # Slack may have posted it
    await _click(slack, approved, "Post to client channel", IM)
    asked = _to(slack, IM)[-1]
    assert "couldn't tell whether" in asked.text and "Nothing was sent" not in asked.text
    assert set(_buttons(asked)) == {"It arrived", "Post again"}
    assert await _draft_status(slack) == "sending"
    assert await audit_rows(slack.adapter.bot.services.db, "T0001") == []

    await _click(slack, asked, "Post again", IM)
    assert len(_to(slack, CLIENT_CHANNEL)) == 2
    assert await _draft_status(slack) == "posted"
    (row,) = await audit_rows(slack.adapter.bot.services.db, "T0001")
    assert row.message_id and row.permalink and row.note is None


@pytest.mark.parametrize(
    ("code", "state", "words"),
    [
        ("not_in_channel", DeliveryState.REFUSED, "/invite @Atelier"),
        ("channel_not_found", DeliveryState.REFUSED, "can't find that channel"),
        ("missing_scope", DeliveryState.REFUSED, "chat:write"),
        ("is_archived", DeliveryState.REFUSED, "archived"),
        ("some_new_code", DeliveryState.REFUSED, "`some_new_code`"),
        ("internal_error", DeliveryState.UNKNOWN, "internal_error"),
    ],
)
async def test_slack_error_codes_become_neutral_outcomes(
    fake_slack, code: str, state: DeliveryState, words: str
) -> None:
    sender = Sender(AsyncWebClient(token="xoxb-test", base_url=fake_slack.api_url))
    try:
        fake_slack.refuse_posts[CLIENT_CHANNEL] = [code]
        outcome = await sender.post_for_outcome(to_blocks(text_reply("Hello")), CLIENT_CHANNEL)
        assert (outcome.state, outcome.reason_code) == (state, code)
        assert words in outcome.reason and outcome.message_id is None
        assert not fake_slack.of("chat.getPermalink")

        accepted = await sender.post_for_outcome(to_blocks(text_reply("Hello")), CLIENT_CHANNEL)
        assert accepted.delivered and accepted.message_id
        assert accepted.permalink and accepted.permalink.startswith("https://northwind.slack.com/")
    finally:
        await sender.close()


async def test_unreachable_slack_is_a_refusal(unused_tcp_port: int) -> None:
    base = f"http://127.0.0.1:{unused_tcp_port}/api/"  # nothing listens there
    sender = Sender(AsyncWebClient(token="xoxb-test", base_url=base, retry_handlers=[]))
    try:
        outcome = await sender.post_for_outcome(to_blocks(text_reply("Hello")), CLIENT_CHANNEL)
    finally:
        await sender.close()
    assert outcome.state is DeliveryState.REFUSED and outcome.reason_code == "unreachable"

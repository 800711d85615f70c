"""The in-memory test adapter: replies, button presses, delivery outcomes and DMs recorded."""

from __future__ import annotations

import pytest

from adapters.testing import Delivery, NoReply, TestAdapter, started_bot
from bot.drafts import audit_rows
from bot.messages import Button, DeliveryOutcome, Reply, text_reply

ACME = (
    'name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 budget=6000 '
    "rate=100 channel=C0CLIENT"
)


def button(reply: Reply, label: str) -> Button:
    found = [b for b in reply.buttons if b.label.startswith(label)]
    assert found, f"no button {label!r} in {[b.label for b in reply.buttons]}"
    return found[0]


async def approved(testbot: TestAdapter) -> Reply:
    assert (await testbot.say(f"/projects add {ACME}")).text.startswith("Added")
    assert (await testbot.say("/log acme done: checkout flow 2h")).text.startswith("Logged #")
    draft = await testbot.say("/update acme")
    return await testbot.press(button(draft, "Approve"))


async def test_a_command_answers_with_a_reply_and_is_recorded(testbot: TestAdapter) -> None:
    reply = await testbot.say("/help")
    assert "what I can do" in reply.text
    assert testbot.replies == [reply]
    assert testbot.deliveries == [] and testbot.dms == []


async def test_plain_text_and_unknown_commands_get_friendly_answers(testbot) -> None:
    nope = await testbot.say("/nope")
    assert "I don't know the command `/nope`" in nope.text and nope.refused
    assert "not sure what you'd like me to do" in (await testbot.say("what's the weather?")).text


async def test_approve_then_post_records_the_platform_outcome(testbot: TestAdapter) -> None:
    update = await approved(testbot)
    await testbot.press(button(update, "Post to client channel"))

    (delivery,) = testbot.deliveries
    assert isinstance(delivery, Delivery) and delivery.channel_id == "C0CLIENT"
    assert delivery.outcome.delivered and delivery.outcome.message_id == "test-1"
    assert delivery.follow_up is testbot.follow_ups[-1]
    assert delivery.follow_up.text.startswith("Posted the approved update")
    assert testbot.posted == [delivery]
    (row,) = await audit_rows(testbot.bot.services.db, "local")
    assert row.message_id == "test-1"


async def test_a_refusing_platform_is_reported_and_nothing_is_recorded_as_posted(
    testbot: TestAdapter,
) -> None:
    async def refusing(channel_id: str, reply: Reply) -> DeliveryOutcome:
        return DeliveryOutcome.refused(channel_id, "not_in_channel", "the app isn't in there")

    testbot.post_to_channel = refusing
    update = await approved(testbot)
    await testbot.press(button(update, "Post to client channel"))

    (delivery,) = testbot.deliveries
    assert not delivery.outcome.delivered and testbot.posted == []
    assert "Nothing was sent" in testbot.follow_ups[-1].text
    assert await audit_rows(testbot.bot.services.db, "local") == []


async def test_a_crashing_poster_is_reported_as_unknown(testbot: TestAdapter) -> None:
    async def crashing(channel_id: str, reply: Reply) -> DeliveryOutcome:
        raise ConnectionResetError("gone")

    testbot.post_to_channel = crashing
    update = await approved(testbot)
    await testbot.press(button(update, "Post to client channel"))
    assert testbot.deliveries[-1].outcome.reason_code == "error"
    assert {b.label for b in testbot.follow_ups[-1].buttons} == {"It arrived", "Post again"}


async def test_only_the_requester_may_approve(testbot: TestAdapter) -> None:
    assert (await testbot.say(f"/projects add {ACME}")).text.startswith("Added")
    await testbot.say("/log acme done: checkout flow 2h")
    draft = await testbot.say("/update acme")
    bob = testbot.as_user("bob")
    answer = await bob.press(button(draft, "Approve"))
    assert "only the person who asked for this draft (alice)" in answer.text
    assert bob.replies is testbot.replies and testbot.replies[-1] is answer


async def test_a_stale_action_id_is_refused_not_ignored(testbot: TestAdapter) -> None:
    answer = await testbot.press("no-such-skill:thing", "x")
    assert "no longer supported" in answer.text


async def test_dms_sent_by_the_core_are_recorded(testbot: TestAdapter) -> None:
    testbot.receive_dms()
    outcome = await testbot.bot.send_dm("console", "local", "alice", text_reply("Your digest"))
    assert outcome.delivered
    (dm,) = testbot.dms
    assert (dm.tenant, dm.user_id, dm.reply.text) == ("local", "alice", "Your digest")


async def test_no_answer_fails_the_test_clearly(testbot: TestAdapter) -> None:
    # A retried event (same id) is answered once; the retry gets nothing.
    assert await testbot.send("/help", event_id="E1") is not None
    assert await testbot.send("/help", event_id="E1") is None
    with pytest.raises(NoReply):
        await testbot.say("/help", event_id="E1")


async def test_started_bot_builds_the_real_bot_on_a_temporary_directory(
    settings,  # clears the developer's environment
) -> None:
    async with started_bot() as adapter:
        reply = await adapter.say("/projects list")
        assert not reply.refused
        data_dir = adapter.bot.services.settings.data_dir
        assert data_dir.exists() and "atelier-test-" in str(data_dir)
    assert not data_dir.exists()


async def test_a_form_is_submitted_with_its_errors_then_saved(testbot: TestAdapter) -> None:
    form = (await testbot.say("/projects add")).form
    assert form is not None and form.form_id == "project-form:add"

    wrong = await testbot.submit(form, {"name": "Acme web shop", "estimate": "forty"})
    assert "estimate" in wrong.form_errors  # kept as a form error, nothing saved
    assert "Acme web shop" not in (await testbot.say("/projects active")).text

    added = await testbot.submit(form, {"name": "Acme web shop", "estimate": "40"})
    assert added.text.startswith("Added") and not added.form_errors
    assert "Acme web shop" in (await testbot.say("/projects active")).text

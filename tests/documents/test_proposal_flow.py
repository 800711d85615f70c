"""Posting a proposal through the shared DocumentFlow on the in-memory test adapter: the post
carries a delivery key, the platform's answer decides "posted", and the audit row holds its id
and link; a refusal leaves the proposal approved with a retry; the Details form redrafts it."""

from __future__ import annotations

from adapters.testing import TestAdapter
from bot.drafts import audit_rows, get_draft
from bot.messages import DeliveryOutcome, Reply
from knowledge.store import ProjectStore

BRIEF = "Shopify store for a coffee roaster with subscriptions and a custom theme"


def _button(reply: Reply, label: str):
    return next(b for b in reply.buttons if b.label.startswith(label))


def _draft_id(reply: Reply) -> str:
    return _button(reply, "Approve").value.split(":")[0]


async def test_a_proposal_is_posted_on_the_platforms_confirmation(
    testbot: TestAdapter, demo_store: ProjectStore
) -> None:
    answers: list[DeliveryOutcome] = [DeliveryOutcome.refused(
        "C0CLIENT", "not_in_channel", "the bot is not a member of that channel"
    )]

    async def platform(channel_id: str, reply: Reply) -> DeliveryOutcome:
        if answers:
            return answers.pop(0)
        return DeliveryOutcome.ok(channel_id, "m-7", "https://chat.example/C0CLIENT/m-7")

    testbot.post_to_channel = platform
    scope = await testbot.say(f"/scope {BRIEF}")
    draft = await testbot.press(_button(scope, "Draft proposal"))
    form = (await testbot.press(_button(draft, "Details"))).form
    assert form is not None and form.title == "Proposal details"
    redrafted = await testbot.submit(form, {"channel": "C0CLIENT", "client": "Bean Co"})
    assert "(v2" in redrafted.text and "Bean Co" in redrafted.blocks[1].text  # type: ignore[union-attr]
    approved = await testbot.press(_button(redrafted, "Approve"))

    refused = await testbot.press(_button(approved, "Post to client channel"))
    assert not testbot.posted and "Nothing was sent" in testbot.follow_ups[-1].text
    draft_id = _draft_id(redrafted)
    found = await get_draft(testbot.bot.services.db, "local", draft_id, kind="proposal")
    assert found is not None and found.draft.status == "approved"
    assert refused.confirm is not None and refused.confirm.key.startswith(f"proposal:{draft_id}:")

    retry = _button(testbot.follow_ups[-1], "Post to client channel")
    await testbot.press(retry)
    (posted,) = testbot.posted
    assert posted.channel_id == "C0CLIENT" and "Bean Co" in posted.reply.text
    assert "Private notes" not in posted.reply.text
    assert "Posted the approved proposal" in testbot.follow_ups[-1].text
    (row,) = await audit_rows(testbot.bot.services.db, "local")
    assert (row.message_id, row.permalink) == ("m-7", "https://chat.example/C0CLIENT/m-7")
    again = await testbot.press(retry)
    assert again.refused and len(testbot.posted) == 1

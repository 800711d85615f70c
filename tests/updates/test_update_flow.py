"""`/log` and `/update` through the real console adapter: draft, versions, approval, posting."""

from __future__ import annotations

import asyncio

from sqlalchemy import select

from bot.drafts import audit_rows, versions
from bot.mentions import can_ping
from bot.messages import Button, Reply, Visibility
from state import Draft, LogEntry
from tests.conftest import Harness
from tests.updates.conftest import add_project

ACME = (
    'name="Acme web shop" client="Acme Corp" aliases=acme,shop estimate=40 budget=6000 '
    "rate=100 start=2026-11-20 due=2026-12-21 channel=C0CLIENT"
)
REFUSAL = "Sorry, only the person who asked for this draft (alice) can"
ENTRIES = [
    "done: checkout flow, 2h30",
    "done: product page templates 3h",
    "blocker: waiting for the payment API keys",
    "next: connect the payment provider",
    "next: import the catalogue",
    "Q: which logo variant do you prefer?",
    "decided to use Stripe for payments",
    "decision: launch without gift cards",
    "internal: client pays late, chase the invoice",
    "our margin on this is thin at $100/h",
    "call with the designer about icons 1h",
]


def button(reply: Reply, label: str) -> Button:
    for item in reply.buttons:
        if item.label.startswith(label):
            return item
    raise AssertionError(f"no button {label!r} in {[b.label for b in reply.buttons]}")


def client_text(reply: Reply) -> str:
    """The draft's client text: the paragraph right after the heading."""
    return reply.blocks[1].text  # type: ignore[union-attr]


async def log_all(harness, lines: list[str]) -> None:
    for line in lines:
        answer = await harness.say(f"/log acme {line}")
        assert answer.text.startswith("Logged #"), answer.text


async def test_full_cycle_draft_tone_approve_then_only_new_entries(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ENTRIES)

    draft = await harness.say("/update acme")
    assert draft.visibility is Visibility.DM and draft.notice == "Draft sent to your DMs."
    text = client_text(draft)
    for expected in (
        "Hi Acme Corp",
        "Checkout flow",
        "Product page templates",
        "Waiting for the payment API keys",
        "Connect the payment provider",
        "Which logo variant do you prefer?",
        "Decided to use Stripe",
        "Call with the designer about icons",
        "Hours: 6.5 h of 40 h estimated (16%)",
        "Due: 21 Dec 2026 (in 20 days)",
    ):
        assert expected in text, expected
    assert "(sent to you privately)" in harness.screen()

    formal = await harness.press(button(draft, "Change tone"))
    assert formal.visibility is Visibility.DM
    assert "Dear Acme Corp" in client_text(formal) and "(v2, formal" in formal.text

    approved = await harness.press(button(formal, "Approve"))
    assert "Approved" in approved.text and "11 log entries are now marked" in approved.text
    assert "Dear Acme Corp" in approved.text  # the approved version is the formal one

    clock.advance(days=3)
    await log_all(harness, ["done: payment provider connected, 4h", "next: load testing"])
    second = await harness.say("/update acme")
    second_text = client_text(second)
    assert "Payment provider connected" in second_text and "Load testing" in second_text
    assert "Checkout flow" not in second_text and "Stripe" not in second_text
    assert "Hours: 10.5 h of 40 h" in second_text  # hours are cumulative, news is not


async def test_draft_versions_are_kept_and_old_buttons_are_stale(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ENTRIES[:3])
    first = await harness.say("/update acme brief")
    regenerated = await harness.press(button(first, "Regenerate"))
    assert "(v2, brief" in regenerated.text

    stale = await harness.press(button(first, "Approve"))
    assert "version 1; the current version is 2" in stale.text
    assert "Nothing was changed" in stale.text

    draft_id = button(regenerated, "Approve").value.split(":")[0]
    kept = await versions(harness.bot.services.db, "local", draft_id)
    assert [v.version for v in kept] == [1, 2]

    await harness.press(button(regenerated, "Approve"))
    again = await harness.press(button(regenerated, "Approve"))
    assert "already approved" in again.text


async def test_discard_keeps_entries_for_the_next_update(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: hero section 2h"])
    draft = await harness.say("/update acme")
    discarded = await harness.press(button(draft, "Discard"))
    assert "Discarded draft" in discarded.text
    twice = await harness.press(button(draft, "Discard"))
    assert "was discarded" in twice.text and "Nothing was changed" in twice.text
    stale = await harness.press(button(draft, "Approve"))
    assert "discarded" in stale.text.lower() and "Nothing was changed" in stale.text

    redo = await harness.say("/update acme")
    assert "Hero section" in client_text(redo)


async def test_only_the_requester_can_approve_post_or_discard(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: hero section 2h"])
    draft = await harness.say("/update acme")
    bob = harness.as_user("bob")
    for label in ("Approve", "Discard", "Regenerate", "Export"):
        refused = await bob.press(button(draft, label))
        assert refused.text.startswith(REFUSAL), refused.text
    approved = await harness.press(button(draft, "Approve"))
    refused = await bob.press(button(approved, "Post to client channel"))
    assert refused.text.startswith(REFUSAL)
    async with harness.bot.services.db.sessions() as session:
        row = (await session.execute(select(Draft))).scalar_one()
    assert row.status == "approved"
    assert await audit_rows(harness.bot.services.db, "local") == []


async def test_posting_goes_to_the_client_channel_once_with_an_audit_row(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, [*ENTRIES, "done: staging is live @here <!channel> <@&42> @everyone"])
    draft = await harness.say("/update acme")
    assert not any(b.action_id == "update:post" for b in draft.buttons)  # not before approval
    approved = await harness.press(button(draft, "Approve"))
    posted = await harness.press(button(approved, "Post to client channel"))
    assert posted.visibility is Visibility.PUBLIC and posted.channel_id == "C0CLIENT"
    # The terminal posted it and reported back; only then was it recorded.
    assert harness.adapter.follow_ups[-1].text.startswith("Posted the approved update")
    assert "Staging is live" in posted.text and not can_ping(posted.text)
    for secret in ("pays late", "invoice", "margin", "$100/h", "100/h"):
        assert secret not in posted.text, secret

    again = await harness.press(button(approved, "Post to client channel"))
    assert "already posted" in again.text
    rows = await audit_rows(harness.bot.services.db, "local")
    assert len(rows) == 1
    assert (rows[0].posted_by, rows[0].channel_id, rows[0].version) == ("alice", "C0CLIENT", 1)
    assert rows[0].text == posted.text
    assert rows[0].message_id == "console-1" and rows[0].permalink is None


async def test_internal_notes_and_rates_stay_in_private_notes(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(
        harness,
        [
            "done: homepage 2h",
            "internal: the client is slow to pay",
            "fixed the cart totals #internal",
            "our rate is 120 EUR per hour for this one",
            "markup on the fonts licence is 20%",
        ],
    )
    draft = await harness.say("/update acme")
    text = client_text(draft)
    assert "Homepage" in text
    for secret in ("slow to pay", "cart totals", "120 EUR", "markup", "licence"):
        assert secret not in text, secret
    notes = draft.blocks[2].text
    assert "Private notes" in notes and notes.count("Left out") == 4
    exported = await harness.press(button(draft, "Export"))
    assert exported.visibility is Visibility.DM
    assert exported.text.count("slow to pay") == 0 and "Subject: Acme web shop" in exported.text


async def test_budget_burn_ahead_of_the_calendar_warns(harness, clock) -> None:
    await add_project(harness, ACME)  # 40 h over 31 days; 11 days in
    await log_all(harness, ["done: most of the build 30h"])
    draft = await harness.say("/update acme")
    text = client_text(draft)
    assert "Early warning: 75% of the budgeted effort is used while 35% of the schedule" in text
    assert "Budget: 50% used" in text
    assert "Heads-up for you" in draft.text


async def test_no_warning_when_burn_follows_the_calendar(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: first screens 12h"])
    draft = await harness.say("/update acme")
    assert "warning" not in draft.text.lower()


async def test_nothing_to_report_offers_an_on_track_note(harness, clock) -> None:
    await add_project(harness, ACME)
    empty = await harness.say("/update acme")
    assert "nothing to report" in empty.text and empty.visibility is not Visibility.PUBLIC
    note = await harness.press(button(empty, "Draft a “still on track” note"))
    assert note.visibility is Visibility.DM
    assert "on track" in client_text(note)
    approved = await harness.press(button(note, "Approve"))
    assert "0 log entries are now marked" in approved.text


async def test_unknown_project_lists_the_known_ones(harness, clock) -> None:
    await add_project(harness, ACME)
    await add_project(harness, 'name="Globex rebrand" client=Globex')
    answer = await harness.say("/update initech")
    assert "I don't know an active project called “initech”" in answer.text
    assert "Acme web shop" in answer.text and "Globex rebrand" in answer.text
    assert "isn't one of them" in (await harness.say("/update acme casual")).text


async def test_text_commands_approve_and_export_by_draft_id(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: hero 1h"])
    draft = await harness.say("/update acme formal")
    draft_id = button(draft, "Approve").value.split(":")[0]
    assert "Dear Acme Corp" in (await harness.say(f"/update export {draft_id}")).text
    refused = await harness.as_user("bob").say(f"/update approve {draft_id}")
    assert refused.text.startswith(REFUSAL)
    assert "Approved" in (await harness.say(f"/update approve {draft_id}")).text
    async with harness.bot.services.db.sessions() as session:
        reported = (await session.execute(select(LogEntry.reported_draft_id))).scalars().all()
    assert reported == [draft_id]


async def test_drafts_are_invisible_to_other_tenants(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: hero 1h"])
    draft = await harness.say("/update acme")
    other = Harness(harness.bot, user_id="alice", tenant="T-OTHER")
    refused = await other.press(button(draft, "Approve"))
    assert "can't find the draft" in refused.text
    assert "I don't know an active project" in (await other.say("/log acme done: x")).text


async def test_plain_words_draft_an_update(harness, clock) -> None:
    await add_project(harness, ACME)
    await harness.say("log acme: done: hero section 2h")
    draft = await harness.say("draft an update for acme?")
    assert draft.visibility is Visibility.DM and "Hero section" in client_text(draft)


async def test_two_clicks_at_once_approve_only_once(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: hero section 2h", "next: footer"])
    draft = await harness.say("/update acme")
    approve = button(draft, "Approve")
    first, second = await asyncio.gather(harness.press(approve), harness.press(approve))
    answers = sorted([first.text[:8], second.text[:8]])
    assert answers[0].startswith("Approved"), answers
    assert not answers[1].startswith("Approved"), answers
    async with harness.bot.services.db.sessions() as session:
        reported = (await session.execute(select(LogEntry.reported_draft_id))).scalars().all()
    assert len(reported) == 2 and len(set(reported)) == 1

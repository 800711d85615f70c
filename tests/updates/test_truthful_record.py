"""The record tells the truth: a post is "posted" only once the platform confirmed it, stale
drafts and stale buttons are refused, and an overdue project is never "on track".

Driven through the real console adapter, whose channel poster stands in for a platform."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from bot.drafts import audit_rows
from bot.messages import Action, Button, DeliveryOutcome, Reply
from bot.update_text import build_update
from state import DatabaseUnavailable, Draft
from tests.conftest import Harness
from tests.updates.conftest import add_project
from tests.updates.test_update_flow import button, client_text, log_all
from tests.updates.test_update_text import TODAY, figures

ACME = (
    'name="Acme web shop" client="Acme Corp" aliases=acme estimate=40 '
    "start=2026-11-20 due=2026-12-21 channel=C0CLIENT"
)


async def statuses(harness: Harness) -> dict[str, str]:
    async with harness.bot.services.db.sessions() as session:
        rows = await session.execute(select(Draft.id, Draft.status))
        return {row[0]: row[1] for row in rows}


def draft_id(reply: Reply) -> str:
    return button(reply, "Approve").value.split(":")[0]


class RefusingChannel:
    """A platform that refuses the first ``refusals`` posts (not a member), then accepts."""

    def __init__(self, refusals: int = 1) -> None:
        self.refusals = refusals
        self.accepted: list[Reply] = []

    async def __call__(self, channel_id: str, reply: Reply) -> DeliveryOutcome:
        if self.refusals:
            self.refusals -= 1
            return DeliveryOutcome.refused(
                channel_id, "not_in_channel", "the app isn't a member of that channel"
            )
        self.accepted.append(reply)
        return DeliveryOutcome.ok(
            channel_id, f"m{len(self.accepted)}", f"https://chat.example/{channel_id}/m1"
        )


async def approved_update(harness: Harness) -> Reply:
    await add_project(harness, ACME)
    await log_all(harness, ["done: checkout flow 2h"])
    draft = await harness.say("/update acme")
    return await harness.press(button(draft, "Approve"))


# --- delivery outcomes ----------------------------------------------------------------------


async def test_a_refused_post_stays_approved_says_so_and_can_be_retried(harness, clock) -> None:
    channel = RefusingChannel(refusals=1)
    harness.adapter.post_to_channel = channel
    approved = await approved_update(harness)

    await harness.press(button(approved, "Post to client channel"))
    told = harness.adapter.follow_ups[-1]
    assert "Nothing was sent" in told.text and "isn't a member of that channel" in told.text
    assert "Posted" not in told.text
    assert list((await statuses(harness)).values()) == ["approved"]
    assert await audit_rows(harness.bot.services.db, "local") == []

    clock.advance(minutes=5)
    await harness.press(button(told, "Post to client channel"))
    assert len(channel.accepted) == 1
    done = harness.adapter.follow_ups[-1]
    assert done.text.startswith("Posted the approved update") and "chat.example" in done.text
    (row,) = await audit_rows(harness.bot.services.db, "local")
    assert (row.message_id, row.permalink) == ("m1", "https://chat.example/C0CLIENT/m1")
    assert row.posted_at.replace(tzinfo=dt.UTC) == clock.now  # when it was confirmed
    assert list((await statuses(harness)).values()) == ["posted"]


async def test_a_poster_that_crashes_leaves_it_sending_not_posted(harness, clock) -> None:
    async def crashing(channel_id: str, reply: Reply) -> DeliveryOutcome:
        raise ConnectionResetError("gone")

    harness.adapter.post_to_channel = crashing
    approved = await approved_update(harness)
    await harness.press(button(approved, "Post to client channel"))
    asked = harness.adapter.follow_ups[-1]
    assert "couldn't tell whether" in asked.text and "Nothing was sent" not in asked.text
    assert {b.label for b in asked.buttons} == {"It arrived", "Post again"}
    assert list((await statuses(harness)).values()) == ["sending"]
    assert await audit_rows(harness.bot.services.db, "local") == []


async def test_an_interrupted_send_is_settled_by_the_requester(harness, clock) -> None:
    approved = await approved_update(harness)
    # The process dies after handing the post over: the core's reply is never confirmed.
    post = button(approved, "Post to client channel")
    reply = await harness.bot.handle_action(_action(post))
    assert reply is not None and reply.confirm is not None
    assert list((await statuses(harness)).values()) == ["sending"]

    again = await harness.press(post)
    assert "being posted right now" in again.text  # a double click posts nothing
    clock.advance(minutes=3)
    stuck = await harness.press(post)
    assert "never heard back" in stuck.text and "not as posted" in stuck.text
    bob = harness.as_user("bob")
    assert "only the person who asked" in (await bob.press(button(stuck, "It arrived"))).text

    await harness.press(button(stuck, "It arrived"))
    (row,) = await audit_rows(harness.bot.services.db, "local")
    assert row.message_id is None and "said it arrived" in (row.note or "")
    assert list((await statuses(harness)).values()) == ["posted"]
    # The lost attempt's outcome turning up late changes nothing.
    late = DeliveryOutcome.ok("C0CLIENT", "m-late")
    assert await harness.bot.confirm_delivery(reply.confirm, late) is None
    assert len(await audit_rows(harness.bot.services.db, "local")) == 1


async def test_post_again_after_an_interrupted_send_posts_once(harness, clock) -> None:
    approved = await approved_update(harness)
    post = button(approved, "Post to client channel")
    first = await harness.bot.handle_action(_action(post))
    assert first is not None and first.confirm is not None
    clock.advance(minutes=3)
    stuck = await harness.press(post)
    await harness.press(button(stuck, "Post again"))
    (row,) = await audit_rows(harness.bot.services.db, "local")
    assert row.message_id == "console-1" and row.note is None
    assert "already posted" in (await harness.press(button(stuck, "Post again"))).text


def _action(pressed: Button) -> Action:
    """A press that reaches the core without the adapter: as if it died after the post."""
    return Action(
        action_id=pressed.action_id,
        value=pressed.value,
        tenant="local",
        user_id="alice",
        user_name="alice",
        channel_id="console",
    )


# --- stale drafts and buttons ---------------------------------------------------------------


async def test_an_older_draft_superseded_by_a_newer_approved_one_is_refused(
    harness, clock
) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: checkout flow 2h"])
    older = await harness.say("/update acme")
    await log_all(harness, ["done: product pages 3h"])
    newer = await harness.say("/update acme")
    assert "Product pages" in client_text(newer) and "Checkout flow" in client_text(newer)
    await harness.press(button(newer, "Approve"))

    for label in ("Approve", "Regenerate"):
        refused = await harness.press(button(older, label))
        assert "out of date" in refused.text and f"`{draft_id(newer)}`" in refused.text
        assert "`/update acme-web-shop`" in refused.text and "Nothing was changed" in refused.text
    assert (await statuses(harness))[draft_id(older)] == "superseded"
    assert len(await audit_rows(harness.bot.services.db, "local")) == 0


async def test_a_second_draft_of_the_same_news_is_stale_once_one_is_approved(
    harness, clock
) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: checkout flow 2h"])
    first = await harness.say("/update acme")
    second = await harness.say("/update acme")  # the same news, drafted twice
    await harness.press(button(first, "Approve"))
    for label in ("Approve", "Regenerate", "Change tone"):
        refused = await harness.press(button(second, label))
        assert f"update `{draft_id(first)}` was approved since" in refused.text
    assert (await statuses(harness))[draft_id(second)] == "superseded"


async def test_an_approved_update_stays_postable_when_a_newer_one_is_approved(
    harness, clock
) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: checkout flow 2h"])
    first = await harness.say("/update acme")
    approved_first = await harness.press(button(first, "Approve"))
    await log_all(harness, ["done: product pages 3h"])
    second = await harness.say("/update acme")
    await harness.press(button(second, "Approve"))
    # The first one's news is not in the second: it must still be able to go out.
    await harness.press(button(approved_first, "Post to client channel"))
    (row,) = await audit_rows(harness.bot.services.db, "local")
    assert row.draft_id == draft_id(first) and "Checkout flow" in row.text


async def test_approve_after_new_entries_were_logged_is_refused(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: checkout flow 2h"])
    draft = await harness.say("/update acme")
    await log_all(harness, ["blocker: payment provider is down"])
    refused = await harness.press(button(draft, "Approve"))
    assert "Entries were logged, edited or deleted since this version" in refused.text
    assert "**Regenerate**" in refused.text and "`/update acme-web-shop`" in refused.text
    assert list((await statuses(harness)).values()) == ["draft"]

    fresh = await harness.press(button(draft, "Regenerate"))
    assert "Payment provider is down" in client_text(fresh)
    approved = await harness.press(button(fresh, "Approve"))
    assert approved.text.startswith("Approved")


async def test_an_edited_entry_also_makes_the_draft_stale(harness, clock) -> None:
    await add_project(harness, ACME)
    await log_all(harness, ["done: checkout flow 2h"])
    draft = await harness.say("/update acme")
    entry = (await harness.say("/log acme")).text.split("#", 1)[1].split()[0].strip(":")
    edited = await harness.say(f"/log edit {entry} done: checkout flow and cart 2h")
    assert "#" in edited.text
    refused = await harness.press(button(draft, "Approve"))
    assert "out of date" in refused.text


async def test_a_still_on_track_button_after_new_entries_is_refused(harness, clock) -> None:
    await add_project(harness, ACME)
    empty = await harness.say("/update acme")
    await log_all(harness, ["done: checkout flow 2h"])
    refused = await harness.press(button(empty, "Draft a “still on track” note"))
    assert "New entries were logged" in refused.text and "`/update acme-web-shop`" in refused.text
    assert await statuses(harness) == {}


async def test_an_approved_on_track_note_is_not_posted_after_new_entries(harness, clock) -> None:
    await add_project(harness, ACME)
    empty = await harness.say("/update acme")
    note = await harness.press(button(empty, "Draft a “still on track” note"))
    approved = await harness.press(button(note, "Approve"))
    await log_all(harness, ["blocker: the payment provider is down"])
    refused = await harness.press(button(approved, "Post to client channel"))
    assert "no longer true" in refused.text and "`/update acme-web-shop`" in refused.text
    assert await audit_rows(harness.bot.services.db, "local") == []


async def test_an_overdue_project_never_gets_on_track_wording(harness, clock) -> None:
    await add_project(
        harness,
        'name="Late shop" aliases=late estimate=40 start=2026-08-01 due=2026-09-29 channel=C0L',
    )  # 63 days overdue on 1 Dec 2026
    empty = await harness.say("/update late")
    assert "on track" not in empty.text
    note = await harness.press(button(empty, "Draft a “no news” note"))
    text = client_text(note).lower()
    assert "on track" not in text and "63 days overdue" in text and "past the planned" in text


def test_the_on_track_note_per_tone_follows_the_calendar_and_the_burn() -> None:
    late = figures(due_date=TODAY - dt.timedelta(days=63), start_date=dt.date(2026, 8, 1))
    over = figures(hours_used=48.0)  # past the estimate
    fine = figures()
    for tone in ("friendly", "formal", "brief"):
        assert "on track" in build_update(fine, [], tone, on_track=True).client_text.lower()
        for case in (late, over):
            text = build_update(case, [], tone, on_track=True).client_text.lower()
            assert "on track" not in text, (tone, text)


def test_no_burn_warning_on_the_first_day_of_the_schedule() -> None:
    day_one = figures(start_date=TODAY, due_date=TODAY + dt.timedelta(days=30), hours_used=20.0)
    assert build_update(day_one, []).warning is None
    day_two = figures(
        start_date=TODAY - dt.timedelta(days=1),
        due_date=TODAY + dt.timedelta(days=29),
        hours_used=20.0,
    )
    assert (build_update(day_two, []).warning or "").startswith("Early warning: 50%")


async def test_the_schedule_starts_the_day_the_project_was_added(harness, clock) -> None:
    await add_project(harness, 'name="Fresh" aliases=fresh estimate=40 due=2026-12-31')
    await log_all_for(harness, "fresh", ["done: most of the design 20h"])
    first_day = await harness.say("/update fresh")
    assert "Early warning" not in first_day.text
    clock.advance(days=3)
    later = await harness.say("/update fresh")
    assert "Early warning: 50% of the budgeted effort is used while 10%" in client_text(later)


async def log_all_for(harness: Harness, project: str, lines: list[str]) -> None:
    for line in lines:
        assert (await harness.say(f"/log {project} {line}")).text.startswith("Logged #")


async def test_a_confirmed_post_the_database_cannot_record_is_not_called_unsent(
    harness, clock, monkeypatch
) -> None:
    approved = await approved_update(harness)
    reply = await harness.bot.handle_action(_action(button(approved, "Post to client channel")))
    assert reply is not None and reply.confirm is not None
    db = harness.bot.services.db

    def down() -> None:
        raise DatabaseUnavailable("database unreachable")

    with monkeypatch.context() as patched:
        patched.setattr(db, "transaction", down)
        patched.setattr(db, "sessions", down)
        told = await harness.bot.confirm_delivery(
            reply.confirm, DeliveryOutcome.ok("C0CLIENT", "m1", "https://chat.example/m1")
        )
    assert told is not None
    assert told.text.startswith("It was posted (https://chat.example/m1), but I can't reach")
    assert "Nothing was sent" not in told.text
    assert list((await statuses(harness)).values()) == ["sending"]
    clock.advance(minutes=3)
    again = await harness.press(button(approved, "Post to client channel"))
    assert "It arrived" in again.text and "Post again" in again.text


async def test_the_on_track_note_keeps_the_tone_asked_for(harness, clock) -> None:
    await add_project(harness, ACME)
    empty = await harness.say("/update acme formal")
    note = await harness.press(button(empty, "Draft a “still on track” note"))
    assert client_text(note).startswith("Dear Acme Corp")

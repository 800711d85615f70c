"""`/log`: entries from chat, listing, author-only edits, and writes that are all or nothing."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.worklog import add_entry, find_project
from state import LogEntry
from tests.updates.conftest import add_project


async def entries(harness) -> list[LogEntry]:
    async with harness.bot.services.db.sessions() as session:
        return list((await session.execute(select(LogEntry).order_by(LogEntry.id))).scalars())


async def test_each_kind_is_recognised_and_stored(harness, clock) -> None:
    await add_project(harness, 'name="Acme web shop" aliases=acme')
    lines = {
        "done: checkout flow, 2h30": ("done", 2.5),
        "next: payment provider": ("next", None),
        "blocked — waiting for the API keys": ("blocker", None),
        "decided to use Stripe": ("decision", None),
        "Q: which logo variant?": ("question", None),
        "90m on the call with the designer": ("note", 1.5),
    }
    for line in lines:
        await harness.say(f"/log acme {line}")
    stored = await entries(harness)
    assert [(e.kind, e.hours) for e in stored] == list(lines.values())
    assert {e.author_id for e in stored} == {"alice"}


async def test_free_text_log_and_multi_word_names(harness, clock) -> None:
    await add_project(harness, 'name="Acme web shop"')
    answer = await harness.say("log acme web shop: done: homepage 2h")
    assert answer.text.startswith("Logged #1 on **Acme web shop** (done, 2 h)")
    answer = await harness.say("/log acme web shop next: cart")
    assert "(next)" in answer.text


async def test_project_alone_lists_recent_entries(harness, clock) -> None:
    await add_project(harness, "name=Acme")
    assert "Nothing logged on **Acme** yet" in (await harness.say("/log acme")).text
    await harness.say("/log acme done: homepage 2h")
    await harness.say("/log acme internal: the client pays late")
    listing = await harness.say("/log acme")
    assert "homepage" in listing.text and "note (internal)" in listing.text


async def test_empty_and_unknown(harness, clock) -> None:
    assert "no active projects yet" in (await harness.say("/log")).text
    await add_project(harness, "name=Acme")
    unknown = await harness.say("/log initech done: x")
    assert "I don't know an active project called “initech”" in unknown.text
    assert "**Acme**" in unknown.text
    assert await entries(harness) == []


async def test_only_the_author_edits_or_deletes(harness, clock) -> None:
    await add_project(harness, "name=Acme")
    await harness.say("/log acme done: homepage 2h")
    bob = harness.as_user("bob")
    assert "only its author" in (await bob.say("/log edit 1 done: homepage 9h")).text
    assert "only its author" in (await bob.say("/log delete 1")).text
    assert [(e.text, e.hours) for e in await entries(harness)] == [("done: homepage 2h", 2.0)]

    edited = await harness.say("/log edit 1 blocker: homepage needs copy 3h")
    assert "Updated entry #1 (blocker, 3 h)" in edited.text
    assert "Deleted entry #1" in (await harness.say("/log delete #1")).text
    assert "no log entry #1" in (await harness.say("/log delete 1")).text
    stored = await entries(harness)
    assert len(stored) == 1 and stored[0].deleted_at is not None  # kept, marked deleted
    assert "not an entry id" in (await harness.say("/log delete one")).text


async def test_absurd_hours_and_long_text_are_refused_with_nothing_saved(harness, clock) -> None:
    await add_project(harness, "name=Acme")
    assert "looks like a typo" in (await harness.say("/log acme done: build 900h")).text
    assert "Split it" in (await harness.say("/log acme " + "x" * 5000)).text
    assert await entries(harness) == []


async def test_a_failed_write_leaves_no_partial_entry(harness, clock) -> None:
    await add_project(harness, "name=Acme")
    services = harness.bot.services
    project = await find_project(services.db, "local", "acme")
    assert project is not None
    # A timestamp the column cannot store makes the insert fail inside the transaction.
    with pytest.raises(Exception):  # noqa: B017 - any database error will do
        await add_entry(services.db, "local", project, "alice", "alice", "done: x 2h", "oops")  # type: ignore[arg-type]
    assert await entries(harness) == []
    assert (await harness.say("/log acme done: y 1h")).text.startswith("Logged #")

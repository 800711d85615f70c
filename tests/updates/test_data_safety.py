"""Nothing lost: implausible hours are refused or confirmed, closing never overwrites history,
past projects can be corrected."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.state import LogEntry
from tests.updates.conftest import add_project


async def entries(harness) -> list[LogEntry]:  # type: ignore[no-untyped-def]
    async with harness.bot.services.db.sessions() as session:
        return list((await session.execute(select(LogEntry))).scalars())


@pytest.mark.parametrize("text", ["done: refund -3h", "-3h correction", "done: x (−90m)"])
async def test_negative_hours_are_refused_not_logged_as_positive(harness, clock, text) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=40")
    answer = (await harness.say(f"/log acme {text}")).text
    assert "Nothing was saved" in answer and "negative" in answer
    assert await entries(harness) == []


async def test_a_dash_between_words_is_not_a_minus(harness, clock) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=40")
    answer = (await harness.say("/log acme blocked - 3h waiting for keys")).text
    assert "Logged" in answer or "logged" in answer
    assert [e.hours for e in await entries(harness)] == [3.0]


# --- closing never overwrites history ------------------------------------------------------


async def test_closing_a_project_named_like_a_demo_project_keeps_the_demo_project(
    harness, clock, demo_store
) -> None:
    before = demo_store.get("local", "demo-001")
    assert before is not None and before.actual_hours == 160.5
    reply = await add_project(harness, 'name="Demo 001" estimate=3')
    assert "`demo-001`" in reply.text  # the active project's slug equals the demo id
    await harness.say("/log demo-001 done: tiny fix 2h")
    closed = (await harness.say("/projects close demo-001")).text
    assert "Closed **Demo 001** at 2 h" in closed and "`closed-demo-001`" in closed
    assert demo_store.get("local", "demo-001") == before  # untouched
    mine = demo_store.get("local", "closed-demo-001")
    assert mine is not None and mine.actual_hours == 2 and mine.origin == "tracked"


async def test_closing_never_overwrites_an_imported_project_even_with_the_prefix(
    harness, clock, demo_store, tmp_path
) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "id,title,summary,actual_hours\n"
        "acme-shop,Acme shop,Imported web shop,320\n"
        "closed-acme-shop,Old shop,Another imported shop,100\n",
        encoding="utf-8",
    )
    assert "Imported 2 of 2" in (await harness.say(f"/projects import {history}")).text
    await add_project(harness, 'name="Acme shop"')
    closed = (await harness.say("/projects close acme-shop 2")).text
    assert "`closed-acme-shop-2`" in closed
    assert demo_store.get("local", "acme-shop").actual_hours == 320
    assert demo_store.get("local", "closed-acme-shop").actual_hours == 100
    assert demo_store.get("local", "closed-acme-shop-2").actual_hours == 2
    # An import can't overwrite the closed one by accident either.
    again = tmp_path / "again.csv"
    again.write_text("id,title,summary,actual_hours\nclosed-acme-shop-2,X,Y,5\n", encoding="utf-8")
    refused = (await harness.say(f"/projects import {again}")).text
    assert "closed in Atelier" in refused
    assert demo_store.get("local", "closed-acme-shop-2").actual_hours == 2


# --- implausible hours: refused or confirmed, the same rules everywhere ---------------------


async def test_close_far_beyond_the_estimate_asks_for_a_confirmation(
    harness, clock, demo_store
) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=80")
    impossible = await harness.say("/projects close acme 99999")
    assert "Nothing was closed" in impossible.text and "limit is 20,000 h" in impossible.text
    assert impossible.refused and not impossible.buttons
    unusual = await harness.say("/projects close acme 900")
    assert "Nothing was closed yet" in unusual.text and "11× the estimate of 80 h" in unusual.text
    assert unusual.refused and demo_store.get("local", "closed-acme") is None
    assert "Logged" in (await harness.say("/log acme done: still open, 1h")).text  # still active
    done = await harness.press(unusual.buttons[0])
    assert "Closed **Acme** at 900 h" in done.text
    assert demo_store.get("local", "closed-acme").actual_hours == 900
    stale = await harness.press(unusual.buttons[0])
    assert "not active any more" in stale.text


async def test_close_with_confirm_typed_and_negative_hours_refused(harness, clock, demo_store):
    await add_project(harness, "name=Acme aliases=acme estimate=80")
    assert "negative" in (await harness.say("/projects close acme -3h")).text
    confirmed = await harness.say("/projects close acme 900 confirm")
    assert "Closed **Acme** at 900 h" in confirmed.text


async def test_a_summed_log_is_checked_like_a_given_figure(harness, clock, demo_store) -> None:
    await add_project(harness, "name=Acme aliases=acme estimate=2")
    for _ in range(3):
        await harness.say("/log acme done: a long week 40h")
    answer = (await harness.say("/projects close acme")).text
    assert "120 h is 60× the estimate of 2 h" in answer

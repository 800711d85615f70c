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

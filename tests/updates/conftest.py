"""Fixtures for client updates: a fixed clock and a helper that adds active projects."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.messages import Reply

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


class Clock:
    """A clock the test moves by hand."""

    def __init__(self, now: dt.datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock(bot) -> Clock:
    fixed = Clock()
    bot.services.clock = fixed
    return fixed


async def add_project(harness, args: str) -> Reply:
    """`/projects add key=value …` typed in the console."""
    answer = await harness.say(f"/projects add {args}")
    assert answer.text.startswith("Added"), answer.text
    return answer

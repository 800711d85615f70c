"""Fixtures for client updates: a fixed clock and a helper that adds active projects."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.messages import Reply, Request
from bot.skills.active_projects import handle_subcommand

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
def clock(bot) -> Clock:  # type: ignore[no-untyped-def]
    fixed = Clock()
    bot.services.clock = fixed
    return fixed


async def add_project(harness, args: str, user: str = "alice") -> Reply:  # type: ignore[no-untyped-def]
    """`/projects add key=value …` through the sub-command entry the /projects command uses."""
    request = Request(
        tenant=harness.adapter.tenant,
        user_id=user,
        user_name=user,
        channel_id="console",
        command="projects",
        text=f"add {args}",
    )
    return await handle_subcommand("add", args, request, harness.bot.services)

"""A workspace with three projects and two people's entries across a week's boundaries.

All times are UTC; the week under test is Monday 30 Nov to Sunday 6 Dec 2026.

==========  ========  =======  =====  ==========================================
when (UTC)  who       project  hours  note
==========  ========  =======  =====  ==========================================
Sun 29 23:30 alice    acme     1      Monday 00:30 in Berlin: this week there
Mon 30 10:00 alice    acme     2.5
Tue 01 09:00 bob      acme     1      `nb:` — not billable
Tue 01 11:00 alice    beta     —      no hours: not counted
Wed 02 14:00 alice    beta     3
Wed 02 15:00 bob      beta     7      deleted: not counted
Thu 03 16:00 bob      gamma    4      EUR
Sun 06 23:30 bob      beta     0.5    Monday 00:30 in Berlin: next week there
==========  ========  =======  =====  ==========================================

Rates: acme 120 USD/h (its own), beta 100 USD/h (the workspace default), gamma 80 EUR/h.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator

import pytest

from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from tests.conftest import Harness
from tests.updates.conftest import Clock

UTC = dt.UTC


def at(day: int, hour: int, minute: int = 0) -> dt.datetime:
    month = 11 if day > 20 else 12
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


ENTRIES = (
    (at(29, 23, 30), "alice", "acme", "done: login page, 1h"),
    (at(30, 10), "alice", "acme", "done: checkout flow, 2h30"),
    (at(1, 9), "bob", "acme", "nb: done: internal demo for the team, 1h"),
    (at(1, 11), "alice", "beta", "next: newsletter signup"),
    (at(2, 14), "alice", "beta", "done: homepage, 3h"),
    (at(2, 15), "bob", "beta", "done: typo in hours, 7h"),
    (at(3, 16), "bob", "gamma", "done: payments API, 4h"),
    (at(6, 23, 30), "bob", "beta", "done: footer links, 30m"),
)


async def build_workspace(bot: Bot) -> tuple[Harness, Clock]:
    clock = Clock(at(28, 9))
    bot.services.clock = clock
    alice = Harness(bot, "alice")
    for args in (
        'name="Acme web shop" aliases=acme rate=120',
        'name="Beta portal" aliases=beta',
        'name="Gamma app" aliases=gamma rate=80 currency=EUR',
    ):
        added = await alice.say(f"/projects add {args}")
        assert added.text.startswith("Added"), added.text
    for when, who, project, text in ENTRIES:
        clock.now = when
        logged = await alice.as_user(who).say(f"/log {project} {text}")
        assert logged.text.startswith("Logged"), logged.text
        if "typo" in text:
            number = logged.text.split("#")[1].split()[0]
            deleted = await alice.as_user(who).say(f"/log delete {number}")
            assert deleted.text.startswith("Deleted"), deleted.text
    clock.now = at(4, 12)  # Friday of the week under test
    return alice, clock


@pytest.fixture
async def workspace(bot: Bot) -> tuple[Harness, Clock]:
    return await build_workspace(bot)


@pytest.fixture
async def berlin_bot(settings: Settings) -> AsyncIterator[Bot]:
    instance = Bot(build_services(settings.model_copy(update={"digest_timezone": "Europe/Berlin"})))
    await instance.start()
    yield instance
    await instance.close()

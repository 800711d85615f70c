"""Time summaries checked against totals worked out by hand (see conftest's table)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.core import Bot
from bot.errors import InvalidInput
from bot.logparse import parse_entry
from bot.messages import Access, Request, Table, Visibility
from bot.router import not_a_brief
from bot.timesheet import parse_period
from tests.conftest import Harness
from tests.timesheet.conftest import build_workspace

TODAY = dt.date(2026, 12, 4)  # a Friday


def _table(reply, caption: str) -> dict[str, tuple[str, ...]]:
    table = next(b for b in reply.blocks if isinstance(b, Table) and b.caption == caption)
    return {row[0]: row[1:] for row in table.rows}


async def test_this_week_in_utc(workspace: tuple[Harness, object]) -> None:
    alice, _clock = workspace
    reply = await alice.say("/log summary week")
    assert reply.visibility is Visibility.EPHEMERAL
    assert "30 Nov – 06 Dec 2026 (this week)" in reply.text
    # acme: 2.5 billable + 1 nb at 120; beta: 3 + 0.5 at 100 (workspace rate); gamma: 4 at 80 EUR.
    assert _table(reply, "Per project") == {
        "Acme web shop": ("3.5", "2.5", "$120.00/h", "$300.00"),
        "Beta portal": ("3.5", "3.5", "$100.00/h", "$350.00"),
        "Gamma app": ("4", "4", "€80.00/h", "€320.00"),
    }
    assert _table(reply, "Per person") == {
        "alice": ("5.5", "5.5", "$600.00"),
        "bob": ("5.5", "4.5", "€320.00 + $50.00"),
    }
    assert "Total: 11 h**, 10 h billable (1 h non-billable)" in reply.text
    assert "€320.00 + $650.00" in reply.text


async def test_days_are_the_workspaces_days(berlin_bot: Bot) -> None:
    alice, _clock = await build_workspace(berlin_bot)
    reply = await alice.say("/log summary this week")
    # Sun 23:30 UTC is Monday in Berlin (in); Sun 6 Dec 23:30 UTC is next Monday there (out).
    assert _table(reply, "Per project") == {
        "Acme web shop": ("4.5", "3.5", "$120.00/h", "$420.00"),
        "Gamma app": ("4", "4", "€80.00/h", "€320.00"),
        "Beta portal": ("3", "3", "$100.00/h", "$300.00"),
    }
    assert _table(reply, "Per person") == {
        "alice": ("6.5", "6.5", "$720.00"),
        "bob": ("5", "4", "€320.00"),
    }
    assert "Days in Europe/Berlin" in reply.text


async def test_period_boundaries_and_one_project(workspace: tuple[Harness, object]) -> None:
    alice, _clock = workspace
    last_week = await alice.say("/log summary last week")
    assert _table(last_week, "Per project") == {
        "Acme web shop": ("1", "1", "$120.00/h", "$120.00")
    }
    november = await alice.say("/log summary 2026-11-01..2026-11-30")
    assert _table(november, "Per project") == {
        "Acme web shop": ("3.5", "3.5", "$120.00/h", "$420.00")
    }
    one_day = await alice.say("/log summary 2026-12-06 beta")
    assert _table(one_day, "Per project") == {
        "Beta portal": ("0.5", "0.5", "$100.00/h", "$50.00")
    }
    acme = await alice.say("/log summary acme 1 nov..15 dec")
    assert _table(acme, "Per project") == {
        "Acme web shop": ("4.5", "3.5", "$120.00/h", "$420.00")
    }
    month = await alice.say("/log summary month")
    # December only: not the two November days (29 Nov 1 h, 30 Nov 2.5 h).
    assert "Total: 8.5 h**, 7.5 h billable" in month.text


async def test_nothing_logged_and_bad_periods(workspace: tuple[Harness, object]) -> None:
    alice, _clock = workspace
    empty = await alice.say("/log summary 2025-01-01..2025-01-31")
    assert "No hours logged in that period" in empty.text and not empty.refused
    backwards = await alice.say("/log summary 2026-12-10..2026-12-01")
    assert backwards.refused and "before it starts" in backwards.text
    unknown = await alice.say("/log summary zeta")
    assert unknown.refused and "I don't know a project called “zeta”" in unknown.text
    broken = await alice.say("/log summary 2026-12-01..soon")
    assert broken.refused and "as a period" in broken.text


async def test_editing_an_entry_to_non_billable_changes_the_totals(
    workspace: tuple[Harness, object],
) -> None:
    alice, _clock = workspace
    edited = await alice.say("/log edit 5 done: homepage, 3h #nb")
    assert "non-billable" in edited.text, edited.text
    reply = await alice.say("/log summary week beta")
    assert _table(reply, "Per project") == {
        "Beta portal": ("3.5", "0.5", "$100.00/h", "$50.00")
    }


@pytest.mark.parametrize(
    "line",
    [
        "how many hours have I logged this week?",
        "how many hours this week?",
        "<@U0BOT> billable hours this week?",
        "/scope how many hours this week?",
    ],
)
async def test_questions_about_a_periods_hours_get_the_summary(
    workspace: tuple[Harness, object], line: str
) -> None:
    alice, _clock = workspace
    reply = await alice.say(line)
    assert "Total: 11 h**" in reply.text, reply.text
    assert "p50" not in reply.text.lower() and "estimate" not in reply.text.lower()


async def test_summary_in_a_shared_channel_stays_private(
    bot: Bot, workspace: tuple[Harness, object]
) -> None:
    shared = Access(shared_channel=True, private_in_place=False)
    request = Request(
        tenant="local",
        user_id="alice",
        channel_id="C-SHARED",
        text="how many hours this week?",
        platform="console",
        access=shared,
    )
    reply = await bot.handle(request)
    assert reply is not None and reply.visibility is Visibility.DM, reply
    assert "Total: 11 h" in reply.text


@pytest.mark.parametrize(
    ("text", "billable"),
    [
        ("nb: done: call with the designer, 1h", False),
        ("done: nb: checkout, 2h", False),
        ("done: checkout #nb 2h", False),
        ("done: research (non-billable), 2h", False),
        ("non-billable: research, 3h", False),
        ("done: checkout, 2h", True),
        ("done: discussed billable hours with the client, 1h", True),
        ("internal: nb: client pays late", False),
    ],
)
def test_non_billable_marks(text: str, billable: bool) -> None:
    parsed = parse_entry(text)
    assert parsed.billable is billable
    assert "nb:" not in parsed.text and "#nb" not in parsed.text


@pytest.mark.parametrize(
    ("text", "start", "end", "rest"),
    [
        ("", "2026-11-30", "2026-12-06", ""),
        ("week", "2026-11-30", "2026-12-06", ""),
        ("last week acme", "2026-11-23", "2026-11-29", "acme"),
        ("acme shop last month", "2026-11-01", "2026-11-30", "acme shop"),
        ("month", "2026-12-01", "2026-12-31", ""),
        ("2026-11-01..2026-11-15 acme", "2026-11-01", "2026-11-15", "acme"),
        ("3 nov to 7 nov", "2026-11-03", "2026-11-07", ""),
        ("acme to go", "2026-11-30", "2026-12-06", "acme to go"),
        ("yesterday", "2026-12-03", "2026-12-03", ""),
        ("last year acme", "2025-01-01", "2025-12-31", "acme"),
    ],
)
def test_periods(text: str, start: str, end: str, rest: str) -> None:
    period, left = parse_period(text, TODAY)
    assert (str(period.start), str(period.end), left) == (start, end, rest)


def test_a_period_of_many_years_is_refused() -> None:
    with pytest.raises(InvalidInput, match="three years"):
        parse_period("2010-01-01..2026-01-01", TODAY)


@pytest.mark.parametrize(
    ("text", "argument"),
    [
        ("how many hours did we log last month on acme?", "summary last month acme"),
        ("billable hours this month?", "summary this month"),
        ("hours this week", "summary this week"),
        ("timesheet last month", "summary last month"),
    ],
)
def test_the_router_sends_period_questions_to_the_summary(text: str, argument: str) -> None:
    found = not_a_brief(text)
    assert found is not None and (found.command, found.text) == ("log", argument)


def test_briefs_with_a_period_stay_briefs() -> None:
    assert not_a_brief("how many hours would a Shopify store take this month?") is None

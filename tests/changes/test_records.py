"""Decisions on change requests: one transaction, once; what they add up to."""

from __future__ import annotations

import asyncio
import datetime as dt

import pytest

from bot.changes.records import (
    StaleChange,
    create_change,
    decide,
    extras_text,
    project_changes,
    summarise,
)
from state import ActiveProject
from tests.changes.conftest import add_acme
from tests.conftest import Harness

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


async def new_change(harness: Harness, hours: float, price: float, **extra):
    return await create_change(
        harness.bot.services.db,
        tenant="local",
        project_id="acme-coffee-shop",
        requester_id="alice",
        requester_name="alice",
        text="a loyalty points program",
        verdict="extra",
        reason="Extra: …",
        hours=hours,
        price=price,
        currency="EUR",
        created_at=NOW,
        **extra,
    )


async def acme(harness: Harness) -> ActiveProject:
    async with harness.bot.services.db.sessions() as session:
        found = await session.get(ActiveProject, ("local", "acme-coffee-shop"))
        assert found is not None
        return found


async def test_approving_raises_estimate_budget_and_due_date_together(harness: Harness) -> None:
    await add_acme(harness)
    change = await new_change(harness, 14, 1260, new_due_date=dt.date(2027, 1, 20))
    decided = await decide(harness.bot.services.db, "local", change.id, "approved", "alice", NOW)
    assert decided.effect["estimate_hours"] == [120, 134]
    assert decided.effect["budget"] == [10800, 12060]
    assert decided.effect["due_date"] == ["2027-01-15", "2027-01-20"]
    project = await acme(harness)
    assert (project.estimate_hours, project.budget) == (134, 12060)
    assert project.due_date == dt.date(2027, 1, 20)
    assert decided.change.status == "approved" and decided.change.decided_by == "alice"


async def test_declined_and_absorbed_are_recorded_and_leave_the_project_alone(
    harness: Harness,
) -> None:
    await add_acme(harness)
    declined = await new_change(harness, 5, 450)
    absorbed = await new_change(harness, 3, 270)
    db = harness.bot.services.db
    await decide(db, "local", declined.id, "declined", "alice", NOW)
    await decide(db, "local", absorbed.id, "absorbed", "alice", NOW)
    project = await acme(harness)
    assert (project.estimate_hours, project.budget) == (120, 10800)
    summary = summarise(await project_changes(db, "local", "acme-coffee-shop"))
    assert (summary.approved, summary.declined, summary.absorbed) == (0, 1, 1)
    assert summary.absorbed_hours == 3


async def test_two_racing_approvals_apply_once(harness: Harness) -> None:
    await add_acme(harness)
    change = await new_change(harness, 14, 1260)
    db = harness.bot.services.db
    results = await asyncio.gather(
        decide(db, "local", change.id, "approved", "alice", NOW),
        decide(db, "local", change.id, "approved", "alice", NOW),
        return_exceptions=True,
    )
    assert sum(isinstance(r, StaleChange) for r in results) == 1
    assert (await acme(harness)).estimate_hours == 134


async def test_other_tenants_and_decided_changes_are_refused(harness: Harness) -> None:
    await add_acme(harness)
    change = await new_change(harness, 14, 1260)
    db = harness.bot.services.db
    with pytest.raises(StaleChange, match="can't find"):
        await decide(db, "elsewhere", change.id, "approved", "alice", NOW)
    await decide(db, "local", change.id, "declined", "alice", NOW)
    with pytest.raises(StaleChange, match="already declined"):
        await decide(db, "local", change.id, "approved", "alice", NOW)


async def test_the_running_extras_in_a_table_cell(harness: Harness) -> None:
    await add_acme(harness)
    db = harness.bot.services.db
    for hours in (10, 4):
        change = await new_change(harness, hours, hours * 90)
        await decide(db, "local", change.id, "approved", "alice", NOW)
    await new_change(harness, 6, 540)
    changes = await project_changes(db, "local", "acme-coffee-shop")
    assert extras_text(changes) == "2 approved (+14 h), 1 open"
    assert extras_text([]) == "—"


async def test_the_new_due_date_counts_from_the_due_date_as_it_is_now(harness: Harness) -> None:
    await add_acme(harness)  # due 15 Jan 2027
    db = harness.bot.services.db
    first = await new_change(harness, 14, 1260, effect={"weeks": 1.0})
    second = await new_change(harness, 7, 630, effect={"weeks": 0.5})
    await decide(db, "local", first.id, "approved", "alice", NOW)
    assert (await acme(harness)).due_date == dt.date(2027, 1, 22)
    decided = await decide(db, "local", second.id, "approved", "alice", NOW)
    assert decided.effect["due_date"] == ["2027-01-22", "2027-01-26"]
    assert (await acme(harness)).due_date == dt.date(2027, 1, 26)

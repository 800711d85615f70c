"""Every `/scope` answer with an estimate is kept (its :class:`ScopeRun`) before it is returned,
with the figures it shows, so its buttons work the moment they can be pressed: for a detailed
brief (written on its own) and for a thin one (written with the read of earlier vague asks)."""

from __future__ import annotations

from sqlalchemy import select

from bot.messages import Reply
from state import ScopeRun
from tests.conftest import Harness

DETAILED = "/scope Shopify store with a custom theme for a tea shop, at €90/h"


async def _kept(harness: Harness, reply: Reply) -> ScopeRun:
    save = next(b for b in reply.buttons if b.action_id == "scope:save")
    async with harness.bot.services.db.sessions() as session:
        row = await session.scalar(select(ScopeRun).where(ScopeRun.id == save.value))
    assert row is not None, "the answer was returned before it was kept"
    return row


def _assert_matches(row: ScopeRun, reply: Reply, user_id: str) -> None:
    facts = reply.facts
    estimate = facts["estimate"]
    assert (row.tenant, row.user_id, row.brief) == ("local", user_id, facts["brief"])
    assert (row.p10_hours, row.p50_hours, row.p90_hours) == (
        estimate["p10_hours"],
        estimate["p50_hours"],
        estimate["p90_hours"],
    )
    assert (row.rate, row.currency) == (facts["rate"], facts["currency"])
    assert row.analogue_ids == [a["id"] for a in facts["analogues"]]
    assert row.shown == len(facts["analogues"]) > 0
    assert row.created_at is not None  # retention drops old runs by it


async def test_a_detailed_brief_is_kept_with_its_figures(scope_harness: Harness):
    reply = await scope_harness.say(DETAILED)
    row = await _kept(scope_harness, reply)
    _assert_matches(row, reply, "alice")
    assert (row.rate, row.currency) == (90.0, "EUR")
    saved = await scope_harness.press(next(b for b in reply.buttons if b.action_id == "scope:save"))
    assert f"Saved as estimate `{row.id}`" in saved.text


async def test_a_thin_brief_asked_again_is_kept_with_its_widened_band(scope_harness: Harness):
    first = await scope_harness.say("/scope a store")
    assert "too vague to size" in first.text and not first.buttons
    again = await scope_harness.say("/scope a store")
    assert again.facts["has_estimate"], again.text
    row = await _kept(scope_harness, again)
    _assert_matches(row, again, "alice")
    more = await scope_harness.press(next(b for b in again.buttons if b.action_id == "scope:more"))
    assert more.text

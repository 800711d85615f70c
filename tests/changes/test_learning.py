"""Closing keeps the history of changes; /scope reports how much similar projects grew."""

from __future__ import annotations

from bot.changes.learning import growth_note
from knowledge.models import ChangeHistory, PastProject
from tests.changes.conftest import add_acme, button
from tests.conftest import Harness


def past(pid: str, changes: ChangeHistory | None) -> PastProject:
    return PastProject(id=pid, title=pid, summary="a shop", actual_hours=100, changes=changes)


def test_growth_is_the_approved_hours_over_the_agreed_estimates() -> None:
    grown = ChangeHistory(approved=2, approved_hours=14, base_hours=100)
    flat = ChangeHistory(base_hours=40)
    note = growth_note([past("a", grown), past("b", flat), past("c", None)])
    assert note is not None and "grew by 10%" in note  # 14 h over 140 h agreed
    assert "2 of the 3 similar past projects" in note and "+14 h" in note
    assert growth_note([past("c", None)]) is None
    assert "did not grow" in (growth_note([past("b", flat)]) or "")


async def test_a_closed_project_keeps_its_changes_and_scope_reports_the_growth(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    judged = await harness.say("/change acme a loyalty points program ~12h")
    await harness.press(button(judged, "Client approved"))
    declined = await harness.say("/change acme a gift card feature ~5h")
    await harness.press(button(declined, "Declined"))
    await harness.say("/log acme done: everything 130h")
    closed = await harness.say("/projects close acme")
    assert "Closed" in closed.text, closed.text

    [kept] = [p for p in demo_store.list("local") if p.id.startswith("closed-")]
    assert kept.changes is not None
    assert (kept.changes.approved, kept.changes.declined) == (1, 1)
    hours = kept.changes.approved_hours
    assert kept.changes.base_hours == 120 and kept.estimated_hours == 120 + hours

    answer = await harness.say(
        "/scope Shopify store with a custom theme for a coffee roaster: product pages with "
        "grind options, a subscription app, a wholesale price list and a brew guide blog"
    )
    assert "through change requests" in answer.text, answer.text
    assert f"+{hours:g} h" in answer.text

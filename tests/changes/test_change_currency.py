"""Change requests price through the one pricing rule, and a price is added to a budget only
in the budget's currency: a change on a project whose budget is in another currency than the
rate it would be priced at gets hours, no price, and a clear way to price it."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import update

from bot.changes.records import CurrencyMismatch, create_change, decide, project_changes, summarise
from bot.skills.changes import changes_line
from state import ActiveProject, ChangeRequest
from tests.changes.conftest import add_acme, button, field
from tests.conftest import Harness

NOW = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
SUMMARY = (
    'summary="Shopify store with a custom theme for a coffee roaster: product pages and a brew '
    'guide blog."'
)


async def project(harness: Harness, project_id: str) -> ActiveProject:
    async with harness.bot.services.db.sessions() as session:
        found = await session.get(ActiveProject, ("local", project_id))
        assert found is not None
        return found


async def workspace_moves_to_euros(harness: Harness) -> None:
    moved = await harness.say("/scope rate 120 EUR")
    assert "€120" in moved.text, moved.text


async def test_a_change_order_on_a_project_without_its_own_rate_is_in_the_workspaces_currency(
    harness: Harness, clock, demo_store
) -> None:
    # Added while the workspace priced in dollars; no rate and no budget of its own.
    await add_acme(harness, f'name="Beta shop" aliases=beta estimate=40 due=2027-01-15 {SUMMARY}')
    assert (await project(harness, "beta-shop")).currency == "USD"
    await workspace_moves_to_euros(harness)

    judged = await harness.say("/change beta a loyalty points program")
    hours = float(field(judged, "Hours").split(" h")[0])
    price = field(judged, "Price")
    assert price.startswith("€") and "$" not in price, price
    assert judged.facts["currency"] == "EUR"
    assert judged.facts["price"] == round(hours * 120, 2)

    draft = await harness.press(button(judged, "Draft change order"))
    client = draft.blocks[1].text  # type: ignore[union-attr]
    assert "- Price: €" in client and "$" not in client

    repriced = await harness.say(f"/change hours {judged.facts['change_id']} 5")
    assert "5 h, €600" in repriced.text


async def test_a_budget_in_another_currency_is_never_raised_by_a_price_in_euros(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(
        harness,
        f'name="Beta shop" aliases=beta estimate=40 budget=5000 due=2027-01-15 {SUMMARY}',
    )
    await workspace_moves_to_euros(harness)

    judged = await harness.say("/change beta a loyalty points program")
    change_id = judged.facts["change_id"]
    assert judged.facts["hours"] is not None and judged.facts["price"] is None
    with pytest.raises(AssertionError):
        field(judged, "Price")
    assert "No price yet" in judged.text and f"/change hours {change_id}" in judged.text
    assert "USD/h" in judged.text
    assert not any(b.label.startswith("Draft change order") for b in judged.buttons)

    drafted = await harness.say(f"/change draft {change_id}")
    assert drafted.refused and "never add EUR to a USD budget" in drafted.text
    approved = await harness.say(f"/change approve {change_id}")
    assert approved.refused and "never add two currencies" in approved.text
    assert "Nothing was changed" in approved.text
    assert (await project(harness, "beta-shop")).budget == 5000

    at_workspace_rate = await harness.say(f"/change hours {change_id} 6")
    assert at_workspace_rate.refused and "€120/h" in at_workspace_rate.text
    in_euros = await harness.say(f"/change hours {change_id} 6 at 130 EUR/h")
    assert in_euros.refused and "the rate you gave" in in_euros.text
    bad = await harness.say(f"/change hours {change_id} 6 at lots")
    assert bad.refused and "Nothing was changed" in bad.text

    priced = await harness.say(f"/change hours {change_id} 6 at 130 USD/h")
    assert not priced.refused and "6 h, $780" in priced.text
    assert priced.facts["currency"] == "USD" and priced.facts["price"] == 780
    draft = await harness.press(button(priced, "Draft change order"))
    assert "- Price: $780" in draft.blocks[1].text  # type: ignore[union-attr]
    decided = await harness.say(f"/change approve {change_id}")
    assert "budget $5,000 → $5,780" in decided.text
    assert (await project(harness, "beta-shop")).budget == 5780


async def test_a_project_with_its_own_rate_keeps_its_currency_when_the_workspace_moves(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(
        harness,
        f'name="Beta shop" aliases=beta estimate=40 budget=5000 rate=90 due=2027-01-15 {SUMMARY}',
    )
    await workspace_moves_to_euros(harness)
    judged = await harness.say("/change beta a loyalty points program")
    assert judged.facts["currency"] == "USD"
    assert judged.facts["price"] == round(judged.facts["hours"] * 90, 2)
    decided = await harness.say(f"/change approve {judged.facts['change_id']}")
    assert "budget $5,000 →" in decided.text and not decided.refused


async def test_a_recorded_change_in_another_currency_never_raises_the_budget(
    harness: Harness,
) -> None:
    await add_acme(harness)  # a budget of €10,800
    db = harness.bot.services.db
    values = dict(
        tenant="local", project_id="acme-coffee-shop", requester_id="alice",
        requester_name="alice", text="a loyalty points program", verdict="extra",
        reason="Extra: …", created_at=NOW,
    )
    dollars = await create_change(db, hours=3, price=300, currency="USD", **values)
    with pytest.raises(CurrencyMismatch, match="priced in USD but the budget"):
        await decide(db, "local", dollars.id, "approved", "alice", NOW)
    assert (await project(harness, "acme-coffee-shop")).budget == 10800
    # Declining or absorbing it touches no budget, so it is recorded.
    await decide(db, "local", dollars.id, "absorbed", "alice", NOW)


async def test_approved_prices_in_two_currencies_are_listed_apart_never_added(
    harness: Harness,
) -> None:
    await add_acme(harness)
    db = harness.bot.services.db
    values = dict(
        tenant="local", project_id="acme-coffee-shop", requester_id="alice",
        requester_name="alice", text="an extra page", verdict="extra", reason="Extra: …",
        created_at=NOW,
    )
    for price, currency in ((1260, "EUR"), (300, "USD"), (90, "EUR")):
        change = await create_change(db, hours=2, price=price, currency=currency, **values)
        async with db.transaction() as session:
            await session.execute(
                update(ChangeRequest).where(ChangeRequest.id == change.id).values(status="approved")
            )
    summary = summarise(await project_changes(db, "local", "acme-coffee-shop"), "EUR")
    assert summary.approved_price == 1350 and summary.other_prices == (("USD", 300),)
    assert changes_line(summary) == "3 approved changes, +6 h, +€1,350, +$300"


async def test_an_update_lists_approved_changes_in_two_currencies_apart(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness, f'name="Beta shop" aliases=beta estimate=40 due=2027-01-15 {SUMMARY}')
    dollars = await harness.say("/change beta a loyalty points program")
    await harness.say(f"/change hours {dollars.facts['change_id']} 2")  # $200 at the default
    await harness.say(f"/change approve {dollars.facts['change_id']}")
    await workspace_moves_to_euros(harness)
    euros = await harness.say("/change beta one more design revision round")
    await harness.say(f"/change hours {euros.facts['change_id']} 3")  # €360
    await harness.say(f"/change approve {euros.facts['change_id']}")

    listed = await harness.say("/change list beta")
    assert "2 approved changes, +5 h, +$200, +€360" in listed.text
    await harness.say("/log beta done: product pages 3h")
    update = await harness.say("/update beta")
    assert "Changes: 2 approved changes, +5 h, +$200, +€360" in update.text

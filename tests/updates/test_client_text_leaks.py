"""End to end through the console adapter: what a studio logs for itself never reaches the
client's draft, nor what is posted to the client's channel."""

from __future__ import annotations

from bot.drafts import audit_rows
from bot.mentions import can_ping
from tests.updates.conftest import add_project
from tests.updates.test_update_flow import ACME, button, client_text

ENTRY = "done: checkout, 2h\ninternal: client pays late, margin 30%\nnext: payment page"
SECRETS = ("pays late", "margin", "30%")


async def test_a_multi_line_entry_keeps_its_internal_line_out_of_draft_and_post(
    harness, clock
) -> None:
    await add_project(harness, ACME)
    logged = await harness.say(f"/log acme {ENTRY}")
    assert logged.text.startswith("Logged #") and "3 lines: done, 2 h; " in logged.text
    assert "internal: never in client updates; next" in logged.text

    draft = await harness.say("/update acme")
    text = client_text(draft)
    assert "Checkout" in text and "Payment page" in text
    for secret in SECRETS:
        assert secret not in text, secret
    assert "Left out (internal, #1 line 2)" in draft.text  # in the private notes, for the studio

    approved = await harness.press(button(draft, "Approve"))
    posted = await harness.press(button(approved, "Post to client channel"))
    assert posted.channel_id == "C0CLIENT" and "Payment page" in posted.text
    for secret in SECRETS:
        assert secret not in posted.text, secret
    (row,) = await audit_rows(harness.bot.services.db, "local")
    assert row.text == posted.text


async def test_disguised_markers_rates_pings_and_other_clients_stay_out(harness, clock) -> None:
    await add_project(harness, ACME)
    await add_project(harness, 'name="Nordlys site" client="Nordlys AS" aliases=nordlys')
    lines = [
        "\ufeff**Internal:** they pay late",
        "done: checkout (internal: the client pays late)",
        "done: reused the Nordlys theme for the cart",
        "note: €95∕h from January",
        "done: ｉｎｔｅｒｎａｌ： they pay late",
        "next: launch @channel <!here>",
    ]
    for line in lines:
        assert (await harness.say(f"/log acme {line}")).text.startswith("Logged #")
    draft = await harness.say("/update acme")
    text = client_text(draft)
    assert "Checkout" in text and "Launch" in text
    for secret in ("pay late", "pays late", "Nordlys", "95", "internal"):
        assert secret not in text, secret
    assert not can_ping(text)
    notes = draft.text[draft.text.index("Private notes") :]
    assert "names another client" in notes and "mentions rates or margins" in notes


async def test_past_projects_clients_are_withheld_too(harness, clock, demo_store) -> None:
    await add_project(harness, ACME)
    await harness.say("/log acme done: same theme as Northwind Roasters")
    await harness.say("/log acme done: product page")
    draft = await harness.say("/update acme")
    text = client_text(draft)
    assert "Product page" in text and "Northwind" not in text
    assert "names another client, #1" in draft.text


async def test_an_unavailable_knowledge_store_is_said_not_ignored(harness, clock) -> None:
    def down() -> None:
        raise RuntimeError("the store is down")

    harness.bot.services.knowledge_factory = down
    await add_project(harness, ACME)
    await harness.say("/log acme done: product page")
    draft = await harness.say("/update acme")
    assert "Product page" in client_text(draft)
    assert "Past projects' client names could not be checked" in draft.text


async def test_an_approved_text_is_judged_again_before_it_is_posted(harness, clock) -> None:
    await add_project(harness, ACME)
    await harness.say("/log acme done: payments with Stripe")
    draft = await harness.say("/update acme")
    approved = await harness.press(button(draft, "Approve"))
    # Since the approval, Stripe became a client of the studio too.
    await add_project(harness, 'name="Payments site" client="Stripe" aliases=pay')
    refused = await harness.press(button(approved, "Post to client channel"))
    assert "nothing was posted" in refused.text and "names another client" in refused.text
    assert refused.channel_id is None
    assert await audit_rows(harness.bot.services.db, "local") == []

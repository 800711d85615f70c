"""Change requests end to end through the console: judged, priced, drafted, decided, and
visible in /update and /projects active. Only the requester acts; stale buttons do nothing."""

from __future__ import annotations

from sqlalchemy import select

from bot.drafts import audit_rows
from bot.messages import DeliveryOutcome, Reply
from state import ActiveProject, ChangeRequest, Draft
from tests.changes.conftest import add_acme, button, field
from tests.conftest import Harness


async def project(harness: Harness) -> ActiveProject:
    async with harness.bot.services.db.sessions() as session:
        found = await session.get(ActiveProject, ("local", "acme-coffee-shop"))
        assert found is not None
        return found


async def changes(harness: Harness) -> list[ChangeRequest]:
    async with harness.bot.services.db.sessions() as session:
        return list((await session.execute(select(ChangeRequest))).scalars())


class Channel:
    def __init__(self) -> None:
        self.posted: list[Reply] = []

    async def __call__(self, channel_id: str, reply: Reply) -> DeliveryOutcome:
        self.posted.append(reply)
        return DeliveryOutcome.ok(channel_id, "m1", f"https://chat.example/{channel_id}/m1")


async def test_an_extra_is_priced_drafted_approved_and_raises_the_project(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    judged = await harness.say("/change acme a loyalty points program")
    assert field(judged, "Verdict") == "Extra"
    assert "Extra: nothing in the agreed scope covers it" in judged.text
    assert "” (brief)" in judged.text
    hours = float(field(judged, "Hours").split(" h")[0])
    assert "band" in field(judged, "Hours") and "€" in field(judged, "Price")
    assert "due 15 Jan →" in field(judged, "Delivery")
    # The analogues are pieces of past work from the studio's history (private notes).
    assert "phase of" in judged.text

    draft = await harness.press(button(judged, "Draft change order"))
    assert draft.visibility == "dm" and "only you can see this" in draft.text
    client = draft.blocks[1].text  # type: ignore[union-attr]
    assert "a loyalty points program" in client and f"{hours:g} h" in client
    assert "confirm" in client and "won't start" in client
    assert "phase of" not in client and "/h" not in client  # no analogues, no rate

    approved = await harness.press(button(draft, "Approve"))
    assert "Approved change order" in approved.text
    channel = Channel()
    harness.adapter.post_to_channel = channel
    await harness.press(button(approved, "Post to client channel"))
    assert len(channel.posted) == 1 and "loyalty points" in channel.posted[0].text
    rows = await audit_rows(harness.bot.services.db, "local")
    assert len(rows) == 1 and rows[0].message_id == "m1"

    before = await project(harness)
    decided = await harness.press(button(approved, "Client approved"))
    assert "estimate 120 h →" in decided.text and "budget €10,800 →" in decided.text
    after = await project(harness)
    assert after.estimate_hours == before.estimate_hours + hours  # type: ignore[operator]
    assert after.budget == before.budget + hours * 90  # type: ignore[operator]
    assert after.due_date is not None and before.due_date is not None
    assert after.due_date > before.due_date

    # A second press of the same button changes nothing.
    again = await harness.press(button(approved, "Client approved"))
    assert again.refused and "already approved" in again.text
    assert (await project(harness)).estimate_hours == after.estimate_hours

    await harness.say("/log acme done: product pages 3h")
    update = await harness.say("/update acme")
    price = f"{hours * 90:,.2f}".removesuffix(".00")
    assert f"Changes: 1 approved change, +{hours:g} h, +€{price}" in update.text

    active = await harness.say("/projects active")
    assert f"1 approved (+{hours:g} h)" in active.text


async def test_decline_and_absorb_are_recorded_and_change_nothing(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    first = await harness.say("/change acme a gift card feature")
    second = await harness.say("/change acme one more revision round on the homepage")
    change_ids = [field(first, "Change id"), field(second, "Change id")]
    draft = await harness.press(button(first, "Draft change order"))

    declined = await harness.say(f"/change decline {change_ids[0]}")
    assert "declined" in declined.text and not declined.refused
    absorbed = await harness.press(button(second, "Absorb"))
    assert "absorbed" in absorbed.text

    assert (await project(harness)).estimate_hours == 120
    assert (await project(harness)).budget == 10800
    statuses = {c.id: c.status for c in await changes(harness)}
    assert statuses == {change_ids[0]: "declined", change_ids[1]: "absorbed"}
    # The declined change's draft can no longer be approved.
    stale = await harness.press(button(draft, "Approve"))
    assert stale.refused and "Nothing was changed" in stale.text
    listed = await harness.say("/change list acme")
    assert "declined" in listed.text and "absorbed" in listed.text


async def test_only_the_requester_decides_or_drafts(harness: Harness, clock, demo_store) -> None:
    await add_acme(harness)
    judged = await harness.say("/change acme a loyalty points program")
    bob = harness.as_user("bob")
    refused = await bob.press(button(judged, "Client approved"))
    assert refused.refused and "only the person who logged" in refused.text
    refused = await bob.press(button(judged, "Draft change order"))
    assert refused.refused
    draft = await harness.press(button(judged, "Draft change order"))
    refused = await bob.press(button(draft, "Approve"))
    assert refused.refused and "only the person who asked" in refused.text
    assert (await project(harness)).estimate_hours == 120
    async with harness.bot.services.db.sessions() as session:
        assert [d.status for d in (await session.execute(select(Draft))).scalars()] == ["draft"]


async def test_a_log_line_is_logged_and_offered_never_silently_judged(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    logged = await harness.say("/log acme client asked: a gift card feature")
    assert logged.text.startswith("Logged #1")
    assert await changes(harness) == []  # offered, not judged
    judged = await harness.press(button(logged, "Check against scope"))
    assert field(judged, "Verdict") == "Extra"
    [change] = await changes(harness)
    assert change.source == "log" and change.log_entry_id == 1
    again = await harness.press(button(logged, "Check against scope"))
    assert again.refused and change.id in again.text
    plain = await harness.say("/log acme done: homepage 2h")
    assert "Check against scope" not in plain.text


async def test_a_mention_names_the_project_at_the_end(harness: Harness, clock, demo_store) -> None:
    await add_acme(harness)
    judged = await harness.say("@Atelier the client wants a blog section on acme")
    assert field(judged, "Verdict") == "Included"
    assert "“a brew guide blog” (brief)" in judged.text


async def test_an_approved_change_becomes_part_of_the_agreed_scope(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    judged = await harness.say("/change acme a loyalty points program")
    await harness.press(button(judged, "Client approved"))
    again = await harness.say("/change acme the loyalty points program")
    assert field(again, "Verdict") == "Included"
    assert "approved)" in again.text


async def test_bad_input_gets_a_clear_answer(harness: Harness, clock, demo_store) -> None:
    await add_acme(harness)
    unknown = await harness.say("/change nowhere a blog")
    assert unknown.refused and "couldn't tell which active project" in unknown.text
    empty = await harness.say("/change acme")
    assert empty.refused and "What did the client ask for" in empty.text
    usage = await harness.say("/change")
    assert "Usage" in usage.text
    missing = await harness.say("/change approve cr000000")
    assert missing.refused and "can't find the change request" in missing.text
    await harness.say("/log acme done: everything 130h")
    closed = await harness.say("/projects close acme")
    assert "Closed" in closed.text, closed.text
    refused = await harness.say("/change acme a blog section")
    assert refused.refused and "is closed" in refused.text
    assert await changes(harness) == []


async def test_the_studio_can_put_its_own_figure_on_an_open_request(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    judged = await harness.say("/change acme a loyalty points program")
    change_id = field(judged, "Change id")
    draft = await harness.press(button(judged, "Draft change order"))
    repriced = await harness.say(f"/change hours {change_id} 8")
    assert "8 h, €720" in repriced.text and "out of date" in repriced.text
    stale = await harness.press(button(draft, "Approve"))
    assert stale.refused  # the draft quoted the old figure
    fresh = await harness.press(button(repriced, "Draft change order"))
    assert "- Effort: 8 h" in fresh.text and "- Price: €720" in fresh.text
    bad = await harness.say(f"/change hours {change_id} lots")
    assert bad.refused and "How many hours" in bad.text
    await harness.press(button(repriced, "Client approved"))
    assert (await project(harness)).estimate_hours == 128
    late = await harness.say(f"/change hours {change_id} 4")
    assert late.refused and "decided already" in late.text


async def test_the_requests_waiting_for_an_answer_across_projects(
    harness: Harness, clock, demo_store
) -> None:
    assert "No change requests are waiting" in (await harness.say("/change list")).text
    await add_acme(harness)
    waiting = await harness.say("/change acme a gift card feature")
    done = await harness.say("/change acme a loyalty points program")
    await harness.press(button(done, "Declined"))
    listed = await harness.say("/change list")
    assert field(waiting, "Change id") in listed.text
    assert field(done, "Change id") not in listed.text


async def test_the_change_order_keeps_internal_text_rates_and_other_clients_out(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    judged = await harness.say(
        "/change acme a loyalty points program like the one for Northwind Roasters, "
        "internal: charge them double at €150/h"
    )
    draft = await harness.press(button(judged, "Draft change order"))
    client = draft.blocks[1].text  # type: ignore[union-attr]
    assert "Northwind" not in client and "€150" not in client and "double" not in client
    assert "- What: a loyalty points program\n" in client  # the clean part is kept
    assert "Part of the request was left out of the client text" in draft.text
    approved = await harness.press(button(draft, "Approve"))
    channel = Channel()
    harness.adapter.post_to_channel = channel
    await harness.press(button(approved, "Post to client channel"))
    [posted] = channel.posted
    assert "Northwind" not in posted.text and "€150" not in posted.text


async def test_other_ways_in_and_a_project_without_agreed_scope(
    harness: Harness, clock, demo_store
) -> None:
    await add_acme(harness)
    await harness.say('/projects add name="Bare site" aliases=bare estimate=20')
    logged = await harness.say("/log bare request: a contact form")
    judged = await harness.press(button(logged, "Check against scope"))
    assert field(judged, "Verdict") == "Unclear" and "no agreed scope" in judged.text
    mention = await harness.say("@Atelier change request on acme: a gift card feature")
    assert field(mention, "Verdict") == "Extra"
    asked = await harness.say("the client asked for the wholesale price list for acme")
    assert field(asked, "Verdict") == "Included"

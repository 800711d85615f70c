"""Trust rules on the newer features: the demo, stored buttons, change requests, proposals.

Each test is a hole found by attacking the feature through the real code path, kept so it
stays closed.
"""

from __future__ import annotations

import re

from adapters.testing import TestAdapter
from bot.core import Bot
from bot.messages import DeliveryOutcome, Reply
from knowledge.store import ProjectStore
from tests.changes.conftest import add_acme
from tests.conftest import Harness
from tests.knowledge.helpers import project


async def test_a_real_project_with_a_demo_id_survives_demo_load_and_remove(
    bot: Bot, harness: Harness
) -> None:
    # A studio's own numbering can be "demo-001": the id alone doesn't make it the demo's.
    store = ProjectStore.open(bot.services.settings.data_dir)
    bot.services.set_knowledge(store)
    try:
        own = project("demo-001", "Our own bakery shop", actual_hours=90)
        store.upsert("local", [own])
        loaded = await harness.say("/projects demo load anyway")
        assert not loaded.refused, loaded.text
        kept = store.get_many("local", ["demo-001"])["demo-001"]
        assert kept.title == "Our own bakery shop" and kept.actual_hours == 90
        removed = await harness.say("/projects demo remove")
        assert not removed.refused, removed.text
        assert store.get_many("local", ["demo-001"])["demo-001"].title == "Our own bakery shop"
        assert store.count("local") == 1
    finally:
        store.close()


async def test_change_hours_refuses_a_negative_figure(bot: Bot, harness: Harness) -> None:
    # "-3h" once re-priced the request at +3 h, moving the price and the due date.
    await add_acme(harness)
    assessed = await harness.say("/change acme add a loyalty program page")
    change_id = re.search(r"\b(cr[0-9a-f]{6,})\b", assessed.text).group(1)  # type: ignore[union-attr]
    for figure in ("-3h", "-5", "−4 h"):
        refused = await harness.say(f"/change hours {change_id} {figure}")
        assert refused.refused and "Nothing was changed" in refused.text, (figure, refused.text)
    shown = await harness.say(f"/change show {change_id}")
    assert "€270" not in shown.text and "€450" not in shown.text
    accepted = await harness.say(f"/change hours {change_id} 3")
    assert not accepted.refused and "3 h" in accepted.text


async def test_a_negative_stated_figure_never_prices_a_change(bot: Bot, harness: Harness) -> None:
    await add_acme(harness)
    assessed = await harness.say("/change acme add a loyalty program page ~-6h")
    assert "€540" not in assessed.text and "6 h" not in assessed.text, assessed.text


async def test_post_again_after_an_unknown_outcome_passes_the_leak_check_too(
    bot: Bot, demo_store: ProjectStore
) -> None:
    # "Post again" after a send that never heard back took another path to the client channel,
    # one that skipped the check the first Post makes at the door.
    async def never_heard(channel_id: str, reply: Reply) -> DeliveryOutcome:
        return DeliveryOutcome.unknown(channel_id, "timeout", "the platform did not answer")

    adapter = TestAdapter(bot, post_to_channel=never_heard)
    scope = await adapter.say("/scope Shopify store for a coffee roaster with subscriptions")
    saved = await adapter.press(next(b for b in scope.buttons if b.label == "Save estimate"))
    estimate_id = re.search(r"est-[0-9a-f]+", saved.text).group(0)  # type: ignore[union-attr]
    draft = await adapter.say(f"/proposal {estimate_id} channel=C0CLIENT")
    approved = await adapter.press(next(b for b in draft.buttons if b.label == "Approve"))
    await adapter.press(next(b for b in approved.buttons if b.label.startswith("Post")))
    ask = adapter.follow_ups[-1]
    post_again = next(b for b in ask.buttons if b.label == "Post again")
    # Meanwhile a client called "Subscriptions Ltd" became a project: the text now names it.
    added = await adapter.say(
        '/projects add name="Box service" client="Subscriptions" estimate=20 rate=90'
    )
    assert added.text.startswith("Added"), added.text
    posts = len(adapter.deliveries)
    again = await adapter.press(post_again)
    assert again.refused and "nothing was posted" in again.text.lower(), again.text
    assert len(adapter.deliveries) == posts

"""The rates kept between answers stay each workspace's own: one workspace's `/scope rate`
never shows in another's answer, whichever was read (and kept) first."""

from __future__ import annotations

from bot.core import Bot
from bot.pricing import workspace_pricing
from knowledge.store import ProjectStore
from tests.conftest import Harness

SHOPIFY = "/scope Shopify store with a custom theme for a tea shop"


async def test_each_workspace_answers_with_its_own_rate(
    bot: Bot, demo_store: ProjectStore, demo_vectors: tuple[list, object]
) -> None:
    projects, vectors = demo_vectors
    demo_store.upsert("other", projects, embeddings=vectors)  # type: ignore[arg-type]
    local, other = Harness(bot, tenant="local"), Harness(bot, tenant="other")
    # Both kept at the default first, so a write that forgot the wrong one would show.
    assert "at $100/h" in (await local.say(SHOPIFY)).text
    assert "at $100/h" in (await other.say(SHOPIFY)).text

    assert "now use €90/h" in (await local.say("/scope rate 90 EUR")).text
    assert "at €90/h" in (await local.say(SHOPIFY)).text
    answer = await other.say(SHOPIFY)
    assert "at $100/h" in answer.text and answer.facts["currency"] == "USD"
    assert "€" not in answer.text

    assert "now use £70/h" in (await other.say("/scope rate 70 GBP")).text
    assert "at €90/h" in (await local.say(SHOPIFY)).text
    assert "at £70/h" in (await other.say(SHOPIFY)).text

    assert "default rate: $100/h" in (await local.say("/scope rate reset")).text
    assert "at £70/h" in (await other.say(SHOPIFY)).text
    services = bot.services
    assert (await workspace_pricing(services, "local")).source == "settings"
    kept = await workspace_pricing(services, "other")
    assert (kept.rate, kept.currency, kept.source) == (70.0, "GBP", "workspace")

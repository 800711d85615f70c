"""The `/scope` benchmark's answer checks, on real replies: an error reply is a failure."""

from __future__ import annotations

from bench.scope import failed, has_estimate
from bot.core import Bot
from bot.messages import Request
from knowledge.store import ProjectStore
from tests.scope.conftest import UnavailableStore


def _scope(brief: str) -> Request:
    return Request(tenant="local", user_id="bench", user_name="bench", command="scope", text=brief)


async def test_an_estimate_is_an_answer(bot: Bot, demo_store: ProjectStore) -> None:
    reply = await bot.handle(_scope("Shopify store with a custom theme"))
    assert not failed(reply) and has_estimate(reply)


async def test_no_close_analogues_is_an_answer_without_an_estimate(
    bot: Bot, demo_store: ProjectStore
) -> None:
    reply = await bot.handle(_scope("recipe for sourdough bread fermentation"))
    assert reply is not None
    assert "No close analogues" in reply.text
    assert not failed(reply) and not has_estimate(reply)


async def test_a_store_outage_reply_is_a_failure(bot: Bot) -> None:
    bot.services.set_knowledge(UnavailableStore())
    reply = await bot.handle(_scope("Shopify store with a custom theme"))
    assert reply is not None
    assert "knowledge store is unavailable" in reply.text
    assert failed(reply) and not has_estimate(reply)
    assert failed(None)

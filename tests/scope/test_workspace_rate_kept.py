"""The workspace's rate is kept between answers: this process's own `/scope rate` shows at once,
another process's write within the cache's age limit, and never an old rate after a write."""

from __future__ import annotations

import asyncio

from bot.pricing import Pricing, PricingCache, workspace_pricing
from state import Database, TenantSettings
from tests.conftest import Harness

SHOPIFY = "/scope Shopify store with a custom theme for a tea shop"


class Clock:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


async def test_a_new_rate_shows_in_the_next_answer(scope_harness: Harness):
    assert "at $100/h" in (await scope_harness.say(SHOPIFY)).text  # the default, now kept
    assert "now use $90/h" in (await scope_harness.say("/scope rate 90")).text
    assert "at $90/h" in (await scope_harness.say(SHOPIFY)).text
    assert "now use €120/h" in (await scope_harness.say("/scope rate 120 EUR")).text
    reply = await scope_harness.say(SHOPIFY)
    assert "at €120/h" in reply.text and reply.facts["currency"] == "EUR"
    assert "this workspace's rate: €120/h" in (await scope_harness.say("/scope rate")).text
    assert "default rate: $100/h" in (await scope_harness.say("/scope rate reset")).text
    assert "at $100/h" in (await scope_harness.say(SHOPIFY)).text


async def test_another_process_s_rate_shows_once_the_kept_one_is_old(scope_harness: Harness):
    services = scope_harness.bot.services
    clock = Clock()
    services.pricing = PricingCache(max_age=2.0, clock=clock)
    assert "at $100/h" in (await scope_harness.say(SHOPIFY)).text
    other = Database(services.db.url)  # another process on the same database (the CLI)
    try:
        async with other.transaction() as session:
            session.add(TenantSettings(tenant="local", rate=75.0, currency="GBP"))
    finally:
        await other.close()
    clock.now += 1.0  # within the age limit, the kept rate is still used
    assert "at $100/h" in (await scope_harness.say(SHOPIFY)).text
    clock.now += 1.0
    assert "at £75/h" in (await scope_harness.say(SHOPIFY)).text
    assert (await workspace_pricing(services, "local")).source == "workspace"


def test_a_read_that_began_before_a_write_is_not_kept():
    cache = PricingCache(clock=Clock())
    before_the_write = cache.generation()
    cache.forget("local")  # the write committed while that read was under way
    cache.put("local", Pricing(100.0, "USD", "settings"), before_the_write)
    assert cache.get("local") is None
    cache.put("local", Pricing(90.0, "USD", "workspace"), cache.generation())
    assert cache.get("local") == Pricing(90.0, "USD", "workspace")


def test_the_cache_keeps_a_bounded_number_of_workspaces():
    clock = Clock()
    cache = PricingCache(max_tenants=3, clock=clock)
    for number in range(5):
        clock.now += 0.1
        cache.put(f"T{number}", Pricing(float(number), "USD", "workspace"), cache.generation())
    assert [cache.get(f"T{number}") is not None for number in range(5)] == [
        False,
        False,
        True,
        True,
        True,
    ]
    clock.now += 2.0
    assert cache.get("T4") is None  # too old: read again


async def test_a_workspace_that_keeps_asking_has_its_rate_read_behind_its_answers(
    scope_harness: Harness, monkeypatch
):
    import bot.pricing as pricing_module

    services = scope_harness.bot.services
    clock = Clock()
    services.pricing = PricingCache(max_age=2.0, clock=clock)
    reads: list[str] = []
    real = pricing_module.read_pricing

    async def counted(session, settings, tenant):
        reads.append(tenant)
        return await real(session, settings, tenant)

    monkeypatch.setattr(pricing_module, "read_pricing", counted)
    assert "at $100/h" in (await scope_harness.say(SHOPIFY)).text
    assert len(reads) == 1  # the first answer read it
    other = Database(services.db.url)  # another process changes it meanwhile
    try:
        async with other.transaction() as session:
            session.add(TenantSettings(tenant="local", rate=75.0, currency="GBP"))
    finally:
        await other.close()
    clock.now += 1.5  # half its age: this answer uses it and has it read again behind itself
    assert "at $100/h" in (await scope_harness.say(SHOPIFY)).text
    for _ in range(100):  # the read behind the answer ends on its own
        if len(reads) == 2 and not services.pricing._reading:
            break
        await asyncio.sleep(0.01)
    assert len(reads) == 2
    clock.now += 0.6  # the first read is now too old, the one behind the answer is not
    assert "at £75/h" in (await scope_harness.say(SHOPIFY)).text
    assert len(reads) == 2  # that answer used the read behind the last one: none of its own

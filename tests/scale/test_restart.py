"""A restarted bot answers `/scope` from the feature rows its store wrote, never reading every
record of the vector store, and the rows hold what the records hold."""

from __future__ import annotations

from typing import Any

from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from bot.scoping.features import FeatureKeepingStore
from bot.scoping.history import tenant_history
from tests.conftest import Harness

BRIEF = "/scope Shopify store with a custom theme and Stripe"


async def test_a_restart_answers_from_the_rows_the_store_wrote(settings: Settings) -> None:
    first = Bot(build_services(settings))
    await first.start()
    try:
        loaded = await Harness(first).say("/projects demo load")
        assert "Loaded the demo portfolio" in loaded.text, loaded.text
        before = await Harness(first).say(BRIEF)
    finally:
        await first.close()

    restarted = Bot(build_services(settings))
    await restarted.start()
    try:
        store = restarted.services.knowledge
        assert isinstance(store, FeatureKeepingStore)
        full_reads: list[Any] = []
        listing = store.store.list

        def counted(tenant: str, status: str | None = None) -> list[Any]:
            full_reads.append((tenant, status))
            return listing(tenant, status)

        store.store.list = counted  # type: ignore[method-assign]
        reply = await Harness(restarted).say(BRIEF)
        assert not reply.refused and reply.facts["has_estimate"], reply.text
        assert full_reads == []  # the history came from the rows
        assert reply.facts["estimate"] == before.facts["estimate"]
        assert reply.facts["analogues"] == before.facts["analogues"]

        rows = restarted.services.histories.history(store, "local")
        records = tenant_history(store.store, "local")  # the store's own full read
        assert [p.id for p in rows.closed] == [p.id for p in records.closed]
        for row, record in zip(rows.closed, records.closed, strict=True):
            for name in ("title", "type", "actual_hours", "estimated_hours", "finished"):
                assert getattr(row, name) == getattr(record, name), (record.id, name)
            assert list(row.tags) == list(record.tags)
            assert row.phases == record.phases and row.lessons == record.lessons
    finally:
        await restarted.close()

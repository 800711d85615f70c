"""A restarted bot reads, beside its model, the histories of the workspaces that asked for
estimates most recently, so that their next `/scope` finds them in memory."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import insert

from adapters.runtime import build_services
from bot.config import Settings, load_settings
from bot.core import Bot
from bot.messages import Request
from knowledge.store import ProjectStore
from state import ScopeRun


async def _asked(bot: Bot, tenant: str, when: dt.datetime) -> None:
    async with bot.services.db.engine.begin() as connection:
        await connection.execute(
            insert(ScopeRun),
            {
                "id": f"est-{tenant}",
                "tenant": tenant,
                "user_id": "u",
                "brief": "a shop",
                "p10_hours": 10.0,
                "p50_hours": 20.0,
                "p90_hours": 40.0,
                "rate": 0.0,
                "currency": "USD",
                "analogue_ids": [],
                "shown": 0,
                "created_at": when,
            },
        )


async def test_a_restart_reads_the_recently_asked_histories_and_no_others(
    settings: Settings, demo_vectors: tuple[list, object]
) -> None:
    projects, vectors = demo_vectors
    store = ProjectStore.open(settings.data_dir)
    for tenant in ("recent", "long-ago", "never-asked"):
        store.upsert(tenant, projects, embeddings=vectors)  # type: ignore[arg-type]
    store.close()
    first = Bot(build_services(settings))
    await first.start()
    now = first.services.clock()
    await _asked(first, "recent", now - dt.timedelta(days=1))
    await _asked(first, "long-ago", now - dt.timedelta(days=60))
    await first.close()

    restarted = Bot(build_services(settings))
    await restarted.start(warm_up=True)
    try:
        assert restarted._warming is not None
        await restarted._warming
        assert restarted.services.histories.tenants() == ["recent"]
        assert restarted.services.histories.projects > 0
        reply = await restarted.handle(
            Request(
                tenant="recent",
                user_id="u",
                user_name="u",
                command="scope",
                text="A Shopify store with a custom theme",
            )
        )
        assert reply is not None and not reply.refused, reply
    finally:
        await restarted.close()


async def test_a_first_start_on_an_empty_database_warms_nothing_and_fails_nothing(
    tmp_path: Path,
) -> None:
    settings = load_settings(data_dir=tmp_path / "fresh", llm=None, _env_file=None)
    bot = Bot(build_services(settings))
    await bot.start(warm_up=True)  # the migrations make the tables beside the warm-up
    try:
        assert bot._warming is not None
        await bot._warming
        assert bot.services.histories.tenants() == []
    finally:
        await bot.close()

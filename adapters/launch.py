"""Starting the bot: platforms whose tokens are set, else the console on demo data."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from adapters.console import ConsoleAdapter
from adapters.lifecycle import Shutdown
from adapters.runtime import running_bot
from bot.config import Settings
from bot.core import Bot
from bot.logs import get_logger

log = get_logger(__name__)


async def launch(settings: Settings, demo: bool = True) -> int:
    async with running_bot(settings, warm_up=True) as bot:
        # SIGTERM (docker stop, rolling deploys) and SIGINT stop every platform the same way:
        # no new work, acknowledged work finishes within the grace period, then the bot and
        # its database close (leaving this block) and the process exits 0.
        shutdown = Shutdown(settings.shutdown_grace_seconds)
        runners: list[Coroutine[Any, Any, object]] = []
        if settings.slack_enabled:
            from adapters.slack.app import serve_slack

            runners.append(serve_slack(bot, settings, shutdown))
        if settings.discord_enabled:
            from adapters.discord.client import serve_discord

            runners.append(serve_discord(bot, settings, shutdown))
        if runners:
            from bot.scheduler import start_digests

            # Weekly digests: any replica may run them; a lease makes each slot run once.
            digests = start_digests(bot)
            try:
                with shutdown.on_signals():
                    results = await asyncio.gather(*runners)
            finally:
                if digests is not None:
                    await digests.aclose(settings.shutdown_grace_seconds)
            if shutdown.requested:
                log.info("shutdown_complete")
            # Every platform refused to start (bad token, missing intent): say so by exit code.
            return 1 if all(result is False for result in results) else 0
        if demo and settings.demo_data:
            await load_demo_if_empty(bot, settings.default_tenant)
        console = ConsoleAdapter(
            bot, tenant=settings.default_tenant, image_dir=settings.data_dir / "images"
        )
        return await console.run()


async def console_chat(settings: Settings, tenant: str, user: str) -> int:
    async with running_bot(settings, warm_up=True) as bot:
        console = ConsoleAdapter(
            bot, tenant=tenant, user_id=user, user_name=user, image_dir=settings.data_dir / "images"
        )
        return await console.run()


async def load_demo_if_empty(bot: Bot, tenant: str) -> None:
    """First run: fill the tenant's store with the demo portfolio (no-op when it has data)."""
    try:
        from knowledge.demo import load_demo_portfolio
    except ImportError:
        return
    from knowledge.store import KnowledgeUnavailable

    try:
        # Opening the store and embedding 50 projects block: keep them off the event loop.
        await asyncio.to_thread(lambda: load_demo_portfolio(bot.services.knowledge, tenant))
    except KnowledgeUnavailable as problem:
        # The chat still starts; commands that need past projects explain the problem.
        log.warning("demo_not_loaded", reason=str(problem))

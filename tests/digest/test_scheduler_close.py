"""Closing the digest scheduler lets a running job finish; stopping it at once does not."""

from __future__ import annotations

import asyncio
import datetime as dt

from bot.core import Bot
from bot.scheduler import DigestRunner, DigestScheduler


async def _running_job(scheduler: DigestScheduler) -> tuple[asyncio.Event, list[str]]:
    started, release = asyncio.Event(), asyncio.Event()
    finished: list[str] = []

    async def work() -> None:
        started.set()
        await release.wait()
        finished.append("done")

    scheduler.scheduler.add_job(scheduler._job, args=(work,), next_run_time=dt.datetime.now(dt.UTC))
    await asyncio.wait_for(started.wait(), 10)
    return release, finished


async def test_aclose_waits_for_the_running_job_then_stops(bot: Bot) -> None:
    scheduler = DigestScheduler(DigestRunner(bot), startup_delay=3600)
    scheduler.start()
    release, finished = await _running_job(scheduler)
    closing = asyncio.create_task(scheduler.aclose(grace=10))
    await asyncio.sleep(0.05)
    assert not closing.done() and finished == []  # still waiting for the job
    release.set()
    await asyncio.wait_for(closing, 10)
    assert finished == ["done"]
    assert not scheduler.scheduler.running


async def test_aclose_gives_up_after_its_grace(bot: Bot) -> None:
    scheduler = DigestScheduler(DigestRunner(bot), startup_delay=3600)
    scheduler.start()
    _release, finished = await _running_job(scheduler)
    await asyncio.wait_for(scheduler.aclose(grace=0.05), 10)
    assert finished == [] and not scheduler.scheduler.running

"""A digest slot on two replicas sharing a migrated database: SQLite and a real PostgreSQL.

Production starts with the migrations (``atelier run --migrate``), so the lease table here is
the one migration 0004 made. Both replicas wake at the slot together; one claims it and DMs
each owner, the other finds the claim taken.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path

import pytest
from pydantic import SecretStr

from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from bot.scheduler import DigestRunner
from state.migrations import upgrade
from tests.digest.conftest import SLOT, FrozenClock, RecordingDMs, ask


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'shared' / 'atelier.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.mark.slow
async def test_one_slot_runs_once_on_two_replicas_of_a_migrated_database(
    shared_database: str, settings: Settings
) -> None:
    await asyncio.to_thread(upgrade, shared_database)
    clock = FrozenClock(SLOT - dt.timedelta(days=1))
    shared = settings.model_copy(update={"database_url": SecretStr(shared_database)})
    bots = []
    for _ in range(2):
        services = build_services(shared)
        services.clock = clock
        bots.append(Bot(services))
    ports = [RecordingDMs(), RecordingDMs()]
    try:
        for bot, port in zip(bots, ports, strict=True):
            await bot.services.db.ping()
            bot.add_direct_messages(port)
        first, second = bots
        for user, name in (("U1", "Acme"), ("U2", "Beta")):
            reply = await ask(first, "projects", f"add name={name} estimate=20", user=user)
            assert not reply.refused, reply.text
        await ask(first, "log", "acme done: wireframes, 2h", user="U1")
        reply = await ask(second, "atelier", "digest on fri 15:00 Europe/Berlin", user="U1")
        assert not reply.refused, reply.text

        clock.now = SLOT + dt.timedelta(seconds=5)
        reports = await asyncio.gather(
            DigestRunner(first, "one").run_due(), DigestRunner(second, "two").run_due()
        )
        assert sorted(len(r) for r in reports) == [0, 1]
        sent = sorted(user for port in ports for _tenant, user, _reply in port.sent)
        assert sent == ["U1", "U2"]
        clock.now += dt.timedelta(minutes=30)
        assert await asyncio.gather(*(DigestRunner(b).run_due() for b in bots)) == [[], []]
    finally:
        for bot in bots:
            await bot.close()

"""Digest fixtures: bots on one shared state database, a frozen clock, a recording DM port."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field

import pytest

from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from bot.messages import DeliveryOutcome, Reply, Request


@dataclass
class FrozenClock:
    """A clock tests move by hand; every replica reads the same one."""

    now: dt.datetime

    def __call__(self) -> dt.datetime:
        return self.now


@dataclass
class RecordingDMs:
    """A DM port that records every DM (Slack-like user ids only) and can refuse some."""

    platform: str = "slack"
    sent: list[tuple[str, str, Reply]] = field(default_factory=list)
    refuse: set[str] = field(default_factory=set)

    def can_reach(self, user_id: str) -> bool:
        return user_id.startswith("U")

    async def send_dm(self, tenant: str, user_id: str, reply: Reply) -> DeliveryOutcome:
        if user_id in self.refuse:
            return DeliveryOutcome.refused("", "cannot_dm_user", "their DMs are closed")
        self.sent.append((tenant, user_id, reply))
        return DeliveryOutcome.ok(f"D{user_id}", f"1700.{len(self.sent)}")


# Friday 4 December 2026, 15:00 in Berlin (14:00 UTC).
SLOT = dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC)


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(SLOT - dt.timedelta(days=2))


@pytest.fixture
def make_bot(settings: Settings, clock: FrozenClock) -> Callable[[], Bot]:
    def make() -> Bot:
        services = build_services(settings)
        services.clock = clock
        return Bot(services)

    return make


@pytest.fixture
async def replicas(make_bot: Callable[[], Bot]) -> AsyncIterator[tuple[Bot, Bot]]:
    """Two bots sharing one SQLite state database, as two replicas would."""
    first, second = make_bot(), make_bot()
    await first.start()
    await second.start()
    yield first, second
    await first.close()
    await second.close()


async def ask(bot: Bot, command: str, text: str, user: str = "U1", **changes: object) -> Reply:
    request = Request(
        tenant="T1",
        user_id=user,
        user_name=user,
        command=command,
        text=text,
        platform="slack",
        **changes,  # type: ignore[arg-type]
    )
    reply = await bot.handle(request)
    assert reply is not None  # a request without an event id is always answered
    return reply

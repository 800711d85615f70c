"""Database locked or down: a clear answer, no partial writes, and it works again afterwards."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from sqlalchemy import func, select

import state.database
from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from bot.messages import Reply
from state import Draft, LogEntry
from tests.conftest import Harness
from tests.reliability.conftest import LocalPostgres

ACME = "name=Acme client=Acme aliases=acme estimate=40 rate=100"
ENTRIES = ("done: checkout flow 2h", "next: payments", "blocker: waiting for API keys")
# What a person reads when the database cannot take a write right now (the core's answer).
TRY_AGAIN = ("try again",)


def approve_button(reply: Reply):
    return next(button for button in reply.buttons if button.label.startswith("Approve"))


async def snapshot(harness: Harness) -> tuple[int, int, list[str]]:
    """(log entries, entries marked as reported, draft statuses) as stored."""
    async with harness.bot.services.db.sessions() as session:
        total = (await session.execute(select(func.count(LogEntry.id)))).scalar_one()
        reported = (
            await session.execute(
                select(func.count(LogEntry.id)).where(LogEntry.reported_draft_id.is_not(None))
            )
        ).scalar_one()
        statuses = list((await session.execute(select(Draft.status))).scalars())
    return int(total), int(reported), statuses


def is_clear_failure(reply: Reply) -> bool:
    text = reply.text.lower()
    return any(phrase in text for phrase in TRY_AGAIN) and "traceback" not in text


async def prepare(harness: Harness) -> Reply:
    assert (await harness.say(f"/projects add {ACME}")).text.startswith("Added")
    for line in ENTRIES:
        assert (await harness.say(f"/log acme {line}")).text.startswith("Logged #")
    return await harness.say("/update acme")


# --- SQLite: another process holds the write lock -------------------------------------------


@pytest.fixture
def short_busy_wait(monkeypatch: pytest.MonkeyPatch) -> None:
    """Wait 0.3 s (not 15 s) for a locked SQLite file, so the test stays quick."""
    original = state.database._sqlite_pragmas

    def pragmas(connection: Any, record: Any) -> None:
        original(connection, record)
        cursor = connection.cursor()
        cursor.execute("PRAGMA busy_timeout=300")
        cursor.close()

    monkeypatch.setattr(state.database, "_sqlite_pragmas", pragmas)


@pytest.fixture
async def sqlite_harness(settings: Settings, short_busy_wait: None) -> AsyncIterator[Harness]:
    instance = Bot(build_services(settings))
    await instance.start()
    yield Harness(instance)
    await instance.close()


class WriteLock:
    """Another process's exclusive transaction on the database file."""

    def __init__(self, path: str) -> None:
        self.connection = sqlite3.connect(path, isolation_level=None)

    def __enter__(self) -> WriteLock:
        self.connection.execute("BEGIN EXCLUSIVE")
        return self

    def __exit__(self, *_exc: object) -> None:
        self.connection.execute("ROLLBACK")
        self.connection.close()


async def test_locked_sqlite_gives_a_clear_answer_and_writes_nothing(
    sqlite_harness: Harness, settings: Settings
) -> None:
    harness = sqlite_harness
    draft = await prepare(harness)
    before = await snapshot(harness)
    assert before == (3, 0, ["draft"])

    with WriteLock(str(settings.data_dir / "atelier.db")):
        logged = await harness.say("/log acme done: homepage 1h")
        assert is_clear_failure(logged), logged.text
        approved = await harness.press(approve_button(draft))
        assert is_clear_failure(approved), approved.text
        assert await snapshot(harness) == before  # reads still work; nothing half-written

    # The lock is gone: the same actions now succeed, completely. (Approve first: a draft
    # approved after new entries were logged is refused as out of date.)
    approved = await harness.press(approve_button(draft))
    assert "Approved" in approved.text
    assert (await harness.say("/log acme done: homepage 1h")).text.startswith("Logged #4")
    assert await snapshot(harness) == (4, 3, ["approved"])


# --- PostgreSQL: the server goes away and comes back -----------------------------------------


@pytest.fixture
def own_postgres() -> Iterator[LocalPostgres]:
    try:
        import psycopg  # noqa: F401

        cluster = LocalPostgres()
        cluster.start()
    except (ImportError, RuntimeError) as problem:
        pytest.skip(f"no PostgreSQL server for this test: {problem}")
    yield cluster
    cluster.remove()


@pytest.mark.slow
async def test_postgres_down_gives_a_clear_answer_and_recovers(
    settings: Settings, own_postgres: LocalPostgres
) -> None:
    url = own_postgres.server.url("postgres")
    instance = Bot(build_services(settings.model_copy(update={"database_url": url})))
    await instance.start()
    harness = Harness(instance)
    try:
        draft = await prepare(harness)
        before = await snapshot(harness)

        own_postgres.stop()
        logged = await harness.say("/log acme done: homepage 1h")
        assert is_clear_failure(logged), logged.text
        approved = await harness.press(approve_button(draft))
        assert is_clear_failure(approved), approved.text

        own_postgres.start()
        assert await snapshot(harness) == before  # nothing was half-written while it was down
        # (Entry numbers may jump: PostgreSQL skips sequence values after a crash restart.)
        assert "Approved" in (await harness.press(approve_button(draft))).text
        assert (await harness.say("/log acme done: homepage 1h")).text.startswith("Logged #")
        assert await snapshot(harness) == (4, 3, ["approved"])
    finally:
        await instance.close()

"""Shared fixtures: an isolated settings object, a started bot, a console harness."""

from __future__ import annotations

import io
import os
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from rich.console import Console

from adapters.console import ConsoleAdapter
from adapters.runtime import build_services
from bot.config import Settings, load_settings
from bot.core import Bot
from bot.messages import Button, Reply


@pytest.fixture
def settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Settings that ignore the developer's environment and `.env`."""
    for name in list(os.environ):
        if name.startswith(("ATELIER_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    instance = Bot(build_services(settings))
    await instance.start()
    yield instance
    await instance.close()


class Harness:
    """The real console adapter, writing into a buffer: text in, replies and screen out."""

    def __init__(self, bot: Bot, user_id: str = "alice", tenant: str = "local") -> None:
        self.bot = bot
        self.buffer = io.StringIO()
        console = Console(file=self.buffer, width=120, force_terminal=False, color_system=None)
        self.adapter = ConsoleAdapter(
            bot,
            console,
            tenant=tenant,
            user_id=user_id,
            user_name=user_id,
            image_dir=bot.services.settings.data_dir / "images",
        )

    async def say(self, line: str) -> Reply:
        answer = await self.adapter.say(line)
        assert answer is not None
        return answer

    async def press(self, button: Button) -> Reply:
        answer = await self.adapter.press(button)
        assert answer is not None
        return answer

    def as_user(self, user_id: str) -> Harness:
        other = Harness(self.bot, user_id=user_id, tenant=self.adapter.tenant)
        return other

    def screen(self) -> str:
        """Everything rendered so far; clears the buffer."""
        text = self.buffer.getvalue()
        self.buffer.seek(0)
        self.buffer.truncate()
        return text


@pytest.fixture
async def harness(bot: Bot) -> Harness:
    return Harness(bot)


# --- knowledge: the demo portfolio, embedded once per session -------------------------------


@pytest.fixture(scope="session")
def demo_vectors() -> tuple[list, object]:
    """The demo projects and their embeddings, computed once for the whole test session."""
    from knowledge.demo import demo_projects
    from knowledge.embeddings import get_embedder

    projects = demo_projects()
    return projects, get_embedder("local").embed([p.embedding_text() for p in projects])


@pytest.fixture
def demo_store(bot: Bot, demo_vectors: tuple[list, object]):  # type: ignore[no-untyped-def]
    """A real ProjectStore in the test's data dir holding the demo portfolio for tenant
    "local", injected into ``bot`` (``bot.services.knowledge``)."""
    from knowledge.store import ProjectStore

    projects, vectors = demo_vectors
    store = ProjectStore.open(bot.services.settings.data_dir)
    store.upsert("local", projects, embeddings=vectors)  # type: ignore[arg-type]
    bot.services.set_knowledge(store)
    yield store
    store.close()

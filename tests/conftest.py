"""Shared fixtures: an isolated settings object, a started bot, the test adapter and the console
harness (both in :mod:`adapters.testing`).

Every test's SQLite database starts as a copy of one file migrated to the head revision once
per session: the bot still upgrades it when it starts (and finds nothing to do), while the
suite pays for the migrations once instead of once per test.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import pytest

from adapters.runtime import build_services
from adapters.testing import ConsoleHarness, TestAdapter
from bot.config import Settings, load_settings
from bot.core import Bot
from state.migrations import upgrade

MigratedDatabase = Callable[[Path], str]


@pytest.fixture(scope="session")
def schema_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite file brought to the head revision by the real migrations."""
    path = tmp_path_factory.mktemp("schema") / "atelier.db"
    upgrade(f"sqlite+aiosqlite:///{path}")
    # A single file to copy: the WAL folded back in (each copy's engine turns WAL on again).
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA journal_mode=DELETE")
    connection.close()
    return path


@pytest.fixture(scope="session")
def migrated_database(schema_template: Path) -> MigratedDatabase:
    """``url = migrated_database(path)``: a migrated SQLite database at ``path``."""

    def make(path: Path) -> str:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(schema_template, path)
        return f"sqlite+aiosqlite:///{path}"

    return make


@pytest.fixture
def settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, migrated_database: MigratedDatabase
) -> Settings:
    """Settings that ignore the developer's environment and `.env`, with a migrated SQLite
    database in their data dir."""
    for name in list(os.environ):
        if name.startswith(("ATELIER_", "SLACK_", "DISCORD_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    migrated_database(tmp_path / "data" / "atelier.db")
    return load_settings(data_dir=tmp_path / "data")


@pytest.fixture
async def bot(settings: Settings) -> AsyncIterator[Bot]:
    instance = Bot(build_services(settings))
    await instance.start()
    yield instance
    await instance.close()


# The console harness lives with the test adapter; this name is kept for existing imports.
Harness = ConsoleHarness


@pytest.fixture
async def harness(bot: Bot) -> Harness:
    return Harness(bot)


@pytest.fixture
async def testbot(bot: Bot) -> TestAdapter:
    """The in-memory test adapter on the started bot: ``reply = await testbot.say("/help")``."""
    return TestAdapter(bot)


# --- knowledge: the demo portfolio, embedded once per session -------------------------------


@pytest.fixture(scope="session")
def demo_vectors() -> tuple[list, object]:
    """The demo projects and their embeddings, computed once for the whole test session."""
    from knowledge.demo import demo_projects
    from knowledge.embeddings import get_embedder

    projects = demo_projects()
    return projects, get_embedder("local").embed([p.embedding_text() for p in projects])


@pytest.fixture
def demo_store(bot: Bot, demo_vectors: tuple[list, object]):
    """A real ProjectStore in the test's data dir holding the demo portfolio for tenant
    "local", injected into ``bot`` (``bot.services.knowledge``)."""
    from knowledge.store import ProjectStore

    projects, vectors = demo_vectors
    store = ProjectStore.open(bot.services.settings.data_dir)
    store.upsert("local", projects, embeddings=vectors)  # type: ignore[arg-type]
    bot.services.set_knowledge(store)
    yield store
    store.close()

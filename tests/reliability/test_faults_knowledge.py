"""Chroma down or slow: `/scope` says the knowledge store is unavailable; `/log` still saves.

A small TCP proxy in front of a real `chroma run` server plays the network: it forwards, then
"freezes" (accepts and holds connections without answering) to make the server slow mid-run.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select

from adapters.runtime import build_services
from bot.config import Settings
from bot.core import Bot
from state import LogEntry
from tests.conftest import Harness
from tests.reliability.conftest import ChromaServer, chroma_or_skip, free_port
from tests.reliability.portfolio import make_projects

UNAVAILABLE = "knowledge store is unavailable"

pytestmark = pytest.mark.slow


class FreezableProxy:
    """Forwards TCP to ``target_port``; while frozen, holds every byte (a hung server).

    Threads, not the test's event loop: the bot may call the store from the loop's thread,
    and a proxy on that same loop could then never answer.
    """

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.flowing = threading.Event()
        self.flowing.set()
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.sockets: list[socket.socket] = [self.listener]
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def freeze(self) -> None:
        self.flowing.clear()

    def thaw(self) -> None:
        self.flowing.set()

    def stop(self) -> None:
        self.thaw()
        for sock in self.sockets:
            with contextlib.suppress(OSError):
                sock.close()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                client, _ = self.listener.accept()
                self.flowing.wait()
                upstream = socket.create_connection(("127.0.0.1", self.target_port))
                self.sockets += [client, upstream]
                for source, sink in ((client, upstream), (upstream, client)):
                    threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while chunk := source.recv(65536):
                self.flowing.wait()  # frozen: the bytes wait here, the caller hangs
                sink.sendall(chunk)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def own_chroma(tmp_path: Path) -> Iterator[ChromaServer]:
    """A server of our own: these tests stop it."""
    yield from chroma_or_skip(tmp_path / "chroma")


@contextlib.asynccontextmanager
async def bot_on(settings: Settings, chroma_url: str) -> AsyncIterator[Harness]:
    bot = Bot(build_services(settings.model_copy(update={"chroma_url": chroma_url})))
    await bot.start()
    try:
        yield Harness(bot)
    finally:
        await bot.close()


async def saved_entries(harness: Harness) -> int:
    async with harness.bot.services.db.sessions() as session:
        return int((await session.execute(select(func.count(LogEntry.id)))).scalar_one())


async def log_still_works(harness: Harness) -> None:
    before = await saved_entries(harness)
    answer = await harness.say("/log acme done: checkout flow 2h")
    assert answer.text.startswith("Logged #"), answer.text
    assert await saved_entries(harness) == before + 1


async def test_chroma_down_from_the_start(settings: Settings) -> None:
    async with bot_on(settings, f"http://127.0.0.1:{free_port()}") as harness:
        answer = await harness.say("/scope Shopify store with a custom theme")
        assert UNAVAILABLE in answer.text and "Nothing was lost" in answer.text
        added = await harness.say("/projects add name=Acme aliases=acme")
        assert added.text.startswith("Added"), added.text
        await log_still_works(harness)


async def test_chroma_stops_mid_run(settings: Settings, own_chroma: ChromaServer) -> None:
    async with bot_on(settings, own_chroma.url) as harness:
        store = harness.bot.services.knowledge
        await asyncio.to_thread(store.upsert, "local", make_projects(16, "Northwind"))
        await harness.say("/projects add name=Acme aliases=acme")
        working = await harness.say("/scope Shopify store with a custom theme")
        assert UNAVAILABLE not in working.text and "Shopify" in working.text

        own_chroma.stop()
        down = await harness.say("/scope Shopify store with a custom theme")
        assert UNAVAILABLE in down.text
        await log_still_works(harness)


async def test_chroma_hangs_mid_run_and_recovers(
    settings: Settings, own_chroma: ChromaServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knowledge.store

    # The store bounds every server call; a short bound keeps this test quick.
    monkeypatch.setattr(knowledge.store, "SERVER_TIMEOUT_SECONDS", 2.0)
    proxy = FreezableProxy(own_chroma.port)
    try:
        async with bot_on(settings, proxy.url) as harness:
            store = harness.bot.services.knowledge
            await asyncio.to_thread(store.upsert, "local", make_projects(16, "Northwind"))
            await harness.say("/projects add name=Acme aliases=acme")

            proxy.freeze()
            hung = await harness.say("/scope Shopify store with a custom theme")
            assert UNAVAILABLE in hung.text
            await log_still_works(harness)

            proxy.thaw()
            again = await harness.say("/scope Shopify store with a custom theme")
            assert UNAVAILABLE not in again.text and "Shopify" in again.text
    finally:
        proxy.stop()


async def test_chroma_hung_from_the_start(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    import knowledge.store

    monkeypatch.setattr(knowledge.store, "SERVER_TIMEOUT_SECONDS", 2.0)
    # Something listening that never answers: the client must not wait forever.
    silent = socket.create_server(("127.0.0.1", 0))
    port = silent.getsockname()[1]
    try:
        async with bot_on(settings, f"http://127.0.0.1:{port}") as harness:
            answer = await harness.say("/scope Shopify store with a custom theme")
            assert UNAVAILABLE in answer.text
            await harness.say("/projects add name=Acme aliases=acme")
            await log_still_works(harness)
    finally:
        silent.close()

"""Stopping the Discord client: work in flight finishes, new work is refused politely.

The real client on dpytest's fake gateway; the core is held at a gate so an answer is known to
be in flight when the stop is requested.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import discord
import discord.ext.test as dpytest
import pytest
from structlog.testing import capture_logs

from adapters.discord.client import RESTARTING, AtelierClient, serve_discord
from adapters.lifecycle import Shutdown
from bot.config import Settings
from bot.core import Bot
from bot.messages import Reply, Request

BOUND = 10.0  # seconds; only stops a broken drain from hanging the test


async def _until(condition: Callable[[], bool]) -> None:
    """Yield to the event loop until ``condition`` holds (state flips inside this loop)."""
    deadline = asyncio.get_running_loop().time() + BOUND
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0)


def _gate_the_core(client: AtelierClient, monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Hold every request in the core until the returned event is set."""
    gate = asyncio.Event()
    original = client.bot.handle

    async def held(request: Request) -> Reply | None:
        await gate.wait()
        return await original(request)

    monkeypatch.setattr(client.bot, "handle", held)
    return gate


async def test_drain_finishes_an_interaction_in_flight_and_refuses_new_ones(
    client: AtelierClient, make_interaction: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _gate_the_core(client, monkeypatch)
    taken = make_interaction()
    work = asyncio.ensure_future(client.run_command(taken, "echo", "hello"))
    await _until(lambda: client.in_flight.count == 1)

    shutdown = Shutdown(grace_seconds=BOUND)
    shutdown.request("test")
    draining = asyncio.ensure_future(client.drain(shutdown))
    await _until(lambda: client.draining)
    late = make_interaction()
    await client.run_command(late, "echo", "late")
    [refusal] = late.calls()
    assert refusal.name == "send_message" and refusal.kwargs["ephemeral"] is True
    assert refusal.kwargs["content"] == RESTARTING
    assert client.in_flight.count == 1 and not draining.done()

    gate.set()
    assert await asyncio.wait_for(draining, BOUND) == 0
    await work
    answer = taken.sent()
    assert answer and RESTARTING not in taken.text()  # the acknowledged one was answered


async def test_a_mention_while_stopping_is_told_to_come_back(client: AtelierClient) -> None:
    assert client.user is not None
    client.draining = True
    await dpytest.message(f"<@{client.user.id}> how long would a landing page take?")
    assert dpytest.verify().message().content(RESTARTING)
    assert client.in_flight.count == 0


async def test_work_past_the_grace_period_is_logged_with_its_count(
    client: AtelierClient, make_interaction: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = _gate_the_core(client, monkeypatch)
    work = asyncio.ensure_future(client.run_command(make_interaction(), "echo", "slow"))
    await _until(lambda: client.in_flight.count == 1)
    shutdown = Shutdown(grace_seconds=0.05)
    with capture_logs() as logs:
        shutdown.request("test")
        assert await asyncio.wait_for(client.drain(shutdown), BOUND) == 1
    expired = [entry for entry in logs if entry["event"] == "shutdown_grace_expired"]
    assert [(entry["platform"], entry["unfinished"]) for entry in expired] == [("discord", 1)]
    gate.set()
    await work


async def test_serve_discord_returns_after_a_stop_request_and_closes_the_client(
    discord_bot: Bot, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: list[AtelierClient] = []
    closed: list[AtelierClient] = []

    async def start(self: AtelierClient, token: str, *, reconnect: bool = True) -> None:
        started.append(self)  # the gateway seam: connected until closed
        await asyncio.Event().wait()

    original_close = discord.Client.close

    async def close(self: discord.Client) -> None:
        closed.append(self)  # type: ignore[arg-type]
        await original_close(self)

    monkeypatch.setattr(discord.Client, "start", start)
    monkeypatch.setattr(discord.Client, "close", close)
    configured = Settings.model_validate(
        {**settings.model_dump(), "discord_token": "MTIz.Gabcde.not-a-real-token"}
    )
    shutdown = Shutdown(grace_seconds=BOUND)
    server = asyncio.ensure_future(serve_discord(discord_bot, configured, shutdown))
    await _until(lambda: bool(started))
    shutdown.request("test")
    assert await asyncio.wait_for(server, BOUND) is True
    assert closed and closed[0] is started[0] and started[0].draining

"""The stop request: real signals become a drain with a deadline; a second one cuts it short."""

from __future__ import annotations

import asyncio
import os
import signal

from structlog.testing import capture_logs

from adapters.lifecycle import InFlight, Shutdown, drain


async def test_sigterm_and_sigint_request_the_shutdown_while_installed() -> None:
    shutdown = Shutdown(grace_seconds=5)
    with capture_logs() as logs, shutdown.on_signals():
        os.kill(os.getpid(), signal.SIGTERM)  # what `docker stop` sends
        await asyncio.wait_for(shutdown.wait(), 5)
    assert shutdown.requested
    assert [(e["event"], e["reason"]) for e in logs] == [("shutdown_requested", "SIGTERM")]
    assert 0 < shutdown.remaining() <= 5
    # Outside the block the default handlers are back.
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


async def test_a_second_signal_ends_the_grace_period_at_once() -> None:
    in_flight = InFlight()
    ticket = in_flight.begin()
    shutdown = Shutdown(grace_seconds=60)
    with capture_logs() as logs, shutdown.on_signals():
        os.kill(os.getpid(), signal.SIGINT)
        await asyncio.wait_for(shutdown.wait(), 5)
        waiting = asyncio.ensure_future(drain(in_flight, shutdown, "test"))
        await asyncio.sleep(0)  # let the drain start waiting
        os.kill(os.getpid(), signal.SIGINT)
        assert await asyncio.wait_for(waiting, 5) == 1
    ticket.end()
    assert shutdown.remaining() == 0
    events = [e["event"] for e in logs]
    assert events == [
        "shutdown_requested",
        "shutdown_draining",
        "shutdown_forced",
        "shutdown_grace_expired",
    ]


async def test_drain_with_nothing_in_flight_returns_at_once() -> None:
    shutdown = Shutdown(grace_seconds=60)
    shutdown.request("test")
    assert await asyncio.wait_for(drain(InFlight(), shutdown, "test"), 1) == 0

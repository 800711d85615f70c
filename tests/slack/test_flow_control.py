"""The adapter's small flow-control pieces: in-flight counting and ack-first answers."""

from __future__ import annotations

import asyncio

from adapters.slack.app import AckFirst, InFlight


async def test_in_flight_is_idle_only_when_every_ticket_ended():
    in_flight = InFlight()
    first, second = in_flight.begin(), in_flight.begin()
    first.end()
    first.end()  # ending twice does not count twice
    assert in_flight.count == 1
    assert not await in_flight.wait_idle(0.01)
    second.end()
    assert await in_flight.wait_idle(1)


async def test_answers_wait_for_pending_acks_then_go():
    gate = AckFirst(max_wait=30)
    gate.enter()
    waiting = asyncio.ensure_future(gate.wait())
    await asyncio.sleep(0)  # let it start waiting
    assert not waiting.done()
    gate.leave()
    await asyncio.wait_for(waiting, 5)


async def test_a_stream_of_acks_cannot_starve_answers():
    gate = AckFirst(max_wait=0.05)
    gate.enter()  # never leaves: requests keep arriving
    await asyncio.wait_for(gate.wait(), 5)
    assert gate.acking == 1

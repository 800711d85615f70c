"""Stopping without losing answers: the stop request, in-flight work, and the drain.

``docker stop`` and rolling deploys send SIGTERM; a person at a terminal sends SIGINT. Both
mean the same here: stop taking new work, finish what was already acknowledged within a grace
period (``ATELIER_SHUTDOWN_GRACE_SECONDS``), then return so the bot and its database close
cleanly. asyncio's default does nothing useful on SIGTERM (the process just dies), so the
platform runners share one :class:`Shutdown` whose signal handlers are installed by the launcher.
A second signal during the drain cuts it short, as people expect from a second Ctrl-C.
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator

from bot.logs import get_logger

log = get_logger(__name__)

STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class InFlight:
    """Counts deliveries whose work is not finished yet.

    A delivery is counted from the moment it is taken (before it is acknowledged), so "idle"
    really means every acknowledged request has been answered: the drain waits on it, and so
    can tests.
    """

    def __init__(self) -> None:
        self.count = 0
        self._idle = asyncio.Event()
        self._idle.set()

    def begin(self) -> Ticket:
        self.count += 1
        self._idle.clear()
        return Ticket(self)

    def _end(self) -> None:
        self.count -= 1
        if self.count == 0:
            self._idle.set()

    async def wait_idle(self, timeout: float) -> bool:
        """True once nothing is in flight; False if that took longer than ``timeout``."""
        try:
            await asyncio.wait_for(self._idle.wait(), max(timeout, 0.0))
        except TimeoutError:
            return self.count == 0
        return True


class Ticket:
    """One in-flight delivery; ending it twice is harmless."""

    def __init__(self, owner: InFlight) -> None:
        self._owner: InFlight | None = owner

    def end(self) -> None:
        if self._owner is not None:
            owner, self._owner = self._owner, None
            owner._end()


class Shutdown:
    """A stop request shared by every platform runner, with the grace period's deadline."""

    def __init__(self, grace_seconds: float) -> None:
        self.grace_seconds = grace_seconds
        self._requested = asyncio.Event()
        self._forced = asyncio.Event()
        self._deadline: float | None = None

    @property
    def requested(self) -> bool:
        return self._requested.is_set()

    def request(self, reason: str = "requested") -> None:
        """Start the shutdown (idempotent); a second request ends the grace period at once."""
        loop = asyncio.get_running_loop()
        if self._requested.is_set():
            if not self._forced.is_set():
                log.warning("shutdown_forced", reason=reason)
                self._forced.set()
            return
        self._deadline = loop.time() + self.grace_seconds
        log.info("shutdown_requested", reason=reason, grace_seconds=self.grace_seconds)
        self._requested.set()

    async def wait(self) -> None:
        await self._requested.wait()

    def remaining(self) -> float:
        """Seconds left of the grace period (the whole period before a request)."""
        if self._forced.is_set():
            return 0.0
        if self._deadline is None:
            return self.grace_seconds
        return max(0.0, self._deadline - asyncio.get_running_loop().time())

    async def wait_idle(self, in_flight: InFlight) -> bool:
        """Wait for ``in_flight`` to empty within the grace left; False if it did not."""
        idle = asyncio.ensure_future(in_flight.wait_idle(self.remaining()))
        forced = asyncio.ensure_future(self._forced.wait())
        try:
            await asyncio.wait({idle, forced}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            forced.cancel()
            if not idle.done():
                idle.cancel()
        return in_flight.count == 0

    @contextlib.contextmanager
    def on_signals(self) -> Iterator[None]:
        """Turn SIGTERM and SIGINT into :meth:`request` while the block runs."""
        loop = asyncio.get_running_loop()
        installed = []
        for number in STOP_SIGNALS:
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows
                loop.add_signal_handler(number, self.request, number.name)
                installed.append(number)
        try:
            yield
        finally:
            for number in installed:
                loop.remove_signal_handler(number)


async def drain(in_flight: InFlight, shutdown: Shutdown, platform: str) -> int:
    """Let acknowledged work finish within the grace left; returns how much did not.

    What is still running when the grace period ends is logged with its count: the process
    then stops anyway (an orchestrator kills it soon after), so it must not hang here.
    """
    waiting = in_flight.count
    if waiting:
        log.info(
            "shutdown_draining",
            platform=platform,
            in_flight=waiting,
            grace_seconds=round(shutdown.remaining(), 1),
        )
    if await shutdown.wait_idle(in_flight):
        log.info("shutdown_drained", platform=platform, finished=waiting)
        return 0
    log.warning("shutdown_grace_expired", platform=platform, unfinished=in_flight.count)
    return in_flight.count


__all__ = ["InFlight", "Shutdown", "Ticket", "drain"]

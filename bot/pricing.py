"""Which hourly rate and currency price a piece of work: one fallback order for the product.

``/scope``, proposals, change requests, client updates and time summaries all ask the same
question, so they all get the same answer, from the most specific level that has a rate:

1. the project's own rate (an active project, in its own currency);
2. the workspace's rate, set with ``/scope rate 120 EUR`` (in the workspace's currency, else the
   default currency);
3. the defaults, ``ATELIER_RATE`` and ``ATELIER_CURRENCY``.

A rate is never paired with another level's currency when that level has a currency of its
own: the workspace's 120 EUR stays 120 EUR for a project priced in USD without a rate of its
own, and the answer says where it came from (``source``). So a price is added to a project's
budget (kept in the project's currency) only when it is in that currency; change requests
refuse otherwise and say how to price them in it (:mod:`bot.changes.records`).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from bot.logs import get_logger
from state import TenantSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings
    from bot.services import Services
    from state import ActiveProject

log = get_logger(__name__)

Source = Literal["project", "workspace", "settings"]


@dataclass(frozen=True)
class Pricing:
    """An hourly rate, its currency, and the level it came from."""

    rate: float
    currency: str
    source: Source


class PricingCache:
    """Each workspace's pricing as last read, so that an answer need not read it again.

    This process's own writes (``/scope rate``) :meth:`forget` the workspace once they are
    committed, so they show at once; a write by another process (the CLI, another replica)
    shows within ``max_age`` seconds. A read that began before a write's :meth:`forget` is not
    kept, so an old rate can't outlive the write. At most ``max_tenants`` are kept.

    A workspace that keeps asking has its pricing read again behind an answer once it is half
    its age limit old (:meth:`read_behind`), so no answer of its waits for the read.
    """

    def __init__(
        self,
        max_age: float = 2.0,
        max_tenants: int = 4096,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.max_age = max_age
        self.max_tenants = max_tenants
        self._clock = clock
        self._entries: dict[str, tuple[float, Pricing]] = {}
        self._generation = 0  # bumped by every forget
        self._reading: dict[str, asyncio.Task[object]] = {}  # reads behind the answers

    def get(self, tenant: str) -> Pricing | None:
        """The workspace's pricing when it was read less than ``max_age`` seconds ago."""
        entry = self._entries.get(tenant)
        if entry is None or self._clock() - entry[0] >= self.max_age:
            return None
        return entry[1]

    def ageing(self, tenant: str) -> bool:
        """Whether the kept pricing is at least half its age limit old."""
        entry = self._entries.get(tenant)
        return entry is not None and self._clock() - entry[0] >= self.max_age / 2

    def read_behind(self, tenant: str, read: Callable[[], Coroutine[Any, Any, object]]) -> None:
        """Run ``read`` (which keeps what it finds with :meth:`put`) as a task of the running loop,
        unless one for the workspace is still running."""
        if tenant in self._reading:
            return
        task = asyncio.get_running_loop().create_task(read())
        self._reading[tenant] = task

        def done(finished: asyncio.Task[object]) -> None:
            self._reading.pop(tenant, None)
            if not finished.cancelled() and finished.exception() is not None:
                # The kept pricing stays until it is too old; that answer's own read then
                # reports what is wrong.
                log.warning("pricing_read_failed", error=type(finished.exception()).__name__)

        task.add_done_callback(done)

    def generation(self) -> int:
        """Take this before reading; :meth:`put` keeps the read only if nothing was forgotten
        since."""
        return self._generation

    def put(self, tenant: str, pricing: Pricing, generation: int) -> None:
        if generation != self._generation:
            return
        self._entries.pop(tenant, None)
        while len(self._entries) >= self.max_tenants:  # the oldest read goes first
            del self._entries[next(iter(self._entries))]
        self._entries[tenant] = (self._clock(), pricing)

    def forget(self, tenant: str) -> None:
        """The workspace's pricing changed: read it again next time."""
        self._generation += 1
        self._entries.pop(tenant, None)


async def read_pricing(session: AsyncSession, settings: Settings, tenant: str) -> Pricing:
    """The workspace's pricing inside the caller's session (one round trip with its other work);
    uncached (:func:`workspace_pricing` keeps it)."""
    row = await session.get(TenantSettings, tenant)
    if row is None or (not row.rate and not row.currency):
        return Pricing(settings.rate, settings.currency, "settings")
    # A workspace that set only its currency prices the default rate in it (`/scope rate` can't,
    # but a row from before it could).
    return Pricing(row.rate or settings.rate, row.currency or settings.currency, "workspace")


async def workspace_pricing(services: Services, tenant: str) -> Pricing:
    """The workspace's rate and currency, else the defaults (kept in ``services.pricing``)."""
    cache = services.pricing
    if (pricing := cache.get(tenant)) is not None:
        if cache.ageing(tenant):
            cache.read_behind(tenant, lambda: _read_and_keep(services, tenant))
        return pricing
    return await _read_and_keep(services, tenant)


async def _read_and_keep(services: Services, tenant: str) -> Pricing:
    cache = services.pricing
    generation = cache.generation()
    async with services.db.sessions() as session:
        pricing = await read_pricing(session, services.settings, tenant)
    cache.put(tenant, pricing, generation)
    return pricing


async def project_pricing(services: Services, project: ActiveProject) -> Pricing:
    """The project's own rate in its currency, else the workspace's pricing."""
    if project.rate:
        return Pricing(project.rate, project.currency, "project")
    return await workspace_pricing(services, project.tenant)


__all__ = [
    "Pricing",
    "PricingCache",
    "Source",
    "project_pricing",
    "read_pricing",
    "workspace_pricing",
]

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

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from state import TenantSettings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.config import Settings
    from bot.services import Services
    from state import ActiveProject

Source = Literal["project", "workspace", "settings"]


@dataclass(frozen=True)
class Pricing:
    """An hourly rate, its currency, and the level it came from."""

    rate: float
    currency: str
    source: Source


async def read_pricing(session: AsyncSession, settings: Settings, tenant: str) -> Pricing:
    """The workspace's pricing inside the caller's session (one round trip with its other work)."""
    row = await session.get(TenantSettings, tenant)
    if row is None or (not row.rate and not row.currency):
        return Pricing(settings.rate, settings.currency, "settings")
    # A workspace that set only its currency prices the default rate in it (`/scope rate` can't,
    # but a row from before it could).
    return Pricing(row.rate or settings.rate, row.currency or settings.currency, "workspace")


async def workspace_pricing(services: Services, tenant: str) -> Pricing:
    """The workspace's rate and currency, else the defaults."""
    async with services.db.sessions() as session:
        return await read_pricing(session, services.settings, tenant)


async def project_pricing(services: Services, project: ActiveProject) -> Pricing:
    """The project's own rate in its currency, else the workspace's pricing."""
    if project.rate:
        return Pricing(project.rate, project.currency, "project")
    return await workspace_pricing(services, project.tenant)


__all__ = ["Pricing", "Source", "project_pricing", "read_pricing", "workspace_pricing"]

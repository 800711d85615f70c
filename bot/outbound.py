"""The core's outbound port: "deliver this Reply as a DM to user X on tenant T".

Everything else the core says is an answer to a request. Scheduled work (the weekly digest)
has no request to answer, so each platform adapter that can write to people privately
implements :class:`DirectMessages` and registers it with ``Bot.add_direct_messages``. The
port only ever writes to a person's DMs, never to a channel: that is what keeps scheduled
work away from clients. It reports what the platform did, like ``Bot.confirm_delivery``.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from bot.messages import DeliveryOutcome, Reply


@runtime_checkable
class DirectMessages(Protocol):
    """A platform's way to reach one person privately."""

    platform: str  # "slack", "discord": the value of Request.platform on that platform

    def can_reach(self, user_id: str) -> bool:
        """Whether ``user_id`` looks like a person on this platform (not "cli", not "")."""
        ...

    async def send_dm(self, tenant: str, user_id: str, reply: Reply) -> DeliveryOutcome:
        """Send ``reply`` to the person's DMs; what the platform did, never an exception."""
        ...


__all__ = ["DirectMessages"]

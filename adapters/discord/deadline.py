"""Discord's 3-second interaction deadline.

An interaction must get its first response (an answer, a modal, or a deferral) within 3 s of
Discord sending it, or the user sees "Unknown interaction". The budget counts from when the
interaction arrived, not from when the skill started, and every step that is not guaranteed
fast (a member fetched from the API, a file downloaded, a DM sent, a channel fetched and posted
to) is preceded by a deferral, so no sum of slow steps can cross the line.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

import discord

from bot.logs import get_logger

# The skill may use this much of the 3 s before a deferral goes out; the rest is left for the
# network to carry the first response.
REPLY_BUDGET = 1.5

T = TypeVar("T")
log = get_logger(__name__)
Clock = Callable[[], float]


class Deadline:
    """Tracks one interaction's first response and defers it when time or work demands.

    ``thinking``: defer with a visible "thinking…" state (slash commands and modals), rather
    than a silent update (buttons). A thinking deferral is ephemeral, since nothing private
    may ever show in the open before the answer's visibility is known.
    """

    def __init__(
        self,
        interaction: discord.Interaction,
        *,
        thinking: bool,
        budget: float = REPLY_BUDGET,
        clock: Clock = time.monotonic,
    ) -> None:
        self.interaction = interaction
        self.thinking = thinking
        self.budget = budget
        self.clock = clock
        self.started = clock()
        self.deferred_thinking = False

    def remaining(self) -> float:
        return max(0.0, self.budget - (self.clock() - self.started))

    @property
    def answered(self) -> bool:
        return self.interaction.response.is_done()

    async def defer(self) -> None:
        """Acknowledge now, unless something already answered (then this is a no-op)."""
        if self.answered:
            return
        if self.thinking:
            await self.interaction.response.defer(thinking=True, ephemeral=True)
            self.deferred_thinking = True
        else:
            await self.interaction.response.defer()

    async def within(self, work: Awaitable[T]) -> T:
        """Run the work; defer if it is not done with the budget that is left."""
        task = asyncio.ensure_future(work)
        done, _ = await asyncio.wait({task}, timeout=self.remaining())
        if not done:
            try:
                await self.defer()
            except discord.HTTPException as problem:
                # Too late or refused: the work still finishes (it may be saving something),
                # and answering will report the failure.
                log.warning("discord_defer_failed", status=problem.status)
        return await task


__all__ = ["REPLY_BUDGET", "Deadline"]

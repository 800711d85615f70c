"""A stand-in for ``discord.Interaction``: discord.py cannot build one offline.

It offers exactly what the adapter uses (``response``, ``followup``, ``user``, ``guild``…) and
records every call with its arguments, so tests can check what would reach Discord.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import discord

_ids = itertools.count(900_000_000_000_000_000)


def forbidden() -> discord.Forbidden:
    """The error discord.py raises when a user's DMs are closed to the bot."""
    response = SimpleNamespace(status=403, reason="Forbidden")
    return discord.Forbidden(response, {"code": 50007, "message": "Cannot send messages"})  # type: ignore[arg-type]


@dataclass
class Call:
    name: str
    kwargs: dict[str, Any]
    at: float = 0.0  # on the interaction's clock, when a test gives it one

    @property
    def text(self) -> str:
        parts = [str(self.kwargs.get("content") or "")]
        for embed in self.kwargs.get("embeds") or []:
            parts += [embed.title or "", embed.description or ""]
            parts += [f"{f.name} {f.value}" for f in embed.fields]
        return "\n".join(p for p in parts if p)


# What a studio member holds by default in these tests: the permission Atelier asks for.
STUDIO = discord.Permissions(manage_guild=True)


class FakeUser:
    """The member behind an interaction, with the server-wide permissions and roles Discord
    sends along with it (a real ``discord.Permissions``)."""

    def __init__(
        self,
        user_id: int,
        name: str = "alice",
        dms_open: bool = True,
        *,
        permissions: discord.Permissions = STUDIO,
        roles: tuple[int, ...] = (),
    ) -> None:
        self.id = user_id
        self.name = name
        self.display_name = name.title()
        self.bot = False
        self.dms_open = dms_open
        self.dms: list[Call] = []
        self.guild_permissions = permissions
        self.roles = [SimpleNamespace(id=role) for role in roles]

    async def send(self, content: str | None = None, **kwargs: Any) -> None:
        if not self.dms_open:
            raise forbidden()
        self.dms.append(Call("dm", {"content": content, **kwargs}))


class CallLog(list[Call]):
    """Calls in order, each stamped with the test's clock (0 without one)."""

    def __init__(self) -> None:
        super().__init__()
        self.clock: Callable[[], float] | None = None

    def append(self, call: Call) -> None:
        if self.clock is not None:
            call.at = self.clock()
        super().append(call)


class FakeResponse:
    def __init__(self, log: list[Call]) -> None:
        self.log = log
        self._done = False
        self.modal: discord.ui.Modal | None = None

    def is_done(self) -> bool:
        return self._done

    def _mark(self) -> None:
        if self._done:
            raise discord.InteractionResponded(None)  # type: ignore[arg-type]
        self._done = True

    async def defer(self, *, thinking: bool = False, ephemeral: bool = False) -> None:
        self._mark()
        self.log.append(Call("defer", {"thinking": thinking, "ephemeral": ephemeral}))

    async def send_message(self, content: str | None = None, **kwargs: Any) -> None:
        self._mark()
        self.log.append(Call("send_message", {"content": content, **kwargs}))

    async def send_modal(self, modal: discord.ui.Modal) -> None:
        self._mark()
        self.modal = modal
        self.log.append(Call("send_modal", {"modal": modal}))

    async def edit_message(self, **kwargs: Any) -> None:
        self._mark()
        self.log.append(Call("edit_message", kwargs))


class FakeFollowup:
    def __init__(self, log: list[Call]) -> None:
        self.log = log

    async def send(self, content: str | None = None, **kwargs: Any) -> None:
        self.log.append(Call("followup", {"content": content, **kwargs}))


@dataclass
class FakeInteraction:
    client: discord.Client
    user: FakeUser
    guild_id: int | None
    channel_id: int = 555
    message: Any = None
    id: int = field(default_factory=lambda: next(_ids))
    log: CallLog = field(default_factory=CallLog)

    def __post_init__(self) -> None:
        self.response = FakeResponse(self.log)
        self.followup = FakeFollowup(self.log)
        self.channel: Any = SimpleNamespace(id=self.channel_id)

    @property
    def guild(self) -> Any:
        return SimpleNamespace(id=self.guild_id) if self.guild_id else None

    async def edit_original_response(self, **kwargs: Any) -> None:
        self.log.append(Call("edit_original", kwargs))

    async def delete_original_response(self) -> None:
        self.log.append(Call("delete_original", {}))

    # --- what tests read ----------------------------------------------------------------

    def calls(self, *names: str) -> list[Call]:
        return [c for c in self.log if not names or c.name in names]

    def sent(self) -> list[Call]:
        """Every call that shows something to someone (not defers or modals)."""
        return [c for c in self.log if c.name not in {"defer", "send_modal", "delete_original"}]

    def text(self) -> str:
        return "\n".join(c.text for c in self.sent())


def bot_user_id(client: discord.Client) -> int:
    """The logged-in bot's user id (``client.user`` is typed optional: it is set at login)."""
    assert client.user is not None
    return client.user.id

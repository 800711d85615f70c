"""Display names for Slack user ids (events carry only the id), cached per process."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from typing import Any

# Enough for every member of a large workspace that talks to the bot in a day.
MAX_ENTRIES = 5000

Lookup = Callable[..., Awaitable[dict[str, Any] | None]]


class UserNames:
    """``users.info`` with a bounded LRU cache; an unknown name is "" (callers fall back to
    the id), and a failed lookup is retried next time rather than cached."""

    def __init__(self, call: Lookup, max_entries: int = MAX_ENTRIES) -> None:
        self._call = call
        self._max = max_entries
        self._cache: OrderedDict[tuple[str, str], str] = OrderedDict()

    async def name_of(self, tenant: str, user_id: str) -> str:
        key = (tenant, user_id)
        if key in self._cache:
            self._cache.move_to_end(key)
            return self._cache[key]
        found = await self._call("users.info", user=user_id)
        if found is None:
            return ""
        name = display_name(found.get("user") or {})
        self._cache[key] = name
        if len(self._cache) > self._max:
            self._cache.popitem(last=False)
        return name


def display_name(user: dict[str, Any]) -> str:
    """What Slack shows for a person: display name, else real name, else handle."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:80]
    return ""

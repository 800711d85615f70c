"""What Slack says about the person asking and the channel they ask in -> neutral ``Access``.

The core decides who may use Atelier (``bot/access.py``); this module only gathers the facts:

- ``users.info``: guests (``is_restricted`` / ``is_ultra_restricted``), deactivated accounts,
  and people whose team or Enterprise Grid org is not the one that installed the app
  (Slack Connect), compared with ``auth.test`` of our own token;
- ``conversations.info``: a channel shared with another workspace (``is_ext_shared``,
  ``is_shared``, or a pending invitation) is a shared channel;
- ``usergroups.users.list``: membership of the user groups an allowlist names.

Answers are cached per workspace for ``ATELIER_ACCESS_CACHE_SECONDS``. A failed lookup is
remembered for ``FAILURE_SECONDS`` only, so a burst of events does not retry it each time; a
failed person lookup leaves the role unknown, which the core refuses (a failure never allows
anything), and a failed channel lookup counts the channel as shared, so answers stay
private. Read methods are called through slack_sdk's own methods, which send their arguments
as query parameters (Slack ignores JSON bodies on them).
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.names import display_name
from adapters.slack.translate import is_im_channel
from bot.config import Settings
from bot.logs import get_logger
from bot.messages import Access, Action, Request, Role

log = get_logger(__name__)

V = TypeVar("V")
# Enough for everyone in a large workspace who talks to the bot within the cache time.
MAX_ENTRIES = 10_000
# How long a failed lookup is not retried (never longer than the cache time itself).
FAILURE_SECONDS = 15.0
_FAILURES = (SlackClientError, aiohttp.ClientError, OSError, TimeoutError, ValueError)


class TtlCache(Generic[V]):
    """A bounded cache whose entries expire after ``seconds`` (0 keeps nothing)."""

    def __init__(
        self,
        seconds: float,
        max_entries: int = MAX_ENTRIES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self.clock = clock
        self._entries: OrderedDict[tuple[str, ...], tuple[float, V]] = OrderedDict()

    def get(self, key: tuple[str, ...]) -> V | None:
        found = self._entries.get(key)
        if found is None:
            return None
        expires, value = found
        if self.clock() >= expires:
            del self._entries[key]
            return None
        self._entries.move_to_end(key)
        return value

    def put(self, key: tuple[str, ...], value: V) -> None:
        if self.seconds <= 0:
            return
        self._entries[key] = (self.clock() + self.seconds, value)
        self._entries.move_to_end(key)
        while len(self._entries) > self.max_entries:
            self._entries.popitem(last=False)


@dataclass(frozen=True)
class Installation:
    """The workspace (and Enterprise Grid org) our bot token belongs to."""

    team_id: str
    enterprise_id: str | None = None

    def owns(self, team_or_org: str | None) -> bool:
        return bool(team_or_org) and team_or_org in {self.team_id, self.enterprise_id}


@dataclass(frozen=True)
class Person:
    """The parts of a ``users.info`` answer that decide access (and the name to show)."""

    role: Role
    name: str = ""
    is_admin: bool = False


def person_from(user: Mapping[str, Any], installation: Installation) -> Person:
    """Classify a Slack user object against the installing workspace."""
    name = display_name(dict(user))
    is_admin = bool(user.get("is_admin") or user.get("is_owner"))
    if user.get("deleted"):
        return Person(Role.GUEST, name)
    if user.get("is_restricted") or user.get("is_ultra_restricted"):
        return Person(Role.GUEST, name)
    if user.get("is_stranger"):
        return Person(Role.EXTERNAL, name)
    enterprise = (user.get("enterprise_user") or {}).get("enterprise_id")
    team = user.get("team_id")
    if not team and not enterprise:
        return Person(Role.UNKNOWN, name)
    if installation.enterprise_id and enterprise == installation.enterprise_id:
        return Person(Role.MEMBER, name, is_admin)
    if installation.owns(str(team) if team else None):
        return Person(Role.MEMBER, name, is_admin)
    return Person(Role.EXTERNAL, name)


def shared_from(channel: Mapping[str, Any]) -> bool:
    """True when people of another workspace can (or are invited to) read the channel."""
    return bool(
        channel.get("is_ext_shared")
        or channel.get("is_shared")
        or channel.get("is_pending_ext_shared")
    )


class SlackDirectory:
    """Looks up and caches what Slack says about people, channels and user groups."""

    def __init__(
        self,
        client: AsyncWebClient,
        settings: Settings,
        *,
        prepare: Callable[[], object] = lambda: None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.allowed_users = frozenset(settings.slack_allowed_users)
        self.allowed_groups = tuple(settings.slack_allowed_groups)
        self._prepare = prepare  # shares the sender's connection pool
        self._installation: Installation | None = None
        self._people: TtlCache[Person] = TtlCache(settings.access_cache_seconds, clock=clock)
        self._channels: TtlCache[bool] = TtlCache(settings.access_cache_seconds, clock=clock)
        self._groups: TtlCache[frozenset[str]] = TtlCache(
            settings.access_cache_seconds, clock=clock
        )
        self._failed: TtlCache[bool] = TtlCache(
            min(FAILURE_SECONDS, settings.access_cache_seconds), clock=clock
        )

    async def describe(self, incoming: Request | Action) -> Request | Action:
        """The request with its ``access`` (and, when missing, the person's name) filled in."""
        installation = await self.installation()
        person, shared = await asyncio.gather(
            self.person(incoming.tenant, incoming.user_id, installation),
            self.is_shared(incoming.tenant, incoming.channel_id),
        )
        role = person.role if person is not None else Role.UNKNOWN
        if installation is not None and not installation.owns(incoming.tenant):
            role = Role.EXTERNAL  # a payload from another workspace's context
        groups: frozenset[str] = frozenset()
        if role is Role.MEMBER and incoming.user_id not in self.allowed_users:
            found = await self.groups_of(incoming.tenant, incoming.user_id)
            if found is None:
                role = Role.UNKNOWN  # could not check the allowlist: refuse, never allow
            else:
                groups = found
        access = Access(
            role=role,
            group_ids=groups,
            is_admin=person.is_admin if person is not None else False,
            shared_channel=shared,
            private_in_place=True,  # a response URL or chat.postEphemeral, always
        )
        update: dict[str, Any] = {"access": access}
        if person is not None and person.name and not incoming.user_name:
            update["user_name"] = person.name
        return incoming.model_copy(update=update)

    # --- the lookups -------------------------------------------------------------------------

    async def installation(self) -> Installation | None:
        if self._installation is None:
            found = await self._read("auth.test", self.client.auth_test)
            team = (found or {}).get("team_id")
            if team:
                enterprise = (found or {}).get("enterprise_id") or None
                self._installation = Installation(str(team), enterprise)
        return self._installation

    async def person(
        self, tenant: str, user_id: str, installation: Installation | None
    ) -> Person | None:
        if installation is None or not user_id or user_id == "unknown":
            return None
        key = (tenant, user_id)
        cached = self._people.get(key)
        if cached is not None:
            return cached
        if self._failed.get(("users.info", *key)):
            return None  # failed moments ago: refused again without asking
        found = await self._read("users.info", self.client.users_info, user=user_id)
        user = (found or {}).get("user")
        if not isinstance(user, Mapping):
            self._failed.put(("users.info", *key), True)
            return None
        person = person_from(user, installation)
        if person.role is not Role.UNKNOWN:
            self._people.put(key, person)
        return person

    async def is_shared(self, tenant: str, channel_id: str) -> bool:
        if not channel_id or is_im_channel(channel_id):
            return False  # the person's own DM with the bot
        key = (tenant, channel_id)
        cached = self._channels.get(key)
        if cached is not None:
            return cached
        if self._failed.get(("conversations.info", *key)):
            return True
        found = await self._read(
            "conversations.info", self.client.conversations_info, channel=channel_id
        )
        channel = (found or {}).get("channel")
        if not isinstance(channel, Mapping):
            self._failed.put(("conversations.info", *key), True)
            return True  # not known: answer privately
        shared = shared_from(channel)
        self._channels.put(key, shared)
        return shared

    async def groups_of(self, tenant: str, user_id: str) -> frozenset[str] | None:
        """The allowlisted user groups the person belongs to; None when one could not be read."""
        mine: set[str] = set()
        for group in self.allowed_groups:
            members = await self.members_of(tenant, group)
            if members is None:
                return None
            if user_id in members:
                mine.add(group)
        return frozenset(mine)

    async def members_of(self, tenant: str, group: str) -> frozenset[str] | None:
        key = (tenant, group)
        cached = self._groups.get(key)
        if cached is not None:
            return cached
        found = await self._read(
            "usergroups.users.list", self.client.usergroups_users_list, usergroup=group
        )
        users = (found or {}).get("users")
        if not isinstance(users, list):
            return None
        members = frozenset(str(user) for user in users)
        self._groups.put(key, members)
        return members

    async def _read(
        self, method: str, call: Callable[..., Awaitable[Any]], **arguments: str
    ) -> dict[str, Any] | None:
        self._prepare()
        try:
            response = await call(**arguments)
        except _FAILURES as problem:
            error = (
                str(problem.response.get("error", "error"))
                if isinstance(problem, SlackApiError)
                else f"{type(problem).__name__}: {problem}"[:200]
            )
            log.warning("slack_api_failed", method=method, error=error)
            return None
        return dict(response.data) if isinstance(response.data, dict) else None


__all__ = ["Installation", "Person", "SlackDirectory", "TtlCache", "person_from", "shared_from"]

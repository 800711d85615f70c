"""What Discord says about the person asking and the channel they ask in -> neutral ``Access``.

The core decides (``bot/access.py``); this module only reads facts off discord.py objects:

- the member's server-wide permissions (Manage Server, which Administrator implies) and role
  ids, from the server the request acts in: the server itself, or for a DM the home server
  (``ATELIER_DISCORD_HOME_GUILD``), where the person must be a member;
- whether a client role (``ATELIER_DISCORD_CLIENT_ROLES``) can read the channel: then the
  channel is shared with people outside the studio.

Anything that cannot be read (not a member, a channel not in the cache) is reported as
unknown or shared, never as the permissive answer.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import discord

from bot.messages import Access, Role

# A request is unchecked until the adapter has looked (see AtelierClient.access_for).
UNCHECKED = Access(role=Role.UNKNOWN)


def member_facts(member: Any) -> tuple[bool, frozenset[str]] | None:
    """(holds Manage Server, role ids) of a guild member; None for anything else."""
    permissions = getattr(member, "guild_permissions", None)
    if not isinstance(permissions, discord.Permissions):
        return None
    roles = getattr(member, "roles", None) or ()
    return permissions.manage_guild, frozenset(str(role.id) for role in roles)


def readable_by_clients(
    guild: discord.Guild | None, channel: Any, client_role_ids: Iterable[str]
) -> bool:
    """True when one of the client roles can see the channel (or when that can't be told)."""
    wanted = [int(role_id) for role_id in client_role_ids if role_id.isdigit()]
    if not wanted:
        return False
    get_role = getattr(guild, "get_role", None)
    if get_role is None or not hasattr(channel, "permissions_for"):
        return True  # a channel we cannot inspect: assume clients can read it
    for role_id in wanted:
        role = get_role(role_id)
        if role is None:
            continue  # a role that no longer exists reads nothing
        if channel.permissions_for(role).view_channel:
            return True
    return False


def access_of(
    member: Any,
    guild: discord.Guild | None,
    channel: Any,
    client_role_ids: Iterable[str],
    *,
    private_in_place: bool,
) -> Access:
    """The neutral access of a request: ``member`` in ``guild`` (its server, or the home
    server for a DM, where ``channel`` is None: a DM is never shared)."""
    facts = member_facts(member)
    if facts is None:
        return UNCHECKED
    is_admin, roles = facts
    shared = channel is not None and readable_by_clients(guild, channel, client_role_ids)
    return Access(
        role=Role.MEMBER,
        group_ids=roles,
        is_admin=is_admin,
        shared_channel=shared,
        private_in_place=private_in_place,
    )


def channel_of(guild: discord.Guild | None, channel: Any, channel_id: int | None) -> Any:
    """The full channel object when the interaction only carried a partial one."""
    if hasattr(channel, "permissions_for") or guild is None or channel_id is None:
        return channel
    getter = getattr(guild, "get_channel_or_thread", None)
    found = getter(channel_id) if getter is not None else None
    return found if found is not None else channel


__all__ = ["UNCHECKED", "access_of", "channel_of", "member_facts", "readable_by_clients"]

"""Slack's side of the core's DM port (:class:`bot.outbound.DirectMessages`).

``conversations.open`` with the user id gives the bot's IM with them; the reply is posted
there with ``chat.postMessage``, and what Slack answered (the message ``ts`` and permalink,
or the error code in plain words) is the outcome, as for a post to a client channel. Only
ever an IM: this port has no way to write to a channel. With multi-workspace installs the
tenant's own token is used; a tenant that uninstalled the app is refused.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable

from adapters.slack.send import REFUSALS, Sender
from bot.messages import DeliveryOutcome, Reply

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")


class SlackDirectMessages:
    platform = "slack"

    def __init__(self, sender_for: Callable[[str], Awaitable[Sender | None]]) -> None:
        self.sender_for = sender_for

    def can_reach(self, user_id: str) -> bool:
        return bool(_USER_ID.match(user_id))

    async def send_dm(self, tenant: str, user_id: str, reply: Reply) -> DeliveryOutcome:
        if not self.can_reach(user_id):
            return DeliveryOutcome.refused("", "user_not_found", "that isn't a Slack user id")
        sender = await self.sender_for(tenant)
        if sender is None:
            return DeliveryOutcome.refused(
                "", "not_installed", "the app is not installed in that workspace any more"
            )
        opened = await sender.call("conversations.open", users=user_id)
        channel = (opened or {}).get("channel") or {}
        channel_id = channel.get("id") if isinstance(channel, dict) else None
        if not channel_id:
            return DeliveryOutcome.refused(
                "", "cannot_dm_user", REFUSALS.get("cannot_dm_user", "Slack wouldn't open a DM")
            )
        return await sender.post_for_outcome(sender.render(reply), str(channel_id))


__all__ = ["SlackDirectMessages"]

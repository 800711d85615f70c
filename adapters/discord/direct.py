"""Discord's side of the core's DM port (:class:`bot.outbound.DirectMessages`).

The person is looked up by id (cache first, then the API) and the reply sent with
``user.send`` (buttons reserved for them, no mentions), like any DM answer; what Discord did
is the outcome: the message id and link, or closed DMs / an unknown user in plain words. Only
ever a DM: this port has no way to write to a channel.
"""

from __future__ import annotations

from typing import Any

import aiohttp
import discord

from adapters.discord.delivery import Delivery, rendered, without_form
from bot.logs import get_logger
from bot.messages import DeliveryOutcome, Reply

log = get_logger(__name__)
DMS_CLOSED = "their DMs are closed to the app (Discord's privacy setting for this server)"


class DiscordDirectMessages:
    platform = "discord"

    def __init__(self, client: discord.Client, delivery: Delivery) -> None:
        self.client = client
        self.delivery = delivery

    def can_reach(self, user_id: str) -> bool:
        return user_id.isdigit() and len(user_id) <= 21  # a snowflake

    async def _user(self, user_id: str) -> Any:
        found = self.client.get_user(int(user_id))
        if found is None:
            found = await self.client.fetch_user(int(user_id))
        return found

    async def send_dm(self, tenant: str, user_id: str, reply: Reply) -> DeliveryOutcome:
        if not self.can_reach(user_id):
            return DeliveryOutcome.refused("", "unknown_user", "that isn't a Discord user id")
        try:
            user = await self._user(user_id)
            sent = await self.delivery.send(user, rendered(without_form(reply)), user_id, tenant)
        except discord.Forbidden:
            return DeliveryOutcome.refused("", "dms_closed", DMS_CLOSED)
        except discord.NotFound:
            return DeliveryOutcome.refused("", "unknown_user", "Discord doesn't know that user")
        except (TimeoutError, discord.HTTPException, aiohttp.ClientError) as error:
            log.warning("discord_dm_failed", error=type(error).__name__)
            return DeliveryOutcome.unknown("", "no_answer", "Discord did not answer in time")
        first = sent[0] if sent else None
        channel = getattr(getattr(first, "channel", None), "id", "")
        message_id = getattr(first, "id", None)
        link = getattr(first, "jump_url", None)
        return DeliveryOutcome.ok(
            str(channel or ""), str(message_id) if message_id else None, link or None
        )


__all__ = ["DiscordDirectMessages"]

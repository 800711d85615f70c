"""One bot token's Web API client, sender and directory: a workspace the adapter answers.

In single-token mode there is one, built from ``SLACK_BOT_TOKEN``. With multi-workspace
installs (OAuth), Bolt's authorize step finds the token of the workspace each request comes
from, and the adapter answers through the :class:`Workspace` of that token, so every call a
request causes (who is asking, the answer, uploads, the Home tab) uses its own workspace's
token. Scheduled work, which has no request, finds the token by tenant in the installation
store.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.access import SlackDirectory
from adapters.slack.send import Reporter, Sender, retry_handlers
from bot.config import Settings
from bot.logs import get_logger

log = get_logger(__name__)

# Workspaces kept ready (connection pool, directory caches); the least recently used closes.
MAX_WORKSPACES = 200

TokenFinder = Callable[[str], Awaitable[str | None]]


@dataclass
class Workspace:
    """Everything that talks to Slack with one bot token."""

    client: AsyncWebClient
    sender: Sender
    directory: SlackDirectory


class Workspaces:
    """Workspaces by bot token, built on first use and closed when evicted or at the end."""

    def __init__(
        self,
        settings: Settings,
        report: Reporter | None,
        find_token: TokenFinder | None = None,
        max_workspaces: int = MAX_WORKSPACES,
    ) -> None:
        self.settings = settings
        self.report = report
        self.find_token = find_token
        self.max_workspaces = max_workspaces
        self._by_token: OrderedDict[str, Workspace] = OrderedDict()
        # Evicted while requests may still use them: their connections close at the end.
        self._closing: list[Workspace] = []

    def client(self, token: str | None) -> AsyncWebClient:
        return AsyncWebClient(
            token=token,
            base_url=self.settings.slack_api_url or AsyncWebClient.BASE_URL,
            retry_handlers=retry_handlers(),
            logger=logging.getLogger("slack_sdk.web"),
        )

    def of_token(self, token: str) -> Workspace:
        found = self._by_token.get(token)
        if found is not None:
            self._by_token.move_to_end(token)
            return found
        client = self.client(token)
        sender = Sender(client, report=self.report)
        directory = SlackDirectory(client, self.settings, prepare=sender.session)
        workspace = Workspace(client, sender, directory)
        self._by_token[token] = workspace
        while len(self._by_token) > self.max_workspaces:
            _token, oldest = self._by_token.popitem(last=False)
            self._closing.append(oldest)
        return workspace

    async def of_tenant(self, tenant: str) -> Workspace | None:
        """The workspace of a tenant outside any request (its install's token), or None."""
        if self.find_token is None:
            return None
        token = await self.find_token(tenant)
        return self.of_token(token) if token else None

    async def forget(self, token: str | None) -> None:
        """A token Slack revoked (uninstall): drop it and its caches."""
        if token and (workspace := self._by_token.pop(token, None)) is not None:
            await workspace.sender.close()

    async def close(self) -> None:
        for workspace in [*self._by_token.values(), *self._closing]:
            await workspace.sender.close()
        self._by_token.clear()
        self._closing.clear()


__all__ = ["Workspace", "Workspaces"]

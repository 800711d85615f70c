"""The real Slack adapter served over HTTP on loopback, talking to a fake Web API.

``slack`` gives a :class:`SlackHarness`: it signs requests the way Slack does (HMAC v0),
POSTs them to ``/slack/events`` and exposes the fake API's recorded calls.
"""

from __future__ import annotations

import copy
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from aiohttp import web
from pydantic import SecretStr

from adapters.runtime import build_services
from adapters.slack.app import EVENTS_PATH, SlackAdapter
from bot.config import Settings
from bot.core import Bot
from tests.slack.fake_slack import FakeSlack

SIGNING_SECRET = "test-signing-secret-0123456789"
BOT_TOKEN = "xoxb-test-0000-token"
PAYLOADS = Path(__file__).parent / "payloads"
TEST_SKILLS = ("bot.skills.help", "tests.slack.fake_skills")


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """A recorded payload (``payloads/<name>.json``), deep-copied, top-level keys changed."""
    data = json.loads((PAYLOADS / f"{name}.json").read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    data.update(changes)
    return data


def sign(body: str, timestamp: int, secret: str = SIGNING_SECRET) -> dict[str, str]:
    base = f"v0:{timestamp}:{body}".encode()
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": str(timestamp), "X-Slack-Signature": f"v0={digest}"}


class SlackHarness:
    def __init__(self, adapter: SlackAdapter, fake: FakeSlack, base_url: str) -> None:
        self.adapter = adapter
        self.fake = fake
        self.base_url = base_url
        self.session = aiohttp.ClientSession()
        self._deliveries = itertools.count(1)

    def trigger_id(self) -> str:
        """Slack gives every invocation its own trigger id (the core de-duplicates on it)."""
        return f"13345224609.738474920.{next(self._deliveries):012d}"

    async def close(self) -> None:
        await self.session.close()

    async def post(
        self,
        body: str,
        content_type: str,
        *,
        secret: str = SIGNING_SECRET,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, str]:
        stamp = int(time.time()) if timestamp is None else timestamp
        sent = {"Content-Type": content_type, **sign(body, stamp, secret), **(headers or {})}
        async with self.session.post(
            self.base_url + EVENTS_PATH, data=body.encode(), headers=sent
        ) as response:
            return response.status, await response.text()

    async def command(self, name: str, text: str = "", **changes: Any) -> tuple[int, str]:
        fields = payload("slash_command", command=f"/{name}", text=text)
        fields |= {"response_url": self.fake.response_url(name), "trigger_id": self.trigger_id()}
        fields |= changes
        return await self.post(urlencode(fields), "application/x-www-form-urlencoded")

    async def event(self, body: dict[str, Any], **options: Any) -> tuple[int, str]:
        return await self.post(json.dumps(body), "application/json", **options)

    async def interact(self, body: dict[str, Any]) -> tuple[int, str]:
        body = {**body, "trigger_id": body.get("trigger_id") or self.trigger_id()}
        if body.get("response_url") == "{response_url}":
            body["response_url"] = self.fake.response_url("action")
        form = urlencode({"payload": json.dumps(body)})
        return await self.post(form, "application/x-www-form-urlencoded")

    async def settle(self, timeout: float = 10.0) -> None:
        """Wait until every acknowledged request has been answered."""
        assert await self.adapter.in_flight.wait_idle(timeout), "adapter still busy"


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlack]:
    fake = await FakeSlack().start()
    yield fake
    await fake.stop()
    assert not fake.unknown, f"the adapter called Web API methods the fake lacks: {fake.unknown}"
    refused = fake.json_refused
    assert not refused, f"read methods sent as JSON (Slack ignores the body): {refused}"


@pytest.fixture
def slack_settings(settings: Settings, fake_slack: FakeSlack) -> Settings:
    return settings.model_copy(
        update={
            "slack_bot_token": SecretStr(BOT_TOKEN),
            "slack_signing_secret": SecretStr(SIGNING_SECRET),
            "slack_api_url": fake_slack.api_url,
        }
    )


@pytest.fixture
async def slack_bot(slack_settings: Settings) -> AsyncIterator[Bot]:
    bot = Bot(build_services(slack_settings), skills=TEST_SKILLS)
    await bot.start()
    yield bot
    await bot.close()


@asynccontextmanager
async def serving(bot: Bot, settings: Settings, fake: FakeSlack) -> AsyncIterator[SlackHarness]:
    """The adapter's real aiohttp app on a free loopback port."""
    adapter = SlackAdapter(bot, settings)
    runner = web.AppRunner(adapter.web_app())
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    harness = SlackHarness(adapter, fake, f"http://127.0.0.1:{port}")
    try:
        yield harness
    finally:
        await adapter.close()
        await harness.close()
        await runner.cleanup()


@pytest.fixture
async def slack(
    slack_bot: Bot, slack_settings: Settings, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    """The adapter over the small test skills (tests/slack/fake_skills.py)."""
    async with serving(slack_bot, slack_settings, fake_slack) as harness:
        yield harness


@pytest.fixture
async def product_slack(
    slack_settings: Settings, fake_slack: FakeSlack
) -> AsyncIterator[SlackHarness]:
    """The adapter over the product's own skills."""
    bot = Bot(build_services(slack_settings))
    await bot.start()
    try:
        async with serving(bot, slack_settings, fake_slack) as harness:
            yield harness
    finally:
        await bot.close()

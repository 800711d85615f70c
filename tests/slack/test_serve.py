"""Starting and stopping the Slack adapter the way `make run` does (HTTP mode)."""

from __future__ import annotations

import asyncio
import socket

import aiohttp
import pytest
from pydantic import SecretStr
from structlog.testing import capture_logs

from adapters.slack.app import SlackAdapter, serve_slack
from tests.slack.conftest import payload
from tests.slack.fake_slack import FakeSlack


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _healthz(port: int, timeout: float = 10.0) -> int:
    """GET /healthz, retrying while the server is still binding its port (bounded)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/healthz") as response:
                    return response.status
            except aiohttp.ClientConnectionError:
                if loop.time() > deadline:
                    raise
                await asyncio.sleep(0.05)


async def test_http_mode_serves_healthz_and_stops_cleanly(slack_bot, slack_settings, fake_slack):
    port = _free_port()
    settings = slack_settings.model_copy(update={"port": port})
    server = asyncio.ensure_future(serve_slack(slack_bot, settings))
    assert await _healthz(port) == 200
    assert [c.method for c in fake_slack.calls] == ["auth.test"]  # token checked at start
    server.cancel()
    await asyncio.gather(server, return_exceptions=True)
    assert server.cancelled()


async def test_start_with_slack_unreachable_is_logged_not_fatal(slack_bot, slack_settings):
    down = FakeSlack()
    await down.start()
    await down.stop()  # a port where nothing listens any more
    port = _free_port()
    settings = slack_settings.model_copy(update={"port": port, "slack_api_url": down.api_url})
    with capture_logs() as logs:
        server = asyncio.ensure_future(serve_slack(slack_bot, settings))
        assert await _healthz(port, timeout=30) == 200
    server.cancel()
    await asyncio.gather(server, return_exceptions=True)
    assert any(entry["event"] == "slack_auth_test_failed" for entry in logs)


async def test_http_mode_refuses_to_start_without_a_signing_secret(slack_bot, slack_settings):
    settings = slack_settings.model_copy(update={"slack_signing_secret": None})
    with pytest.raises(RuntimeError, match="SLACK_SIGNING_SECRET"):
        SlackAdapter(slack_bot, settings).web_app()


async def test_socket_mode_answers_a_slash_command_and_closes_its_socket(
    slack_bot, slack_settings, fake_slack
):
    settings = slack_settings.model_copy(
        update={"slack_app_token": SecretStr("xapp-1-A0TEST-0000"), "slack_signing_secret": None}
    )
    server = asyncio.ensure_future(serve_slack(slack_bot, settings))
    await fake_slack.wait_for(_seen("socket_connected"))
    command = payload("slash_command", command="/log", text="socket works")
    command["response_url"] = fake_slack.response_url("socket")
    await fake_slack.push(
        {
            "envelope_id": "env-1",
            "type": "slash_commands",
            "payload": command,
            "accepts_response_payload": True,
        }
    )
    # The ack travels over the websocket and the answer over HTTP: either may be recorded first.
    await fake_slack.wait_for(
        lambda calls: _seen("response_url")(calls) and _seen("socket_ack")(calls)
    )
    (ack,) = fake_slack.of("socket_ack")
    assert ack.payload["envelope_id"] == "env-1"
    (answer,) = fake_slack.of("response_url")
    assert "Logged for alice: socket works" in answer.text

    server.cancel()
    await asyncio.gather(server, return_exceptions=True)
    await fake_slack.wait_for(_seen("socket_closed"))


def _seen(method: str):
    return lambda calls: any(call.method == method for call in calls)

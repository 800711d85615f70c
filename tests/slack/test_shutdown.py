"""Stopping the Slack adapter: new work is refused, acknowledged answers still go out.

The fake Web API holds response-URL posts until the test releases them, so an answer is known
to be in flight when the stop is requested. The process-level test (a real `atelier run` and
SIGTERM) is tests/reliability/test_shutdown.py.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Callable, MutableMapping
from typing import Any
from urllib.parse import urlencode

import aiohttp
from pydantic import SecretStr
from structlog.testing import capture_logs

from adapters.lifecycle import Shutdown
from adapters.slack.app import EVENTS_PATH, RESTARTING, SlackAdapter
from bot.config import Settings
from bot.core import Bot
from tests.slack.conftest import payload, sign
from tests.slack.fake_slack import FakeSlack

BOUND = 10.0  # seconds; only stops a broken drain from hanging the test


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


async def _until(condition: Callable[[], bool]) -> None:
    """Yield to the event loop until ``condition`` holds (state flips inside this loop)."""
    deadline = asyncio.get_running_loop().time() + BOUND
    while not condition():
        assert asyncio.get_running_loop().time() < deadline, "condition never held"
        await asyncio.sleep(0)


def _log_command(fake: FakeSlack, text: str, token: str) -> str:
    fields = payload("slash_command", command="/log", text=text)
    fields |= {"response_url": fake.response_url(token), "trigger_id": f"trigger.{token}"}
    return urlencode(fields)


async def _post(session: aiohttp.ClientSession, url: str, body: str) -> int:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, int(time.time())),
    }
    async with session.post(url + EVENTS_PATH, data=body, headers=headers) as response:
        await response.read()
        return response.status


async def _get_healthz(session: aiohttp.ClientSession, url: str) -> int:
    deadline = asyncio.get_running_loop().time() + BOUND
    while True:  # the server may still be binding its port
        try:
            async with session.get(url + "/healthz") as response:
                return response.status
        except aiohttp.ClientConnectionError:
            assert asyncio.get_running_loop().time() < deadline
            await asyncio.sleep(0.05)


async def test_http_drain_answers_503_to_new_work_and_delivers_acknowledged_answers(
    slack_bot: Bot, slack_settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.hold_responses = asyncio.Event()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    adapter = SlackAdapter(slack_bot, slack_settings)
    shutdown = Shutdown(grace_seconds=BOUND)
    server = asyncio.ensure_future(adapter.serve_http("127.0.0.1", port, shutdown))
    # One kept-alive connection each: requests that reach the server after it stopped
    # listening (as a load balancer's pooled connection would).
    events = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
    health = aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=1))
    try:
        assert await _get_healthz(health, url) == 200
        assert await _post(events, url, _log_command(fake_slack, "before", "before")) == 200
        await fake_slack.wait_for(lambda _calls: fake_slack.held == 1)  # answer in flight

        shutdown.request("test")
        await _until(lambda: adapter.draining)
        assert await _post(events, url, _log_command(fake_slack, "after", "after")) == 503
        assert await _get_healthz(health, url) == 503
        assert not server.done()  # still waiting for the held answer
        assert adapter.in_flight.count == 1

        fake_slack.hold_responses.set()
        await asyncio.wait_for(server, BOUND)
    finally:
        await events.close()
        await health.close()
        server.cancel()
    (answer,) = fake_slack.of("response_url")
    assert answer.path == "/response/before"
    assert "Logged for alice: before" in answer.text
    assert adapter.in_flight.count == 0


async def test_http_work_past_the_grace_period_is_logged_and_serving_ends(
    slack_bot: Bot, slack_settings: Settings, fake_slack: FakeSlack
) -> None:
    fake_slack.hold_responses = asyncio.Event()  # never released before the grace ends
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    adapter = SlackAdapter(slack_bot, slack_settings)
    shutdown = Shutdown(grace_seconds=0.2)
    with capture_logs() as logs:
        server = asyncio.ensure_future(adapter.serve_http("127.0.0.1", port, shutdown))
        async with aiohttp.ClientSession() as session:
            assert await _get_healthz(session, url) == 200
            for number in range(3):
                body = _log_command(fake_slack, f"entry {number}", f"slow-{number}")
                assert await _post(session, url, body) == 200
        await fake_slack.wait_for(lambda _calls: fake_slack.held == 3)
        shutdown.request("test")
        await asyncio.wait_for(server, BOUND)  # returns although the answers are stuck
    fake_slack.hold_responses.set()
    expired = [entry for entry in logs if entry["event"] == "shutdown_grace_expired"]
    assert [(entry["platform"], entry["unfinished"]) for entry in expired] == [("slack", 3)]
    assert not any(entry["event"] == "shutdown_drained" for entry in logs)


async def test_socket_mode_drain_refuses_new_envelopes_and_finishes_acked_work(
    slack_bot: Bot, slack_settings: Settings, fake_slack: FakeSlack
) -> None:
    settings = slack_settings.model_copy(
        update={"slack_app_token": SecretStr("xapp-1-A0TEST-0000"), "slack_signing_secret": None}
    )
    fake_slack.hold_responses = asyncio.Event()
    adapter = SlackAdapter(slack_bot, settings)
    shutdown = Shutdown(grace_seconds=BOUND)
    with capture_logs() as logs:
        server = asyncio.ensure_future(adapter.serve_socket_mode("xapp-1-A0TEST-0000", shutdown))
        await fake_slack.wait_for(lambda calls: _seen(calls, "socket_connected"))
        await fake_slack.push(_envelope("env-1", _command(fake_slack, "taken", "taken")))
        await fake_slack.wait_for(lambda _calls: fake_slack.held == 1)

        shutdown.request("test")
        await _until(lambda: adapter.draining)
        mention = {"envelope_id": "env-2", "type": "events_api", "payload": payload("app_mention")}
        await fake_slack.push(mention)
        await fake_slack.push(_envelope("env-3", _command(fake_slack, "late", "late")))
        await fake_slack.wait_for(lambda calls: _acked(calls) >= {"env-1", "env-3"})
        await _until(lambda: len(_refused(logs)) == 2)
        assert not server.done()

        fake_slack.hold_responses.set()
        await asyncio.wait_for(server, BOUND)
    await fake_slack.wait_for(lambda calls: _seen(calls, "socket_closed"))
    # The event was left unacknowledged (Slack redelivers it); the late command was told why.
    assert _acked(fake_slack.calls) == {"env-1", "env-3"}
    (late,) = [c for c in fake_slack.of("socket_ack") if c.payload["envelope_id"] == "env-3"]
    assert late.payload["payload"]["text"] == RESTARTING
    assert sorted(_refused(logs)) == ["events_api", "slash_commands"]
    (answer,) = fake_slack.of("response_url")
    assert answer.path == "/response/taken" and "Logged for alice: taken" in answer.text


def _command(fake: FakeSlack, text: str, token: str) -> dict[str, object]:
    command = payload("slash_command", command="/log", text=text)
    command |= {"response_url": fake.response_url(token), "trigger_id": f"trigger.{token}"}
    return command


def _envelope(envelope_id: str, command: dict[str, object]) -> dict[str, object]:
    return {
        "envelope_id": envelope_id,
        "type": "slash_commands",
        "payload": command,
        "accepts_response_payload": True,
    }


def _seen(calls: list, method: str) -> bool:
    return any(call.method == method for call in calls)


def _acked(calls: list) -> set[str]:
    return {str(c.payload.get("envelope_id")) for c in calls if c.method == "socket_ack"}


def _refused(logs: list[MutableMapping[str, Any]]) -> list[str]:
    return [str(e["kind"]) for e in logs if e["event"] == "slack_envelope_refused"]

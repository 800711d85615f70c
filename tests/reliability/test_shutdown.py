"""SIGTERM drains: a real `atelier run` (Slack HTTP mode) delivers every acknowledged answer.

``docker stop`` and rolling deploys send SIGTERM. The process under test is the real command
with a fake Slack Web API on loopback that holds every response-URL post until the test lets
it through: when the signal is sent, none of the acknowledged answers has been delivered, so
the process can only pass by waiting for them. New requests after the signal are refused.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import discord
import pytest
from structlog.testing import capture_logs

from bot.config import Settings
from tests.reliability.conftest import free_port
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, payload, sign
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 120  # a cold start imports the whole stack; bounded so a broken start fails
GRACE_SECONDS = 15
REQUESTS = 12


class Process:
    """`atelier run` as a child process; its JSON log lines are collected as they come."""

    def __init__(self, process: asyncio.subprocess.Process, port: int) -> None:
        self.process = process
        self.url = f"http://127.0.0.1:{port}"
        self.lines: list[str] = []
        self.changed = asyncio.Condition()
        self.reader = asyncio.ensure_future(self._read())

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            async with self.changed:
                self.lines.append(line.decode(errors="replace"))
                self.changed.notify_all()

    def events(self, name: str) -> list[dict[str, object]]:
        found = []
        for line in self.lines:
            with contextlib.suppress(ValueError):
                entry = json.loads(line)
                if isinstance(entry, dict) and entry.get("event") == name:
                    found.append(entry)
        return found

    async def logged(self, name: str, timeout: float = 30) -> dict[str, object]:
        async with self.changed:
            await asyncio.wait_for(self.changed.wait_for(lambda: self.events(name)), timeout)
        return self.events(name)[0]

    @staticmethod
    async def wait_healthy(
        session: aiohttp.ClientSession, url: str, running: asyncio.Future[int]
    ) -> None:
        """Poll ``/healthz`` (a real condition) until it answers 200 or ``running`` ends."""
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline and not running.done():
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{url}/healthz") as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.05)
        raise AssertionError("the Slack adapter never became healthy")

    async def wait_ready(self, session: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + READY_SECONDS
        while time.monotonic() < deadline:  # polling a health endpoint for a real condition
            if self.process.returncode is not None:
                break
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(f"{self.url}/healthz") as answer:
                    if answer.status == 200:
                        return
            await asyncio.sleep(0.2)
        raise AssertionError(f"atelier run never became ready: {''.join(self.lines)[-800:]}")


@contextlib.asynccontextmanager
async def atelier_run(
    fake: FakeSlack, tmp_path: Path, extra: dict[str, str | None] | None = None
) -> AsyncIterator[Process]:
    """`atelier run` against ``fake``; ``extra`` sets (or, with None, removes) variables."""
    port = free_port()
    environment = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(tmp_path),
        "PYTHONPATH": str(ROOT),
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "ATELIER_DEMO_DATA": "false",
        "ATELIER_LOG_JSON": "true",
        "ATELIER_PORT": str(port),
        "ATELIER_SLACK_API_URL": fake.api_url,
        "ATELIER_SHUTDOWN_GRACE_SECONDS": str(GRACE_SECONDS),
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
    }
    for name, value in (extra or {}).items():
        if value is None:
            environment.pop(name, None)
        else:
            environment[name] = value
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "adapters.cli",
        "run",
        cwd=tmp_path,
        env=environment,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    process = Process(child, port)
    try:
        yield process
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        await process.reader


def scope_command(number: int, fake: FakeSlack) -> str:
    fields = payload("slash_command", command="/scope", text=f"Shopify store number {number}")
    fields |= {
        "response_url": fake.response_url(f"scope-{number}"),
        "trigger_id": f"13345224609.738474920.{number:012d}",
    }
    return urlencode(fields)


async def post(session: aiohttp.ClientSession, url: str, body: str) -> tuple[int, str]:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        **sign(body, int(time.time())),
    }
    async with session.post(f"{url}/slack/events", data=body, headers=headers) as answer:
        return answer.status, await answer.text()


@pytest.mark.slow
async def test_sigterm_delivers_every_acknowledged_answer_and_refuses_new_work(
    fake_slack: FakeSlack, tmp_path: Path
) -> None:
    fake_slack.hold_responses = asyncio.Event()
    async with atelier_run(fake_slack, tmp_path) as process:
        async with aiohttp.ClientSession() as session:
            await process.wait_ready(session)
            bodies = [scope_command(number, fake_slack) for number in range(REQUESTS)]
            acks = await asyncio.gather(*(post(session, process.url, body) for body in bodies))
            assert [status for status, _ in acks] == [200] * REQUESTS
            assert all("Working on it" in text for _, text in acks)

            process.process.send_signal(signal.SIGTERM)
            signalled = time.monotonic()
            draining = await process.logged("shutdown_draining")
            assert fake_slack.of("response_url") == []  # nothing delivered yet: all held
            assert draining["in_flight"] == REQUESTS

            # New work is refused: 503 on a connection still open, or no connection at all.
            late = scope_command(REQUESTS, fake_slack)
            try:
                status, _ = await post(session, process.url, late)
            except aiohttp.ClientConnectionError:
                status = None
            assert status in (503, None)

        fake_slack.hold_responses.set()  # let the held answers through
        code = await asyncio.wait_for(process.process.wait(), GRACE_SECONDS + 10)
        stopped_after = time.monotonic() - signalled

    assert code == 0, "".join(process.lines)[-1500:]
    answers = fake_slack.of("response_url")
    assert sorted(call.path for call in answers) == sorted(
        f"/response/scope-{number}" for number in range(REQUESTS)
    )
    assert all("no close analogues" in call.text.lower() for call in answers), answers[0].text
    assert process.events("shutdown_drained")[0]["finished"] == REQUESTS
    assert process.events("shutdown_grace_expired") == []
    assert process.events("shutdown_complete")
    print(f"{REQUESTS} answers delivered; stopped {stopped_after:.1f} s after SIGTERM")


async def test_launch_with_slack_and_discord_drains_both_on_sigterm(
    slack_settings: Settings, fake_slack: FakeSlack, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Both platforms in one process share the stop: one SIGTERM drains both, exit code 0."""
    from adapters.launch import launch

    connected = asyncio.Event()

    async def start(self: discord.Client, token: str, *, reconnect: bool = True) -> None:
        connected.set()  # the gateway seam: connected until the client is closed
        await asyncio.Event().wait()

    monkeypatch.setattr(discord.Client, "start", start)
    port = free_port()
    settings = Settings.model_validate(
        {
            **slack_settings.model_dump(),
            "port": port,
            "discord_token": "MTIz.Gabcde.not-a-real-token",
            "shutdown_grace_seconds": 5,
        }
    )
    with capture_logs() as logs:
        running = asyncio.ensure_future(launch(settings))
        async with aiohttp.ClientSession() as session:
            await Process.wait_healthy(session, f"http://127.0.0.1:{port}", running)
        await asyncio.wait_for(connected.wait(), READY_SECONDS)
        os.kill(os.getpid(), signal.SIGTERM)
        assert await asyncio.wait_for(running, 30) == 0
    drained = sorted(str(e["platform"]) for e in logs if e["event"] == "shutdown_drained")
    requested = [e for e in logs if e["event"] == "shutdown_requested"]
    assert [e["reason"] for e in requested] == ["SIGTERM"]
    assert drained in (["discord", "slack"], [])  # logged only when something was in flight
    assert any(e["event"] == "shutdown_complete" for e in logs)
    assert signal.getsignal(signal.SIGTERM) == signal.SIG_DFL  # handlers removed again

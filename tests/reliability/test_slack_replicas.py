"""Slack at scale: Web API errors are retried into one post; replicas never double-post.

The replica test starts two real ``atelier run`` processes in Slack HTTP mode on one database
(SQLite file and PostgreSQL) with a fake Slack Web API on loopback, and delivers the same event
to both — the second as Slack's retry. Exactly one of them answers.
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

import aiohttp
import pytest

from state.migrations import upgrade
from tests.reliability.conftest import free_port
from tests.slack.conftest import BOT_TOKEN, SIGNING_SECRET, payload, sign
from tests.slack.fake_slack import FakeSlack

ROOT = Path(__file__).resolve().parents[2]
READY_SECONDS = 120  # a cold start imports the whole stack; bounded so a broken start fails


def chat_methods(fake: FakeSlack) -> list[str]:
    return [call.method for call in fake.calls if call.method.startswith("chat.")]


# --- Web API errors: retried, one post ------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503])
async def test_server_error_is_retried_into_exactly_one_post(slack, status: int) -> None:
    slack.fake.scripted["chat.postMessage"] = [(status, {})]
    await slack.event(payload("message_im"))
    await slack.fake.wait_for(lambda calls: any(c.method == "chat.postMessage" for c in calls))
    await slack.settle()
    assert chat_methods(slack.fake) == [f"chat.postMessage!{status}", "chat.postMessage"]


# --- two replicas, one database --------------------------------------------------------------


class Replica:
    """One `atelier run` process in Slack HTTP mode; its log lines are collected as they come."""

    def __init__(self, name: str, process: asyncio.subprocess.Process, port: int) -> None:
        self.name = name
        self.process = process
        self.port = port
        self.lines: list[str] = []
        self.changed = asyncio.Condition()
        self.reader = asyncio.ensure_future(self._read())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _read(self) -> None:
        assert self.process.stderr is not None
        while line := await self.process.stderr.readline():
            async with self.changed:
                self.lines.append(line.decode(errors="replace"))
                self.changed.notify_all()

    def has_logged(self, text: str) -> bool:
        return any(text in line for line in self.lines)

    async def logged(self, text: str) -> None:
        """Return once a log line contains ``text``."""
        async with self.changed:
            await self.changed.wait_for(lambda: self.has_logged(text))

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
        output = "".join(self.lines)[-800:]
        raise AssertionError(f"replica {self.name} never became ready: {output}")

    async def stop(self) -> None:
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 20)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.reader.cancel()


@contextlib.asynccontextmanager
async def replicas(
    count: int, database_url: str, fake: FakeSlack, tmp_path: Path
) -> AsyncIterator[list[Replica]]:
    started: list[Replica] = []
    try:
        for number in range(count):
            port = free_port()
            environment = {
                "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                "HOME": str(tmp_path),
                "PYTHONPATH": str(ROOT),
                "ATELIER_DATA_DIR": str(tmp_path / f"replica-{number}"),
                "ATELIER_DATABASE_URL": database_url,
                "ATELIER_DEMO_DATA": "false",
                "ATELIER_LOG_JSON": "true",
                "ATELIER_PORT": str(port),
                "ATELIER_SLACK_API_URL": fake.api_url,
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            }
            process = await asyncio.create_subprocess_exec(
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
            started.append(Replica(f"#{number}", process, port))
        async with aiohttp.ClientSession() as session:
            for replica in started:
                await replica.wait_ready(session)
        yield started
    finally:
        for replica in started:
            await replica.stop()


async def deliver(session: aiohttp.ClientSession, replica: Replica, body: str, retry: int) -> int:
    headers = {"Content-Type": "application/json", **sign(body, int(time.time()))}
    if retry:  # what Slack adds when it re-delivers an event it thinks was not acknowledged
        headers |= {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"}
    async with session.post(f"{replica.url}/slack/events", data=body, headers=headers) as answer:
        return answer.status


@pytest.fixture(params=["sqlite", "postgresql"])
def shared_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'shared' / 'atelier.db'}"
    return request.getfixturevalue("postgres_url")


@pytest.mark.slow
async def test_two_replicas_answer_a_retried_event_once(
    shared_database: str, fake_slack: FakeSlack, tmp_path: Path
) -> None:
    await asyncio.to_thread(upgrade, shared_database)  # production start: migrations first
    body = json.dumps(payload("app_mention"))
    async with replicas(2, shared_database, fake_slack, tmp_path) as (first, second):
        async with aiohttp.ClientSession() as session:
            statuses = await asyncio.gather(
                deliver(session, first, body, retry=0), deliver(session, second, body, retry=1)
            )
        assert statuses == [200, 200]  # both acknowledge: Slack must stop retrying
        await fake_slack.wait_for(lambda _calls: len(fake_slack.posts) >= 1, timeout=60)
        # The other replica found the claim taken: it logs the duplicate and posts nothing.
        waiting = {asyncio.ensure_future(r.logged("duplicate_event")) for r in (first, second)}
        done, pending = await asyncio.wait(waiting, timeout=60, return_when="FIRST_COMPLETED")
        for task in pending:
            task.cancel()
        assert done, "neither replica saw the retry as a duplicate"
        assert [first.has_logged("duplicate_event"), second.has_logged("duplicate_event")].count(
            True
        ) == 1
        assert len(fake_slack.posts) == 1

        # A different event still gets its own answer (the claim is per event, not global).
        other = json.loads(body)
        other["event_id"] = "Ev0MENTION02"
        other["event"]["ts"] = other["event"]["event_ts"] = "1700000001.000100"
        async with aiohttp.ClientSession() as session:
            assert await deliver(session, second, json.dumps(other), retry=0) == 200
        await fake_slack.wait_for(lambda _calls: len(fake_slack.posts) == 2, timeout=60)

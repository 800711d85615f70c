"""Slack HTTP mode: how fast `POST /slack/events` acknowledges a burst of slash commands.

Slack gives an app 3 seconds to acknowledge a request. We fire N concurrent, signed `/help`
slash commands (N = 200) at the real adapter over loopback HTTP and time each acknowledgement;
the adapter then answers every one through its response URL (a local fake Slack records them).
The baseline is a bare Bolt app served the same way whose only listener acks and does nothing
else, measured in the same run, alternating rounds so machine noise hits both alike.

Targets: ack p99 ≤ 1.2× the bare app's, and no acknowledgement slower than 3 s.

    python -m bench.slack_http [--quick]
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
from aiohttp import web
from pydantic import SecretStr

SECRET = "bench-signing-secret-000000"
TOKEN = "xoxb-bench-0000"
Row = dict[str, Any]


# --- a minimal fake Slack: auth.test and response URLs --------------------------------------


class FakeSlack:
    def __init__(self) -> None:
        self.answers = 0
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        self.url = ""
        self._runner: web.AppRunner | None = None

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/api/{method}", self._api)
        app.router.add_post("/response/{id}", self._response)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.url = f"http://127.0.0.1:{_port(site)}"

    async def stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _api(self, request: web.Request) -> web.Response:
        await request.read()
        return web.json_response(
            {"ok": True, "user_id": "UBOT", "bot_id": "BBOT", "team_id": "T0001", "user": "b"}
        )

    async def _response(self, request: web.Request) -> web.Response:
        await request.read()
        self.answers += 1
        for target, future in list(self._waiters):
            if self.answers >= target and not future.done():
                future.set_result(None)
        return web.Response(text="ok")

    async def wait_answers(self, count: int, timeout: float) -> bool:
        if self.answers >= count:
            return True
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._waiters.append((count, future))
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            return False
        return True


def _port(site: web.TCPSite) -> int:
    return site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]


# --- the two apps under test -------------------------------------------------------------------


@asynccontextmanager
async def serve(application: web.Application) -> AsyncIterator[str]:
    runner = web.AppRunner(application, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    try:
        yield f"http://127.0.0.1:{_port(site)}/slack/events"
    finally:
        await runner.cleanup()


def bare_app(api_url: str) -> web.Application:
    """The baseline: Bolt + its aiohttp glue + one listener that only acks."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    bolt = AsyncApp(client=AsyncWebClient(token=TOKEN, base_url=api_url), signing_secret=SECRET)

    @bolt.command("/help")
    async def ack_only(ack: Callable[..., Any]) -> None:
        await ack()

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    application = web.Application()
    application.router.add_post("/slack/events", events)
    return application


# --- the load -------------------------------------------------------------------------------


def signed(body: str) -> dict[str, str]:
    stamp = str(int(time.time()))
    digest = hmac.new(SECRET.encode(), f"v0:{stamp}:{body}".encode(), hashlib.sha256)
    return {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": "v0=" + digest.hexdigest(),
    }


def command_body(number: int, response_url: str) -> str:
    return urlencode(
        {
            "team_id": "T0001",
            "channel_id": "C0GENERAL",
            "user_id": f"U{number % 7}",
            "user_name": "bench",
            "command": "/help",
            "text": "",
            "response_url": response_url,
            "trigger_id": f"bench.{time.time_ns()}.{number}",
        }
    )


async def burst(
    session: aiohttp.ClientSession, url: str, response_url: str, count: int
) -> tuple[list[float], float, int]:
    """Fire ``count`` commands at once: (ack latencies in ms, wall seconds, non-200 count)."""
    bodies = [command_body(i, response_url) for i in range(count)]

    async def one(body: str) -> tuple[float, int]:
        started = time.perf_counter()
        async with session.post(url, data=body.encode(), headers=signed(body)) as response:
            await response.read()
            return (time.perf_counter() - started) * 1000, response.status

    started = time.perf_counter()
    results = await asyncio.gather(*(one(body) for body in bodies))
    wall = time.perf_counter() - started
    return [ms for ms, _ in results], wall, sum(status != 200 for _, status in results)


def quantile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def per_round(rounds: list[list[float]], q: float) -> float:
    """The median over rounds of each round's quantile: one noisy round on a shared machine
    moves it far less than a quantile of all samples pooled."""
    return statistics.median(quantile(values, q) for values in rounds)


async def serve_both(api_url: str) -> None:
    """Child process: serve the bare app and the adapter until stdin closes.

    Running the servers in their own process keeps the load generator and the fake Slack
    from competing with them for the same event loop (as in production, where Slack is
    elsewhere).
    """
    from adapters.runtime import build_services
    from adapters.slack.app import SlackAdapter
    from bot.config import Settings
    from bot.core import Bot

    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as data_dir:
        # Isolated from the developer's .env: a throwaway SQLite database, no real tokens.
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=None,
            data_dir=Path(data_dir),
            slack_bot_token=SecretStr(TOKEN),
            slack_signing_secret=SecretStr(SECRET),
            slack_app_token=None,
            slack_api_url=api_url,
            demo_data=False,
        )
        bot = Bot(build_services(settings))
        await bot.start()
        adapter = SlackAdapter(bot, settings)
        try:
            async with (
                serve(bare_app(api_url)) as bare_url,
                serve(adapter.web_app()) as atelier_url,
            ):
                print(json.dumps({"bare": bare_url, "atelier": atelier_url}), flush=True)
                await asyncio.to_thread(sys.stdin.read)  # until the parent closes our stdin
        finally:
            await adapter.close()
            await bot.close()


async def measure(quick: bool) -> list[Row]:
    count = 50 if quick else 200
    rounds = 2 if quick else 11
    fake = FakeSlack()
    await fake.start()
    child = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bench.slack_http",
        "--serve",
        f"{fake.url}/api/",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=str(Path(__file__).resolve().parents[1]),
    )
    assert child.stdin is not None and child.stdout is not None
    latencies: dict[str, list[list[float]]] = {"bare": [], "atelier": []}
    walls: dict[str, float] = {"bare": 0.0, "atelier": 0.0}
    errors = {"bare": 0, "atelier": 0}
    answered_all = True
    try:
        urls = json.loads(await asyncio.wait_for(child.stdout.readline(), 120))
        response_url = f"{fake.url}/response/1"
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            # Warm up both (auth.test, imports, the first database connection).
            for name in ("bare", "atelier"):
                await burst(session, urls[name], response_url, 5)
            expected = 5
            answered_all &= await fake.wait_answers(expected, 30)
            for _ in range(rounds):
                for name in ("bare", "atelier"):
                    ms, wall, failed = await burst(session, urls[name], response_url, count)
                    latencies[name].append(ms)
                    walls[name] += wall
                    errors[name] += failed
                    if name == "atelier":
                        # Answers go out after the acks; let them finish before the next round.
                        expected += count
                        answered_all &= await fake.wait_answers(expected, 60)
    finally:
        child.stdin.close()
        try:
            await asyncio.wait_for(child.wait(), 30)
        except TimeoutError:
            child.kill()
        await fake.stop()

    total = count * rounds
    bare, ours = latencies["bare"], latencies["atelier"]
    bare_rps, ours_rps = total / walls["bare"], total / walls["atelier"]
    rows: list[Row] = [
        _row("ack p50", per_round(ours, 0.5), "ms", per_round(bare, 0.5), None),
        _row("ack p99", per_round(ours, 0.99), "ms", per_round(bare, 0.99), 1.2),
        {
            **_row("slowest ack", max(map(max, ours)), "ms", max(map(max, bare)), None),
            "target": 3000.0,
            "target_on": "value",
        },
        _row("acks per second", ours_rps, "req/s", bare_rps, None),
        {
            "name": f"answered ({count} concurrent × {rounds})",
            "value": float(answered_all and errors["atelier"] == 0),
            "unit": "all=1",
            "baseline": None,
            "ratio": None,
            "target": None,
        },
    ]
    for row in rows:
        row["name"] = f"slack {row['name']}"
        row["concurrency"] = count
        row["errors"] = errors["atelier"]
    return rows


def _row(name: str, value: float, unit: str, baseline: float, target: float | None) -> Row:
    return {
        "name": name,
        "value": round(value, 2),
        "unit": unit,
        "baseline": round(baseline, 2),
        "ratio": round(value / baseline, 3) if baseline else None,
        "target": target,
    }


def run(quick: bool = False) -> list[Row]:
    """Benchmark rows (see the module docstring)."""
    logging.getLogger("slack_bolt").setLevel(logging.ERROR)
    return asyncio.run(measure(quick))


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        asyncio.run(serve_both(sys.argv[2]))
    else:
        for result in run(quick="--quick" in sys.argv):
            print(json.dumps(result))

"""`/scope` end to end at 10k projects against the raw embed + query it cannot avoid.

The store holds ten thousand closed projects (embedded Chroma, the bundled MiniLM). Each brief
is answered twice, interleaved so both see the same machine noise:

- **raw** (the baseline): ``store.search`` — embed the brief and query Chroma for k matches;
- **end to end**: ``Bot.handle`` with ``/scope <brief>`` — routing, retrieval, the estimate,
  phases, risks, questions, the chart, the offline composer and the saved run in SQLite.

Targets: end-to-end ≤ 1.3× raw (p50 and p99), and p99 ≤ 100 ms.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._portfolio import BRIEFS, percentile, synthetic_projects

TENANT = "bench-scope"


def _settings(data_dir: Path) -> Any:
    from bot.config import load_settings

    for name in list(os.environ):  # the developer's .env / LLM must not change the numbers
        if name.startswith("ATELIER_"):
            del os.environ[name]
    return load_settings(data_dir=data_dir, llm=None, demo_data=False, _env_file=None)


async def _measure(projects: int, rounds: int) -> dict[str, Any]:
    from adapters.runtime import build_services
    from bot.core import Bot
    from bot.messages import Request

    with tempfile.TemporaryDirectory(prefix="atelier-bench-scope-") as scratch:
        settings = _settings(Path(scratch) / "data")
        bot = Bot(build_services(settings))
        await bot.start()
        try:
            store = bot.services.knowledge
            started = time.perf_counter()
            await asyncio.to_thread(store.upsert, TENANT, synthetic_projects(projects))
            ingest_seconds = time.perf_counter() - started
            k = settings.scope_k

            def raw(brief: str) -> float:
                begin = time.perf_counter()
                store.search(TENANT, brief, k=k, status="closed")
                return (time.perf_counter() - begin) * 1000

            async def end_to_end(brief: str) -> float:
                request = Request(
                    tenant=TENANT, user_id="bench", user_name="bench", command="scope", text=brief
                )
                begin = time.perf_counter()
                reply = await bot.handle(request)
                elapsed = (time.perf_counter() - begin) * 1000
                assert reply is not None and reply.text, "scope gave no answer"
                return elapsed

            for brief in BRIEFS[:5]:  # warm-up: model, caches, the chart font
                raw(brief)
                await end_to_end(brief)
            raw_ms: list[float] = []
            scope_ms: list[float] = []
            for number in range(rounds):
                brief = f"{BRIEFS[number % len(BRIEFS)]} (variant {number})"
                raw_ms.append(await asyncio.to_thread(raw, brief))
                scope_ms.append(await end_to_end(brief))
        finally:
            await bot.close()
    return {"raw": raw_ms, "scope": scope_ms, "ingest_seconds": ingest_seconds}


def run(quick: bool = False) -> list[dict[str, Any]]:
    projects, rounds = (1_000, 40) if quick else (10_000, 200)
    measured = asyncio.run(_measure(projects, rounds))
    raw, scope = measured["raw"], measured["scope"]
    size = f"{projects // 1000}k projects"
    raw50, raw99 = percentile(raw, 50), percentile(raw, 99)
    scope50, scope99 = percentile(scope, 50), percentile(scope, 99)
    return [
        {
            "name": f"/scope end to end p50 vs raw embed+query ({size})",
            "value": scope50,
            "unit": "ms",
            "baseline": raw50,
            "target": 1.3,
        },
        {
            "name": f"/scope end to end p99 vs raw embed+query ({size})",
            "value": scope99,
            "unit": "ms",
            "baseline": raw99,
            "target": 1.3,
        },
        {
            "name": f"/scope p99, offline composer ({size})",
            "value": scope99,
            "unit": "ms",
            "baseline": raw99,
            "target": 100,
            "target_on": "value",
        },
        {
            "name": f"ingest for the scope bench ({size}, projects/s)",
            "value": projects / measured["ingest_seconds"],
            "unit": "/s",
            "baseline": None,
            "target": None,
        },
    ]

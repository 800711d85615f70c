"""`/scope` end to end at 10k projects against the raw embed + query it cannot avoid.

The store holds ten thousand closed projects (embedded Chroma, the bundled MiniLM). Each brief
is answered twice, interleaved so both see the same machine noise:

- **raw** (the baseline): the best plain use of the same libraries — the embedder called
  directly on the brief, then chromadb's ``collection.query`` for the k nearest with ids and
  distances, on the same collection;
- **end to end**: ``Bot.handle`` with ``/scope <brief>`` — routing, retrieval, the estimate,
  phases, risks, questions, the chart, the offline composer and the saved run in SQLite.

A refusal or error reply (``Reply.refused``, e.g. "the knowledge store is unavailable") or no
reply counts as a failure (target: none). Answers that give no estimate ("no close
analogues") are not errors, but they are cheaper than an estimate, so they are counted too.

Targets: end-to-end ≤ 1.3× raw (p50 and p99), p99 ≤ 100 ms, no failed answers.
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench._machine import kernel_row
from bench._portfolio import BRIEFS, percentile, synthetic_projects

TENANT = "bench-scope"


def _settings(data_dir: Path) -> Any:
    from bot.config import load_settings

    for name in list(os.environ):  # the developer's .env / LLM must not change the numbers
        if name.startswith("ATELIER_"):
            del os.environ[name]
    return load_settings(data_dir=data_dir, llm=None, demo_data=False, _env_file=None)


def failed(reply: Any) -> bool:
    """No answer, or a refusal/error reply instead of one."""
    return reply is None or reply.refused or not reply.text.strip()


def has_estimate(reply: Any) -> bool:
    """The answer made an estimate (it offers to save it)."""
    return any(button.action_id == "scope:save" for button in reply.buttons)


async def _measure(projects: int, rounds: int) -> dict[str, Any]:
    from adapters.runtime import build_services
    from bench.scale import uncached
    from bot.core import Bot
    from bot.messages import Request
    from knowledge.embeddings import ChromaEmbeddingFunction
    from knowledge.store import collection_name

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
            # The bot's store hands the Chroma store's own attributes through (not in the port).
            embedder = store.embedder  # type: ignore[attr-defined]
            collection = store.client.get_collection(  # type: ignore[attr-defined]
                collection_name(TENANT), embedding_function=ChromaEmbeddingFunction(embedder)
            )

            embed = uncached(embedder)  # leaves no vector for the /scope that follows

            def raw(brief: str) -> float:
                begin = time.perf_counter()
                found = collection.query(
                    query_embeddings=embed([brief]), n_results=k, include=["distances"]
                )
                elapsed = (time.perf_counter() - begin) * 1000
                assert len(found["ids"][0]) == k, "raw query found fewer than k projects"
                return elapsed

            failures: list[str] = []
            without_estimate: list[str] = []

            async def end_to_end(brief: str) -> float:
                request = Request(
                    tenant=TENANT, user_id="bench", user_name="bench", command="scope", text=brief
                )
                begin = time.perf_counter()
                reply = await bot.handle(request)
                elapsed = (time.perf_counter() - begin) * 1000
                if failed(reply):
                    failures.append(reply.text[:200] if reply is not None else "no reply")
                elif not has_estimate(reply):
                    without_estimate.append(brief)
                return elapsed

            for brief in BRIEFS[:5]:  # warm-up: model, caches, the chart font
                await asyncio.to_thread(raw, brief)
                await end_to_end(brief)
            failures.clear()
            without_estimate.clear()
            raw_ms: list[float] = []
            scope_ms: list[float] = []
            for number in range(rounds):
                brief = f"{BRIEFS[number % len(BRIEFS)]} (variant {number})"
                raw_ms.append(await asyncio.to_thread(raw, brief))
                scope_ms.append(await end_to_end(brief))
        finally:
            await bot.close()
    return {
        "raw": raw_ms,
        "scope": scope_ms,
        "failures": failures,
        "without_estimate": without_estimate,
        "ingest_seconds": ingest_seconds,
    }


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
            "name": f"/scope failed answers (refused, error, none) of {rounds}",
            "value": len(measured["failures"]),
            "unit": "",
            "baseline": None,
            "target": 0,
            "target_on": "value",
            **({"first_failure": measured["failures"][0]} if measured["failures"] else {}),
        },
        {
            "name": f"/scope answers without an estimate (no close analogues) of {rounds}",
            "value": len(measured["without_estimate"]),
            "unit": "",
            "baseline": None,
            "target": None,
            "briefs": measured["without_estimate"][:10],
        },
        {
            "name": f"ingest for the scope bench ({size}, projects/s)",
            "value": projects / measured["ingest_seconds"],
            "unit": "/s",
            "baseline": None,
            "target": None,
        },
        kernel_row(),
    ]

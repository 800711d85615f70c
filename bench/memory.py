"""Resident memory of the bot while it serves `/scope` at 10k projects, in fresh subprocesses.

1. **prepare** (its own process, not measured): ten thousand closed projects are imported into a
   fresh data directory through the bot's own services, as an import from the CLI would be;
2. **measured**: a fresh bot process starts on that data directory (a restart), and answers
   `/scope` for many distinct briefs through ``Bot.handle`` (routing, the history, retrieval,
   the estimate, the chart, the saved run). A sampler thread reads ``VmRSS`` every 5 ms while
   it serves and until the background tuning the first answer started is done, with the RSS
   of any child it runs (a large history's tuning); the kernel's
   ``VmHWM`` gives the exact peak of the bot's own process, and the figure is the higher;
3. **baseline**: the same bot process on an *empty* data directory, serving the same briefs
   (it loads the embedding model and opens the store: what every bot process pays). Both
   sides load the model (on the first embedding) before serving.

A refused or error reply counts as a failed answer (target 0): a bot that fails to answer
also does less work, so its memory would be flattering. Target: peak RSS ≤ 400 MB at 10k.
The rows also give the RSS after start-up and after serving, and where the memory sits
(``breakdown``: the process after start-up, after the first `/scope`, after all of them).
"""

from __future__ import annotations

import asyncio
import json
import os
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from bench._child import run_child
from bench._rss import tree_rss_mb

TARGET_MB = 400
TENANT = "bench-memory"
SAMPLE_SECONDS = 0.005


def _status_kb(field: str) -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        return next(int(line.split()[1]) for line in status if line.startswith(f"{field}:"))


class PeakSampler:
    """Samples the RSS of this process and its children (a large history's tuning runs in a
    child process) in a thread: the highest value seen while serving."""

    def __init__(self) -> None:
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.peak_kb = max(self.peak_kb, round(tree_rss_mb() * 1024))
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread.is_alive():  # also safe when never started, or stopped already
            self._thread.join()
        self.peak_kb = max(self.peak_kb, round(tree_rss_mb() * 1024))


def _settings(data_dir: Path) -> Any:
    from bot.config import load_settings

    for name in list(os.environ):  # the developer's .env / LLM must not change the numbers
        if name.startswith("ATELIER_"):
            del os.environ[name]
    # BENCH_TUNING_IN_CHILD=0 measures the bot that tunes in its own process, for comparison.
    in_child = os.environ.get("BENCH_TUNING_IN_CHILD", "1") != "0"
    return load_settings(
        data_dir=data_dir, llm=None, demo_data=False, tuning_in_child=in_child, _env_file=None
    )


async def _prepare(data_dir: Path, count: int) -> dict[str, Any]:
    from adapters.runtime import build_services
    from bench._portfolio import synthetic_projects
    from bot.core import Bot

    bot = Bot(build_services(_settings(data_dir)))
    await bot.start()
    try:
        store = bot.services.knowledge
        projects = synthetic_projects(count)
        for start in range(0, count, 1000):  # in slices, as an import of a big portfolio would
            await asyncio.to_thread(store.upsert, TENANT, projects[start : start + 1000])
        stored = store.count(TENANT)
    finally:
        await bot.close()
    return {"stored": stored}


async def _serve(data_dir: Path, count: int, rounds: int) -> dict[str, Any]:
    from adapters.runtime import build_services
    from bench._portfolio import BRIEFS
    from bot.core import Bot
    from bot.messages import Request

    mb = 1 / 1024
    bot = Bot(build_services(_settings(data_dir)))
    await bot.start()
    failures: list[str] = []
    breakdown: dict[str, float] = {}
    try:
        stored = bot.services.knowledge.count(TENANT)
        assert stored == count, f"the store holds {stored} projects, expected {count}"
        breakdown["started"] = _status_kb("VmRSS") * mb
        # The model loads on the first embedding; both sides pay it before serving, so the
        # rows compare what the data costs (the breakdown keeps the model's share).
        store: Any = bot.services.knowledge  # the bot's store, with its embedder
        await asyncio.to_thread(store.embedder.embed, ["load the model"])
        breakdown["model loaded"] = _status_kb("VmRSS") * mb
        with PeakSampler() as sampler:
            for number in range(rounds):
                brief = f"{BRIEFS[number % len(BRIEFS)]} (variant {number})"
                request = Request(
                    tenant=TENANT, user_id="bench", user_name="bench", command="scope", text=brief
                )
                reply = await bot.handle(request)
                if reply is None or reply.refused or not reply.text.strip():
                    failures.append(reply.text[:200] if reply is not None else "no reply")
                if number == 0:
                    breakdown["after the first /scope"] = _status_kb("VmRSS") * mb
            # The background tuning the first answer started is part of serving: its peak
            # (in a child process, or in the bot) is sampled to its end, not cut off by close.
            await asyncio.to_thread(bot.services.bands.wait_for_tuning, TENANT)
        breakdown["after all /scope"] = _status_kb("VmRSS") * mb
    finally:
        await bot.close()
    process_peak = _status_kb("VmHWM") * mb
    return {
        "serving_peak_mb": sampler.peak_kb * mb,
        "process_peak_mb": process_peak,
        # The bot's own peak, or its own with a tuning child's, whichever was higher.
        "peak_mb": max(process_peak, sampler.peak_kb * mb),
        "rss_mb": tree_rss_mb(),
        "breakdown": breakdown,
        "failures": failures,
    }


def _child(*args: str) -> dict[str, Any]:
    return run_child("bench.memory", *args)


def run(quick: bool = False) -> list[dict[str, Any]]:
    count, rounds = (1_000, 40) if quick else (10_000, 200)
    with tempfile.TemporaryDirectory(prefix="atelier-bench-memory-") as scratch:
        full_dir, empty_dir = Path(scratch) / "full", Path(scratch) / "empty"
        _child("prepare", str(full_dir), str(count))
        empty = _child("serve", str(empty_dir), "0", str(rounds))
        full = _child("serve", str(full_dir), str(count), str(rounds))
    size = f"{count // 1000}k projects"
    return [
        {
            "name": f"peak RSS serving {rounds} /scope ({size}) vs the same on an empty store",
            "value": full["peak_mb"],
            "unit": "MB",
            "baseline": empty["peak_mb"],
            "process_peak_mb": full["process_peak_mb"],
            "target": TARGET_MB,
            "target_on": "value",
            "serving_peak_mb": full["serving_peak_mb"],
            "breakdown": full["breakdown"],
            "baseline_breakdown": empty["breakdown"],
        },
        {
            "name": f"RSS after serving {rounds} /scope ({size}) vs the same on an empty store",
            "value": full["rss_mb"],
            "unit": "MB",
            "baseline": empty["rss_mb"],
            "target": TARGET_MB,
            "target_on": "value",
        },
        {
            "name": f"/scope failed answers (refused, error, none) in the memory run, of {rounds}",
            "value": len(full["failures"]),
            "unit": "",
            "baseline": None,
            "target": 0,
            "target_on": "value",
            **({"first_failure": full["failures"][0]} if full["failures"] else {}),
        },
    ]


if __name__ == "__main__":
    command, data_dir, count, *rest = sys.argv[1:]
    if command == "prepare":
        found = asyncio.run(_prepare(Path(data_dir), int(count)))
    else:
        found = asyncio.run(_serve(Path(data_dir), int(count), int(rest[0])))
    print(json.dumps(found))

"""`/scope` at scale: one very large workspace, and a thousand small ones on one Chroma server.

Two shapes, each served by a **fresh bot process** (a restart), which reports:

- the **first answer after the restart**: from building the bot (store, model, database) to the
  first `/scope` reply, with the tenant's history read and its engine tuned on the way;
- `/scope` **p50 and p99 against the real raw baseline measured in the same process**, brief by
  brief, interleaved: the embedder called directly, then chromadb's ``collection.query`` for k
  with ids and distances, on the same collection;
- the bot's **RSS while serving** `/scope` (the largest VmRSS sampled after each answer, with
  any child process's: a large history is tuned in one) and its peak (``ru_maxrss``, or the
  highest sample of the bot with its tuning child, whichever is higher);
- failed answers (refusals, errors, none) — target none.

Shapes:

1. **one workspace** with ``BENCH_SCALE_PROJECTS`` closed projects (comma-separated sizes,
   default ``10000,50000``, each in its own embedded store);
2. **``BENCH_SCALE_WORKSPACES`` workspaces × 100 projects** (default 1,000) in one `chroma run`
   server; `/scope` for one of them must neither see the others (no other workspace's project id
   in any answer) nor pay for them (the same ratio to raw as a small store).

The stores are built cheaply: each distinct synthetic brief is embedded once with the bundled
model and every project gets that vector plus a little noise, written straight into Chroma in
its largest batches in the store's own record format (embedding 50k texts would take the
benchmark's whole time budget and measures ingest, which ``ingest.py`` covers), with their
feature rows in the state database as the bot's store writes them. A one-workspace store is
built once per size and kept (``BENCH_SCALE_CACHE``, default ``atelier-bench-scale`` in the
system's temp dir); what is measured is a restart on it, which reuse does not change.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from bench._child import run_child
from bench._machine import kernel_row
from bench._portfolio import BRIEFS, percentile, synthetic_projects
from bench._rss import tree_rss_mb

TENANT = "bench-scale"
PER_WORKSPACE = 100
ROUNDS = 120
MB = 1024 * 1024


def _sizes(quick: bool) -> tuple[list[int], int]:
    if quick:
        return [2_000], 20
    sizes = [int(n) for n in os.environ.get("BENCH_SCALE_PROJECTS", "10000,50000").split(",")]
    return sizes, int(os.environ.get("BENCH_SCALE_WORKSPACES", "1000"))


# --- building ------------------------------------------------------------------------------


def _vectors(store: Any, projects: list[Any], seed: int) -> np.ndarray:
    """One embedding per distinct brief, plus per-project noise (cosine ≈ 0.99 to it)."""
    keys = [p.summary.rsplit(";", 1)[0] for p in projects]
    distinct = sorted(set(keys))
    embedded = dict(zip(distinct, store.embedder.embed(distinct), strict=True))
    noise = np.random.default_rng(seed).normal(0.0, 0.005, (len(projects), len(embedded[keys[0]])))
    vectors = np.asarray([embedded[key] for key in keys], dtype=np.float32) + noise
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def _write(store: Any, tenant: str, projects: list[Any], vectors: np.ndarray) -> None:
    from knowledge.store import _metadata

    collection = store._collection(tenant, create=True)
    batch = min(int(store.client.get_max_batch_size()), 5_000)
    for start in range(0, len(projects), batch):
        chunk = projects[start : start + batch]
        collection.add(
            ids=[p.id for p in chunk],
            embeddings=vectors[start : start + batch],
            documents=[p.embedding_text() for p in chunk],
            metadatas=[_metadata(tenant, p, None) for p in chunk],
        )


def _features(data_dir: Path, tenant: str, projects: list[Any]) -> None:
    """The projects' feature rows, as the bot's store writes them with every write."""
    from bench.scope import _settings
    from bot.scoping.features import features_of
    from state.features import FeatureTable

    table = FeatureTable(_settings(data_dir).sqlalchemy_url)
    try:
        table.write(tenant, [features_of(p) for p in projects])
    finally:
        table.close()


async def _migrated(data_dir: Path) -> None:
    """The state database at the migrations' head, as the bot's start leaves it."""
    from adapters.runtime import build_services
    from bench.scope import _settings
    from bot.core import Bot

    bot = Bot(build_services(_settings(data_dir)))
    await bot.start()
    await bot.close()


def build_one(data_dir: Path, count: int) -> None:
    from knowledge.store import ProjectStore

    asyncio.run(_migrated(data_dir))
    store = ProjectStore.open(data_dir)
    projects = synthetic_projects(count)
    _write(store, TENANT, projects, _vectors(store, projects, seed=count))
    _features(data_dir, TENANT, projects)


def workspace(number: int) -> str:
    return f"ws{number:04d}"


def build_many(chroma_url: str, workspaces: int, data_dir: Path) -> None:
    from knowledge.store import ProjectStore

    asyncio.run(_migrated(data_dir))
    store = ProjectStore.open(Path("."), chroma_url=chroma_url)
    template = synthetic_projects(PER_WORKSPACE)
    vectors = _vectors(store, template, seed=1)
    for number in range(workspaces):
        tenant = workspace(number)
        projects = [
            p.model_copy(update={"id": f"{tenant}-{p.id}"})
            for p in synthetic_projects(PER_WORKSPACE, seed=number)
        ]
        _write(store, tenant, projects, vectors)
        _features(data_dir, tenant, projects)


# --- serving (a fresh process) ----------------------------------------------------------------


def uncached(embedder: Any) -> Callable[[list[str]], np.ndarray]:
    """The embedding model called directly, for the raw baseline.

    The bot's embedder remembers the single texts it embedded lately: a baseline that went
    through it would leave each brief's vector there for the `/scope` that follows, which then
    skips its own embedding. Called on the model, the baseline pays the forward pass and leaves
    nothing behind (an embedder without such a model is called as it is).
    """
    loaded = getattr(embedder, "_loaded", None)
    if callable(loaded):
        model = loaded()
        return lambda texts: np.asarray(model.encode(texts), dtype=np.float32)
    return lambda texts: np.asarray(embedder.embed(texts), dtype=np.float32)




def _rss_mb() -> float:
    return tree_rss_mb()  # with a tuning child's, while one runs


async def serve(data_dir: Path, tenant: str, rounds: int, chroma_url: str | None) -> dict[str, Any]:
    """In the child: restart the bot on ``data_dir``, answer, measure (see the module doc)."""
    from adapters.runtime import build_services
    from bench.scope import _settings, failed, has_estimate
    from bot.core import Bot
    from bot.messages import Request
    from knowledge.embeddings import ChromaEmbeddingFunction
    from knowledge.store import collection_name

    foreign = re.compile(r"\bws\d{4}-")
    failures: list[str] = []
    leaks: list[str] = []
    own_cited = 0  # answers citing this workspace's ids: the leak check is not vacuous
    without_estimate = 0

    def check(reply: Any) -> None:
        nonlocal without_estimate, own_cited
        if failed(reply):
            failures.append(reply.text[:200] if reply is not None else "no reply")
            return
        if not has_estimate(reply):
            without_estimate += 1
        cited = set(foreign.findall(reply.text))
        own_cited += f"{tenant}-" in cited
        leaks.extend(sorted(m for m in cited if m != f"{tenant}-"))

    def request(brief: str) -> Any:
        return Request(
            tenant=tenant, user_id="bench", user_name="bench", command="scope", text=brief
        )

    from bench.memory import PeakSampler

    sampler = PeakSampler()  # the bot with its tuning child, while the tuning runs
    started = time.perf_counter()
    settings = _settings(data_dir)
    if chroma_url:
        settings = settings.model_copy(update={"chroma_url": chroma_url})
    bot = Bot(build_services(settings))
    await bot.start(warm_up=True)  # as the platforms and the console start it
    try:
        asking = time.perf_counter()
        first = await bot.handle(request(BRIEFS[0]))
        first_seconds = time.perf_counter() - started
        first_scope_seconds = time.perf_counter() - asking
        sampler.__enter__()  # after the timed first answer: a sample reads /proc per thread
        check(first)
        store: Any = bot.services.knowledge  # the bot's store: its embedder and client
        embedder, k = store.embedder, settings.scope_k
        collection = store.client.get_collection(
            collection_name(tenant), embedding_function=ChromaEmbeddingFunction(embedder)
        )
        embed = uncached(embedder)

        def raw(brief: str) -> float:
            begin = time.perf_counter()
            found = collection.query(
                query_embeddings=embed([brief]), n_results=k, include=["distances"]
            )
            elapsed = (time.perf_counter() - begin) * 1000
            assert len(found["ids"][0]) == k, "raw query found fewer than k projects"
            return elapsed

        # Steady state from here: a large history's tuning, started by the first answer, runs
        # in the background; the rounds are measured once it is done.
        await asyncio.to_thread(bot.services.bands.wait_for_tuning, tenant)
        # The tuning's transient (with its child) is over: the sampler stops before the timed
        # rounds, which it would otherwise slow down (a sample reads /proc for every thread);
        # the bot's own peak after it is in ru_maxrss.
        sampler.__exit__()
        for brief in BRIEFS[1:6]:  # warm-up
            await asyncio.to_thread(raw, brief)
            check(await bot.handle(request(brief)))
        raw_ms: list[float] = []
        scope_ms: list[float] = []
        rss: list[float] = []
        for number in range(rounds):
            brief = f"{BRIEFS[number % len(BRIEFS)]} (variant {number})"
            raw_ms.append(await asyncio.to_thread(raw, brief))
            begin = time.perf_counter()
            reply = await bot.handle(request(brief))
            scope_ms.append((time.perf_counter() - begin) * 1000)
            check(reply)
            rss.append(_rss_mb())
    finally:
        await bot.close()
        sampler.__exit__()  # when an answer failed before the rounds
    return {
        "first_seconds": first_seconds,
        "first_scope_seconds": first_scope_seconds,
        "own_cited": own_cited,
        "raw": raw_ms,
        "scope": scope_ms,
        "rss_mb": max(rss),
        "peak_mb": max(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, sampler.peak_kb / 1024
        ),
        "failures": failures,
        "leaks": leaks,
        "without_estimate": without_estimate,
    }


def _child(*arguments: str) -> dict[str, Any]:
    return run_child("bench.scale", *arguments)


# --- the chroma server ------------------------------------------------------------------------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _start_chroma(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    import urllib.request

    chroma = Path(sys.executable).with_name("chroma")
    port = _free_port()
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(path), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ANONYMIZED_TELEMETRY": "False"},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:  # waiting for its heartbeat
        try:
            with urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2):
                return process, url
        except OSError:
            time.sleep(0.2)
    process.terminate()
    raise RuntimeError("`chroma run` did not become ready")


# --- rows ----------------------------------------------------------------------------------------


def _rows(label: str, measured: dict[str, Any], p99_target: float, rss_target: float | None):
    raw, scope = measured["raw"], measured["scope"]
    rounds = len(scope)
    rows: list[dict[str, Any]] = [
        {
            "name": f"/scope p50 vs raw embed+query ({label})",
            "value": percentile(scope, 50),
            "unit": "ms",
            "baseline": percentile(raw, 50),
            "target": None,
        },
        {
            "name": f"/scope p99 vs raw embed+query ({label})",
            "value": percentile(scope, 99),
            "unit": "ms",
            "baseline": percentile(raw, 99),
            "target": p99_target,
        },
        {
            "name": f"first /scope answer after a restart ({label}; the /scope itself "
            f"{measured['first_scope_seconds']:.1f} s)",
            "value": measured["first_seconds"],
            "unit": "s",
            "baseline": None,
            "target": 2.0 if "50k" in label else None,
            "target_on": "value",
        },
        {
            "name": f"RSS while serving /scope ({label}; peak {measured['peak_mb']:.0f} MB "
            "with the tuning child's)",
            "value": measured["rss_mb"],
            "unit": "MB",
            "baseline": None,
            "target": rss_target,
            "target_on": "value",
        },
        {
            "name": f"/scope failed answers (refused, error, none) of {rounds + 6} ({label})",
            "value": len(measured["failures"]),
            "unit": "",
            "baseline": None,
            "target": 0,
            "target_on": "value",
            **({"first_failure": measured["failures"][0]} if measured["failures"] else {}),
        },
        {
            "name": f"/scope answers without an estimate of {rounds + 6} ({label})",
            "value": measured["without_estimate"],
            "unit": "",
            "baseline": None,
            "target": None,
        },
    ]
    return rows


# Bump when the stores' or the rows' format changes: cached stores of another version are
# built again.
BUILD_VERSION = "2"


def _cache_root() -> Path:
    return Path(
        os.environ.get("BENCH_SCALE_CACHE") or Path(tempfile.gettempdir()) / "atelier-bench-scale"
    )


def _built(count: int) -> Path:
    """A data dir with ``count`` projects in one workspace, built once and then reused
    (``BENCH_SCALE_CACHE``, default a directory in the system's temp dir): 50k take minutes.
    A restart is what is measured, so serving from a kept store measures the same thing."""
    data_dir = _cache_root() / f"v{BUILD_VERSION}-{count}"
    done = data_dir / "built"
    if not done.is_file():
        shutil.rmtree(data_dir, ignore_errors=True)
        _child("build-one", str(data_dir), str(count))
        done.write_text("ok\n", encoding="utf-8")
    return data_dir


def _built_many(workspaces: int) -> tuple[Path, Path]:
    """(the Chroma server's directory, the state database's data dir) with ``workspaces`` ×
    100 projects, built once and then reused like :func:`_built` (a server started on the
    directory again serves the same collections; a restart is what is measured)."""
    root = _cache_root() / f"v{BUILD_VERSION}-many-{workspaces}"
    chroma_path, data_dir, done = root / "chroma", root / "data", root / "built"
    if not done.is_file():
        shutil.rmtree(root, ignore_errors=True)
        process, url = _start_chroma(chroma_path)
        try:
            _child("build-many", url, str(workspaces), str(data_dir))
        finally:
            process.terminate()
            process.wait(timeout=30)
        done.write_text("ok\n", encoding="utf-8")
    return chroma_path, data_dir


def run(quick: bool = False) -> list[dict[str, Any]]:
    sizes, workspaces = _sizes(quick)
    rounds = 30 if quick else ROUNDS
    load = os.getloadavg()[0]
    rows: list[dict[str, Any]] = []
    for count in sizes:
        label = f"1 workspace, {count // 1000}k projects"
        data_dir = _built(count)
        measured = _child("serve", str(data_dir), TENANT, str(rounds))
        p99_target = 1.3 if count <= 10_000 else 1.5
        rss_target = 400.0 if count <= 10_000 else 1024.0
        rows.extend(_rows(label, measured, p99_target, rss_target))
    chroma_path, data_dir = _built_many(workspaces)
    process, url = _start_chroma(chroma_path)
    try:
        chosen = workspace(workspaces // 2)
        measured = _child("serve", str(data_dir), chosen, str(rounds), url)
    finally:
        process.terminate()
        process.wait(timeout=30)
    label = f"{workspaces:,} workspaces × {PER_WORKSPACE} on one server"
    rows.extend(_rows(label, measured, 1.3, None))
    rows.append(
        {
            "name": f"other workspaces' projects cited in /scope answers ({label}; "
            f"{measured['own_cited']} answers cite its own)",
            "value": len(measured["leaks"]),
            "unit": "",
            "baseline": None,
            "target": 0,
            "target_on": "value",
        }
    )
    rows.append(
        {
            "name": f"machine load average (1 min) when the scale bench started: {load:.1f}",
            "value": None,
            "unit": "",
            "baseline": None,
        }
    )
    rows.append(kernel_row())
    return rows


def main(argv: list[str]) -> None:
    command = argv[0]
    if command == "build-one":
        build_one(Path(argv[1]), int(argv[2]))
        print("{}")
    elif command == "build-many":
        build_many(argv[1], int(argv[2]), Path(argv[3]))
        print("{}")
    elif command == "built-many":  # the kept 1,000-workspace store, built if need be
        chroma_path, data_dir = _built_many(int(argv[1]))
        print(json.dumps({"chroma": str(chroma_path), "data": str(data_dir)}))
    elif command == "serve":
        url = argv[4] if len(argv) > 4 else None
        print(json.dumps(asyncio.run(serve(Path(argv[1]), argv[2], int(argv[3]), url))))
    else:
        raise SystemExit(f"unknown command {command!r}")


if __name__ == "__main__":
    main(sys.argv[1:])

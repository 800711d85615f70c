"""Search latency at 10,000 projects: ``ProjectStore.search`` against a raw Chroma query.

Both sides answer the same briefs from the same collection (same data, same HNSW index), with
the query embedded by the same model:

- **raw** (the baseline): embed the brief, ``collection.query(query_embeddings, n_results=k)``
  with metadatas and distances — the least any search on Chroma has to do (with the same
  ``where`` clause for the filtered rows);
- **store**: ``store.search(tenant, brief, k)`` — tenant checks, validated ``PastProject``
  objects and similarities on top.

The two are interleaved brief by brief so both see the same machine noise. The store's data is
embedded once up front (it is not what is measured). Target: p50 and p99 ≤ 1.3× raw.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench._portfolio import BRIEFS, percentile, synthetic_projects

TENANT = "bench-search"
K = 8


def _fill(store: Any, count: int) -> None:
    projects = synthetic_projects(count)
    vectors = store.embedder.embed([p.embedding_text() for p in projects])
    store.upsert(TENANT, projects, embeddings=vectors)


def measure(count: int, rounds: int) -> dict[str, list[float]]:
    from knowledge.store import ProjectStore

    with tempfile.TemporaryDirectory() as directory:
        store = ProjectStore.open(Path(directory))
        _fill(store, count)
        collection = store._collection(TENANT, create=False)
        embedder = store.embedder
        times: dict[str, list[float]] = {
            "raw": [],
            "store": [],
            "raw_filtered": [],
            "store_filtered": [],
        }
        briefs = list(BRIEFS) * rounds
        # Warm up both paths (model weights, Chroma's index in memory).
        for brief in briefs[:5]:
            store.search(TENANT, brief, K)
            collection.query(query_embeddings=embedder.embed([brief]), n_results=K)
        for brief in briefs:
            started = time.perf_counter()
            collection.query(
                query_embeddings=embedder.embed([brief]),
                n_results=K,
                include=["metadatas", "distances"],
            )
            times["raw"].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.search(TENANT, brief, K)
            times["store"].append(time.perf_counter() - started)
            started = time.perf_counter()
            collection.query(
                query_embeddings=embedder.embed([brief]),
                n_results=K,
                where={"status": "closed"},
                include=["metadatas", "distances"],
            )
            times["raw_filtered"].append(time.perf_counter() - started)
            started = time.perf_counter()
            store.search(TENANT, brief, K, status="closed")
            times["store_filtered"].append(time.perf_counter() - started)
        store.close()
    return times


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 1_000 if quick else 10_000
    times = measure(count, rounds=1 if quick else 4)
    rows = []
    for q in (50, 99):
        for side, base, label in (
            ("store", "raw", "search"),
            ("store_filtered", "raw_filtered", "search status=closed"),
        ):
            value = percentile(times[side], q) * 1000
            raw = percentile(times[base], q) * 1000
            rows.append(
                {
                    "name": f"{label} p{q} @ {count:,} projects",
                    "value": round(value, 2),
                    "unit": "ms",
                    "baseline": round(raw, 2),
                    "ratio": round(value / raw, 3),
                    "target": 1.3,
                }
            )
    return rows


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)

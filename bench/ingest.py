"""Ingest throughput: ``ProjectStore.upsert`` against the raw embedding model on the same texts.

- **raw** (the baseline): the onnxruntime embedder called directly (``embedder.embed``) over the
  projects' texts in the store's batch size — the work no ingest can avoid;
- **store**: ``store.upsert(tenant, projects)`` — embedding plus validation, JSON records,
  keeping creation dates and the Chroma write.

Batch by batch, each side runs twice, alternating, and the better run of each counts (machine
noise only ever slows a run down). Reported as milliseconds per project so the shared
runner's "ratio ≤ target" reads: store time ≤ 1.18× raw time, i.e. throughput ≥ 0.85× raw.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path
from typing import Any

from bench._machine import kernel_row
from bench._portfolio import synthetic_projects

TENANT = "bench-ingest"
THROUGHPUT_TARGET = 0.85  # of the raw model's projects per second


def measure(count: int, repeats: int = 2) -> dict[str, float]:
    from knowledge.store import BATCH, ProjectStore

    projects = synthetic_projects(count, seed=23)
    texts = [p.embedding_text() for p in projects]
    total = {"raw": 0.0, "store": 0.0}
    with tempfile.TemporaryDirectory() as directory:
        store = ProjectStore.open(Path(directory))
        store.embedder.embed(texts[:8])  # load the weights before timing
        # Batch by batch, raw and store alternate (order flipped each round) and the faster of
        # the repeats counts, so a burst of load elsewhere hits one attempt, not one side.
        for start in range(0, count, BATCH):
            batch, chunk = projects[start : start + BATCH], texts[start : start + BATCH]
            best = {"raw": float("inf"), "store": float("inf")}
            for attempt in range(repeats):
                for side in ("raw", "store") if attempt % 2 == 0 else ("store", "raw"):
                    started = time.perf_counter()
                    if side == "raw":
                        store.embedder.embed(chunk)
                    else:  # a fresh collection per attempt: inserts, not updates
                        store.upsert(f"{TENANT}-{attempt}", batch)
                    best[side] = min(best[side], time.perf_counter() - started)
            total["raw"] += best["raw"]
            total["store"] += best["store"]
        for attempt in range(repeats):
            assert store.count(f"{TENANT}-{attempt}") == count
        store.close()
    return total


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 256 if quick else 1_024
    best = measure(count)
    raw_ms, store_ms = best["raw"] / count * 1000, best["store"] / count * 1000
    return [
        {
            "name": f"ingest time per project ({count:,} projects)",
            "value": round(store_ms, 3),
            "unit": "ms/project",
            "baseline": round(raw_ms, 3),
            "ratio": round(store_ms / raw_ms, 3),
            "target": round(1 / THROUGHPUT_TARGET, 3),
        },
        {
            "name": "ingest throughput (store / raw model)",
            "value": round(count / best["store"], 1),
            "unit": "projects/s",
            "baseline": round(count / best["raw"], 1),
            "ratio": round(best["raw"] / best["store"], 3),
            "target": None,
        },
        kernel_row(),
    ]


if __name__ == "__main__":
    import sys

    for row in run(quick="--quick" in sys.argv):
        print(row)

"""Resident memory of the knowledge side at 10k projects, measured in fresh subprocesses.

- **baseline**: a subprocess that opens an *empty* store and loads the embedding model (what
  every bot process pays before it holds any data);
- **measured**: a subprocess that ingests ten thousand projects into a fresh embedded store and
  then answers searches — its peak RSS (``ru_maxrss``) and its RSS at the end.

Target: peak RSS ≤ 400 MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_MB = 400
SEARCHES = 50


def probe(data_dir: Path, count: int) -> dict[str, float]:
    """In the child process: hold ``count`` projects, search, report peak and final RSS."""
    import resource

    from bench._portfolio import BRIEFS, synthetic_projects
    from knowledge.store import ProjectStore

    store = ProjectStore.open(data_dir)
    store.embedder.embed(["load the model"])
    if count:
        projects = synthetic_projects(count)
        for start in range(0, count, 1000):  # in slices, as an import of a big portfolio would
            store.upsert("bench-memory", projects[start : start + 1000])
        del projects
        for number in range(SEARCHES):
            store.search("bench-memory", BRIEFS[number % len(BRIEFS)], k=8, status="closed")
        assert store.count("bench-memory") == count
    with open("/proc/self/status", encoding="ascii") as status:
        rss_kb = next(int(line.split()[1]) for line in status if line.startswith("VmRSS:"))
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # kilobytes on Linux
    return {"peak_mb": peak_kb / 1024, "rss_mb": rss_kb / 1024}


def measure(count: int) -> dict[str, float]:
    """Peak and final RSS (MB) of a fresh process holding ``count`` projects."""
    with tempfile.TemporaryDirectory(prefix="atelier-bench-memory-") as scratch:
        finished = subprocess.run(
            [sys.executable, "-m", "bench.memory", str(Path(scratch) / "data"), str(count)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines() or [f"exit code {finished.returncode}"]
        raise RuntimeError(f"memory probe failed: {lines[-1]}")
    return json.loads(finished.stdout.strip().splitlines()[-1])


def run(quick: bool = False) -> list[dict[str, Any]]:
    count = 1_000 if quick else 10_000
    empty = measure(0)
    full = measure(count)
    size = f"{count // 1000}k projects"
    return [
        {
            "name": f"peak RSS, ingest + {SEARCHES} searches ({size}) vs empty store + model",
            "value": full["peak_mb"],
            "unit": "MB",
            "baseline": empty["peak_mb"],
            "target": TARGET_MB,
            "target_on": "value",
        },
        {
            "name": f"RSS after the searches ({size}) vs empty store + model",
            "value": full["rss_mb"],
            "unit": "MB",
            "baseline": empty["rss_mb"],
            "target": TARGET_MB,
            "target_on": "value",
        },
    ]


if __name__ == "__main__":
    print(json.dumps(probe(Path(sys.argv[1]), int(sys.argv[2]))))

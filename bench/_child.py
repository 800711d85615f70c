"""A benchmark step in a fresh process of its own, answering one JSON line on stdout.

Memory and restart figures need a process that has done nothing else; a step that fails says
why in one line (the last of its stderr).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def run_child(module: str, *arguments: str) -> dict[str, Any]:
    """Run ``python -m module arguments…`` from the project root; its last stdout line as JSON."""
    finished = subprocess.run(
        [sys.executable, "-m", module, *arguments],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if finished.returncode != 0:
        lines = finished.stderr.strip().splitlines() or [f"exit code {finished.returncode}"]
        raise RuntimeError(f"{module} {arguments[0]} failed: {lines[-1]}")
    output = finished.stdout.strip().splitlines()
    result: dict[str, Any] = json.loads(output[-1]) if output and output[-1] else {}
    return result

"""`make bench`: run every benchmark in `bench/` and print one table of ratios.

Each benchmark module exposes ``run(quick: bool = False) -> list[dict]``; a row is
``{name, value, unit, baseline, ratio, target}`` where ``baseline`` was measured in the same
run and ``ratio = value / baseline``. A numeric ``target`` is the largest acceptable ratio (or,
for rows without a baseline or with ``"target_on": "value"``, the largest acceptable value).

Every module runs in its own subprocess, so one benchmark's memory, threads or crash cannot
skew or stop the next; a failing or missing module is reported as a row, never fatal.
Results go to ``bench/results/<timestamp>.json`` and ``bench/results/latest.json``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import math
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

BENCH_DIR = Path(__file__).resolve().parent
RESULTS_DIR = BENCH_DIR / "results"

# The order the table shows; any other `bench/*.py` module is appended after these.
KNOWN_MODULES = ("ingest", "search", "estimates", "slack_http", "scope", "memory")
# A benchmark that takes longer than this is stopped and reported as failed.
MODULE_TIMEOUT_SECONDS = 900

Row = dict[str, Any]


def discover(bench_dir: Path = BENCH_DIR) -> list[str]:
    """Benchmark module names: the known ones first (even when missing), then any others."""
    present = sorted(
        path.stem
        for path in bench_dir.glob("*.py")
        if not path.stem.startswith("_") and path.stem != "conftest"
    )
    return list(KNOWN_MODULES) + [name for name in present if name not in KNOWN_MODULES]


def failure_row(module: str, problem: str, status: str = "failed") -> Row:
    return {
        "module": module,
        "name": "(not run)",
        "value": None,
        "unit": "",
        "baseline": None,
        "ratio": None,
        "target": None,
        "status": status,
        "error": problem,
    }


def judge(row: Row) -> str:
    """'ok', 'over' (misses its target), 'failed'/'missing', or '-' when there is no target."""
    if row.get("status") in {"failed", "missing"}:
        return row["status"]
    target = row.get("target")
    if not isinstance(target, int | float) or isinstance(target, bool):
        return "-"
    on_value = row.get("target_on") == "value" or row.get("ratio") is None
    measured = row.get("value") if on_value else row.get("ratio")
    if not isinstance(measured, int | float) or not math.isfinite(measured):
        return "-"
    return "ok" if measured <= target else "over"


def normalise(module: str, rows: object) -> list[Row]:
    """Check a module's rows and fill in what can be derived (ratio, status)."""
    if not isinstance(rows, list) or not rows:
        return [failure_row(module, "run() returned no rows")]
    result: list[Row] = []
    for raw in rows:
        if not isinstance(raw, dict) or "name" not in raw or "value" not in raw:
            result.append(failure_row(module, f"malformed row: {str(raw)[:80]}"))
            continue
        row: Row = {key: raw.get(key) for key in ("name", "value", "unit", "baseline", "target")}
        row.update({key: value for key, value in raw.items() if key not in row})
        row["module"] = module
        row["unit"] = row["unit"] or ""
        value, baseline = row["value"], row["baseline"]
        if raw.get("ratio") is not None:
            row["ratio"] = raw["ratio"]
        elif isinstance(value, int | float) and isinstance(baseline, int | float) and baseline:
            row["ratio"] = value / baseline
        else:
            row["ratio"] = None
        row["status"] = judge(row)
        result.append(row)
    return result


def run_in_process(module: str, quick: bool) -> object:
    """Import ``bench.<module>`` and call its ``run``; exceptions propagate."""
    loaded = importlib.import_module(f"bench.{module}")
    return loaded.run(quick=quick)


def run_module(module: str, quick: bool, bench_dir: Path = BENCH_DIR) -> list[Row]:
    """Run one benchmark in a subprocess; any failure becomes a 'failed' row."""
    if not (bench_dir / f"{module}.py").exists():
        return [failure_row(module, f"bench/{module}.py does not exist yet", "missing")]
    with tempfile.TemporaryDirectory(prefix="atelier-bench-") as scratch:
        out = Path(scratch) / "rows.json"
        command = [sys.executable, "-m", "bench", "--only-module", module, "--rows-to", str(out)]
        if quick:
            command.append("--quick")
        try:
            finished = subprocess.run(
                command,
                cwd=bench_dir.parent,
                capture_output=True,
                text=True,
                timeout=MODULE_TIMEOUT_SECONDS,
            )
        except subprocess.TimeoutExpired:
            return [failure_row(module, f"timed out after {MODULE_TIMEOUT_SECONDS} s")]
        if finished.returncode != 0 or not out.exists():
            lines = [line for line in finished.stderr.strip().splitlines() if line.strip()]
            last = lines[-1] if lines else f"exit code {finished.returncode}"
            return [failure_row(module, last[:200])]
        return normalise(module, json.loads(out.read_text(encoding="utf-8")))


def _number(value: object, digits: int = 3) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.{digits}g}" if abs(value) < 1000 else f"{value:,.0f}"
    return str(value)


def render(rows: list[Row], console: Console) -> None:
    """One table for every module: value, same-run baseline, ratio, target, verdict."""
    table = Table(title="Atelier benchmarks (ratios against same-run baselines)")
    for column in ("module", "benchmark", "value", "baseline", "ratio", "target", "status"):
        table.add_column(column, justify="right" if column in {"value", "baseline"} else "left")
    styles = {"ok": "green", "over": "red", "failed": "red", "missing": "yellow", "-": ""}
    problems: list[str] = []
    for row in rows:
        unit = f" {row['unit']}" if row.get("unit") else ""
        name = row["name"]
        if row.get("error"):
            problems.append(f"{row['module']}: {row['error']}")
        ratio = f"{row['ratio']:.2f}×" if isinstance(row.get("ratio"), int | float) else "-"
        target = row.get("target")
        shown_target = _number(target)
        if isinstance(target, int | float):
            on_value = row.get("target_on") == "value" or row.get("ratio") is None
            shown_target = f"≤ {target}{unit}" if on_value else f"≤ {target}×"
        table.add_row(
            row["module"],
            name,
            _number(row.get("value")) + (unit if row.get("value") is not None else ""),
            _number(row.get("baseline")) + (unit if row.get("baseline") is not None else ""),
            ratio,
            shown_target,
            f"[{styles[row['status']]}]{row['status']}[/]" if styles[row["status"]] else "-",
        )
    console.print(table)
    for problem in problems:
        console.print(f"  [yellow]•[/] {problem}", highlight=False)


def write_results(rows: list[Row], quick: bool, started: float, results_dir: Path) -> Path:
    """Save the run as `<timestamp>.json` and `latest.json`; returns the timestamped file."""
    results_dir.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC)
    document = {
        "started_at": now.isoformat(timespec="seconds"),
        "seconds": round(time.monotonic() - started, 1),
        "quick": quick,
        "python": platform.python_version(),
        "machine": platform.machine(),
        "rows": rows,
    }
    text = json.dumps(document, indent=2, default=str)
    path = results_dir / f"{now.strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(text, encoding="utf-8")
    (results_dir / "latest.json").write_text(text, encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes: a fast smoke run")
    parser.add_argument("modules", nargs="*", help="only these benchmark modules")
    parser.add_argument("--results-dir", type=Path, default=RESULTS_DIR, help=argparse.SUPPRESS)
    # Internal: run one module in this process and write its rows (used per subprocess).
    parser.add_argument("--only-module", help=argparse.SUPPRESS)
    parser.add_argument("--rows-to", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.only_module:
        module_rows = run_in_process(args.only_module, args.quick)
        args.rows_to.write_text(json.dumps(module_rows, default=str), encoding="utf-8")
        return 0

    console = Console()
    if not console.is_terminal:  # piped into a file or CI log: don't squeeze names to 80 columns
        console = Console(width=160)
    started = time.monotonic()
    modules = args.modules or discover()
    rows: list[Row] = []
    for module in modules:
        with console.status(f"bench: {module}…"):
            rows.extend(run_module(module, args.quick))
    render(rows, console)
    path = write_results(rows, args.quick, started, args.results_dir)
    shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
    console.print(f"results: {shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

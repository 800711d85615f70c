"""`python -m bench`: discovery, row checks, verdicts, one table, JSON results."""

from __future__ import annotations

import io
import json
from pathlib import Path

from rich.console import Console

from bench.__main__ import KNOWN_MODULES, discover, judge, main, normalise, render, run_module


def test_discover_lists_known_modules_first_then_others(tmp_path: Path) -> None:
    for name in ("zeta", "scope", "_private", "__main__"):
        (tmp_path / f"{name}.py").write_text("")
    found = discover(tmp_path)
    assert found[: len(KNOWN_MODULES)] == list(KNOWN_MODULES)
    assert found[len(KNOWN_MODULES) :] == ["zeta"]


def test_normalise_derives_ratio_and_verdict() -> None:
    rows = normalise(
        "scope",
        [
            {"name": "fast", "value": 12.0, "unit": "ms", "baseline": 10.0, "target": 1.3},
            {"name": "slow", "value": 20.0, "unit": "ms", "baseline": 10.0, "target": 1.3},
            {"name": "rss", "value": 380.0, "unit": "MB", "baseline": None, "target": 400},
            {"name": "info", "value": 3, "unit": "", "baseline": None, "target": None},
            {"name": "abs", "value": 120.0, "baseline": 10.0, "target": 100, "target_on": "value"},
        ],
    )
    assert [row["status"] for row in rows] == ["ok", "over", "ok", "-", "over"]
    assert rows[0]["ratio"] == 1.2 and rows[2]["ratio"] is None
    assert all(row["module"] == "scope" for row in rows)


def test_malformed_rows_are_reported_not_fatal() -> None:
    assert normalise("x", None)[0]["status"] == "failed"
    rows = normalise("x", [{"value": 1}, {"name": "ok", "value": 1.0}])
    assert [row["status"] for row in rows] == ["failed", "-"]


def test_judge_ignores_non_numeric_targets() -> None:
    assert judge({"value": 1.0, "ratio": None, "target": "≤ 1 GB"}) == "-"
    assert judge({"value": float("nan"), "ratio": None, "target": 1.0}) == "-"


def test_a_missing_module_is_a_row(tmp_path: Path) -> None:
    [row] = run_module("no_such_benchmark", quick=True)
    assert row["status"] == "missing" and "no_such_benchmark" in row["error"]


def test_render_shows_every_row_and_errors() -> None:
    buffer = io.StringIO()
    rows = normalise("scope", [{"name": "p99", "value": 50.0, "unit": "ms", "target": 100}])
    rows += [
        {
            "module": "memory",
            "name": "(not run)",
            "value": None,
            "unit": "",
            "baseline": None,
            "ratio": None,
            "target": None,
            "status": "failed",
            "error": "boom",
        }
    ]
    render(rows, Console(file=buffer, width=160, color_system=None))
    screen = buffer.getvalue()
    assert "p99" in screen and "50 ms" in screen and "ok" in screen
    assert "memory: boom" in screen


def test_main_writes_timestamped_and_latest_json(tmp_path: Path) -> None:
    assert main(["--quick", "--results-dir", str(tmp_path), "no_such_benchmark"]) == 0
    files = sorted(path.name for path in tmp_path.iterdir())
    assert "latest.json" in files and len(files) == 2
    document = json.loads((tmp_path / "latest.json").read_text())
    assert document["quick"] is True
    assert document["rows"][0]["module"] == "no_such_benchmark"

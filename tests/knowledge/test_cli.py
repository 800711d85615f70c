"""`atelier projects …` in real processes: import in one, search and show in the next."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DATA = Path(__file__).parent / "data"


def atelier(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATELIER_", "SLACK_", "DISCORD_"))
    }
    env["ATELIER_DATA_DIR"] = str(tmp_path / "data")
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "projects", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def test_import_then_search_and_show_in_new_processes(tmp_path: Path) -> None:
    imported = atelier(tmp_path, "import", str(DATA / "history.csv"), "--tenant", "T1", "--json")
    assert imported.returncode == 1, imported.stderr  # some rows are invalid, on purpose
    report = json.loads(imported.stdout)
    assert report["imported"] == 2 and report["tenant"] == "T1"
    assert {p["line"] for p in report["problems"]} == {3, 4, 5, 6, 7}

    found = atelier(tmp_path, "search", "coffee subscriptions", "--tenant", "T1", "--json")
    assert found.returncode == 0, found.stderr
    results = json.loads(found.stdout)
    assert results[0]["id"] == "c1" and 0 < results[0]["similarity"] <= 1

    shown = atelier(tmp_path, "show", "c1", "--tenant", "T1")
    assert shown.returncode == 0, shown.stderr
    assert "Coffee shop on Shopify" in shown.stdout and "design" in shown.stdout

    elsewhere = atelier(tmp_path, "show", "c1", "--tenant", "T2", "--json")
    assert elsewhere.returncode == 1
    assert "a past project with id `c1`" in json.loads(elsewhere.stdout)["error"]


def test_a_refused_file_exits_1_with_one_clear_line(tmp_path: Path) -> None:
    path = tmp_path / "projects.xlsx"
    path.write_bytes(b"PK")
    result = atelier(tmp_path, "import", str(path))
    assert result.returncode == 1
    assert result.stderr.startswith("error: Nothing was imported")
    assert ".csv, .json" in result.stderr
    assert len(result.stderr.splitlines()) == 1

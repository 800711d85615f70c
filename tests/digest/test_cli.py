"""`atelier digest` and `atelier digest schedule …` in real processes (exit codes, JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def atelier(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATELIER_", "SLACK_", "DISCORD_"))
    }
    env |= {"ATELIER_DATA_DIR": str(tmp_path / "data"), "ATELIER_DEMO_DATA": "false"}
    env["PYTHONPATH"] = str(ROOT)
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )


def test_schedule_then_digest_as_json(tmp_path: Path) -> None:
    shown = atelier(tmp_path, "digest", "schedule", "--tenant", "T1")
    assert shown.returncode == 0 and "is off" in shown.stdout

    bad = atelier(tmp_path, "digest", "schedule", "on", "fri", "25:00", "--tenant", "T1")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error:") and "24-hour clock" in bad.stderr

    on = atelier(tmp_path, "digest", "schedule", "on", "fri", "15:00", "Europe/Berlin",
                 "--tenant", "T1")  # fmt: skip
    assert on.returncode == 0, on.stderr
    assert "Fridays at 15:00 (Europe/Berlin)" in on.stdout

    added = atelier(tmp_path, "projects", "add", "--title", "Acme", "--estimate-hours", "40",
                    "--tenant", "T1")  # fmt: skip
    assert added.returncode == 0, added.stderr
    logged = atelier(tmp_path, "log", "acme", "done: checkout flow, 3h", "--tenant", "T1")
    assert logged.returncode == 0, logged.stderr

    digest = atelier(tmp_path, "digest", "--json", "--tenant", "T1")
    assert digest.returncode == 0, digest.stderr
    data = json.loads(digest.stdout)
    assert data["schedule"] == "Fridays at 15:00 (Europe/Berlin)"
    [project] = data["projects"]
    assert project["project_id"] == "acme" and project["hours_used"] == 3.0
    assert [item["kind"] for item in project["news"]] == ["done"]
    assert "checkout flow" in project["news"][0]["text"]
    assert any("not yet reported" in line for line in project["lines"])
    assert data["reply"]["blocks"][0]["text"].startswith("Your Atelier digest")

    off = atelier(tmp_path, "digest", "schedule", "off", "--tenant", "T1")
    assert off.returncode == 0 and "is off" in off.stdout

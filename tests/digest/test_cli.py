"""`atelier digest` and `atelier digest schedule …` in real processes (exit codes, JSON)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from bot.config import Settings

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


async def _seed(settings: Settings) -> None:
    """A project with news, written in-process to the same database the CLI opens (fewer
    cold-starting processes: the CLI's own `projects add` and `log` have their tests)."""
    from adapters.runtime import running_bot
    from bot.messages import Request

    async with running_bot(settings.model_copy(update={"demo_data": False})) as bot:
        for command, text in (("projects", "add name=Acme estimate=40"),
                              ("log", "acme done: checkout flow, 3h")):  # fmt: skip
            request = Request(tenant="T1", user_id="you", command=command, text=text)
            reply = await bot.handle(request)
            assert reply is not None and not reply.refused, reply


async def test_schedule_then_digest_as_json(tmp_path: Path, settings: Settings) -> None:
    assert settings.data_dir == tmp_path / "data"  # the directory the CLI processes use
    bad = atelier(tmp_path, "digest", "schedule", "on", "fri", "25:00", "--tenant", "T1")
    assert bad.returncode == 1
    assert bad.stderr.startswith("error:") and "24-hour clock" in bad.stderr

    on = atelier(tmp_path, "digest", "schedule", "on", "fri", "15:00", "Europe/Berlin",
                 "--tenant", "T1")  # fmt: skip
    assert on.returncode == 0, on.stderr
    assert "Fridays at 15:00 (Europe/Berlin)" in on.stdout

    await _seed(settings)
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

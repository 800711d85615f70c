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


def _invoke(settings: Settings, *args: str):
    from typer.testing import CliRunner

    from adapters.cli import app

    env = {"ATELIER_DATA_DIR": str(settings.data_dir), "ATELIER_DEMO_DATA": "false"}
    return CliRunner().invoke(app, list(args), env=env)


def test_the_json_digest_is_the_chat_digest_for_that_person(settings: Settings) -> None:
    """`atelier digest --json` prints the facts of the very reply `/atelier digest` gives in
    chat (the core's, not a copy of its logic), for the person named by --user."""
    import asyncio

    from adapters.runtime import running_bot
    from bot.messages import Reply, Request

    async def in_chat() -> Reply | None:
        async with running_bot(settings.model_copy(update={"demo_data": False})) as bot:
            return await bot.handle(
                Request(tenant="T1", user_id="you", command="atelier", text="digest")
            )

    asyncio.run(_seed(settings))
    mine = _invoke(settings, "digest", "--json", "--tenant", "T1", "--user", "you")
    assert mine.exit_code == 0, mine.output
    data = json.loads(mine.stdout)
    chat = asyncio.run(in_chat())
    assert chat is not None
    assert {k: v for k, v in data.items() if k != "reply"} == dict(chat.facts)
    assert data["reply"]["text"] == chat.text and "facts" not in data["reply"]
    assert data["owned_only"] is True and data["schedule"] == "off"

    # Someone who owns nothing gets the whole workspace, said so in the same words as chat.
    bob = _invoke(settings, "digest", "--json", "--tenant", "T1", "--user", "bob")
    other = json.loads(bob.stdout)
    assert other["owned_only"] is False
    assert [p["project_id"] for p in other["projects"]] == ["acme"]
    assert "in this workspace" in other["reply"]["text"]


def test_schedule_json_carries_the_setting_and_the_next_digest(settings: Settings) -> None:
    on = _invoke(settings, "digest", "schedule", "on", "mon", "09:30", "UTC", "--tenant", "T1",
                 "--json")  # fmt: skip
    assert on.exit_code == 0, on.output
    facts = json.loads(on.stdout)["facts"]
    assert facts["schedule"] == "Mondays at 09:30 (UTC)" and facts["tenant"] == "T1"
    assert facts["next"].endswith("09:30:00+00:00")
    shown = json.loads(_invoke(settings, "digest", "schedule", "--tenant", "T1", "--json").stdout)
    assert shown["facts"] == facts  # the setting was saved, and reads back the same
    off = _invoke(settings, "digest", "schedule", "off", "--tenant", "T1", "--json")
    assert json.loads(off.stdout)["facts"] == {"tenant": "T1", "schedule": "off", "next": None}

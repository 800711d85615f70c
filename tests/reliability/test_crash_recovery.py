"""A bot process killed (SIGKILL) mid-draft: on restart the log and the draft are intact.

The real `atelier chat` runs as a subprocess fed line by line; after the draft is shown, the
process is killed without any chance to clean up, the database file is checked, and a new
process carries on from where the first one stopped.
"""

from __future__ import annotations

import asyncio
import os
import re
import signal
import sqlite3
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
STEP_SECONDS = 120  # one console step; bounded so a hung process fails the test
END_OF_DRAFT = r"\[export-text-\d+\]"  # the last button of a draft

pytestmark = pytest.mark.slow


class Chat:
    """`atelier chat` in a subprocess: send a line, wait for what it prints."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.screen = ""

    @classmethod
    async def start(cls, data_dir: Path, cwd: Path) -> Chat:
        environment = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(cwd),
            "PYTHONPATH": str(ROOT),
            "ATELIER_DATA_DIR": str(data_dir),
            "ATELIER_DEMO_DATA": "false",
            "COLUMNS": "200",
        }
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "adapters.cli",
            "chat",
            cwd=cwd,
            env=environment,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.DEVNULL,
        )
        return cls(process)

    async def say(self, line: str, expect: str) -> str:
        """Type ``line``; return the screen once ``expect`` (a regex) appears on it.

        ``expect`` should match the *end* of the answer, so that no part of it is still on its
        way when the next line is typed.
        """
        assert self.process.stdin is not None and self.process.stdout is not None
        start = len(self.screen)
        self.process.stdin.write(line.encode() + b"\n")
        await self.process.stdin.drain()

        async def printed() -> None:
            while not re.search(expect, self.screen[start:]):
                chunk = await self.process.stdout.read(4096)  # type: ignore[union-attr]
                if not chunk:
                    raise AssertionError(f"chat ended before {expect!r}: {self.screen[-500:]}")
                self.screen += chunk.decode(errors="replace")

        await asyncio.wait_for(printed(), STEP_SECONDS)
        return self.screen[start:]

    def kill(self) -> None:
        self.process.send_signal(signal.SIGKILL)

    async def finish(self) -> None:
        if self.process.returncode is None:
            assert self.process.stdin is not None
            self.process.stdin.close()
            try:
                await asyncio.wait_for(self.process.wait(), STEP_SECONDS)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()


def stored(database: Path) -> dict[str, Any]:
    with sqlite3.connect(database) as connection:
        return {
            "integrity": connection.execute("PRAGMA integrity_check").fetchone()[0],
            "entries": connection.execute("SELECT count(*) FROM log_entries").fetchone()[0],
            "reported": connection.execute(
                "SELECT count(*) FROM log_entries WHERE reported_draft_id IS NOT NULL"
            ).fetchone()[0],
            "drafts": connection.execute("SELECT id, status FROM update_drafts").fetchall(),
            "versions": connection.execute("SELECT count(*) FROM update_draft_versions").fetchone()[
                0
            ],
        }


async def test_killed_mid_draft_then_restarted(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    database = data_dir / "atelier.db"
    chat = await Chat.start(data_dir, tmp_path)
    try:
        await chat.say(
            "/projects add name=Acme aliases=acme client=Acme estimate=10", "/update acme"
        )
        await chat.say("/log acme done: checkout flow 2h", r"Logged #1 .*\)\.")
        await chat.say("/log acme blocker: waiting for the API keys", r"Logged #2 .*\)\.")
        await chat.say("/update acme", END_OF_DRAFT)
        await chat.say("change-tone-formal-3", END_OF_DRAFT)  # a second version of the draft
    finally:
        chat.kill()  # no shutdown, no flush, no goodbye
        await chat.process.wait()
    assert chat.process.returncode == -signal.SIGKILL

    after_kill = stored(database)
    assert after_kill["integrity"] == "ok"
    assert after_kill["entries"] == 2 and after_kill["reported"] == 0
    [(_draft_id, status)] = after_kill["drafts"]
    assert status == "draft" and after_kill["versions"] == 2

    # A new process picks up the same state and finishes the job.
    chat = await Chat.start(data_dir, tmp_path)
    try:
        listing = await chat.say("/log acme", "waiting for the API keys")
        assert "checkout flow" in listing.lower()
        draft = await chat.say("/update acme", END_OF_DRAFT)
        assert "Checkout flow" in draft and "Waiting for the API keys" in draft
        approved = await chat.say("approve-1", "are now marked")
        assert "2 log entries" in approved
    finally:
        await chat.finish()
    final = stored(database)
    assert final["integrity"] == "ok" and final["reported"] == 2
    assert "approved" in {status for _id, status in final["drafts"]}

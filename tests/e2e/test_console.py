"""The console adapter end to end: a piped conversation through the real CLI and adapter."""

import os
import subprocess
import sys
from pathlib import Path

from adapters.console import iter_lines

ROOT = Path(__file__).resolve().parents[2]


async def test_console_conversation_renders_help_and_fallbacks(harness):
    await harness.adapter.run(
        iter_lines(["/help", "", "what's the weather?", "/nope"]), prompt=False
    )
    screen = harness.screen()
    assert "Atelier — what I can do" in screen
    assert "/help" in screen
    assert "I'm not sure what you'd like me to do" in screen
    assert "I don't know the command /nope" in screen


def test_piped_stdin_through_the_cli_exits_zero(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATELIER_", "SLACK_", "DISCORD_"))
    }
    env["ATELIER_DATA_DIR"] = str(tmp_path / "data")
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "chat"],
        input="/help\n",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "/help" in result.stdout and "what I can do" in result.stdout


def test_a_bad_setting_exits_2_with_one_line(tmp_path):
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATELIER_", "SLACK_", "DISCORD_"))
    }
    env["ATELIER_PORT"] = "eighty"
    result = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "chat"],
        input="",
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 2
    assert "ATELIER_PORT" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


async def test_a_proposal_keeps_its_lines_as_chat_shows_them(harness):
    import dataclasses

    from bot.messages import Paragraph, Reply
    from bot.proposal_text import PhaseShare, build_proposal
    from tests.documents.test_proposal_text import FACTS

    phases = (PhaseShare("build", 0.6), PhaseShare("qa", 0.25), PhaseShare("ux design", 0.15))
    proposal = build_proposal(dataclasses.replace(FACTS, phases=phases))
    await harness.adapter.render(Reply(blocks=(Paragraph(text=proposal.client_text),)))
    lines = [line.strip() for line in harness.screen().splitlines()]
    # The last deliverable and the total, a heading and its text: each on a line of its own.
    assert f"Total: {proposal.total_hours} h" in lines
    for heading in ("Your goal", "Price", "Timeline", "Payment terms", "Validity"):
        assert heading in lines, heading
    assert any(line.startswith("• QA: ") for line in lines)
    assert any(line.startswith("• UX design: ") for line in lines)


def test_chat_lines_leave_fenced_code_alone() -> None:
    from adapters.console import chat_lines

    text = "**Price**\nFixed\n- a\nTotal\n```\n- x\ny\n```"
    assert chat_lines(text) == "**Price**  \nFixed  \n- a\n\nTotal\n```\n- x\ny\n```"


async def test_quit_ends_the_conversation_and_nothing_after_it_is_handled(harness):
    await harness.adapter.run(iter_lines(["/help", "  /QUIT ", "/nope"]), prompt=False)
    screen = harness.screen()
    assert "Atelier — what I can do" in screen
    assert "/nope" not in screen
    assert "I don't know the command /quit" not in screen

"""Every CLI failure and refusal is one clear line on stderr with a non-zero exit code."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app

MARKER = "client pays late MARKER-91c2"


def invoke(settings, *args: str, **env: str):
    environment = {
        "ATELIER_DATA_DIR": str(settings.data_dir),
        "ATELIER_DEMO_DATA": "false",
        **env,
    }
    return CliRunner().invoke(app, list(args), env=environment)


def one_error_line(result) -> str:
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    return lines[0]


@pytest.fixture
def locked(settings) -> Iterator[Path]:
    """The state database with an acme project, while another connection holds a write lock."""
    added = invoke(settings, "projects", "add", "--title", "Acme", "--aliases", "acme")
    assert added.exit_code == 0, added.output
    path = settings.data_dir / "atelier.db"
    holder = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        yield path
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_a_write_under_a_locked_database_is_one_line_without_the_users_text(
    settings, locked
) -> None:
    result = invoke(
        settings, "log", "acme", f"internal: {MARKER}, 2h", ATELIER_DATABASE_LOCK_TIMEOUT="0.2"
    )
    line = one_error_line(result)
    assert result.exit_code == 1
    assert "locked by another process" in line and "nothing was saved" in line
    assert "MARKER" not in result.output and "INSERT" not in result.output


def test_adding_and_closing_under_a_locked_database_fail_plainly(settings, locked) -> None:
    for args in (
        ("projects", "add", "--title", f"Beta {MARKER}"),
        ("projects", "close", "acme", "3"),
        ("ask", f"/log acme done: {MARKER} 1h"),
    ):
        result = invoke(settings, *args, ATELIER_DATABASE_LOCK_TIMEOUT="0.2")
        line = one_error_line(result)
        assert "MARKER" not in result.output, args
        assert "database" in line, args


def test_ask_exits_non_zero_when_the_bot_refuses(settings) -> None:
    assert invoke(settings, "ask", "/help").exit_code == 0
    unknown = invoke(settings, "ask", "/projects close nope 3")
    line = one_error_line(unknown)
    assert unknown.exit_code == 1 and "don't know an active project" in line
    assert one_error_line(invoke(settings, "ask", "/nosuchcommand"))
    as_json = invoke(settings, "ask", "/projects close nope 3", "--json")
    assert as_json.exit_code == 1 and json.loads(as_json.stdout)["refused"] is True


def test_implausible_close_from_the_cli_needs_confirm(settings) -> None:
    added = invoke(settings, "projects", "add", "--title", "Acme", "--estimate-hours", "80")
    assert added.exit_code == 0
    unusual = invoke(settings, "projects", "close", "acme", "900")
    line = one_error_line(unusual)
    assert "11× the estimate" in line and "--confirm" in line
    assert one_error_line(invoke(settings, "log", "acme", "done: refund -3h"))
    confirmed = invoke(settings, "projects", "close", "acme", "900", "--confirm")
    assert confirmed.exit_code == 0, confirmed.output
    assert "Closed Acme at 900 h" in confirmed.stdout


def test_past_projects_are_corrected_from_the_cli(settings, tmp_path: Path) -> None:
    history = tmp_path / "history.csv"
    history.write_text(
        "id,title,summary,type,estimated_hours,actual_hours\n"
        "p1,Tea shop,A Shopify store for a tea shop,e-commerce,40,50\n",
        encoding="utf-8",
    )
    assert invoke(settings, "projects", "import", str(history)).exit_code == 0
    edited = invoke(settings, "projects", "edit", "p1", "actual=55", "tags=shopify;theme")
    assert edited.exit_code == 0 and "actual_hours 50 → 55" in edited.stdout
    refused = invoke(settings, "projects", "edit", "p1", "actual=100000")
    assert "limit is 20,000 h" in one_error_line(refused)
    assert invoke(settings, "projects", "remove", "p1").exit_code == 0
    assert "p1" not in invoke(settings, "projects", "list", "--json").stdout
    assert one_error_line(invoke(settings, "projects", "show", "p1"))
    assert invoke(settings, "projects", "restore", "p1").exit_code == 0
    shown = json.loads(invoke(settings, "projects", "show", "p1", "--json").stdout)
    assert shown["actual_hours"] == 55 and shown["tags"] == ["shopify", "theme"]

    added = invoke(settings, "projects", "add", "--title", "Acme", "--tags", "shopify", "--json")
    assert json.loads(added.stdout)["tags"] == ["shopify"]
    assert invoke(settings, "projects", "close", "acme", "30").exit_code == 0
    assert invoke(settings, "projects", "reopen", "acme").exit_code == 0
    again = one_error_line(invoke(settings, "projects", "reopen", "acme"))
    assert "don't know a closed project" in again

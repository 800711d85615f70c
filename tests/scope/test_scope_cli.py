"""`atelier scope` through the real CLI: the same facts as JSON, for scripts."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

# What `atelier scope` does on a first run before it reads the brief (migrate the database,
# load the demo portfolio into the empty store), run once in a real process of its own.
FIRST_RUN = """
import asyncio
from adapters.launch import load_demo_if_empty
from adapters.runtime import running_bot
from bot.config import load_settings

async def first_run() -> None:
    settings = load_settings()
    async with running_bot(settings) as bot:
        await load_demo_if_empty(bot, settings.default_tenant)

asyncio.run(first_run())
"""


def _env(tmp_path: Path) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("ATELIER_", "SLACK_", "DISCORD_"))
    }
    env["ATELIER_DATA_DIR"] = str(tmp_path / "data")
    return env


def _atelier(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "adapters.cli", "scope", *args],
        capture_output=True,
        text=True,
        env=_env(tmp_path),
        cwd=tmp_path,
        timeout=240,
    )


@pytest.fixture(scope="module")
def first_run_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A data dir as the first `atelier scope` leaves it before answering, made once."""
    where = tmp_path_factory.mktemp("first-run")
    done = subprocess.run(
        [sys.executable, "-c", FIRST_RUN],
        capture_output=True,
        text=True,
        env=_env(where),
        cwd=where,
        timeout=240,
    )
    assert done.returncode == 0, done.stderr
    return where / "data"


@pytest.fixture
def used_before(tmp_path: Path, first_run_data: Path) -> None:
    """``tmp_path`` holding a copy of that data dir: the processes skip the demo's embedding
    (the first-run path itself is what test_scope_json_returns_the_facts goes through)."""
    shutil.copytree(first_run_data, tmp_path / "data")


def test_scope_json_returns_the_facts(tmp_path: Path):
    result = _atelier(
        tmp_path, "Shopify store with a custom theme, I think 80h", "--rate", "150", "--json"
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["has_estimate"] is True
    assert facts["rate"] == 150 and facts["currency"] == "USD"
    estimate = facts["estimate"]
    assert estimate["p10_hours"] <= estimate["p50_hours"] <= estimate["p90_hours"]
    assert facts["price"]["p50"] == estimate["p50_hours"] * 150
    assert facts["analogues"] and all(a["id"].startswith("demo-") for a in facts["analogues"])
    assert facts["guess"]["hours"] == 80
    assert {q["topic"] for q in facts["questions"]} >= {"deadline", "budget"}

    other = _atelier(tmp_path, "Shopify store", "--tenant", "T-nobody", "--json")
    assert other.returncode == 0, other.stderr
    assert json.loads(other.stdout)["has_estimate"] is False


def test_scope_rejects_an_unknown_currency(tmp_path: Path):
    result = _atelier(tmp_path, "landing page", "--currency", "XYZ")
    assert result.returncode == 2
    assert "unknown currency" in result.stderr


def _scope_runs(tmp_path: Path, kind: str = "est") -> list[tuple[str, str, str, float, str]]:
    """The kept `/scope` rows: ``est`` answers with an estimate, ``ask`` vague asks."""
    with sqlite3.connect(tmp_path / "data" / "atelier.db") as db:
        return db.execute(
            "SELECT id, user_id, brief, rate, currency FROM scope_runs WHERE id LIKE ? "
            "ORDER BY created_at",
            (f"{kind}-%",),
        ).fetchall()


@pytest.mark.usefixtures("used_before")
def test_a_vague_brief_gets_the_questions_first_then_a_wide_band_like_chat(tmp_path: Path):
    first = _atelier(tmp_path, "a website", "--json")
    assert first.returncode == 0, first.stderr
    asked = json.loads(first.stdout)
    assert asked["too_vague"] is True and asked["has_estimate"] is False
    assert asked["estimate"] is None and asked["price"] is None and asked["analogues"] == []
    assert asked["questions"], "the questions that decide the size"
    assert not re.search(r"\d+\s*h\b", json.dumps(asked["questions"]))
    assert _scope_runs(tmp_path) == [], "no estimate, so no run to save"
    assert [run[1:3] for run in _scope_runs(tmp_path, "ask")] == [("you", "a website")]

    # Asked again as it is: a deliberately wide band, kept as a run like `/scope` keeps it.
    again = _atelier(tmp_path, "a website", "--rate", "90", "--currency", "EUR", "--json")
    assert again.returncode == 0, again.stderr
    facts = json.loads(again.stdout)
    assert facts["has_estimate"] is True and facts["estimate"]["wide"] is True
    assert facts["rate"] == 90 and facts["currency"] == "EUR"
    ((run_id, user, brief, rate, currency),) = _scope_runs(tmp_path)
    assert run_id.startswith("est-") and user == "you" and brief == "a website"
    assert (rate, currency) == (90, "EUR")


@pytest.mark.usefixtures("used_before")
def test_the_flags_are_read_as_words_added_to_the_brief(tmp_path: Path):
    # `--rate 150 --currency EUR` is "…, rate 150 EUR" for the core, which reads a written
    # rate ("rate N") before one given by a symbol ("at €70/h").
    result = _atelier(
        tmp_path,
        "Shopify store with a custom theme at €70/h",
        "--rate",
        "150",
        "--currency",
        "EUR",
        "--json",
    )
    assert result.returncode == 0, result.stderr
    facts = json.loads(result.stdout)
    assert facts["rate"] == 150 and facts["currency"] == "EUR"
    assert [run[3:] for run in _scope_runs(tmp_path)] == [(150, "EUR")]


@pytest.mark.usefixtures("used_before")
def test_a_brief_naming_another_rate_than_the_flag_is_refused(tmp_path: Path):
    result = _atelier(tmp_path, "Shopify store, rate 80", "--rate", "150", "--json")
    assert result.returncode == 1
    error = json.loads(result.stdout)["error"]
    assert "the brief names its own rate (80)" in error and "--rate 150" in error
    currency = _atelier(tmp_path, "Shopify store in USD", "--currency", "EUR")
    assert currency.returncode == 1
    assert currency.stderr.startswith("error: the brief names its own currency (USD)")


@pytest.mark.usefixtures("used_before")
def test_a_rate_the_core_refuses_is_one_clear_line(tmp_path: Path):
    result = _atelier(tmp_path, "landing page", "--rate", "200000")
    assert result.returncode == 1
    assert result.stderr.startswith("error: An hourly rate must be above 0 and at most 100,000")
    assert _scope_runs(tmp_path) == []

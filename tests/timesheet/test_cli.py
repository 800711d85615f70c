"""`atelier log summary … --json / --csv`: the numbers an invoice is made from."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path

from typer.testing import CliRunner

from adapters.cli import app
from adapters.runtime import build_services
from bot.core import Bot
from tests.timesheet.conftest import build_workspace

WEEK = "2026-11-30..2026-12-06"


def workspace(settings) -> None:
    """The conftest's workspace, written to the data dir the CLI reads."""

    async def build() -> None:
        bot = Bot(build_services(settings))
        await bot.start()
        try:
            await build_workspace(bot)
        finally:
            await bot.close()

    asyncio.run(build())


def invoke(settings, *args: str):
    env = {"ATELIER_DATA_DIR": str(settings.data_dir), "ATELIER_DEMO_DATA": "false"}
    return CliRunner().invoke(app, list(args), env=env)


def test_csv_has_one_text_free_row_per_entry(settings, tmp_path: Path) -> None:
    workspace(settings)
    target = tmp_path / "invoice.csv"
    written = invoke(settings, "log", "summary", WEEK, "--csv", str(target))
    assert written.exit_code == 0, written.output
    assert "Wrote 5 entries" in written.output
    rows = list(csv.DictReader(io.StringIO(target.read_text(encoding="utf-8"))))
    assert list(rows[0]) == [
        "date", "project", "person", "hours", "billable", "rate", "amount", "currency"
    ]  # fmt: skip
    assert [tuple(r.values()) for r in rows] == [
        ("2026-11-30", "acme-web-shop", "alice", "2.5", "yes", "120.00", "300.00", "USD"),
        ("2026-12-01", "acme-web-shop", "bob", "1", "no", "120.00", "0.00", "USD"),
        ("2026-12-02", "beta-portal", "alice", "3", "yes", "100.00", "300.00", "USD"),
        ("2026-12-03", "gamma-app", "bob", "4", "yes", "80.00", "320.00", "EUR"),
        ("2026-12-06", "beta-portal", "bob", "0.5", "yes", "100.00", "50.00", "USD"),
    ]
    text = target.read_text(encoding="utf-8")
    assert "checkout" not in text and "internal demo" not in text  # entry text stays internal


def test_csv_to_stdout_with_text_and_one_project(settings) -> None:
    workspace(settings)
    out = invoke(settings, "log", "summary", WEEK, "acme", "--csv", "-", "--with-text")
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.output)))
    assert [(r["person"], r["hours"], r["billable"], r["text"]) for r in rows] == [
        ("alice", "2.5", "yes", "done: checkout flow, 2h30"),
        ("bob", "1", "no", "nb: done: internal demo for the team, 1h"),
    ]


def test_json_totals(settings) -> None:
    workspace(settings)
    out = invoke(settings, "log", "summary", WEEK, "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    assert data["period"] == {"start": "2026-11-30", "end": "2026-12-06", "label": ""}
    assert data["total"] == {
        "hours": 11.0,
        "billable_hours": 10.0,
        "amounts": {"EUR": 320.0, "USD": 650.0},
    }
    projects = {
        p["project"]: (p["hours"], p["billable_hours"], p["amount"]) for p in data["projects"]
    }
    assert projects == {
        "acme-web-shop": (3.5, 2.5, 300.0),
        "beta-portal": (3.5, 3.5, 350.0),
        "gamma-app": (4.0, 4.0, 320.0),
    }
    assert all("text" not in entry for entry in data["entries"])


def test_rich_output_and_errors(settings) -> None:
    workspace(settings)
    shown = invoke(settings, "log", "summary", WEEK)
    assert shown.exit_code == 0 and "Gamma app" in shown.output and "320.00" in shown.output
    bad = invoke(settings, "log", "summary", "2026-12-10..2026-12-01")
    assert bad.exit_code == 1 and "before it starts" in bad.output
    misplaced = invoke(settings, "log", "acme", "done: x, 1h", "--csv", "-")
    assert misplaced.exit_code == 1 and "belong to `atelier log summary`" in misplaced.output


def test_log_an_entry_non_billable_from_the_command_line(settings) -> None:
    added = invoke(settings, "projects", "add", "--title", "Acme", "--aliases", "acme", "--active")
    assert added.exit_code == 0, added.output
    logged = invoke(settings, "log", "acme", "nb:", "done:", "pairing, 1h", "--json")
    assert logged.exit_code == 0, logged.output
    assert json.loads(logged.output)["billable"] is False


def test_json_is_the_facts_of_the_chat_reply(settings) -> None:
    """`atelier log summary --json` is `/log summary` in chat: the same reply, its facts printed
    (entry text left out), and chat's own words when it can't answer."""
    from bot.messages import Request

    workspace(settings)

    async def in_chat(text: str):
        bot = Bot(build_services(settings))
        await bot.start()
        try:
            request = Request(tenant="local", user_id="you", command="log", text=text)
            return await bot.handle(request)
        finally:
            await bot.close()

    out = invoke(settings, "log", "summary", WEEK, "beta", "--json")
    assert out.exit_code == 0, out.output
    data = json.loads(out.output)
    chat = asyncio.run(in_chat(f"summary {WEEK} beta"))
    assert chat is not None and chat.command == "log"
    expected = dict(chat.facts)
    assert [e.pop("text") for e in expected["entries"]] == [
        "done: homepage, 3h",
        "done: footer links, 30m",
    ]
    assert data == expected
    assert data["project_filter"] == "beta-portal" and data["total"]["hours"] == 3.5

    unknown = invoke(settings, "log", "summary", "week", "initech")
    chat_unknown = asyncio.run(in_chat("summary week initech"))
    assert unknown.exit_code == 1 and chat_unknown is not None and chat_unknown.refused
    assert unknown.output.startswith("error: I don't know a project called “initech”")
    assert "“initech”, nor a period" in chat_unknown.text


def test_projects_add_files_every_option_as_the_chat_form_would(settings) -> None:
    """`atelier projects add` submits the `/projects add` form: rate and currency (an answer
    the form takes without a field of its own) are saved, and the summary prices with them."""
    added = invoke(
        settings, "projects", "add", "--title", "Delta app", "--aliases", "delta",
        "--rate", "90", "--currency", "EUR", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert invoke(settings, "log", "delta", "done: onboarding, 2h").exit_code == 0
    out = invoke(settings, "log", "summary", "week", "delta", "--json")
    assert out.exit_code == 0, out.output
    [project] = json.loads(out.output)["projects"]
    assert (project["rate"], project["currency"], project["amount"]) == (90.0, "EUR", 180.0)

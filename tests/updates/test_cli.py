"""The scripting CLI: `atelier projects add`, `atelier log`, `atelier update …` (same core)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from adapters.cli import app


def invoke(settings, *args: str):
    env = {"ATELIER_DATA_DIR": str(settings.data_dir), "ATELIER_DEMO_DATA": "false"}
    return CliRunner().invoke(app, list(args), env=env)


def test_add_log_draft_approve_from_the_command_line(settings) -> None:
    added = invoke(
        settings,
        "projects", "add", "--title", "Acme web shop", "--client", "Acme Corp",
        "--aliases", "acme", "--estimate-hours", "40", "--rate", "100", "--budget", "6000",
        "--due", "2026-12-30", "--active", "--json",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["id"] == "acme-web-shop"

    logged = invoke(settings, "log", "acme", "done: checkout flow, 2h30", "--json")
    assert logged.exit_code == 0, logged.output
    assert json.loads(logged.output) == {
        "id": 1,
        "project": "acme-web-shop",
        "kind": "done",
        "hours": 2.5,
        "internal": False,
        "billable": True,
    }
    assert invoke(settings, "log", "initech", "done: x").exit_code == 1

    drafted = invoke(settings, "update", "acme", "--tone", "formal", "--json")
    assert drafted.exit_code == 0, drafted.output
    draft = json.loads(drafted.output)
    assert draft["visibility"] == "dm" and "Dear Acme Corp" in draft["text"]

    refused = invoke(settings, "update", "approve", draft["draft_id"], "--user", "bob")
    assert refused.exit_code == 1 and "Sorry" in refused.output
    approved = invoke(settings, "update", "approve", draft["draft_id"])
    assert approved.exit_code == 0 and "Approved" in approved.output
    assert invoke(settings, "update", "approve", draft["draft_id"]).exit_code == 1  # stale

    nothing = invoke(settings, "update", "acme")
    assert nothing.exit_code == 1 and "nothing to report" in nothing.output


def test_bad_options_say_what_is_wrong(settings) -> None:
    bad_due = invoke(settings, "projects", "add", "--title", "Acme", "--due", "soon")
    assert bad_due.exit_code == 1 and "due" in bad_due.output
    assert invoke(settings, "update", "acme", "--tone", "casual").exit_code == 2
    assert invoke(settings, "update", "approve").exit_code == 2


def test_discard_and_export_a_draft_from_the_command_line(settings) -> None:
    added = invoke(
        settings, "projects", "add", "--title", "Globex site", "--aliases", "globex", "--json"
    )
    assert added.exit_code == 0, added.output
    assert json.loads(added.output)["status"] == "active"
    clash = invoke(settings, "projects", "add", "--title", "Globex two", "--aliases", "globex")
    assert clash.exit_code == 1 and "already the name or alias" in clash.output
    assert invoke(settings, "log", "globex", "done: home page, 3h").exit_code == 0
    # The same `/log` as chat: a client's request is offered as a change request.
    asked = invoke(settings, "log", "globex", "client asked: a blog section")
    assert asked.exit_code == 0 and "client request" in asked.output
    drafted = invoke(settings, "update", "globex", "--json")
    assert drafted.exit_code == 0, drafted.output
    draft_id = json.loads(drafted.output)["draft_id"]

    # Only the requester may export it; the export is the draft's text, in the JSON too.
    assert invoke(settings, "update", "export", draft_id, "--user", "bob").exit_code == 1
    exported = invoke(settings, "update", "export", draft_id, "--json")
    assert exported.exit_code == 0, exported.output
    data = json.loads(exported.output)
    assert data["ok"] is True and "- Home page" in data["text"]

    discarded = invoke(settings, "update", "discard", draft_id, "--json")
    assert discarded.exit_code == 0 and json.loads(discarded.output)["ok"] is True
    again = invoke(settings, "update", "discard", draft_id, "--json")
    assert again.exit_code == 1 and json.loads(again.output)["ok"] is False
    unknown = invoke(settings, "update", "approve", "u-nothing", "--json")
    assert unknown.exit_code == 1 and "can't find" in json.loads(unknown.output)["text"]

"""`atelier change`: judged and priced from the command line, JSON for scripts, decisions."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from adapters.cli import app


def invoke(settings, *args: str):
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}  # the demo portfolio is the history
    return CliRunner().invoke(app, list(args), env=env)


def test_change_json_then_approve_and_export(settings) -> None:
    added = invoke(
        settings,
        "projects", "add", "--title", "Acme coffee shop", "--client", "Acme Corp",
        "--aliases", "acme", "--estimate-hours", "120", "--rate", "90", "--budget", "10800",
        "--currency", "EUR", "--due", "2027-01-15", "--active",
        "--summary", "Shopify store with product pages, a subscription app and a brew guide blog.",
    )  # fmt: skip
    assert added.exit_code == 0, added.output

    judged = invoke(settings, "change", "acme", "a", "loyalty", "points", "program", "--json")
    assert judged.exit_code == 0, judged.output
    data = json.loads(judged.output)
    assert data["verdict"] == "extra" and data["change_id"].startswith("cr")
    band = data["band"]
    assert band["p10"] <= data["hours"] == band["p50"] <= band["p90"]
    assert data["price"] == data["hours"] * 90 and data["currency"] == "EUR"
    assert "“" in data["reason"] and data["scope_line"]

    included = invoke(settings, "change", "acme", "the brew guide blog", "--json")
    assert json.loads(included.output)["verdict"] == "included"

    waiting = invoke(settings, "change", "list", "--json")  # no project: all waiting, as in chat
    assert waiting.exit_code == 0, waiting.output
    (table,) = [b for b in json.loads(waiting.output)["blocks"] if b["kind"] == "table"]
    assert [row[:2] for row in table["rows"]] == [[data["change_id"], "Acme coffee shop"]]

    refused = invoke(settings, "change", "approve", data["change_id"], "--user", "bob")
    assert refused.exit_code == 1 and "only the person" in refused.output
    approved = invoke(settings, "change", "approve", data["change_id"], "--json")
    assert approved.exit_code == 0, approved.output
    assert json.loads(approved.output)["status"] == "approved"
    assert invoke(settings, "change", "approve", data["change_id"]).exit_code == 1  # decided

    no_order = invoke(settings, "change", "export", data["change_id"])
    assert no_order.exit_code == 1 and "no change order yet" in no_order.output
    second = json.loads(invoke(settings, "change", "acme", "a gift card feature", "--json").output)
    drafted = invoke(settings, "change", "draft", second["change_id"])
    assert drafted.exit_code == 0, drafted.output
    exported = invoke(settings, "change", "export", second["change_id"])
    assert exported.exit_code == 0, exported.output
    assert exported.output.startswith("# Change order " + second["change_id"])
    assert "a gift card feature" in exported.output


def test_bad_input_exits_non_zero_with_one_line(settings) -> None:
    assert invoke(settings, "change", "approve").exit_code == 2
    unknown = invoke(settings, "change", "nowhere", "a blog")
    assert unknown.exit_code == 1 and "error:" in unknown.output

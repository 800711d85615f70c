"""The app manifest declares what the adapter needs: every command, scope and event."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

import adapters.slack
from bot.registry import SkillRegistry
from bot.skills import SKILL_MODULES

MANIFEST = Path(adapters.slack.__file__).parent / "manifest.yml"


def test_manifest_declares_every_command_scope_and_event():
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    registry = SkillRegistry()
    registry.load(SKILL_MODULES)

    declared = {item["command"] for item in manifest["features"]["slash_commands"]}
    missing = {f"/{name}" for name in registry.commands} - declared
    assert not missing, f"add these slash commands to manifest.yml: {sorted(missing)}"
    assert {"/scope", "/log", "/update", "/projects", "/help"} <= declared

    assert set(manifest["oauth_config"]["scopes"]["bot"]) >= {
        "commands", "chat:write", "im:write", "im:history",
        "app_mentions:read", "files:write", "files:read", "users:read",
        "channels:read", "groups:read", "mpim:read", "usergroups:read",  # who asks, where
        "reactions:write",
    }  # fmt: skip
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "app_home_opened",
    }  # fmt: skip
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]


def _registry() -> SkillRegistry:
    registry = SkillRegistry()
    registry.load(SKILL_MODULES)
    return registry


def test_checked_in_manifests_list_exactly_the_generated_commands():
    from adapters.slack.manifest import HTTP_TEMPLATE, PLACEHOLDER, slash_commands

    commands = _registry().commands.values()
    socket = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    http = yaml.safe_load(HTTP_TEMPLATE.read_text(encoding="utf-8"))
    hint = "regenerate the slash_commands with `atelier slack manifest`"
    assert socket["features"]["slash_commands"] == slash_commands(commands), hint
    assert http["features"]["slash_commands"] == slash_commands(commands, url=PLACEHOLDER), hint
    # Both ask for the same permissions and events; only the transport differs.
    assert http["oauth_config"]["scopes"] == socket["oauth_config"]["scopes"]
    assert http["settings"]["event_subscriptions"]["bot_events"] == (
        socket["settings"]["event_subscriptions"]["bot_events"]
    )
    assert http["settings"]["socket_mode_enabled"] is False
    assert http["oauth_config"]["redirect_urls"] == [f"{PLACEHOLDER}/slack/oauth_redirect"]
    # Enterprise Grid: the tenant is the org, so the app is deployed to the org.
    assert socket["settings"]["org_deploy_enabled"] and http["settings"]["org_deploy_enabled"]
    for entry in socket["features"]["slash_commands"]:
        assert len(entry["description"]) <= 100


def test_filled_in_manifest_points_every_url_at_the_host_and_names_commands_as_configured():
    from adapters.slack.manifest import build_manifest, check_url, to_yaml

    commands = _registry().commands.values()
    url = check_url("https://atelier.example.org/")
    manifest = yaml.safe_load(to_yaml(build_manifest(commands, url=url, prefix="at-")))
    text = to_yaml(manifest)
    assert "YOUR-HOST" not in text and "example.com" not in text
    assert manifest["settings"]["event_subscriptions"]["request_url"] == (
        "https://atelier.example.org/slack/events"
    )
    assert manifest["oauth_config"]["redirect_urls"] == [
        "https://atelier.example.org/slack/oauth_redirect"
    ]
    names = {entry["command"] for entry in manifest["features"]["slash_commands"]}
    assert "/at-scope" in names and "/scope" not in names and "/at-help" in names

    single = build_manifest(commands, url=url, single=True)
    (only,) = single["features"]["slash_commands"]
    assert only["command"] == "/atelier" and "scope" in only["description"]

    for bad in ("http://atelier.example.org", "atelier.example.org", "https://h/?x=1"):
        with pytest.raises(ValueError, match="--url"):
            check_url(bad)

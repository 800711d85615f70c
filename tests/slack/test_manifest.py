"""The app manifest declares what the adapter needs: every command, scope and event."""

from __future__ import annotations

from pathlib import Path

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
    }  # fmt: skip
    settings = manifest["settings"]
    assert set(settings["event_subscriptions"]["bot_events"]) == {
        "app_mention", "message.im", "app_home_opened",
    }  # fmt: skip
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    assert settings["interactivity"]["is_enabled"] and settings["socket_mode_enabled"]

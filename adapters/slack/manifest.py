"""The Slack app manifest, generated from the skill registry.

Two checked-in templates: ``manifest.yml`` (Socket Mode, no public URL needed) and
``manifest.http.yml`` (HTTP mode, every URL a ``https://YOUR-HOST`` placeholder, plus the OAuth
redirect URL for multi-workspace installs). Their slash commands are generated from the
registry (a test keeps the checked-in lists equal to it); ``atelier slack manifest`` prints a
template with the commands named as configured (``ATELIER_SLACK_COMMAND_PREFIX``, or the one
``/atelier <command>``) and, for HTTP mode, the URLs filled in.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from bot.registry import Command

HERE = Path(__file__).resolve().parent
SOCKET_TEMPLATE = HERE / "manifest.yml"
HTTP_TEMPLATE = HERE / "manifest.http.yml"
PLACEHOLDER = "https://YOUR-HOST"
EVENTS_PATH = "/slack/events"
REDIRECT_PATH = "/slack/oauth_redirect"
# The one command that takes every other as its first word (``/atelier scope <brief>``).
UMBRELLA = "atelier"
# Slack's limits on a slash command's fields.
MAX_DESCRIPTION = 100
MAX_USAGE_HINT = 100


def bot_scopes() -> list[str]:
    """The bot scopes the app asks for, as the manifest declares them (OAuth installs too)."""
    manifest = yaml.safe_load(SOCKET_TEMPLATE.read_text(encoding="utf-8"))
    return [str(scope) for scope in manifest["oauth_config"]["scopes"]["bot"]]


def command_name(name: str, prefix: str = "") -> str:
    return f"/{prefix}{name}"


def slash_commands(
    commands: Iterable[Command], *, prefix: str = "", url: str | None = None, single: bool = False
) -> list[dict[str, Any]]:
    """The manifest's ``slash_commands``: one per registered command, or only ``/atelier``."""
    listed = list(commands)
    if single:
        names = ", ".join(command.name for command in listed if command.name != UMBRELLA)
        entries = [
            {
                "command": command_name(UMBRELLA, prefix),
                "description": _clip(f"Atelier: {names}, digest, home", MAX_DESCRIPTION),
                "usage_hint": _clip("<command> [arguments], e.g. scope <brief>", MAX_USAGE_HINT),
                "should_escape": False,
            }
        ]
    else:
        entries = [
            {
                "command": command_name(command.name, prefix),
                "description": _clip(command.summary, MAX_DESCRIPTION),
                **({"usage_hint": _clip(command.usage, MAX_USAGE_HINT)} if command.usage else {}),
                "should_escape": False,
            }
            for command in listed
        ]
    for entry in entries:
        entry["url"] = (url or "https://example.com") + EVENTS_PATH
    return entries


def build_manifest(
    commands: Iterable[Command],
    *,
    url: str | None = None,
    http: bool = False,
    prefix: str = "",
    single: bool = False,
) -> dict[str, Any]:
    """The manifest as a dict: HTTP mode when ``http`` or a ``url`` is given."""
    http = http or url is not None
    template = HTTP_TEMPLATE if http else SOCKET_TEMPLATE
    manifest: dict[str, Any] = yaml.safe_load(template.read_text(encoding="utf-8"))
    base = (url or PLACEHOLDER).rstrip("/") if http else None
    manifest["features"]["slash_commands"] = slash_commands(
        commands, prefix=prefix, url=base, single=single
    )
    if base is not None:
        settings = manifest["settings"]
        settings["event_subscriptions"]["request_url"] = base + EVENTS_PATH
        settings["interactivity"]["request_url"] = base + EVENTS_PATH
        manifest["oauth_config"]["redirect_urls"] = [base + REDIRECT_PATH]
    return manifest


def check_url(url: str) -> str:
    """The public base URL, checked: Slack only calls ``https://`` hosts."""
    parts = urlsplit(url.strip())
    if parts.scheme != "https" or not parts.hostname:
        raise ValueError(f"--url must be the bot's public https:// address (got {url[:80]!r})")
    if parts.query or parts.fragment:
        raise ValueError("--url takes no query or fragment: give the host and path prefix")
    return url.strip().rstrip("/")


def to_yaml(manifest: Mapping[str, Any]) -> str:
    return yaml.safe_dump(dict(manifest), sort_keys=False, allow_unicode=True, width=100)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


__all__ = [
    "HTTP_TEMPLATE",
    "SOCKET_TEMPLATE",
    "UMBRELLA",
    "bot_scopes",
    "build_manifest",
    "check_url",
    "slash_commands",
    "to_yaml",
]

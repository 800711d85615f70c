"""Routing: which command a request runs.

Slash commands route by name. Free text (a mention or a DM) is matched against the intents the
skills registered, highest priority first; ``/command args`` typed as text also works.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.messages import Request
from bot.registry import SkillRegistry

# Leading mentions of the bot ("<@U123>", "@atelier") are noise for routing.
_LEADING_MENTION = re.compile(r"^\s*(?:<@[!&]?[A-Za-z0-9]+>|@\w+)[\s,:]*")


@dataclass(frozen=True)
class Route:
    command: str | None  # None: nothing matched
    text: str


def clean_text(text: str) -> str:
    previous = None
    while previous != text:
        previous = text
        text = _LEADING_MENTION.sub("", text, count=1)
    return text.strip()


def route(request: Request, registry: SkillRegistry) -> Route:
    if request.command:
        name = request.command.strip().lstrip("/").lower()
        return Route(name if name in registry.commands else None, request.text.strip())
    text = clean_text(request.text)
    if text.startswith("/"):
        name, _, rest = text[1:].partition(" ")
        name = name.lower()
        return Route(name if name in registry.commands else None, rest.strip())
    if not text:
        return Route(None, "")
    for intent in registry.intents:
        matched = intent.match(text)
        if matched is not None:
            return Route(intent.command, matched)
    return Route(None, text)

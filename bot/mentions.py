"""Keeping bot-written text from pinging a whole channel, team or role.

Slack turns ``<!channel>``, ``<!here>``, ``<!everyone>`` and ``<!subteam^ID>`` into
notifications; Discord does the same for ``@everyone``, ``@here`` and ``<@&role id>``. Text
the bot posts for people (a client update, echoed user text) goes through
:func:`neutralise_mentions`, which keeps the words readable but breaks the mention with a
zero-width space after the ``@``.
"""

from __future__ import annotations

import re

_BREAK = "@\u200b"

_SLACK_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>", re.IGNORECASE)
_SLACK_SUBTEAM = re.compile(r"<!subteam\^[^>|]*(?:\|@?([^>]*))?>", re.IGNORECASE)
_DISCORD_ROLE = re.compile(r"<@&\d+>")
_BROADCAST = re.compile(r"@+(channel|here|everyone|all|team)\b", re.IGNORECASE)

# What must never appear in posted text; used by tests and as a final check.
PING = re.compile(
    r"<!(?:channel|here|everyone|subteam)|<@&\d+>|(?<!\u200b)@(?:channel|here|everyone)\b",
    re.IGNORECASE,
)


def neutralise_mentions(text: str) -> str:
    """The same text, unable to notify a channel, a user group or a role."""
    text = _SLACK_SPECIAL.sub(lambda m: _BREAK + m.group(1).lower(), text)
    text = _SLACK_SUBTEAM.sub(lambda m: _BREAK + (m.group(1) or "team").strip(), text)
    text = _DISCORD_ROLE.sub(_BREAK + "role", text)
    return _BROADCAST.sub(lambda m: _BREAK + m.group(1), text)


def can_ping(text: str) -> bool:
    return PING.search(text) is not None


__all__ = ["PING", "can_ping", "neutralise_mentions"]

"""Keeping text the bot writes from pinging people: one set of mention patterns for the product.

Slack turns ``<!channel>``, ``<!here>``, ``<!everyone>``, ``<!subteam^ID>`` and ``<@U…>`` into
notifications; Discord does the same for ``@everyone``, ``@here``, ``<@&role>`` and ``<@user>``.
Two treatments, one for each kind of text:

- :func:`neutralise_mentions` for data the bot echoes or posts for people (a client update, a
  log entry, a project's name): the words stay readable, but a mention of a whole channel, a
  user group or a role is broken with a zero-width space after the ``@``. A person named in
  the data stays named.
- :func:`strip_mentions` for what a language model wrote: nothing in it may address anyone,
  so every mention (people included) is taken out and only its words are kept.

Adapters still escape their own markup (Slack's ``&lt;``) and pass their platform's
"no mentions" switch (Discord's ``allowed_mentions``); this is the check in the core.
"""

from __future__ import annotations

import re

_BREAK = "@\u200b"
_AT = "[@＠]"  # a fullwidth at sign reads as one

_SLACK_SPECIAL = re.compile(r"<!(channel|here|everyone)(?:\|[^>]*)?>", re.IGNORECASE)
_SLACK_SUBTEAM = re.compile(r"<!subteam\^[^>|]*(?:\|@?([^>]*))?>", re.IGNORECASE)
_SLACK_OTHER = re.compile(r"<![^>]*>")
_SLACK_USER = re.compile(r"<@[A-Za-z0-9]+(?:\|([^>]*))?>")
_DISCORD_ROLE = re.compile(r"<@&\d+>")
_DISCORD_USER = re.compile(r"<@!?\d+>")
# "@channel", "@@here", "@everyone" anywhere; "@all", "@team" (they ping in some clients) as a
# word of their own, so that an address such as ops@team.example stays whole.
_BROADCAST = re.compile(
    rf"{_AT}+(channel|here|everyone)\b|(?<![\w.+-]){_AT}+(all|team)\b", re.IGNORECASE
)
# In model text also "@ here", and any other "@name" that is not part of an e-mail address.
_BROADCAST_SPACED = re.compile(rf"{_AT}+\s*(everyone|here|channel)\b", re.IGNORECASE)
_AT_NAME = re.compile(rf"(?<![\w.]){_AT}+(?=\w)")

# What must never appear in posted text; used by tests and as a final check.
PING = re.compile(
    r"<!(?:channel|here|everyone|subteam)|<@&\d+>|(?<!\u200b)@(?:channel|here|everyone)\b",
    re.IGNORECASE,
)


def neutralise_mentions(text: str) -> str:
    """The same text, unable to notify a channel, a user group or a role."""
    if "<" not in text and "@" not in text and "＠" not in text:
        return text  # every pattern below needs one of them (most data text has none)
    text = _SLACK_SPECIAL.sub(lambda m: _BREAK + m.group(1).lower(), text)
    text = _SLACK_SUBTEAM.sub(lambda m: _BREAK + (m.group(1) or "team").strip(), text)
    text = _DISCORD_ROLE.sub(_BREAK + "role", text)
    return _BROADCAST.sub(lambda m: _BREAK + (m.group(1) or m.group(2)), text)


def strip_mentions(text: str) -> str:
    """Every mention taken out (broadcast, user, user group, role), its words kept."""
    text = _SLACK_SPECIAL.sub(lambda m: m.group(1), text)
    text = _SLACK_SUBTEAM.sub(lambda m: (m.group(1) or "the team").strip(), text)
    text = _SLACK_USER.sub(lambda m: m.group(1) or "", text)
    text = _DISCORD_ROLE.sub("", text)
    text = _DISCORD_USER.sub("", text)
    text = _SLACK_OTHER.sub("", text)
    text = _BROADCAST_SPACED.sub(lambda m: m.group(1), text)
    text = _AT_NAME.sub("", text)
    return re.sub(r"[ \t]{2,}", " ", text)


def can_ping(text: str) -> bool:
    return PING.search(text) is not None


__all__ = ["PING", "can_ping", "neutralise_mentions", "strip_mentions"]

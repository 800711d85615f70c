"""The problems Atelier tells the person plainly: bad input, an unknown id, a refused change.

Domain code (the work log, brief parsing, timesheets, corrections, the demo portfolio) raises
these; the chat core turns any ``AtelierError`` into a refusal reply whose text is the message,
word for word, and the CLI prints it and exits 1. Anything else that escapes a skill is a crash:
logged with an error id, and the person is told something went wrong on Atelier's side.

The packages below ``bot`` (``estimating``, ``knowledge``, ``state``) never import ``bot``, so
they keep their own exceptions (``KnowledgeUnavailable``, ``ImportRefused``…); the code in
``bot`` that calls them says what such a failure means to the person with one of these.
"""

from __future__ import annotations

__all__ = ["AtelierError", "Conflict", "InvalidInput", "NotFound", "Unavailable"]


class AtelierError(Exception):
    """A problem to tell the person plainly; its message is the reply. Not a crash."""


class InvalidInput(AtelierError):
    """What the person typed can't be read or used as it is (a rate, a period, an entry)."""


class NotFound(AtelierError):
    """An id or a name that refers to nothing in this workspace (any more)."""


class Conflict(AtelierError):
    """A readable request that the workspace's state or rules refuse (a taken alias, someone
    else's entry); nothing was changed."""


class Unavailable(AtelierError):
    """Something the request needs can't be reached right now; nothing was changed."""

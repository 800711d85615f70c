"""Display names from Slack user objects (``users.info``, event payloads)."""

from __future__ import annotations

from typing import Any


def display_name(user: dict[str, Any]) -> str:
    """What Slack shows for a person: display name, else real name, else handle."""
    profile = user.get("profile") or {}
    for candidate in (
        profile.get("display_name"),
        profile.get("real_name"),
        user.get("real_name"),
        user.get("name"),
    ):
        if isinstance(candidate, str) and candidate.strip():
            return candidate.strip()[:80]
    return ""

"""Suggestions while a person types a command (Discord's autocomplete): a neutral query.

Only people the core admits get suggestions, and only from their own workspace: a project name
is workspace data like any other. Platforms show them privately to the person typing.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.access import AccessPolicy
from bot.messages import Request
from bot.services import Services
from bot.worklog import active_projects

MAX_SUGGESTIONS = 25  # Discord shows at most 25 choices


@dataclass(frozen=True)
class Suggestion:
    label: str  # what the person reads
    value: str  # what is filled in


async def project_suggestions(
    services: Services, access: AccessPolicy, request: Request, limit: int = MAX_SUGGESTIONS
) -> list[Suggestion]:
    """Active projects whose id, name or client matches the first word typed so far
    (``request.text``); nothing once the project word is finished, or for a refused person."""
    if access.refusal(request) is not None:
        return []
    typed = request.text.lstrip()
    if " " in typed:
        return []  # the project is chosen; the rest is free text
    needle = typed.lower()
    found: list[tuple[int, Suggestion]] = []
    for project in await active_projects(services.db, request.tenant):
        haystack = [project.id.lower(), project.name.lower(), (project.client or "").lower()]
        if needle and not any(needle in text for text in haystack):
            continue
        starts = any(text.startswith(needle) for text in haystack)
        label = project.name + (f" — {project.client}" if project.client else "")
        found.append((0 if starts else 1, Suggestion(label=label, value=project.id)))
    found.sort(key=lambda pair: pair[0])  # stable: by name within each rank
    return [suggestion for _, suggestion in found[:limit]]


__all__ = ["MAX_SUGGESTIONS", "Suggestion", "project_suggestions"]

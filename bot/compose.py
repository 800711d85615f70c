"""Turning computed facts into prose.

Skills compute every figure themselves and write a deterministic draft from templates (the
offline composer's output). A :class:`Composer` may only re-phrase that draft; an LLM-backed
composer must check that every number and name it writes is one of the facts, and fall back
to the draft otherwise.

:class:`OfflineComposer` is the default and needs nothing.
:class:`bot.llm_composer.LLMComposer` (loaded only when ``ATELIER_LLM`` is set) re-phrases the
draft with a chat model through :mod:`language` and checks the result with :mod:`bot.grounding`
and the leak rules.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol


@dataclass(frozen=True)
class Composition:
    """What a skill asks to be written."""

    kind: str  # "client_update", "estimate_summary", …
    tenant: str
    draft: str  # the offline, template-written text; always a correct answer on its own
    facts: Mapping[str, Any] = field(default_factory=dict)  # JSON-serialisable facts
    tone: str = "friendly"
    # Names the text must never contain (the tenant's other clients): checked, never prompted.
    withheld_names: tuple[str, ...] = ()
    # Who reads it: text for a client passes the leak rules of bot.leaks; text only the studio
    # reads (an estimate with its rate) does not. Client unless a skill says otherwise.
    audience: Literal["client", "studio"] = "client"


class Composer(Protocol):
    async def compose(self, composition: Composition) -> str: ...


class OfflineComposer:
    """The default: the skill's template-written draft, as is. Deterministic, no network."""

    async def compose(self, composition: Composition) -> str:
        return composition.draft

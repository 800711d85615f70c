"""Everything a skill may use, built once by the composition root and passed in."""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from bot.compose import Composer, OfflineComposer
from bot.config import Settings
from bot.messages import Reply, Request
from bot.pricing import PricingCache
from bot.scoping.calibration import TenantBands
from bot.scoping.history import HistoryCache
from knowledge.port import KnowledgeStore
from state import Database


class CommandSpec(Protocol):
    """What a skill may read of another command (``bot.registry.Command`` is one): its help
    text, and its handler, to answer a question that belongs to it. Declared here so that the
    services never import the registry, which imports them for its handler types."""

    @property
    def name(self) -> str: ...
    @property
    def summary(self) -> str: ...
    @property
    def usage(self) -> str: ...
    @property
    def examples(self) -> tuple[str, ...]: ...
    @property
    def option(self) -> tuple[str, str] | None: ...
    @property
    def handler(self) -> Callable[[Request, Services], Awaitable[Reply]]: ...


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass
class Services:
    settings: Settings
    db: Database
    composer: Composer = field(default_factory=OfflineComposer)
    clock: Callable[[], dt.datetime] = _now
    # Built on first use: opening Chroma and loading the embedding model cost a second or two,
    # which `/help` or `/log` should never pay.
    knowledge_factory: Callable[[], KnowledgeStore] | None = None
    _knowledge: KnowledgeStore | None = field(default=None, repr=False)
    # The registered commands, set by the Bot once its skills are loaded (`/help` lists them).
    commands: Mapping[str, CommandSpec] = field(default_factory=dict, repr=False)
    # Optional model-based routing of free text the rule-based router did not match:
    # ``await intent_classifier(text, commands) -> command name | None``.
    intent_classifier: Callable[[str, Mapping[str, CommandSpec]], Awaitable[str | None]] | None = (
        None
    )

    # Each tenant's engine tuned on its own history, for the knowledge store above.
    bands: TenantBands = field(default_factory=TenantBands, repr=False)
    # Each tenant's closed projects as scoping reads them, for the same store.
    histories: HistoryCache = field(default_factory=HistoryCache, repr=False)
    # Each workspace's rate and currency as last read (``bot.pricing.workspace_pricing``).
    pricing: PricingCache = field(default_factory=PricingCache, repr=False)

    _opening: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # A band keeps its history alive: bands only for the tenants whose history is held.
        self.bands.held_tenants = lambda _store: self.histories.tenants()

    @property
    def knowledge(self) -> KnowledgeStore:
        """The knowledge store, opened on first use (blocking: call it from a worker thread)."""
        if self._knowledge is None:
            with self._opening:  # two threads' first uses must not open it twice
                if self._knowledge is None:
                    if self.knowledge_factory is None:
                        raise RuntimeError("no knowledge store is configured")
                    store = self.knowledge_factory()
                    self.histories.max_projects = max(1, self.settings.history_cache_projects)
                    self._knowledge = store
        return self._knowledge

    async def open_knowledge(self) -> KnowledgeStore:
        """The knowledge store, opened in a worker thread the first time (never blocks the loop)."""
        if self._knowledge is not None:
            return self._knowledge
        return await asyncio.to_thread(lambda: self.knowledge)

    def warm_up(self) -> None:
        """Open the knowledge store and load its embedding model ahead of the first search
        (blocking: a worker thread). Failures are left to the first real use to report."""
        if self.knowledge_factory is None and self._knowledge is None:
            return
        warm = getattr(self.knowledge, "warm_up", None)
        if callable(warm):
            warm()

    def set_knowledge(self, store: KnowledgeStore) -> None:
        self._knowledge = store

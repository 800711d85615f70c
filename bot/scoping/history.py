"""A tenant's closed projects, as scoping needs them, cached between briefs.

Reading every closed project out of the store costs far more than a search once a studio has
thousands of them, and history changes rarely. The cache is keyed on the store instance (weakly:
a test's or a replica's store takes its cache with it) and the tenant, and is refreshed:

- at once after this process wrote the tenant's projects (the store's write generation);
- when the tenant's project count changes (an import by another process, a replica closing a
  project), checked at most every ``RECHECK`` seconds: even counting costs a Chroma round trip
  of a couple of milliseconds, a tenth of a whole answer;
- after ``MAX_AGE`` seconds in any case (an edit elsewhere keeps the count).
"""

from __future__ import annotations

import contextlib
import functools
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from bot.scoping.result import HistoryFacts, history_facts

MAX_AGE = 60.0  # seconds
RECHECK = 2.0  # seconds between project counts when this process has not written

_lock = threading.Lock()
_caches: weakref.WeakKeyDictionary[Any, dict[str, _Entry]] = weakref.WeakKeyDictionary()


@dataclass
class _Entry:
    history: TenantHistory
    generation: int  # the store's write generation for the tenant when read
    checked_at: float  # when the count last matched


@dataclass(frozen=True)
class TenantHistory:
    closed: Sequence[Any]  # PastProject, most recently finished first
    count: int  # the tenant's project count when read (all statuses)
    loaded_at: float
    types: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)

    @functools.cached_property
    def by_id(self) -> dict[str, Any]:
        """The closed projects by id (search results come back as ids)."""
        return {p.id: p for p in self.closed}

    @functools.cached_property
    def facts(self) -> HistoryFacts:
        """The tenant-wide figures every answer uses, computed once per loaded history."""
        return history_facts(self.closed)


def _generation(store: Any, tenant: str) -> int:
    generation = getattr(store, "generation", None)
    return int(generation(tenant)) if callable(generation) else 0


def tenant_history(store: Any, tenant: str) -> TenantHistory:
    """The tenant's closed projects and their type/tag vocabulary (sync; a worker thread)."""
    now = time.monotonic()
    generation = _generation(store, tenant)
    with _lock:
        try:
            entry = _caches.get(store, {}).get(tenant)
        except TypeError:  # a store that can't be weakly referenced: no caching
            entry = None
    if entry is None or entry.generation != generation or now - entry.history.loaded_at >= MAX_AGE:
        count = int(store.count(tenant))
    elif now - entry.checked_at < RECHECK:
        return entry.history
    else:
        count = int(store.count(tenant))
        if count == entry.history.count:
            entry.checked_at = now
            return entry.history
    closed = store.list(tenant, status="closed") if count else []
    history = TenantHistory(
        closed=tuple(closed),
        count=count,
        loaded_at=now,
        types=frozenset(p.type for p in closed if p.type),
        tags=frozenset(t for p in closed for t in (p.tags or ())),
    )
    with _lock, contextlib.suppress(TypeError):
        _caches.setdefault(store, {})[tenant] = _Entry(history, generation, now)
    return history

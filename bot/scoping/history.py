"""A tenant's closed projects, as scoping needs them, cached between briefs.

Reading every closed project out of the store costs far more than a search once a studio has
thousands of them, and history changes rarely. The cache is keyed on the store instance (weakly:
a test's or a replica's store takes its cache with it) and the tenant, and is refreshed when the
tenant's project count changes (an import, a closed project) or after ``MAX_AGE`` seconds (an
edited project keeps the count).
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

_lock = threading.Lock()
_caches: weakref.WeakKeyDictionary[Any, dict[str, TenantHistory]] = weakref.WeakKeyDictionary()


@dataclass(frozen=True)
class TenantHistory:
    closed: Sequence[Any]  # PastProject, most recently finished first
    count: int  # the tenant's project count when read (all statuses)
    loaded_at: float
    types: frozenset[str] = field(default_factory=frozenset)
    tags: frozenset[str] = field(default_factory=frozenset)

    @functools.cached_property
    def facts(self) -> HistoryFacts:
        """The tenant-wide figures every answer uses, computed once per loaded history."""
        return history_facts(self.closed)


def tenant_history(store: Any, tenant: str) -> TenantHistory:
    """The tenant's closed projects and their type/tag vocabulary (sync; a worker thread)."""
    count = int(store.count(tenant))
    now = time.monotonic()
    with _lock:
        try:
            cached = _caches.get(store, {}).get(tenant)
        except TypeError:  # a store that can't be weakly referenced: no caching
            cached = None
    if cached is not None and cached.count == count and now - cached.loaded_at < MAX_AGE:
        return cached
    closed = store.list(tenant, status="closed") if count else []
    history = TenantHistory(
        closed=tuple(closed),
        count=count,
        loaded_at=now,
        types=frozenset(p.type for p in closed if p.type),
        tags=frozenset(t for p in closed for t in (p.tags or ())),
    )
    with _lock, contextlib.suppress(TypeError):
        _caches.setdefault(store, {})[tenant] = history
    return history

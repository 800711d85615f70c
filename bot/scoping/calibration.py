"""Each tenant's estimating engine: its closed projects as past items, knobs and bands tuned
on them, computed once and cached until the history changes.

The engine (``estimating``) is the one ``atelier eval`` runs. Here its history is the tenant's
closed projects (text = title and summary, outcome = actual hours, guess = the estimate made
before the work, type and tags), its semantic similarity comes from the store's search, and its
knobs and P10–P90 bands are chosen leave-one-out: each of the ``MAX_ROUNDS`` most recently
finished projects is estimated from all the others through the same search ``/scope`` uses.
That costs one search per round, so it is done once per tenant and kept in memory, keyed on the
history's fingerprint (an import, a closed project or an edit refreshes it). Below
``MIN_PROJECTS`` there is too little to tune or calibrate, and the engine keeps the given knobs
and its uncalibrated band.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import weakref
from dataclasses import dataclass, replace
from typing import Any

from bot.scoping.engine import build_engine, past_items
from bot.scoping.history import TenantHistory, history_cache
from estimating import Engine, History, Knobs
from knowledge.port import KnowledgeStore

log = logging.getLogger(__name__)
_lock = threading.Lock()
_key_locks: dict[tuple[int, str], threading.Lock] = {}
_caches: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], TenantBand]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class TenantBand:
    """The tenant's engine with its tuned knobs and calibrated band."""

    params: Knobs
    projects: int  # closed projects left out in the calibration (0: uncalibrated band)
    count: int  # the tenant's project count when computed
    engine: Engine | None = None
    source: Any = None  # the TenantHistory it was built from (fast freshness check)
    seconds: float = 0.0  # how long tuning and calibration took


def _compute(
    store: KnowledgeStore, tenant: str, history: TenantHistory, params: Knobs
) -> TenantBand:
    engine, tuned = build_engine(history.closed, params, store, tenant)
    band = tuned.bands.get("history")
    return TenantBand(
        tuned.knobs,
        band.calibrated_on if band else 0,
        history.count,
        engine,
        history,
        tuned.seconds,
    )


def tenant_band(
    store: KnowledgeStore, tenant: str, history: TenantHistory, params: Knobs
) -> TenantBand:
    """The tenant's engine for ``params`` (sync; a worker thread), cached per store (weakly),
    tenant and knobs.

    Reused while the cached history is the same object, or has the same fingerprint after a
    reload; rebuilt when it changed. Concurrent first calls for a tenant wait for one build.
    """
    key = (tenant, params)
    with _lock:
        key_lock = _key_locks.setdefault((id(store), tenant), threading.Lock())
    with key_lock:
        with _lock:
            try:
                cached = _caches.get(store, {}).get(key)
            except TypeError:  # a store that can't be weakly referenced: no caching
                cached = None
        if cached is not None and cached.source is history:
            return cached
        if (
            cached is not None
            and cached.engine is not None
            and cached.count == history.count
            and cached.engine.history.fingerprint == History(past_items(history.closed)).fingerprint
        ):
            fresh = replace(cached, source=history)
        elif len(history.closed) >= BACKGROUND_FROM:
            fresh = _tune_later(store, tenant, history, params, cached)
        else:
            fresh = _compute(store, tenant, history, params)
        with _lock, contextlib.suppress(TypeError):
            _caches.setdefault(store, {})[key] = fresh
            _forget_dropped(store)
        return fresh


def _forget_dropped(store: KnowledgeStore) -> None:
    """Bands only for the tenants whose history the (bounded) history cache still holds: a
    band keeps its history alive, so keeping it longer would undo that bound."""
    cache = history_cache(store)
    if cache is None:
        return
    held = set(cache.tenants())
    bands = _caches.get(store, {})
    for key in [key for key in bands if key[0] not in held]:
        del bands[key]


# Tuning costs one search and one estimate over the whole history per round: seconds for a
# large history. From this many closed projects it runs in a background thread, and answers use
# the previous band (or, the very first time, the untuned engine) until it is ready.
BACKGROUND_FROM = 2_000
_tuning: dict[tuple[int, str, Knobs], threading.Thread] = {}


def _tune_later(
    store: KnowledgeStore,
    tenant: str,
    history: TenantHistory,
    params: Knobs,
    cached: TenantBand | None,
) -> TenantBand:
    job = (id(store), tenant, params)
    with _lock:
        if job not in _tuning:
            thread = threading.Thread(
                target=_tune, args=(store, tenant, history, params, job), daemon=True
            )
            _tuning[job] = thread
            thread.start()
    if cached is not None and cached.engine is not None:
        return replace(cached, source=history)  # the previous band, until the new one is ready
    engine, _ = build_engine(history.closed, params)
    return TenantBand(params, 0, history.count, engine, history)


def _tune(
    store: KnowledgeStore, tenant: str, history: TenantHistory, params: Knobs, job: Any
) -> None:
    try:
        fresh = _compute(store, tenant, history, params)
        with _lock, contextlib.suppress(TypeError):
            _caches.setdefault(store, {})[(tenant, params)] = fresh
    except Exception as problem:  # the untuned or previous band keeps answering
        log.warning("background tuning failed: %s", type(problem).__name__)
    finally:
        with _lock:
            _tuning.pop(job, None)


def wait_for_tuning(store: KnowledgeStore, tenant: str, timeout: float | None = None) -> bool:
    """Wait for the background tuning of ``tenant``'s bands; False if one is still running."""
    with _lock:
        running = [t for (at, name, _), t in _tuning.items() if at == id(store) and name == tenant]
    for thread in running:
        thread.join(timeout)
    return not any(thread.is_alive() for thread in running)

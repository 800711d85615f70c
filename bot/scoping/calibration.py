"""Each tenant's estimating engine: its closed projects as past items, knobs and bands tuned
on them, computed once and cached until the history changes.

The engine (``estimating``) is the one ``atelier eval`` runs. Here its history is the tenant's
closed projects (text = title and summary, outcome = actual hours, guess = the estimate made
before the work, type and tags), its semantic similarity comes from the store's search, and its
knobs and P10–P90 bands are chosen leave-one-out: each of the ``MAX_ROUNDS`` most recently
finished projects is estimated from all the others through the same search ``/scope`` uses.
That costs one search per round, so it is done once per tenant and kept in memory by
:class:`TenantBands` (one per knowledge store, held by ``Services``), keyed on the history's
fingerprint (an import, a closed project or an edit refreshes it). Below
``MIN_PROJECTS`` there is too little to tune or calibrate, and the engine keeps the given knobs
and its uncalibrated band.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, replace

from bot.scoping.engine import (
    MAX_ROUNDS,
    MIN_PROJECTS,
    NEAREST,
    TuningStopped,
    build_engine,
    never,
    past_history,
)
from bot.scoping.history import TenantHistory
from bot.scoping.tuning_process import searches, stop_children, tune_apart
from estimating import Engine, History, Knobs, Tuned
from knowledge.heap import release_free_memory
from knowledge.port import KnowledgeStore

log = logging.getLogger(__name__)

# Tuning costs one search and one estimate over the whole history per round: seconds for a
# large history. From this many closed projects it runs in a background thread, and answers use
# the previous band (or, the very first time, the untuned engine) until it is ready.
BACKGROUND_FROM = 2_000
BACKGROUND_NICE = 10  # the tuning thread's niceness above the process's (Linux): answers first
MAX_NICE = 19  # the lowest priority Linux has


@dataclass(frozen=True)
class TenantBand:
    """The tenant's engine with its tuned knobs and calibrated band."""

    params: Knobs
    projects: int  # closed projects left out in the calibration (0: uncalibrated band)
    count: int  # the tenant's project count when computed
    engine: Engine | None = None
    source: TenantHistory | None = None  # the history it was built from (fast freshness check)
    seconds: float = 0.0  # how long tuning and calibration took


def _compute(
    store: KnowledgeStore,
    tenant: str,
    history: TenantHistory,
    params: Knobs,
    items: History | None = None,
    stopping: Callable[[], bool] = never,
) -> TenantBand:
    engine, tuned = build_engine(history.closed, params, store, tenant, items, stopping)
    return _band(tuned, engine, history, tuned.seconds)


def _band(
    tuned: Tuned, engine: Engine | None, history: TenantHistory, seconds: float
) -> TenantBand:
    band = tuned.bands.get("history")
    calibrated_on = band.calibrated_on if band else 0
    return TenantBand(tuned.knobs, calibrated_on, history.count, engine, history, seconds)


def _compute_apart(
    store: KnowledgeStore,
    tenant: str,
    history: TenantHistory,
    params: Knobs,
    items: History | None = None,
    stopping: Callable[[], bool] = never,
) -> TenantBand:
    """:func:`_compute` with the fits in a child process (``bot.scoping.tuning_process``):
    this process keeps only the tuned engine."""
    started = time.perf_counter()
    if items is None:
        items = past_history(history.closed)
    if len(items) < MIN_PROJECTS:
        return _compute(store, tenant, history, params, items, stopping)
    found = searches(store, tenant, items, MAX_ROUNDS, NEAREST, stopping)
    engine, tuned = tune_apart(
        items, params, found, MAX_ROUNDS, nice=BACKGROUND_NICE, stopping=stopping
    )
    return _band(tuned, engine, history, time.perf_counter() - started)


def _yield_to_answers() -> None:
    """Lower this (background) thread's CPU priority, where the system allows it: its
    searches and folds ran at the same priority as the answer that started it, and on a
    machine with two cores they slowed that very answer down (a 50k first answer's summary
    took 1.1 s instead of 0.2 s beside them). Linux schedules threads on their own; elsewhere
    this does nothing.

    Relative to the thread's niceness: a bot started under ``nice -n 15`` by root would
    otherwise have its tuning set to 10, ahead of the answers it should yield to."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError):
        thread = threading.get_native_id()
        current = os.getpriority(os.PRIO_PROCESS, thread)
        os.setpriority(os.PRIO_PROCESS, thread, min(MAX_NICE, current + BACKGROUND_NICE))


def _all_tenants(_store: KnowledgeStore) -> Collection[str] | None:
    return None  # keep every band (the services pass their history cache's tenants instead)


class TenantBands:
    """Each tenant's engine over one knowledge store, for each set of knobs asked for.

    A band keeps its history alive, so bands are kept only for the tenants whose history the
    bounded history cache still holds (``held_tenants``; None: keep all). Given another store
    than before (the services' store was replaced), it starts afresh: bands and histories
    belong to one store.
    """

    def __init__(
        self,
        held_tenants: Callable[[KnowledgeStore], Collection[str] | None] = _all_tenants,
        apart: bool = True,
    ) -> None:
        """``apart``: background tunings fit in a child process (see ``tuning_process``)."""
        self.held_tenants = held_tenants
        self.apart = apart
        self._lock = threading.Lock()
        self._store: KnowledgeStore | None = None
        self._bands: dict[tuple[str, Knobs], TenantBand] = {}
        self._tenant_locks: dict[str, threading.Lock] = {}  # one build per tenant at a time
        self._tuning: dict[tuple[str, Knobs], threading.Thread] = {}
        self._stopping = threading.Event()

    def get(
        self, store: KnowledgeStore, tenant: str, history: TenantHistory, params: Knobs
    ) -> TenantBand:
        """The tenant's engine for ``params`` (sync; a worker thread).

        Reused while the history is the same object, or has the same fingerprint after a
        reload; rebuilt when it changed. Concurrent first calls for a tenant wait for one build.
        """
        key = (tenant, params)
        with self._lock:
            self._follow(store)
            tenant_lock = self._tenant_locks.setdefault(tenant, threading.Lock())
        with tenant_lock:
            with self._lock:
                cached = self._bands.get(key) if self._store is store else None
            if cached is not None and cached.source is history:
                return cached
            if (
                cached is not None
                and cached.engine is not None
                and cached.count == history.count
                and cached.engine.history.fingerprint == past_history(history.closed).fingerprint
            ):
                fresh = replace(cached, source=history)
            elif len(history.closed) >= BACKGROUND_FROM:
                fresh = self._tune_later(store, tenant, history, params, cached)
            else:
                fresh = _compute(store, tenant, history, params)
            self._keep(store, key, fresh)
            return fresh

    def tenants(self) -> list[str]:
        """The tenants with a band in memory."""
        with self._lock:
            return sorted({tenant for tenant, _ in self._bands})

    def stop(self, timeout: float = 10.0) -> bool:
        """Stop the background tunings (the bot is stopping): each gives up before its next
        search, a tuning child is ended, and this waits up to ``timeout`` seconds for them.
        A process that exits while a search runs in a thread can abort in the embedding
        runtime. False if one is still running. No tuning starts afterwards."""
        self._stopping.set()
        stop_children()
        with self._lock:
            running = list(self._tuning.values())
        deadline = time.monotonic() + timeout
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in running)

    def resume(self) -> None:
        """Allow background tunings again (a bot started on these services after a stop)."""
        self._stopping.clear()

    def wait_for_tuning(self, tenant: str, timeout: float | None = None) -> bool:
        """Wait for the background tuning of ``tenant``'s bands; False if one is still running."""
        with self._lock:
            running = [thread for (name, _), thread in self._tuning.items() if name == tenant]
        for thread in running:
            thread.join(timeout)
        return not any(thread.is_alive() for thread in running)

    def _follow(self, store: KnowledgeStore) -> None:
        if self._store is not store:  # (under the lock) a new store: nothing carries over
            self._store = store
            self._bands.clear()

    def _keep(self, store: KnowledgeStore, key: tuple[str, Knobs], band: TenantBand) -> None:
        held = self.held_tenants(store)
        with self._lock:
            if self._store is not store:  # replaced while this was built: not ours to keep
                return
            self._bands[key] = band
            if held is not None:
                held = set(held)
                for dropped in [k for k in self._bands if k[0] not in held]:
                    del self._bands[dropped]
                for tenant in [t for t in self._tenant_locks if t not in held]:
                    if not self._tenant_locks[tenant].locked():
                        del self._tenant_locks[tenant]

    def _tune_later(
        self,
        store: KnowledgeStore,
        tenant: str,
        history: TenantHistory,
        params: Knobs,
        cached: TenantBand | None,
    ) -> TenantBand:
        job = (tenant, params)
        # The answer's band first, then the tuning: started earlier, the tuning thread's own
        # build of the same history competed with this one (a 50k first answer: +0.5 s).
        items: History | None = None  # the history's past items, when built here
        if cached is not None and cached.engine is not None:
            answer = replace(cached, source=history)  # the previous band, until the new one
        else:
            engine, _ = build_engine(history.closed, params)
            answer = TenantBand(params, 0, history.count, engine, history)
            # The tuning reuses them: building them again (50k projects: 0.3-0.5 s) slowed
            # down the rest of this very answer, which runs beside it.
            items = engine.history if engine is not None else None
        with self._lock:
            if job not in self._tuning and not self._stopping.is_set():
                thread = threading.Thread(
                    target=self._tune,
                    args=(store, tenant, history, params, items),
                    name="atelier-band-tuning",
                    daemon=True,
                )
                self._tuning[job] = thread
                thread.start()
        return answer

    def _tune(
        self,
        store: KnowledgeStore,
        tenant: str,
        history: TenantHistory,
        params: Knobs,
        items: History | None = None,
    ) -> None:
        try:
            _yield_to_answers()
            compute = _compute_apart if self.apart else _compute
            stopping = self._stopping.is_set
            band = compute(store, tenant, history, params, items, stopping)
            self._keep(store, (tenant, params), band)
            # Tuning's temporaries (an engine per fold, their evidence) are freed by now; hand
            # the pages back (10k projects: about 20 MB the allocator would otherwise keep).
            release_free_memory()
        except TuningStopped:
            pass  # the bot is stopping
        except Exception as problem:  # the untuned or previous band keeps answering
            log.warning("background tuning failed: %s", type(problem).__name__)
        finally:
            with self._lock:
                self._tuning.pop((tenant, params), None)


__all__ = ["BACKGROUND_FROM", "TenantBand", "TenantBands"]

"""A tenant's closed projects, as scoping needs them, cached between briefs.

Reading every closed project out of the store costs far more than a search once a studio has
thousands of them, and history changes rarely. One :class:`HistoryCache` is held by the bot's
``Services`` for its knowledge store (given another store, it starts afresh), keyed by tenant.
An answer never waits for a refresh, only for a tenant's very first read:

- after this process wrote the tenant's projects (the store's write generation), only the
  projects written are read again (:meth:`ProjectStore.changed_since`) and patched into the
  snapshot before the answer, so a closed or imported project counts at once;
- when the tenant's project count changes (an import by another process, a replica closing a
  project), checked at most every ``RECHECK`` seconds, and after ``MAX_AGE`` seconds in any case
  (an edit elsewhere keeps the count), the tenant is read again in a background thread while
  answers keep using the previous snapshot;
- the cache holds at most ``max_projects`` closed projects over all tenants (the setting
  ``ATELIER_HISTORY_CACHE_PROJECTS``); the least recently used tenants are dropped first, and a
  tenant bigger than the bound on its own is still served, alone.

A store that keeps feature rows (:class:`bot.scoping.features.FeatureKeepingStore`, the one
the bot hands out) is read from those rows instead: compact :class:`ProjectFeatures`, read in
full once per tenant and then only the rows changed since the revision last read (this
process's writes at once, another process's within ``RECHECK``), so there is no periodic full
read. The first read compares the rows with the store's count and, when they differ (a store
filled before the rows existed, or written around them), rebuilds them from the store once.
"""

from __future__ import annotations

import datetime as dt
import functools
import logging
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from bot.scoping.features import ProjectFeatures, read_live
from bot.scoping.result import HistoryFacts, history_facts
from knowledge.heap import collection_paused, release_free_memory
from knowledge.port import KnowledgeStore
from state.features import Changes, FeatureTable

MAX_AGE = 60.0  # seconds
RECHECK = 2.0  # seconds between project counts when this process has not written
DEFAULT_MAX_PROJECTS = 200_000  # closed projects held over all tenants of one store

log = logging.getLogger(__name__)


@dataclass
class _Entry:
    history: TenantHistory
    generation: int  # the store's write generation for the tenant when read
    checked_at: float  # when the count last matched
    revision: int | None = None  # the feature rows' revision read up to (None: no rows)
    live: frozenset[str] = frozenset()  # every live project id (feature rows only)
    full: bool = False  # a full read of the rows (may go back in revision: rows dropped)


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


def _generation(store: KnowledgeStore, tenant: str) -> int:
    generation = getattr(store, "generation", None)
    return int(generation(tenant)) if callable(generation) else 0


def _newest_first(project: Any) -> tuple[dt.date, str]:  # the store's own listing order
    return (project.finished or project.started or dt.date.min, project.id)


def _history(closed: Sequence[Any], count: int, now: float) -> TenantHistory:
    return TenantHistory(
        closed=tuple(closed),
        count=count,
        loaded_at=now,
        types=frozenset(p.type for p in closed if p.type),
        tags=frozenset(t for p in closed for t in (p.tags or ())),
    )


def _feature_table(store: KnowledgeStore) -> FeatureTable | None:
    table = getattr(store, "features", None)
    return table if isinstance(table, FeatureTable) else None


def _from_rows(changes: Changes) -> tuple[list[ProjectFeatures], frozenset[str]]:
    """(closed projects newest first, every live id) from a full read."""
    with collection_paused():
        return _from_features([ProjectFeatures.from_row(row) for row in changes.rows])


def _from_features(
    projects: Sequence[ProjectFeatures],
) -> tuple[list[ProjectFeatures], frozenset[str]]:
    """(closed projects newest first, every live id) from a full read."""
    closed = [p for p in projects if p.status == "closed"]
    closed.sort(key=_newest_first, reverse=True)
    return closed, frozenset(p.id for p in projects)


def _heal(store: KnowledgeStore, tenant: str) -> bool:
    """Rows a failed write of this process left stale, written again from the store first;
    True when some were (``FeatureKeepingStore.heal_features``)."""
    heal = getattr(store, "heal_features", None)
    return bool(heal(tenant)) if callable(heal) else False


def _pending(store: KnowledgeStore, tenant: str) -> bool:
    """Whether this process holds rows a failed write left stale (``heal_features`` writes
    them again)."""
    pending = getattr(store, "pending", None)
    return bool(pending(tenant)) if callable(pending) else False


def _rows_rebuilt(store: KnowledgeStore, tenant: str) -> bool | None:
    """Whether the store rebuilt the tenant's rows from its projects
    (``FeatureKeepingStore.rebuild_features``: not while this process re-indexes the tenant,
    nor when a write explains the difference); None for a store that cannot."""
    rebuild = getattr(store, "rebuild_features", None)
    return bool(rebuild(tenant)) if callable(rebuild) else None


def _read_features(
    store: KnowledgeStore, table: FeatureTable, tenant: str, generation: int
) -> _Entry:
    """The tenant's closed projects from its feature rows, rebuilt from the store when their
    count is not the store's."""
    _heal(store, tenant)
    now = time.monotonic()
    # The store's count beside the rows: after a restart it waits for Chroma to load the
    # collection (0.2-0.4 s at 50k projects), which reading the rows need not wait for.
    with ThreadPoolExecutor(1, thread_name_prefix="atelier-history-count") as pool:
        counting = pool.submit(store.count, tenant)
        with collection_paused():
            revision, projects = read_live(table, tenant)
        count = int(counting.result())
    if len(projects) != count:
        if _rows_rebuilt(store, tenant):
            log.info(
                "history rows rebuilt from the store (%d rows, %d projects)", len(projects), count
            )
            revision, projects = read_live(table, tenant)
            release_free_memory()  # the store's full read leaves freed pages (see _read)
        else:
            log.debug("history rows (%d) not the store's count (%d)", len(projects), count)
    with collection_paused():
        closed, live = _from_features(projects)
        history = _history(closed, len(live), now)
        # Its tenant-wide figures too, which every answer reads: computed later, they ran
        # beside the engine's background tuning (a 50k history: 0.2 s alone, 1.1 s beside it).
        history.facts  # noqa: B018
    return _Entry(history, generation, now, revision, live, full=True)


def _advanced(store: KnowledgeStore, table: FeatureTable, tenant: str, entry: _Entry) -> _Entry:
    """``entry`` with the rows written since its revision patched in (edited, new, gone)."""
    now = time.monotonic()
    generation = _generation(store, tenant)  # before the read: a later write reads again
    changes = table.read(tenant, since=entry.revision or 0)
    if changes.revision == entry.revision:
        return _Entry(entry.history, generation, now, entry.revision, entry.live)
    if changes.revision < (entry.revision or 0):  # the rows were dropped (a forgotten tenant)
        return _read_features(store, table, tenant, generation)
    if changes.full:  # tombstones past this revision were purged: every live row, afresh
        closed, live = _from_rows(changes)
        return _Entry(
            _history(closed, len(live), now), generation, now, changes.revision, live, full=True
        )
    fresh = [ProjectFeatures.from_row(row) for row in changes.rows]
    touched = {p.id for p in fresh} | set(changes.removed)
    kept = [p for p in entry.history.closed if p.id not in touched]
    kept.extend(p for p in fresh if p.status == "closed")
    kept.sort(key=_newest_first, reverse=True)
    live = (entry.live - set(changes.removed)) | {p.id for p in fresh}
    history = _history(kept, len(live), entry.history.loaded_at)
    return _Entry(history, generation, now, changes.revision, frozenset(live))


def _read(store: KnowledgeStore, tenant: str, generation: int) -> _Entry:
    """The tenant's closed projects read in full (the store pages the read)."""
    table = _feature_table(store)
    if table is not None:
        try:
            return _read_features(store, table, tenant, generation)
        except SQLAlchemyError as problem:  # e.g. a database not migrated yet: the store's way
            log.warning("history rows unreadable, reading the store: %s", type(problem).__name__)
    now = time.monotonic()
    count = int(store.count(tenant))
    closed = store.list(tenant, status="closed") if count else []
    # Parsing a large history leaves ~100 MB of freed pages that glibc keeps; hand them back
    # once per full read (rare: first answer and refreshes), not per answer.
    release_free_memory()
    return _Entry(_history(closed, count, now), generation, now)


def _patched(
    store: KnowledgeStore, tenant: str, entry: _Entry, changed: Collection[str], generation: int
) -> _Entry:
    """``entry`` with the projects in ``changed`` read again (gone, reopened, edited, new)."""
    now = time.monotonic()
    fresh = store.get_many(tenant, sorted(changed)) if changed else {}
    kept = [p for p in entry.history.closed if p.id not in changed]
    kept.extend(p for p in fresh.values() if getattr(p, "status", "closed") == "closed")
    kept.sort(key=_newest_first, reverse=True)
    count = int(store.count(tenant))
    return _Entry(_history(kept, count, entry.history.loaded_at), generation, now)


class _Worker:
    """One daemon thread that runs the jobs it is given, in order.

    A caller never waits for a thread to start. A process that exits does not wait for a job
    either: a thread pool's workers are joined at exit, and a refresh blocked on an unreachable
    Chroma server would hold the exit up.
    """

    def __init__(self, name: str) -> None:
        self._name = name
        self._jobs: queue.SimpleQueue[tuple[Future[None], Callable[[], None]]] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    def submit(self, job: Callable[[], None]) -> Future[None]:
        done: Future[None] = Future()
        self._jobs.put((done, job))
        with self._lock:
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name=self._name, daemon=True)
                self._thread.start()
        return done

    def _run(self) -> None:
        while True:
            done, job = self._jobs.get()
            if not done.set_running_or_notify_cancel():
                continue
            try:
                job()
            except Exception as problem:  # the job's own caller reads it from the future
                done.set_exception(problem)
            else:
                done.set_result(None)


class HistoryCache:
    """One store's tenant histories, least recently used first, bounded in projects."""

    def __init__(self, max_projects: int = DEFAULT_MAX_PROJECTS) -> None:
        self.max_projects = max(1, int(max_projects))
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._refreshing: dict[str, Future[None]] = {}
        # One long-lived worker for the refreshes: starting a thread waits for it to run, which
        # an answer that asked for the refresh paid (up to a few ms when the GIL is busy).
        self._refresher = _Worker("atelier-history-refresh")
        self._store: KnowledgeStore | None = None  # the store the entries were read from

    @property
    def projects(self) -> int:
        """Closed projects held now, over all tenants."""
        with self._lock:
            return sum(len(e.history.closed) for e in self._entries.values())

    def tenants(self) -> list[str]:
        """Tenants held now, least recently used first."""
        with self._lock:
            return list(self._entries)

    def history(self, store: KnowledgeStore, tenant: str) -> TenantHistory:
        """The tenant's closed projects and their type/tag vocabulary (sync; a worker thread)."""
        with self._lock:
            if self._store is not store:  # another store: nothing read from the last carries over
                self._store = store
                self._entries.clear()
        now = time.monotonic()
        generation = _generation(store, tenant)
        entry = self._get(tenant)
        if entry is None:
            return self._first_read(store, tenant, generation)
        table = _feature_table(store)
        if table is not None and entry.revision is not None:
            return self._from_rows(store, table, tenant, entry, generation, now)
        if entry.generation != generation:
            changed_since = getattr(store, "changed_since", None)
            changed = changed_since(tenant, entry.generation) if callable(changed_since) else None
            if changed is not None:  # this process's own writes: patch them in now
                entry = _patched(store, tenant, entry, changed, generation)
                self._keep(tenant, entry)
                return entry.history
            self._refresh_later(store, tenant)
            return entry.history
        if now - entry.history.loaded_at >= MAX_AGE:
            self._refresh_later(store, tenant)
        elif now - entry.checked_at >= RECHECK:
            entry.checked_at = now
            if int(store.count(tenant)) != entry.history.count:
                self._refresh_later(store, tenant)
        return entry.history

    def _from_rows(
        self,
        store: KnowledgeStore,
        table: FeatureTable,
        tenant: str,
        entry: _Entry,
        generation: int,
        now: float,
    ) -> TenantHistory:
        """The history of a store with feature rows: this process's writes patched in now,
        other processes' (a new revision, or a count the rows don't explain) within RECHECK."""
        try:
            if _pending(store, tenant):  # rows a failed write left stale: written behind
                self._refresh_later(store, tenant, incremental=True)
            if entry.generation != generation:  # this process wrote: its rows are there
                entry = _advanced(store, table, tenant, entry)
                self._keep(tenant, entry)
                return entry.history
            if now - entry.checked_at >= RECHECK:
                entry.checked_at = now
                # Checked behind the answer: the revision's query and the store's count (a
                # round trip to a Chroma server) are no answer's own work.
                self._refresh_later(store, tenant, incremental=True, check=True)
        except SQLAlchemyError as problem:  # the previous snapshot answers; read all again
            log.warning("history rows unreadable: %s", type(problem).__name__)
            self._refresh_later(store, tenant)
        return entry.history

    def wait_for_refresh(self, tenant: str, timeout: float | None = None) -> bool:
        """Wait for a background refresh of ``tenant`` to end; False if still running."""
        with self._lock:
            running = self._refreshing.get(tenant)
        if running is not None:
            wait([running], timeout)
            return running.done()
        return True

    def _get(self, tenant: str) -> _Entry | None:
        with self._lock:
            entry = self._entries.get(tenant)
            if entry is not None:
                self._entries.move_to_end(tenant)
            return entry

    def _first_read(self, store: KnowledgeStore, tenant: str, generation: int) -> TenantHistory:
        with self._lock:
            loading = self._loading.setdefault(tenant, threading.Lock())
        with loading:  # concurrent first answers for a tenant wait for one read
            entry = self._get(tenant)
            if entry is None:
                entry = _read(store, tenant, generation)
                self._keep(tenant, entry)
        with self._lock:
            self._loading.pop(tenant, None)
        return entry.history

    def _keep(self, tenant: str, entry: _Entry, store: KnowledgeStore | None = None) -> None:
        with self._lock:
            if store is not None and store is not self._store:
                return  # read from a store this cache no longer follows
            current = self._entries.get(tenant)
            if current is not None and current.generation > entry.generation:
                return  # a read that started before this process's later write
            if (
                current is not None
                and current.revision is not None
                and entry.revision is not None
                and current.revision > entry.revision
                and not entry.full
            ):
                return  # an older read of the rows, finished after a newer one
            self._entries[tenant] = entry
            self._entries.move_to_end(tenant)
            held = sum(len(e.history.closed) for e in self._entries.values())
            while held > self.max_projects and len(self._entries) > 1:
                _, dropped = self._entries.popitem(last=False)
                held -= len(dropped.history.closed)

    def _refresh_later(
        self,
        store: KnowledgeStore,
        tenant: str,
        *,
        incremental: bool = False,
        check: bool = False,
    ) -> None:
        with self._lock:
            if tenant in self._refreshing:
                return
            generation = _generation(store, tenant)
            # Kept under the lock the refresh takes to forget itself: it cannot end unseen.
            self._refreshing[tenant] = self._refresher.submit(
                lambda: self._refresh(store, tenant, generation, incremental, check)
            )

    @staticmethod
    def _behind(store: KnowledgeStore, table: FeatureTable, tenant: str, entry: _Entry) -> bool:
        """Whether the rows of a tenant whose count is not the snapshot's must be read again
        in full: when the store rebuilt them (written around them), or they are not the
        snapshot's; not when nothing was rebuilt (this process re-indexing the tenant, or a
        write under way that its own revision will bring), which left the rows as read."""
        rebuilt = _rows_rebuilt(store, tenant)
        return rebuilt is not False or table.live_count(tenant) != len(entry.live)

    def _refresh(
        self,
        store: KnowledgeStore,
        tenant: str,
        generation: int,
        incremental: bool = False,
        check: bool = False,
    ) -> None:
        """Read the tenant again (``incremental``: the rows changed since the snapshot's
        revision); with ``check``, first whether anything changed at all."""
        try:
            healed = _heal(store, tenant)  # before the read, which then finds those rows
            entry = self._get(tenant) if incremental else None
            table = _feature_table(store)
            if entry is not None and table is not None and entry.revision is not None:
                if check and not healed:
                    try:
                        same = table.revision(tenant) == entry.revision
                    except SQLAlchemyError as problem:  # the store's way, as a first read does
                        log.warning("history rows unreadable: %s", type(problem).__name__)
                        self._keep(tenant, _read(store, tenant, generation), store)
                        return
                    if same:
                        if int(store.count(tenant)) != len(entry.live) and self._behind(
                            store, table, tenant, entry
                        ):
                            self._keep(tenant, _read(store, tenant, generation), store)
                        return
                self._keep(tenant, _advanced(store, table, tenant, entry), store)
            else:
                self._keep(tenant, _read(store, tenant, generation), store)
        except Exception as problem:  # the previous snapshot keeps answering
            log.warning("history refresh failed: %s", type(problem).__name__)
        finally:
            with self._lock:
                self._refreshing.pop(tenant, None)


def tenant_history(
    store: KnowledgeStore, tenant: str, cache: HistoryCache | None = None
) -> TenantHistory:
    """The tenant's closed projects through ``cache`` (the services' ``histories``), or read
    once without one (a script, a one-off tool)."""
    if cache is not None:
        return cache.history(store, tenant)
    return _read(store, tenant, _generation(store, tenant)).history


__all__ = [
    "DEFAULT_MAX_PROJECTS",
    "HistoryCache",
    "TenantHistory",
    "tenant_history",
]

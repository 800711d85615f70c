"""Past projects as the estimator reads them, kept in the state database beside the store.

:class:`FeatureKeepingStore` is the knowledge store the bot hands out: every write through it
(imports, closes, edits, removals, the demo) also writes each project's feature row
(:mod:`state.features`), so a restart reads compact rows from SQL instead of every record of
the vector store. :class:`ProjectFeatures` is one such row in memory: what scoping, the
engine, change pricing and proposals read of a past project, with its phases, lessons and
change history parsed only when asked for (the few analogues an answer cites).
"""

from __future__ import annotations

import builtins
import datetime as dt
import itertools
import json
import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, cast

from sqlalchemy import Date, String, Table, select, type_coerce

from knowledge.models import ChangeHistory, PastProject
from knowledge.port import KnowledgeStore
from state.features import (
    READ_COLUMNS,
    TAG_SEPARATOR,
    Current,
    FeatureRevision,
    Features,
    FeatureTable,
    ProjectFeatureRow,
)

if TYPE_CHECKING:
    import numpy as np

    from knowledge.store import Match

log = logging.getLogger(__name__)

# One copy of each type, status and tag set, so that 50k rows hold a few hundred small values
# instead of 50k copies. Pure values, shared by every tenant like interned strings; bounded, so
# that many workspaces' tags never grow it without end (a full table starts afresh, and the
# values already shared stay shared).
SHARED_MAX = 8192
_SHARED: dict[Any, Any] = {}


def _shared(value: Any) -> Any:
    found = _SHARED.get(value)
    if found is None:
        if len(_SHARED) >= SHARED_MAX:
            _SHARED.clear()
        _SHARED[value] = found = value
    return found


class ProjectFeatures:
    """A past project's feature row: the fields of :class:`PastProject` the estimator reads."""

    __slots__ = (
        "_details",
        "_parsed",
        "actual_hours",
        "client",
        "estimated_hours",
        "finished",
        "id",
        "started",
        "status",
        "summary",
        "tags",
        "title",
        "type",
    )

    def __init__(
        self,
        id: str,
        status: str,
        type: str,
        tags: Sequence[str],
        title: str,
        summary: str,
        client: str | None,
        estimated_hours: float | None,
        actual_hours: float | None,
        started: dt.date | None,
        finished: dt.date | None,
        details: str,
    ) -> None:
        self.id = id
        self.status = _shared(status)
        self.type = _shared(type)
        self.tags: tuple[str, ...] = _shared(tuple(tags))
        self.title = title
        self.summary = summary
        self.client = client
        self.estimated_hours = estimated_hours
        self.actual_hours = actual_hours
        self.started = started
        self.finished = finished
        self._details = details
        self._parsed: dict[str, Any] | None = None

    @classmethod
    def from_row(cls, row: Sequence[Any]) -> ProjectFeatures:
        """From a :data:`state.features.READ_COLUMNS` tuple."""
        (pid, status, type_, tags, title, summary, client, est, act, started, finished, det) = row
        return cls(
            pid,
            status,
            type_,
            tags.split(TAG_SEPARATOR) if tags else (),
            title,
            summary,
            client,
            est,
            act,
            started,
            finished,
            det,
        )

    @classmethod
    def of(cls, project: PastProject) -> ProjectFeatures:
        f = features_of(project)
        return cls(
            f.project_id,
            f.status,
            f.type,
            f.tags,
            f.title,
            f.summary,
            f.client,
            f.estimated_hours,
            f.actual_hours,
            f.started,
            f.finished,
            f.details,
        )

    def _detail(self, key: str) -> Any:
        if self._parsed is None:
            self._parsed = json.loads(self._details) if self._details else {}
        return self._parsed.get(key)

    @property
    def phases(self) -> dict[str, float]:
        return dict(self._detail("phases") or {})

    @property
    def lessons(self) -> list[str]:
        return list(self._detail("lessons") or [])

    @property
    def changes(self) -> ChangeHistory | None:
        found = self._detail("changes")
        return ChangeHistory.model_validate(found) if found else None

    def __repr__(self) -> str:
        return f"ProjectFeatures(id={self.id!r}, status={self.status!r})"


def _date_reader() -> Any:
    """A date column's value as a date, each distinct value parsed once (a history of 50k
    projects has a few thousand distinct dates). SQLite's driver gives ISO strings;
    PostgreSQL's gives dates already."""
    parsed: dict[Any, dt.date | None] = {None: None}

    def read(value: Any) -> dt.date | None:
        found = parsed.get(value, False)
        if found is False:
            found = parsed[value] = (
                dt.date.fromisoformat(value) if isinstance(value, str) else value
            )
        return found  # type: ignore[return-value]

    return read


def read_live(table: FeatureTable, tenant: str) -> tuple[int, list[ProjectFeatures]]:
    """The tenant's revision and every live row, read in one snapshot: what
    ``table.read(tenant)`` gives, as :class:`ProjectFeatures` (a full read: a restart's first
    answer waits for it).

    The date columns are read as the driver gives them and parsed once per distinct value:
    SQLAlchemy's ``Date`` type parses every value of every row (50k rows: 0.26-0.30 s through
    it, 0.18-0.21 s this way).
    """
    rows_table = cast(Table, ProjectFeatureRow.__table__)
    columns = [
        type_coerce(rows_table.c[name], String)
        if isinstance(rows_table.c[name].type, Date)
        else rows_table.c[name]
        for name in READ_COLUMNS
    ]
    dated = [i for i, name in enumerate(READ_COLUMNS) if isinstance(rows_table.c[name].type, Date)]
    date = _date_reader()
    with table.engine.connect() as connection, connection.begin():
        revision = int(
            connection.execute(
                select(FeatureRevision.revision).where(FeatureRevision.tenant == tenant)
            ).scalar()
            or 0
        )
        found = connection.execute(
            select(*columns).where(
                rows_table.c.tenant == tenant, rows_table.c.removed.is_(False)
            )
        )
        projects = []
        for row in found:
            values = list(row)
            for index in dated:
                values[index] = date(values[index])
            projects.append(ProjectFeatures.from_row(values))
    return revision, projects


def features_of(project: PastProject) -> Features:
    """The feature row of ``project``."""
    details = {
        "phases": project.phases,
        "lessons": project.lessons,
        "changes": project.changes.model_dump() if project.changes is not None else None,
    }
    return Features(
        project_id=project.id,
        status=project.status,
        type=project.type,
        tags=tuple(project.tags),
        title=project.title,
        summary=project.summary,
        client=project.client,
        estimated_hours=project.estimated_hours,
        actual_hours=project.actual_hours,
        started=project.started,
        finished=project.finished,
        details=json.dumps(details, separators=(",", ":"), ensure_ascii=False),
    )


# A write of up to this many projects writes their rows as the store holds them after the
# write (read back inside the row transaction: see FeatureTable.write_current); a bigger one
# (a bulk load with its own vectors) writes the projects it was given.
REREAD_MAX = 1_000


class FeatureKeepingStore:
    """``store``, whose writes also write the projects' feature rows to ``features``.

    The store is written first: a project is saved when the store has it. A feature write
    that fails afterwards (the database locked or away) leaves the projects' ids *pending*:
    the next write of the tenant, and the history's next read (:meth:`heal_features`, in its
    refresh thread: no answer waits for it), write their rows again from the store, so an edit
    whose row write failed reaches the estimate as soon as the database takes writes again,
    not when the project is next written. A
    process that stops with ids pending leaves them to the readers' count check (a removal
    or an addition) or to the next write of those projects (an edit).
    Everything else (``embedder``, ``client``, ``where``…) is the wrapped store's.
    """

    def __init__(self, store: KnowledgeStore, features: FeatureTable) -> None:
        self.store = store
        self.features = features
        # tenant -> {id whose row may be stale: when it was marked}; a mark made while a heal
        # ran (a newer failure) outlives that heal.
        self._pending: dict[str, dict[str, int]] = {}
        self._marks = itertools.count(1)
        self._reindexing: dict[str, int] = {}  # tenant -> re-indexes running
        self._pending_lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:  # the wrapped store's own attributes
        return getattr(self.store, name)

    # --- writes: the store, then the rows --------------------------------------------------

    def upsert(
        self,
        tenant: str,
        projects: Sequence[PastProject],
        *,
        embeddings: np.ndarray | None = None,
    ) -> int:
        projects = list(projects)
        try:
            written = self.store.upsert(tenant, projects, embeddings=embeddings)
        except Exception:
            # A store write can fail half-way (after some batches): those rows are checked too.
            self._mark(tenant, [p.id for p in projects])
            raise
        if projects:
            if len(projects) > REREAD_MAX:
                rows = [features_of(p) for p in projects]
                self._keep(tenant, [p.id for p in projects], lambda: self._write(tenant, rows))
            else:
                self._keep(tenant, [p.id for p in projects])
        return written

    def delete(self, tenant: str, project_id: str) -> bool:
        removed = self.store.delete(tenant, project_id)
        if removed:
            self._keep(tenant, [project_id])
        return removed

    def reindex(self, tenant: str) -> int:
        """The store's re-index; the same projects, so their rows stay as they are.

        :class:`knowledge.store.ProjectStore` builds the new collection aside and swaps it in,
        so its count never climbs from 0 where a reader (here or in another process) sees it;
        a store that rebuilds in place would show a half-built count, so this process rebuilds
        no rows from the store until the re-index is done."""
        with self._pending_lock:
            self._reindexing[tenant] = self._reindexing.get(tenant, 0) + 1
        try:
            return self.store.reindex(tenant)
        finally:
            with self._pending_lock:
                self._reindexing[tenant] -= 1
                if not self._reindexing[tenant]:
                    del self._reindexing[tenant]

    def rebuild_features(self, tenant: str) -> bool:
        """Read the tenant in full from the store and make its rows match; True when it did.

        A reader asks when the rows' count was not the store's. Never during this process's
        re-index of the tenant; and the rows are counted once more first: a write that landed
        between the reader's two counts (a batch of an import elsewhere) explains the
        difference, and then there is nothing to rebuild (the full read costs seconds at 50k
        projects). Rows another writer saves while the store is read are newer than the read
        and stay as that writer left them.
        """
        with self._pending_lock:
            if tenant in self._reindexing:  # a half-built collection: not the projects
                return False
        if self.features.live_count(tenant) == self.store.count(tenant):
            return False
        pending = self._pending_of(tenant)
        read_at = self.features.revision(tenant)
        projects = self.store.list(tenant)
        self.features.rebuild(tenant, [features_of(p) for p in projects], read_at=read_at)
        self._settled(tenant, pending)
        return True

    def heal_features(self, tenant: str) -> bool:
        """Write again, from the store, the rows a failed write left stale; True when some
        were written (a reader should read the changes)."""
        pending = self._pending_of(tenant)
        if not pending:
            return False
        try:
            self.features.write_current(tenant, pending, self._current(tenant))
        except Exception as problem:  # still failing: kept pending for the next try
            log.warning("feature rows still not written: %s", type(problem).__name__)
            return False
        self._settled(tenant, pending)
        return True

    def pending(self, tenant: str) -> frozenset[str]:
        """The tenant's project ids whose rows wait to be written again."""
        return frozenset(self._pending_of(tenant))

    def _current(self, tenant: str) -> Current:
        def current(ids: Sequence[str]) -> builtins.list[Features]:
            return [features_of(p) for p in self.store.get_many(tenant, ids).values()]

        return current

    def _write(self, tenant: str, rows: builtins.list[Features]) -> None:
        self.features.write(tenant, rows)

    def _keep(self, tenant: str, ids: Sequence[str], write: Any = None) -> None:
        """Write the rows of ``ids`` (by default as the store holds them now), and of any ids
        still pending; on failure they are all pending."""
        pending = self._pending_of(tenant)
        try:
            if write is None:
                self.features.write_current(tenant, {*ids, *pending}, self._current(tenant))
            else:
                write()
                if pending:
                    self.features.write_current(tenant, pending, self._current(tenant))
        except Exception as problem:  # the store has the projects; the next read heals them
            log.warning("feature rows not written: %s", type(problem).__name__)
            self._mark(tenant, ids)
            return
        self._settled(tenant, pending)

    def _pending_of(self, tenant: str) -> dict[str, int]:
        with self._pending_lock:
            return dict(self._pending.get(tenant, {}))

    def _mark(self, tenant: str, ids: Sequence[str]) -> None:
        with self._pending_lock:
            marks = self._pending.setdefault(tenant, {})
            for project_id in ids:
                marks[project_id] = next(self._marks)

    def _settled(self, tenant: str, written: dict[str, int]) -> None:
        """``written`` (a snapshot of the marks) has been written: its marks go, newer stay."""
        with self._pending_lock:
            marks = self._pending.get(tenant)
            if marks is None:
                return
            for project_id, mark in written.items():
                if marks.get(project_id) == mark:
                    del marks[project_id]
            if not marks:
                del self._pending[tenant]

    # --- reads: the store's ------------------------------------------------------------

    def generation(self, tenant: str) -> int:
        return self.store.generation(tenant)

    def changed_since(self, tenant: str, generation: int) -> frozenset[str] | None:
        changed = getattr(self.store, "changed_since", None)
        return changed(tenant, generation) if callable(changed) else None

    def count(self, tenant: str) -> int:
        return self.store.count(tenant)

    def get(self, tenant: str, project_id: str) -> PastProject | None:
        return self.store.get(tenant, project_id)

    def get_many(self, tenant: str, project_ids: Sequence[str]) -> dict[str, PastProject]:
        return self.store.get_many(tenant, project_ids)

    def list(self, tenant: str, status: str | None = None) -> builtins.list[PastProject]:
        return self.store.list(tenant, status)

    def nearest(self, tenant: str, text: str, n: int = 32) -> builtins.list[tuple[str, float]]:
        return self.store.nearest(tenant, text, n)

    def search(
        self,
        tenant: str,
        text: str,
        k: int = 8,
        *,
        status: str | None = None,
        type: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> builtins.list[Match]:
        return self.store.search(tenant, text, k, status=status, type=type, tags=tags)

    def close(self) -> None:
        self.store.close()
        self.features.close()


__all__ = ["FeatureKeepingStore", "ProjectFeatures", "features_of", "read_live"]

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
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from knowledge.models import ChangeHistory, PastProject
from knowledge.port import KnowledgeStore
from state.features import TAG_SEPARATOR, Features, FeatureTable

if TYPE_CHECKING:
    import datetime as dt

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


class FeatureKeepingStore:
    """``store``, whose writes also write the projects' feature rows to ``features``.

    The store is written first: a project is saved when the store has it. A feature write
    that fails afterwards is logged and left to the readers' check (they compare the row
    count with the store's and rebuild the rows from the store when they differ).
    Everything else (``embedder``, ``client``, ``where``…) is the wrapped store's.
    """

    def __init__(self, store: KnowledgeStore, features: FeatureTable) -> None:
        self.store = store
        self.features = features

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
        written = self.store.upsert(tenant, projects, embeddings=embeddings)
        if projects:
            self._keep(
                tenant, lambda: self.features.write(tenant, [features_of(p) for p in projects])
            )
        return written

    def delete(self, tenant: str, project_id: str) -> bool:
        removed = self.store.delete(tenant, project_id)
        if removed:
            self._keep(tenant, lambda: self.features.remove(tenant, [project_id]))
        return removed

    def reindex(self, tenant: str) -> int:
        return self.store.reindex(tenant)  # the same projects: their rows stay as they are

    def rebuild_features(self, tenant: str) -> list[PastProject]:
        """Read the tenant in full from the store and make its rows match; returns the
        projects read (all statuses)."""
        projects = self.store.list(tenant)
        self.features.rebuild(tenant, [features_of(p) for p in projects])
        return projects

    def _keep(self, tenant: str, write: Any) -> None:
        try:
            write()
        except Exception as problem:  # the store has the projects; readers will notice
            log.warning("feature rows not written: %s", type(problem).__name__)

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


__all__ = ["FeatureKeepingStore", "ProjectFeatures", "features_of"]

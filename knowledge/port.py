"""What the chat core needs from a store of past projects, as a structural type.

:class:`knowledge.store.ProjectStore` (Chroma) satisfies it without naming it; tests can hand
the core any object with these methods. Every method is blocking (the core calls them in a
worker thread) and takes the tenant first, so no call can reach another workspace's projects.
"""

from __future__ import annotations

import builtins
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from knowledge.models import PastProject

if TYPE_CHECKING:  # numpy is only named in a signature
    import numpy as np

    from knowledge.store import Match


@runtime_checkable
class KnowledgeStore(Protocol):
    """Counts, reads, searches and writes one tenant's past projects at a time."""

    def generation(self, tenant: str) -> int:
        """How many writes this store object made for ``tenant`` (a cache key)."""
        ...

    def count(self, tenant: str) -> int: ...

    def get(self, tenant: str, project_id: str) -> PastProject | None: ...

    def get_many(self, tenant: str, project_ids: Sequence[str]) -> dict[str, PastProject]: ...

    def list(self, tenant: str, status: str | None = None) -> builtins.list[PastProject]:
        """The tenant's projects (read in pages), most recently finished first."""
        ...

    def nearest(self, tenant: str, text: str, n: int = 32) -> builtins.list[tuple[str, float]]:
        """Ids and similarities of the ``n`` projects closest to ``text``, best first."""
        ...

    def search(
        self,
        tenant: str,
        text: str,
        k: int = 8,
        *,
        status: str | None = None,
        type: str | None = None,
        tags: Sequence[str] | None = None,
    ) -> builtins.list[Match]: ...

    def upsert(
        self,
        tenant: str,
        projects: Sequence[PastProject],
        *,
        embeddings: np.ndarray | None = None,
    ) -> int: ...

    def delete(self, tenant: str, project_id: str) -> bool: ...

    def reindex(self, tenant: str) -> int: ...

    def close(self) -> None: ...


__all__ = ["KnowledgeStore"]

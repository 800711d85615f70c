"""The engine's input: past items with their outcome, and the query to estimate.

A caller adapts its own records (a CSV row, a closed project) to :class:`PastItem`; the engine
never reads a file or a store. :class:`History` holds them oldest first as arrays.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Protocol

import numpy as np


@dataclass(frozen=True)
class PastItem:
    """One finished piece of work: what it was, what it really took, and what was guessed.

    ``order`` sorts items in time (larger is newer; ties keep the given order). ``embedding``
    is an L2-normalised vector from the caller's embedder, when it has one.
    """

    id: str
    text: str
    actual: float
    guess: float | None = None
    type: str = ""
    tags: tuple[str, ...] = ()
    category: str = ""
    order: float = 0.0
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)


class ItemSource(Protocol):
    """Anything that can list its past items (a tenant's closed projects, a CSV file)."""

    def past_items(self) -> Sequence[PastItem]: ...


@dataclass(frozen=True)
class Query:
    """A new piece of work to estimate.

    Semantic similarity comes either from ``embedding`` (compared with the items' embeddings)
    or, when the caller's search already computed it, from ``semantic`` (item id -> cosine;
    items it does not name count as 0). ``allowed`` limits the analogues to those ids (a
    type/tag filter); the tenant-wide distribution still uses every item.
    """

    text: str
    guess: float | None = None
    type: str = ""
    tags: tuple[str, ...] = ()
    category: str = ""
    embedding: np.ndarray | None = field(default=None, compare=False, repr=False)
    semantic: Mapping[str, float] | None = field(default=None, compare=False, repr=False)
    allowed: frozenset[str] | None = None


def usable(item: PastItem) -> bool:
    return math.isfinite(item.actual) and item.actual >= 0


def _valid_guess(value: float | None) -> float:
    if value is None or not math.isfinite(value) or value <= 0:
        return math.nan
    return float(value)


class History:
    """Past items with a usable outcome, oldest first, as the arrays the engine works on."""

    def __init__(self, items: Iterable[PastItem]) -> None:
        kept = [item for item in items if usable(item)]
        # Stable sort: items with equal order keep the order they were given in.
        self.items: tuple[PastItem, ...] = tuple(sorted(kept, key=lambda item: item.order))
        self.ids = [item.id for item in self.items]
        self.texts = [item.text for item in self.items]
        self.actual = np.asarray([item.actual for item in self.items], dtype=float)
        self.guess = np.asarray([_valid_guess(item.guess) for item in self.items], dtype=float)
        self.index = {item_id: i for i, item_id in enumerate(self.ids)}

    def __len__(self) -> int:
        return len(self.items)

    @cached_property
    def embeddings(self) -> np.ndarray | None:
        """(n, d) matrix of the items' embeddings, or ``None`` unless every item has one."""
        if not self.items or any(item.embedding is None for item in self.items):
            return None
        return np.vstack([np.asarray(item.embedding, dtype=np.float32) for item in self.items])

    @cached_property
    def overlap_rows(self) -> dict[tuple[str, str, frozenset[str]], np.ndarray]:
        """Metadata overlap rows kept per (category, type, tags) of a query (see
        :func:`estimating.retrieval.metadata_overlap`)."""
        return {}

    @cached_property
    def has_metadata(self) -> bool:
        return any(item.category or item.type or item.tags for item in self.items)

    @cached_property
    def categories(self) -> np.ndarray:
        return np.asarray([item.category for item in self.items])

    @cached_property
    def types(self) -> np.ndarray:
        return np.asarray([item.type for item in self.items])

    @cached_property
    def tag_counts(self) -> np.ndarray:
        return np.asarray([len(set(item.tags)) for item in self.items], dtype=float)

    @cached_property
    def tagged(self) -> dict[str, np.ndarray]:
        """Tag -> (n,) 0/1 array of the items carrying it."""
        found: dict[str, np.ndarray] = {}
        for i, item in enumerate(self.items):
            for tag in set(item.tags):
                row = found.get(tag)
                if row is None:  # one array per tag (not one per item and tag, then dropped)
                    row = found[tag] = np.zeros(len(self.items))
                row[i] = 1.0
        return found

    @cached_property
    def has_guesses(self) -> bool:
        return bool(np.isfinite(self.guess).any())

    @cached_property
    def grid(self) -> np.ndarray:
        """The distinct outcomes, sorted: every estimate's distribution lives on them."""
        return np.unique(self.actual)

    @cached_property
    def grid_index(self) -> np.ndarray:
        return np.searchsorted(self.grid, self.actual)

    @cached_property
    def fingerprint(self) -> str:
        """Changes whenever an item, its outcome, guess or place changes (cache key)."""
        digest = hashlib.blake2b(digest_size=16)
        for item in self.items:
            digest.update(
                f"{item.id}\x1f{item.actual!r}\x1f{item.guess!r}\x1f{item.category}\x1f"
                f"{item.type}\x1f{','.join(item.tags)}\x1f{len(item.text)}\x1e".encode()
            )
        return digest.hexdigest()

    def subset(self, indices: Sequence[int] | np.ndarray) -> History:
        """The items at ``indices`` (in time order) as their own history."""
        return History(self.items[int(i)] for i in indices)

    def prefix(self, end: int) -> History:
        return self.subset(range(end))

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
from typing import Any, Protocol

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


def _valid_guesses(values: Sequence[float | None]) -> np.ndarray:
    """The guesses as floats, NaN where there is none (missing, not finite, or not above 0)."""
    guesses = np.asarray([math.nan if v is None else v for v in values], dtype=float)
    with np.errstate(invalid="ignore"):
        guesses[~(np.isfinite(guesses) & (guesses > 0))] = math.nan
    return guesses


class History:
    """Past items with a usable outcome, oldest first, as the arrays the engine works on.

    Built from items, or from their columns (:meth:`from_columns`), in which case the items
    themselves are made only when something asks for them: a 50k-project history's first
    answer reads the columns, and making 50k frozen items cost it 0.3 s.
    """

    def __init__(self, items: Iterable[PastItem]) -> None:
        kept = [item for item in items if usable(item)]
        # Stable sort: items with equal order keep the order they were given in.
        ordered = tuple(sorted(kept, key=lambda item: item.order))
        self._items: tuple[PastItem, ...] | None = ordered
        self._columns(
            [item.id for item in ordered],
            [item.text for item in ordered],
            [item.actual for item in ordered],
            [item.guess for item in ordered],
            [item.type for item in ordered],
            [item.tags for item in ordered],
            [item.order for item in ordered],
            [item.category for item in ordered],
        )

    @classmethod
    def from_columns(
        cls,
        ids: Sequence[str],
        texts: Sequence[str],
        actual: Sequence[float],
        guesses: Sequence[float | None],
        types: Sequence[str],
        tags: Sequence[tuple[str, ...]],
        orders: Sequence[float],
    ) -> History:
        """The history of the items these columns describe (one entry per item, without
        category or embedding): the same history as ``History`` of those items gives, its
        fingerprint included. Items that are not :func:`usable` are left out."""
        outcomes = np.asarray(actual, dtype=float)
        places = np.asarray(orders, dtype=float)
        keep = np.isfinite(outcomes) & (outcomes >= 0)
        columns: list[list[Any]] = [
            list(column) for column in (ids, texts, actual, guesses, types, tags, orders)
        ]
        if not keep.all() or bool((np.diff(places) < 0).any()):
            picked = np.flatnonzero(keep)
            taken = picked[np.argsort(places[picked], kind="stable")].tolist()  # stable, as items
            columns = [[column[i] for i in taken] for column in columns]
        history = cls.__new__(cls)
        history._items = None
        history._columns(*columns)
        return history

    def _columns(
        self,
        ids: list[str],
        texts: list[str],
        actual: list[float],
        guesses: list[float | None],
        types: list[str],
        tags: list[tuple[str, ...]],
        orders: list[float],
        categories: list[str] | None = None,
    ) -> None:
        self.ids = ids
        self.texts = texts
        self.actual = np.asarray(actual, dtype=float)
        self.guess = _valid_guesses(guesses)
        self.index = dict(zip(ids, range(len(ids)), strict=True))
        self._guesses = guesses
        self._types = types
        self._tags = tags
        self._categories = categories if categories is not None else [""] * len(ids)
        self._orders = orders

    @property
    def items(self) -> tuple[PastItem, ...]:
        if self._items is None:
            self._items = self.item_range(0, len(self.ids))
        return self._items

    def item_range(self, start: int, end: int) -> tuple[PastItem, ...]:
        """``items[start:end]``, without making the others when they are not made yet."""
        if self._items is not None:
            return self._items[start:end]
        window = slice(start, end)
        return tuple(
            PastItem(
                id=item_id,
                text=text,
                actual=float(actual),
                guess=guess,
                type=type_,
                tags=tags,
                category=category,
                order=order,
            )
            for item_id, text, actual, guess, type_, tags, category, order in zip(
                self.ids[window],
                self.texts[window],
                self.actual[window].tolist(),
                self._guesses[window],
                self._types[window],
                self._tags[window],
                self._categories[window],
                self._orders[window],
                strict=True,
            )
        )

    def __len__(self) -> int:
        return len(self.ids)

    @cached_property
    def embeddings(self) -> np.ndarray | None:
        """(n, d) matrix of the items' embeddings, or ``None`` unless every item has one."""
        if not self.ids or self._items is None:  # columns carry no embeddings
            return None
        if any(item.embedding is None for item in self._items):
            return None
        return np.vstack([np.asarray(item.embedding, dtype=np.float32) for item in self._items])

    @cached_property
    def overlap_rows(self) -> dict[tuple[str, str, frozenset[str]], np.ndarray]:
        """Metadata overlap rows kept per (category, type, tags) of a query (see
        :func:`estimating.retrieval.metadata_overlap`)."""
        return {}

    @cached_property
    def has_metadata(self) -> bool:
        return any(self._categories) or any(self._types) or any(self._tags)

    @cached_property
    def categories(self) -> np.ndarray:
        return np.asarray(self._categories)

    @cached_property
    def types(self) -> np.ndarray:
        return np.asarray(self._types)

    @cached_property
    def tag_counts(self) -> np.ndarray:
        return np.asarray([len(set(tags)) for tags in self._tags], dtype=float)

    @cached_property
    def tagged(self) -> dict[str, np.ndarray]:
        """Tag -> (n,) 0/1 array of the items carrying it."""
        found: dict[str, np.ndarray] = {}
        for i, tags in enumerate(self._tags):
            for tag in set(tags):
                row = found.get(tag)
                if row is None:  # one array per tag (not one per item and tag, then dropped)
                    row = found[tag] = np.zeros(len(self.ids))
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
        for item_id, actual, guess, category, type_, tags, text in zip(
            self.ids,
            self.actual.tolist(),
            self._guesses,
            self._categories,
            self._types,
            self._tags,
            self.texts,
            strict=True,
        ):
            digest.update(
                f"{item_id}\x1f{actual!r}\x1f{guess!r}\x1f{category}\x1f"
                f"{type_}\x1f{','.join(tags)}\x1f{len(text)}\x1e".encode()
            )
        return digest.hexdigest()

    def subset(self, indices: Sequence[int] | np.ndarray) -> History:
        """The items at ``indices`` (in time order) as their own history."""
        return History(self.items[int(i)] for i in indices)

    def prefix(self, end: int) -> History:
        return self.subset(range(end))

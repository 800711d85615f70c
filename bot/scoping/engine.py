"""A tenant's closed projects as the estimating engine's past items, and the engine over them."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from estimating import Engine, History, Knobs, PastItem, Tuned, tune
from estimating.tuning import loo_items
from knowledge.heap import collection_paused
from knowledge.port import KnowledgeStore

MIN_PROJECTS = 10  # fewer: too little to tune or calibrate on
MAX_ROUNDS = 120  # leave-one-out rounds (one search each): enough for three size buckets
NEAREST = 128  # ids fetched per leave-one-out search, as a brief's search does


def project_text(project: Any) -> str:
    return f"{project.title}\n{getattr(project, 'summary', '') or ''}".strip()


def past_items(closed: Sequence[Any]) -> list[PastItem]:
    """Closed projects with actual hours as past items, oldest first (``closed`` lists the most
    recently finished first)."""
    items = []
    for place, project in enumerate(closed):
        if project.actual_hours is None or project.actual_hours < 0:
            continue
        items.append(
            PastItem(
                id=project.id,
                text=project_text(project),
                actual=float(project.actual_hours),
                guess=_guess(project),
                type=str(project.type or ""),
                tags=tuple(project.tags or ()),
                order=-float(place),
            )
        )
    return items


class TuningStopped(Exception):
    """The bot is stopping: a tuning gives up between two of its searches."""


def never() -> bool:
    """A ``stopping`` that never says stop."""
    return False


def past_history(closed: Sequence[Any]) -> History:
    """``closed`` as the engine's history of past items (the same history as
    ``History(past_items(closed))``, built from its columns in one pass: the items are made
    only if something asks for them)."""
    ids: list[str] = []
    texts: list[str] = []
    actual: list[float] = []
    guesses: list[float | None] = []
    types: list[str] = []
    tags: list[tuple[str, ...]] = []
    orders: list[float] = []
    with collection_paused():  # a few objects per project: see knowledge.heap
        # ``closed`` lists the newest first: read from the oldest, the columns are in order.
        for place in range(len(closed) - 1, -1, -1):
            project = closed[place]
            hours = project.actual_hours
            if hours is None or hours < 0:
                continue
            ids.append(project.id)
            texts.append(project_text(project))
            actual.append(float(hours))
            guesses.append(_guess(project))
            types.append(str(project.type or ""))
            tags.append(tuple(project.tags or ()))
            orders.append(-float(place))
        return History.from_columns(ids, texts, actual, guesses, types, tags, orders)


def _guess(project: Any) -> float | None:
    estimated = getattr(project, "estimated_hours", None)
    return float(estimated) if estimated and estimated > 0 else None


Searches = dict[str, dict[str, float]]  # a round's item id -> its search's similarities
# Texts embedded and searched together: the model's batch of one text was most of a small
# workspace's first answer (a hundred single-text runs); a stop waits for one batch at most.
SEARCHES_AT_ONCE = 16


def searches(
    store: KnowledgeStore,
    tenant: str,
    history: History,
    rounds: int,
    nearest: int,
    stopping: Callable[[], bool] = never,
) -> Searches:
    """The searches leave-one-out tuning makes, through the bot's store, a batch of texts at
    a time where the store can (one embedding run and one query for
    :data:`SEARCHES_AT_ONCE` texts, not one each); raises :class:`TuningStopped` between two
    batches once ``stopping()`` says so."""
    found: Searches = {}
    items = loo_items(history, rounds)
    many, step = getattr(store, "nearest_many", None), SEARCHES_AT_ONCE
    if not callable(many):  # a store without batches: one search at a time, as a stop expects

        def many(tenant: str, texts: list[str], n: int) -> list[list[tuple[str, float]]]:
            return [store.nearest(tenant, text, n) for text in texts]

        step = 1
    for start in range(0, len(items), step):
        if stopping():
            raise TuningStopped
        batch = items[start : start + step]
        for item, ids in zip(batch, many(tenant, [i.text for i in batch], nearest), strict=True):
            found[item.id] = dict(ids)
    return found


def build_engine(
    closed: Sequence[Any],
    params: Knobs,
    store: KnowledgeStore | None = None,
    tenant: str = "",
    history: History | None = None,
    stopping: Callable[[], bool] = never,
) -> tuple[Engine | None, Tuned]:
    """The engine over ``closed``; tuned leave-one-out through ``store`` when there is one.

    ``history``: ``closed`` as past items already (an engine built over the same projects
    before), reused instead of built again. ``stopping``: asked before each search; once it
    says True the tuning raises :class:`TuningStopped`."""
    if history is None:
        history = past_history(closed)
    if len(history) == 0:
        return None, Tuned(params)
    tuned = Tuned(params)
    if store is not None and len(history) >= MIN_PROJECTS:
        found = searches(store, tenant, history, MAX_ROUNDS, NEAREST, stopping)

        def search(item: PastItem) -> Mapping[str, float]:
            if item.id in found:
                return found[item.id]
            if stopping():
                raise TuningStopped
            return dict(store.nearest(tenant, item.text, NEAREST))

        tuned = tune(
            history,
            params,
            semantic=search,
            fixed_k=params.k,
            protocol="loo",
            rounds=MAX_ROUNDS,
        )
    return Engine(history, tuned.knobs, tuned.bands), tuned

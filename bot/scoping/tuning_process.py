"""A large history's tuning in a child process: scikit-learn, and the fits' memory, stay there.

Tuning fits a TF-IDF index and ridge regressions for every candidate set of knobs. Importing
scikit-learn (with the parts of SciPy it brings) adds about 76 MB to a process for good, and
the folds' temporaries peak at another 100 MB or so on 10k projects. A serving bot tunes its
large histories (see ``calibration.BACKGROUND_FROM``) in a short-lived child process instead:

1. here, the leave-one-out rounds' searches through the bot's own store (the child has no store);
2. in the child, started with ``spawn`` (a fork would copy the store's and the model's threads
   and locks): :func:`estimating.tune` with those searches, then the final engine's fitted
   pieces (:meth:`estimating.Engine.fitted_parts`);
3. here again, the engine over the same history with those pieces, which need no scikit-learn
   (``estimating.terms``).

The child exits when its tuning is done, so its memory is handed back at once; it is daemonic,
so a bot that stops does not wait for it. Only one child runs at a time. If a child cannot be
started or fails, the tuning runs here, as before.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess

from bot.scoping.engine import TuningStopped
from estimating import Engine, History, Knobs, PastItem, Tuned, tune
from estimating.regression import TextRegression
from estimating.retrieval import LexicalIndex
from estimating.tuning import loo_items
from knowledge.port import KnowledgeStore

log = logging.getLogger(__name__)

_ONE_AT_A_TIME = threading.Semaphore(1)  # two children would hold two copies of the fits
_LOCK = threading.Lock()
_RUNNING: set[BaseProcess] = set()  # the children running now (see stop_children)


@dataclass(frozen=True)
class Fitted:
    """What the child sends back: the tuning, and the final engine's fitted pieces."""

    tuned: Tuned
    lexical: LexicalIndex | None
    regressions: dict[float, TextRegression]


Searches = dict[str, dict[str, float]]  # a round's item id -> its search's similarities


def searches(
    store: KnowledgeStore,
    tenant: str,
    history: History,
    rounds: int,
    nearest: int,
    stopping: Callable[[], bool] = lambda: False,
) -> Searches:
    """The searches leave-one-out tuning makes, made here through the bot's store; raises
    :class:`TuningStopped` between two of them once ``stopping()`` says so."""
    found: Searches = {}
    for item in loo_items(history, rounds):
        if stopping():
            raise TuningStopped
        found[item.id] = dict(store.nearest(tenant, item.text, nearest))
    return found


def fit(
    items: Sequence[PastItem],
    params: Knobs,
    found: Mapping[str, Mapping[str, float]],
    rounds: int,
    nice: int = 0,
) -> Fitted:
    """The child's work (module level, so that ``spawn`` can find it)."""
    if nice:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(nice)
    history = History(list(items))

    def search(item: PastItem) -> Mapping[str, float]:
        return found.get(item.id, {})

    tuned = tune(history, params, semantic=search, fixed_k=params.k, protocol="loo", rounds=rounds)
    lexical, regressions = Engine(history, tuned.knobs, tuned.bands).fitted_parts()
    return Fitted(tuned, lexical, regressions)


def _child(
    results: Connection,
    items: Sequence[PastItem],
    params: Knobs,
    found: Mapping[str, Mapping[str, float]],
    rounds: int,
    nice: int,
) -> None:
    """The child process: :func:`fit`, its result (or its failure's name) sent back."""
    # Ctrl-C reaches the whole process group: the bot decides when its child ends (it ends
    # it when it stops), so the child does not take the interrupt as a failure of its own.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        results.send(("fitted", fit(items, params, found, rounds, nice)))
    except BaseException as problem:  # reported to the parent, which tunes itself instead
        results.send(("failed", type(problem).__name__))
    finally:
        results.close()


def _fit_in_child(
    history: History, params: Knobs, found: Searches, rounds: int, nice: int
) -> Fitted:
    context = multiprocessing.get_context("spawn")
    received, sending = context.Pipe(duplex=False)
    # Daemonic: a bot that stops while a tuning runs ends the child too, without waiting.
    child = context.Process(
        target=_child,
        args=(sending, history.items, params, found, rounds, nice),
        name="atelier-tuning",
        daemon=True,
    )
    child.start()
    sending.close()  # the child's end: EOF here once the child is gone
    with _LOCK:
        _RUNNING.add(child)
    try:
        kind, value = received.recv()  # EOFError if the child died without an answer
    finally:
        with _LOCK:
            _RUNNING.discard(child)
        received.close()
        child.join(timeout=5)
        if child.is_alive():
            child.terminate()
    if kind != "fitted":
        raise RuntimeError(f"the tuning failed in the child process: {value}")
    return value


def stop_children() -> None:
    """End the tuning children still running (the bot is stopping)."""
    with _LOCK:
        running = list(_RUNNING)
    for child in running:
        child.terminate()


def tune_apart(
    history: History,
    params: Knobs,
    found: Searches,
    rounds: int,
    nice: int = 0,
    stopping: Callable[[], bool] = lambda: False,
) -> tuple[Engine, Tuned]:
    """``history``'s engine tuned in a child process on ``found`` (see :func:`searches`);
    in this process when no child can do it, unless ``stopping()`` (then
    :class:`TuningStopped`)."""
    with _ONE_AT_A_TIME:
        if stopping():
            raise TuningStopped
        try:
            fitted = _fit_in_child(history, params, found, rounds, nice)
        except Exception as problem:  # no child here (or it failed): tune in this process
            if stopping():  # ended on purpose: the bot is stopping
                raise TuningStopped from problem
            log.warning(
                "tuning in a child process failed (%s): tuning here", type(problem).__name__
            )
            fitted = fit(history.items, params, found, rounds)
    engine = Engine(
        history,
        fitted.tuned.knobs,
        fitted.tuned.bands,
        lexical=fitted.lexical,
        regressions=fitted.regressions,
    )
    return engine, fitted.tuned


__all__ = ["Fitted", "Searches", "fit", "searches", "stop_children", "tune_apart"]

"""A large history's tuning in a child process: scikit-learn, and the fits' memory, stay there.

Tuning fits a TF-IDF index and ridge regressions for every candidate set of knobs. Importing
scikit-learn (with the parts of SciPy it brings) adds about 76 MB to a process for good, and
the folds' temporaries peak at another 100 MB or so on 10k projects. A serving bot tunes its
large histories (see ``calibration.BACKGROUND_FROM``) in a short-lived child process instead:

1. here, the leave-one-out rounds' searches through the bot's own store (the child has no store);
2. in the child, ``python -m estimating.apart``, which imports the estimating package and
   nothing of the bot (a ``multiprocessing`` child would import the bot's whole command line
   first, about 70 MB): :func:`estimating.tune` with those searches, then the final engine's
   fitted pieces (:meth:`estimating.Engine.fitted_parts`), sent back pickled;
3. here again, the engine over the same history with those pieces, which need no scikit-learn
   (``estimating.terms``).

The child exits when its tuning is done, so its memory is handed back at once; a bot that stops
ends it (:func:`stop_children`), and on Linux it ends with the bot however the bot ends. Only
one child runs at a time. Where no child process can be started, or it cannot run its module,
the tuning runs here, as before; a child whose fit fails, or that is killed, is not redone here
(the band in use stays).
"""

from __future__ import annotations

import logging
import os
import pickle
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import estimating
from bot.scoping.engine import Searches, TuningStopped, never, searches
from estimating import Engine, History, Knobs, Tuned
from estimating.apart import Fitted, Job, fit

log = logging.getLogger(__name__)

_ONE_AT_A_TIME = threading.Semaphore(1)  # two children would hold two copies of the fits
_LOCK = threading.Lock()
_RUNNING: set[subprocess.Popen[bytes]] = set()  # the children running now (see stop_children)
CHILD_MODULE = "estimating.apart"  # what the child runs (python -m)


class ChildUnavailable(Exception):
    """The tuning process started but could not run its module."""


# Where the estimating package is found: the child must find it wherever it was started from.
_PACKAGE_ROOT = str(Path(estimating.__file__).resolve().parent.parent)


def _child_environment() -> dict[str, str]:
    environment = dict(os.environ)
    paths = [_PACKAGE_ROOT, *filter(None, environment.get("PYTHONPATH", "").split(os.pathsep))]
    environment["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(paths))
    return environment


def _fit_in_child(job: Job, stopping: Callable[[], bool]) -> Fitted:
    child = subprocess.Popen(
        [sys.executable, "-m", CHILD_MODULE, str(os.getpid())],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        env=_child_environment(),
    )
    with _LOCK:
        _RUNNING.add(child)
    if stopping():  # asked for while it started: stop_children may have missed it
        child.terminate()
    try:
        # An ended child (the bot stopping, or the system) leaves no complete answer here.
        answer, _ = child.communicate(pickle.dumps(job, protocol=pickle.HIGHEST_PROTOCOL))
    finally:
        with _LOCK:
            _RUNNING.discard(child)
        if child.poll() is None:
            child.kill()
            child.wait()
    if child.returncode > 0 and not answer:  # it could not run (e.g. not importable here)
        raise ChildUnavailable(f"the tuning process could not run (status {child.returncode})")
    if child.returncode != 0 or not answer:  # ended by a signal: the memory killer, a stop
        raise RuntimeError(f"the tuning process ended with status {child.returncode}")
    kind, value = pickle.loads(answer)
    if kind != "fitted":
        raise RuntimeError(f"the tuning failed in the child process: {value}")
    return value


def running_children() -> list[int]:
    """Process ids of the tuning children running now."""
    with _LOCK:
        return [child.pid for child in _RUNNING]


def stop_children() -> None:
    """End the tuning children still running (the bot is stopping)."""
    with _LOCK:
        running = list(_RUNNING)
    for child in running:
        if child.poll() is None:
            child.terminate()


def tune_apart(
    history: History,
    params: Knobs,
    found: Searches,
    rounds: int,
    nice: int = 0,
    stopping: Callable[[], bool] = never,
) -> tuple[Engine, Tuned]:
    """``history``'s engine tuned in a child process on ``found`` (see :func:`searches`);
    in this process when no child can do it, unless ``stopping()`` (then
    :class:`TuningStopped`)."""
    with _ONE_AT_A_TIME:
        if stopping():
            raise TuningStopped
        # The items for the child only: the serving history keeps its columns, not 50k items.
        items = history.item_range(0, len(history))
        job = Job(items, params, found, rounds, nice)
        try:
            fitted = _fit_in_child(job, stopping)
        except (OSError, ChildUnavailable) as problem:  # no child can run here: tune here
            log.warning("no tuning process (%s): tuning here", type(problem).__name__)
            fitted = fit(Job(items, params, found, rounds))
        except Exception as problem:
            if stopping():  # ended on purpose: the bot is stopping
                raise TuningStopped from problem
            # A child that died (the system's memory killer) or failed is not redone here:
            # the same fit would then load this process instead. The caller keeps the band
            # it has, and the next change of the history tunes again.
            raise
    engine = Engine(
        history,
        fitted.tuned.knobs,
        fitted.tuned.bands,
        lexical=fitted.lexical,
        regressions=fitted.regressions,
    )
    return engine, fitted.tuned


__all__ = ["Searches", "running_children", "searches", "stop_children", "tune_apart"]

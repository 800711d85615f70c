"""Tuning a history in a process of its own: ``python -m estimating.apart [PARENT_PID]``.

The process reads one pickled :class:`Job` on stdin and writes one pickled answer on stdout:
``("fitted", Fitted)`` or ``("failed", the error's name)``. It imports only this package
(numpy, SciPy's sparse matrices, and scikit-learn for the fits), not the program that started
it, so it stays as small as the fits allow; it exits when the job is done.

Leave-one-out tuning over items without embeddings needs each left-out item's similarities to
the others; the caller makes those searches (it has the store) and sends them with the job.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import pickle
import signal
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from estimating.engine import Engine, Knobs
from estimating.items import History, PastItem
from estimating.regression import TextRegression
from estimating.retrieval import LexicalIndex
from estimating.tuning import Tuned, tune


@dataclass(frozen=True)
class Job:
    items: Sequence[PastItem]  # oldest first, as the caller's history holds them
    params: Knobs
    found: Mapping[str, Mapping[str, float]]  # a left-out item's id -> its similarities
    rounds: int  # leave-one-out rounds (the newest items)
    nice: int = 0  # added to the process's niceness (0: as started)


@dataclass(frozen=True)
class Fitted:
    """The tuning, and the pieces the tuned engine's estimates read, fitted."""

    tuned: Tuned
    lexical: LexicalIndex | None
    regressions: dict[float, TextRegression]


def fit(job: Job) -> Fitted:
    """Tune ``job``'s history leave-one-out on its searches, then fit what the chosen knobs
    read (:meth:`Engine.fitted_parts`)."""
    history = History(list(job.items))
    found = job.found

    def search(item: PastItem) -> Mapping[str, float]:
        return found.get(item.id, {})

    tuned = tune(
        history,
        job.params,
        semantic=search,
        fixed_k=job.params.k,
        protocol="loo",
        rounds=job.rounds,
    )
    lexical, regressions = Engine(history, tuned.knobs, tuned.bands).fitted_parts()
    return Fitted(tuned, lexical, regressions)


def _end_with_parent() -> None:
    """On Linux, be sent SIGTERM when the process that started this one ends, however it ends
    (a killed bot would otherwise leave its tuning running)."""
    if not sys.platform.startswith("linux"):
        return
    with contextlib.suppress(OSError, AttributeError, ValueError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
        # The caller names itself: if it ended before the request took effect, so does this.
        if len(sys.argv) > 1 and os.getppid() != int(sys.argv[1]):
            sys.exit(0)


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def main() -> None:
    # Ctrl-C reaches the whole process group: the caller decides when this process ends.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _end_with_parent()
    job: Job = pickle.load(sys.stdin.buffer)
    if job.nice:
        with contextlib.suppress(OSError, AttributeError):
            os.nice(job.nice)
    try:
        answer: tuple[str, object] = ("fitted", fit(job))
    except Exception as problem:  # reported to the caller, which may tune itself instead
        answer = ("failed", type(problem).__name__)
    pickle.dump(answer, sys.stdout.buffer, protocol=pickle.HIGHEST_PROTOCOL)
    sys.stdout.buffer.flush()


if __name__ == "__main__":
    # Run as the package's module, not as ``__main__``: what is pickled back must name
    # ``estimating.apart.Fitted`` for the caller to read it.
    from estimating.apart import main as run

    run()

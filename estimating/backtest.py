"""Backtests: how good are the engine's estimates on a history it has not seen?

* :func:`time_split`: items in time order, the first ``train_fraction`` is history and each
  later item is estimated from that history only; the knobs and bands are tuned on the
  history alone (:mod:`estimating.tuning`), never on the scored items.
* :func:`leave_one_out`: each item estimated from all the others (a small portfolio has no
  time to split), with the knobs given.

Both report MAE, median absolute error, P10–P90 coverage, mean width and mean P90/P10, and the
MAE of the baselines on the same items: the history's mean and median and, when items carry a
guess, the raw guess.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypedDict

import numpy as np

from estimating.bands import WIDE, inside
from estimating.engine import Engine, Estimate, Knobs
from estimating.items import History, PastItem
from estimating.tuning import SemanticSearch, Tuned, loo_fold, query_of, tune

MIN_ROWS = 10


class BacktestError(ValueError):
    """Bad input for a backtest; the message is meant for the user."""


@dataclass(frozen=True)
class BacktestResult:
    """Accuracy of one backtest; :meth:`metrics` has the published keys."""

    mae: float
    mdae: float
    coverage_80: float
    width_80: float
    band_ratio: float  # mean P90 / P10
    wide_share: float  # share of estimates with P90 / P10 above 8
    n: int
    baseline_mean_mae: float
    baseline_median_mae: float
    guess_mae: float | None = None  # the raw guess, on the items that have one
    tuned: Tuned = field(default_factory=lambda: Tuned(Knobs()))
    seconds_per_estimate: float = 0.0  # the estimates alone, tuning excluded
    tuning_seconds: float = 0.0

    @property
    def knobs(self) -> Knobs:
        return self.tuned.knobs

    def metrics(self) -> dict[str, float | int | None]:
        """The headline numbers, keyed exactly as ``atelier eval --json`` prints them."""
        return {
            "mae": self.mae,
            "mdae": self.mdae,
            "coverage_80": self.coverage_80,
            "width_80": self.width_80,
            "band_ratio": self.band_ratio,
            "wide_share": self.wide_share,
            "n": self.n,
            "baseline_mean_mae": self.baseline_mean_mae,
            "baseline_median_mae": self.baseline_median_mae,
            "guess_mae": self.guess_mae,
        }


class Scores(TypedDict):
    """The figures of one backtest (a plain dict at run time)."""

    mae: float
    mdae: float
    coverage_80: float
    width_80: float
    band_ratio: float
    wide_share: float
    guess_mae: float | None  # None when no estimate had a guess


def score(
    estimates: Sequence[Estimate],
    outcomes: np.ndarray,
    history: np.ndarray,
    guesses: np.ndarray,
) -> Scores:
    points = np.asarray([e.point for e in estimates])
    lows = np.asarray([e.p10 for e in estimates])
    highs = np.asarray([e.p90 for e in estimates])
    errors = np.abs(points - outcomes)
    covered = inside(outcomes, lows, highs)  # closed, as the bands were calibrated
    # P90 / P10 with P10 floored at the smallest positive outcome seen (a 0 would be infinite).
    positive = history[history > 0]
    floor = float(positive.min()) if positive.size else 1.0
    ratios = highs / np.maximum(lows, floor)
    has_guess = np.isfinite(guesses)
    return {
        "mae": float(errors.mean()),
        "mdae": float(np.median(errors)),
        "coverage_80": float(covered.mean()),
        "width_80": float((highs - lows).mean()),
        "band_ratio": float(ratios.mean()),
        "wide_share": float((ratios > WIDE).mean()),
        "guess_mae": (
            float(np.abs(guesses[has_guess] - outcomes[has_guess]).mean())
            if has_guess.any()
            else None
        ),
    }


def _result(
    estimates: Sequence[Estimate],
    outcomes: np.ndarray,
    history: np.ndarray,
    guesses: np.ndarray,
    baselines: tuple[np.ndarray, np.ndarray],
    tuned: Tuned,
    seconds: float,
) -> BacktestResult:
    numbers = score(estimates, outcomes, history, guesses)
    return BacktestResult(
        mae=numbers["mae"],
        mdae=numbers["mdae"],
        coverage_80=numbers["coverage_80"],
        width_80=numbers["width_80"],
        band_ratio=numbers["band_ratio"],
        wide_share=numbers["wide_share"],
        n=len(estimates),
        baseline_mean_mae=float(np.abs(baselines[0] - outcomes).mean()),
        baseline_median_mae=float(np.abs(baselines[1] - outcomes).mean()),
        guess_mae=numbers["guess_mae"],
        tuned=tuned,
        seconds_per_estimate=seconds / max(len(estimates), 1),
        tuning_seconds=tuned.seconds,
    )


def time_split(
    items: Sequence[PastItem],
    train_fraction: float = 0.8,
    *,
    use_guess: bool = False,
    k: int | None = None,
) -> BacktestResult:
    """The first ``train_fraction`` of ``items`` (in time order) predicts the rest."""
    if not 0.0 < train_fraction < 1.0:
        raise BacktestError("--train-fraction must be between 0 and 1 (e.g. 0.8)")
    if k is not None and k < 1:
        raise BacktestError("--k must be at least 1")
    everything = History(items)
    n = len(everything)
    cut = int(n * train_fraction)
    if cut < MIN_ROWS or n - cut < 1:
        raise BacktestError(
            f"need at least {MIN_ROWS} history rows and one row to estimate; "
            f"got {cut} and {n - cut} (rows with a number in the target column: {n})"
        )
    history = everything.prefix(cut)
    scored = everything.items[cut:]
    tuned = tune(history, Knobs(k=k) if k else None, fixed_k=k)
    engine = Engine(history, tuned.knobs, tuned.bands)
    started = time.perf_counter()
    estimates = engine.estimate_many([query_of(item, use_guess) for item in scored])
    seconds = time.perf_counter() - started
    outcomes = np.asarray([item.actual for item in scored], dtype=float)
    guesses = np.asarray(
        [item.guess if use_guess and item.guess else math.nan for item in scored], dtype=float
    )
    past = history.actual
    baselines = (np.full(len(scored), past.mean()), np.full(len(scored), np.median(past)))
    return _result(estimates, outcomes, past, guesses, baselines, tuned, seconds)


def leave_one_out(
    items: Sequence[PastItem],
    knobs: Knobs | None = None,
    *,
    semantic: SemanticSearch | None = None,
    use_guess: bool = False,
    tuned: Tuned | None = None,
) -> BacktestResult:
    """Each item estimated from all the others, with ``tuned`` (or plain ``knobs``) settings.

    ``semantic`` gives items without embeddings their similarities (a store's search).
    """
    history = History(items)
    if len(history) < 2:
        raise BacktestError(
            "need at least two closed projects with actual hours to backtest "
            f"(found {len(history)}); close projects or run /projects import"
        )
    tuned = tuned or Tuned(knobs or Knobs())
    started = time.perf_counter()
    fold = loo_fold(history, len(history), semantic)
    engine = Engine(history, tuned.knobs, tuned.bands, lexical=fold.engine.lexical)
    if not use_guess:
        fold.evidence.guesses[:] = math.nan
    estimates = engine.finish(fold.evidence, engine.predict(fold.evidence))
    seconds = time.perf_counter() - started
    outcomes = fold.outcomes
    totals = outcomes.sum()
    others_mean = (totals - outcomes) / (len(outcomes) - 1)
    others_median = np.asarray([np.median(np.delete(outcomes, i)) for i in range(len(outcomes))])
    guesses = fold.evidence.guesses.copy()
    return _result(
        estimates, outcomes, history.actual, guesses, (others_mean, others_median), tuned, seconds
    )

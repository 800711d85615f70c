"""The knobs of each history, chosen on that history alone, and its calibrated bands.

Protocol by size: a long history is split in time (the older three quarters predict the newest
quarter, as the next items will be predicted from all of it); a short one is scored
leave-one-out (each of its newest items estimated from all the others). Knobs are searched in
stages (retrieval fusion, then analogues and shrinkage, then the regression's share, then the
guess model), each on the same held-out estimates, lowest MAE winning and ties keeping the
simpler, more shrunk setting. The bands are then calibrated on held-out estimates of the final
knobs (four rolling windows of the history, or the leave-one-out rounds).

:class:`TuningCache` keeps the result per history fingerprint, so it is recomputed only when
the history changes.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from estimating.bands import Band, calibrate
from estimating.engine import Engine, Evidence, Knobs
from estimating.items import History, PastItem, Query

Protocol = Literal["time", "loo"]
# Item text -> semantic similarity to the history's items by id, when items carry no embedding
# (a store's search). It may include the item itself; leave-one-out drops it.
SemanticSearch = Callable[[PastItem], Mapping[str, float]]

TIME_SPLIT_MIN = 200  # items; fewer are scored leave-one-out
TUNE_MIN = 30  # items; fewer keep the caller's knobs (too little to choose between them)
LOO_ROUNDS = 200  # newest items left out in turn at most
VALIDATION_WINDOW = (0.75, 1.0)
CALIBRATION_WINDOWS = ((0.4, 0.55), (0.55, 0.7), (0.7, 0.85), (0.85, 1.0))

GRID_FUSION_LEXICAL = (0.0, 0.25, 0.5, 0.75, 1.0)
GRID_METADATA = (0.0, 0.5, 0.9)
GRID_K = (5, 10, 20, 40)
GRID_PRIOR_STRENGTH = (4.0, 2.0, 1.0, 0.5, 0.25)  # most shrinkage first: it wins ties
GRID_SIMILARITY_POWER = (1.0, 3.0)
GRID_HALF_LIFE = (0.0, 100.0, 300.0)
GRID_RIDGE_PENALTY = (1.0, 3.0, 10.0, 30.0)
GRID_REGRESSION_SHARE = (0.25, 0.5, 0.75, 1.0)
GRID_GUESS_K = (10, 30)
GRID_GUESS_WIDTH = (0.35, 0.7, 1.5)
GRID_GUESS_STRENGTH = (2.0, 0.5)
GRID_HISTORY_SHARE = (0.0, 0.25, 0.5)


@dataclass(frozen=True)
class Tuned:
    """What tuning chose for one history."""

    knobs: Knobs
    bands: dict[str, Band] = field(default_factory=dict)
    protocol: Protocol | None = None  # None: too short to tune or calibrate
    validation_mae: float = float("nan")
    seconds: float = 0.0


def query_of(item: PastItem, with_guess: bool) -> Query:
    return Query(
        text=item.text,
        guess=item.guess if with_guess else None,
        type=item.type,
        tags=item.tags,
        category=item.category,
        embedding=item.embedding,
    )


@dataclass
class Fold:
    """Held-out estimates: ``engine``'s history predicts ``evidence``'s queries."""

    engine: Engine
    evidence: Evidence
    outcomes: np.ndarray
    raw_guesses: np.ndarray


def _fold(
    history: History, items: Sequence[PastItem], excluded: Sequence[int] | None, semantic
) -> Fold:
    engine = Engine(history)
    queries = [query_of(item, True) for item in items]
    if semantic is not None and history.embeddings is None:
        queries = [
            replace(q, semantic=semantic(item)) for q, item in zip(queries, items, strict=True)
        ]
    evidence = engine.evidence(queries, excluded)
    outcomes = np.asarray([item.actual for item in items], dtype=float)
    guesses = np.asarray([q.guess if q.guess else np.nan for q in queries], dtype=float)
    return Fold(engine, evidence, outcomes, guesses)


def time_folds(
    history: History, windows: Sequence[tuple[float, float]], semantic=None
) -> list[Fold]:
    n = len(history)
    folds = []
    for start, stop in windows:
        cut, end = max(int(n * start), 1), int(n * stop)
        if end > cut:
            folds.append(_fold(history.prefix(cut), history.items[cut:end], None, semantic))
    return folds


def loo_fold(history: History, rounds: int = LOO_ROUNDS, semantic=None) -> Fold:
    start = max(len(history) - rounds, 0)
    indices = list(range(start, len(history)))
    return _fold(history, [history.items[i] for i in indices], indices, semantic)


def _mae(folds: Sequence[Fold], knobs: Knobs, guess: bool = False) -> float:
    errors = []
    for fold in folds:
        batch = fold.engine.predict(fold.evidence, knobs, with_guess=guess)
        if guess:
            keep = batch.guessed
            errors.append(np.abs(batch.point[keep] - fold.outcomes[keep]))
        else:
            errors.append(np.abs(batch.history_point - fold.outcomes))
    joined = np.concatenate(errors) if errors else np.empty(0)
    return float(joined.mean()) if joined.size else float("inf")


def _best(folds: Sequence[Fold], candidates: Sequence[Knobs], guess: bool = False):
    best_mae, best = float("inf"), candidates[0]
    for knobs in candidates:
        mae = _mae(folds, knobs, guess)
        if mae < best_mae - 1e-9:
            best_mae, best = mae, knobs
    return best, best_mae


def choose_knobs(
    folds: Sequence[Fold], base: Knobs, fixed_k: int | None = None
) -> tuple[Knobs, float]:
    """Stage by stage, the knobs with the lowest held-out MAE (see the module docstring)."""
    evidence = folds[0].evidence
    has_semantic = evidence.semantic is not None
    has_metadata = evidence.metadata is not None
    lexical = GRID_FUSION_LEXICAL if has_semantic else (1.0,)
    metadata = GRID_METADATA if has_metadata else (0.0,)
    ks = (fixed_k,) if fixed_k else GRID_K

    def fusion(knobs: Knobs) -> Knobs:
        return _best(
            folds,
            [
                replace(knobs, lexical_weight=w, metadata_weight=m)
                for m, w in itertools.product(metadata, lexical)
            ],
        )[0]

    knobs = fusion(replace(base, k=ks[0] if fixed_k else 10))
    knobs, _ = _best(
        folds,
        [
            replace(knobs, k=k, prior_strength=s, similarity_power=p, half_life=h)
            for k, s, p, h in itertools.product(
                ks, GRID_PRIOR_STRENGTH, GRID_SIMILARITY_POWER, GRID_HALF_LIFE
            )
        ],
    )
    knobs = fusion(knobs)
    knobs, mae = _best(
        folds,
        [knobs]
        + [
            replace(knobs, regression_share=b, ridge_penalty=p)
            for p, b in itertools.product(GRID_RIDGE_PENALTY, GRID_REGRESSION_SHARE)
        ],
    )
    return knobs, mae


def choose_guess_knobs(folds: Sequence[Fold], knobs: Knobs) -> Knobs:
    if not any(np.isfinite(f.raw_guesses).any() and f.engine.history.has_guesses for f in folds):
        return knobs
    return _best(
        folds,
        [
            replace(knobs, guess_k=k, guess_width=w, guess_strength=s, history_share=h)
            for h, s, k, w in itertools.product(
                GRID_HISTORY_SHARE, GRID_GUESS_STRENGTH, GRID_GUESS_K, GRID_GUESS_WIDTH
            )
        ],
        guess=True,
    )[0]


def calibrate_bands(folds: Sequence[Fold], knobs: Knobs) -> dict[str, Band]:
    """Bands for history-only and guess estimates from the folds' held-out errors."""
    history_points, guess_points, outcomes, guess_outcomes = [], [], [], []
    spreads, guess_spreads = [], []
    for fold in folds:
        batch = fold.engine.predict(fold.evidence, knobs)
        history_points.append(batch.history_point)
        spreads.append(batch.spread)
        outcomes.append(fold.outcomes)
        guess_points.append(batch.point[batch.guessed])
        guess_spreads.append(batch.guess_spread[batch.guessed])
        guess_outcomes.append(fold.outcomes[batch.guessed])
    bands: dict[str, Band] = {}
    band = calibrate(
        np.concatenate(history_points), np.concatenate(outcomes), np.concatenate(spreads)
    )
    if band is not None:
        bands["history"] = band
    guess_band = calibrate(
        np.concatenate(guess_points),
        np.concatenate(guess_outcomes),
        np.concatenate(guess_spreads),
    )
    if guess_band is not None:
        bands["guess"] = guess_band
    return bands


def tune(
    history: History,
    base: Knobs | None = None,
    *,
    semantic: SemanticSearch | None = None,
    fixed_k: int | None = None,
) -> Tuned:
    """Knobs and bands for ``history`` from its own held-out estimates only."""
    started = time.perf_counter()
    base = base or Knobs()
    n = len(history)
    if n < 10:
        return Tuned(base)
    if n >= TIME_SPLIT_MIN:
        protocol: Protocol = "time"
        validation = time_folds(history, (VALIDATION_WINDOW,), semantic)
    else:
        protocol = "loo"
        validation = [loo_fold(history, LOO_ROUNDS, semantic)]
    knobs, mae = base, float("nan")
    if n >= TUNE_MIN:
        knobs, mae = choose_knobs(validation, base, fixed_k)
        knobs = choose_guess_knobs(validation, knobs)
    calibration = (
        time_folds(history, CALIBRATION_WINDOWS, semantic) if protocol == "time" else validation
    )
    bands = calibrate_bands(calibration, knobs)
    return Tuned(knobs, bands, protocol, mae, time.perf_counter() - started)


class TuningCache:
    """Tuned knobs per history fingerprint (least recently used dropped beyond ``size``)."""

    def __init__(self, size: int = 32) -> None:
        self.size = size
        self._entries: OrderedDict[tuple[object, ...], Tuned] = OrderedDict()
        self._lock = threading.Lock()
        self._key_locks: dict[tuple[object, ...], threading.Lock] = {}

    def get(
        self,
        history: History,
        base: Knobs | None = None,
        *,
        semantic: SemanticSearch | None = None,
        tag: object = None,
    ) -> Tuned:
        """The cached tuning of ``history`` (computed once, even by concurrent callers)."""
        key = (history.fingerprint, base, tag)
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                return found
            key_lock = self._key_locks.setdefault(key, threading.Lock())
        with key_lock:
            with self._lock:
                found = self._entries.get(key)
            if found is None:
                found = tune(history, base, semantic=semantic)
            with self._lock:
                self._entries[key] = found
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
                self._key_locks.pop(key, None)
            return found

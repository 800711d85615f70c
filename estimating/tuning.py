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
import math
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np

from estimating.bands import MAX_BUCKETS, Band, calibrate, calibrate_mixture, coverage
from estimating.engine import Engine, Evidence, Knobs
from estimating.items import History, PastItem, Query
from estimating.quantiles import RowQuantiles

Protocol = Literal["time", "loo"]
# Item text -> semantic similarity to the history's items by id, when items carry no embedding
# (a store's search). It may include the item itself; leave-one-out drops it.
SemanticSearch = Callable[[PastItem], Mapping[str, float]]

TIME_SPLIT_MIN = 200  # items; fewer are scored leave-one-out
TUNE_MIN = 30  # items; fewer keep the caller's knobs (too little to choose between them)
LOO_ROUNDS = 200  # newest items left out in turn at most
VALIDATION_WINDOWS = ((0.75, 1.0),)
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
# The guess said as is where similar guesses were exactly right this often (0: never; the
# first wins ties). 0.2 as well lost on one history's checks (bench/README.md).
GRID_EXACT_SHARE = (0.0, 0.5, 0.4, 0.3, 0.25)
BAND_KINDS = ("residual", "mixture")
# Recency weighting of the band's calibration cases (half-life in held-out estimates, 0: none),
# chosen per history by a rolling check on its own newest windows; the first wins ties. Measured
# with (0, 50, 100, 200) and not adopted: no closer to 80% on the histories' own newest windows
# (bench/README.md), so only the unweighted band is tried.
GRID_BAND_HALF_LIFE: tuple[float, ...] = (0.0,)
TRIED_BAND_HALF_LIFE = (0.0, 50.0, 100.0, 200.0)
HALF_LIFE_CHECKS = 2  # newest calibration windows each checked against the older ones
LOO_WINDOWS = 4  # leave-one-out rounds (one fold) are cut into this many windows by age
DISCRETE_VALUES = 20  # distinct outcomes in a history up to which it is treated as discrete
# Size buckets of each mode's band (Mondrian by the point's size). A guess estimate's band
# pools every size, its errors measured relative to the job (log of shift + hours, the shift
# being the history's smallest positive outcome, so a half-hour task's error is relative too);
# it stays local to the job's size through its scale (the spread of actual/guess among
# analogues with similar guesses). Per-size buckets of a few dozen guess estimates each carried
# their own bias, which did not hold in the next window; pooled log1p errors gave small jobs
# bands from the big ones' (the histories' own rolling checks, bench/README.md).
BAND_BUCKETS = {"history": MAX_BUCKETS, "guess": 1}
RELATIVE_ERRORS = {"history": False, "guess": True}


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


def loo_items(history: History, rounds: int = LOO_ROUNDS) -> list[PastItem]:
    """The items leave-one-out tuning leaves out in turn (the newest ``rounds``): the only
    ones it searches for."""
    return list(history.item_range(max(len(history) - rounds, 0), len(history)))


def loo_fold(history: History, rounds: int = LOO_ROUNDS, semantic=None) -> Fold:
    start = max(len(history) - rounds, 0)
    indices = list(range(start, len(history)))
    return _fold(history, list(history.item_range(start, len(history))), indices, semantic)


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
    """The candidate with the lowest held-out MAE (on a tie, the first: the simpler one)."""
    best_mae, best = float("inf"), candidates[0]
    for knobs in candidates:
        mae = _mae(folds, knobs, guess)
        if mae < best_mae - 1e-9:
            best_mae, best = mae, knobs
    return best, best_mae


def choose_knobs(
    folds: Sequence[Fold], base: Knobs, fixed_k: int | None = None, regression: bool = True
) -> tuple[Knobs, float]:
    """Stage by stage, the knobs with the lowest held-out MAE (see the module docstring).

    ``regression=False`` keeps the text regression out (a short history: a word-level model
    fitted on a few dozen items explains its own rounds too well, and its bands came out far
    narrower than an unfamiliar brief deserves).
    """
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
    if not regression:
        return _best(folds, [knobs])
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
    knobs = _best(
        folds,
        [
            replace(knobs, guess_k=k, guess_width=w, guess_strength=s, history_share=h)
            for h, s, k, w in itertools.product(
                GRID_HISTORY_SHARE, GRID_GUESS_STRENGTH, GRID_GUESS_K, GRID_GUESS_WIDTH
            )
        ],
        guess=True,
    )[0]
    # Then how often similar guesses must have been exactly right for the guess to stand.
    return _best(folds, [replace(knobs, exact_share=e) for e in GRID_EXACT_SHARE], guess=True)[0]


@dataclass
class HeldOut:
    """Held-out estimates of one mode (history-only or guess), oldest first."""

    points: np.ndarray
    outcomes: np.ndarray
    spreads: np.ndarray
    distributions: RowQuantiles
    newest: np.ndarray  # bool: the newest part, where the band kinds are compared
    window: np.ndarray  # int: the calibration window (time order) each estimate belongs to
    # The estimates' points when their bands are centred on ``points`` and stretched to hold
    # them (the guess said as is); None: every band is centred on its point.
    anchors: np.ndarray | None = None

    def part(self, rows: np.ndarray) -> HeldOut:
        return HeldOut(
            self.points[rows],
            self.outcomes[rows],
            self.spreads[rows],
            self.distributions.select(rows),
            self.newest[rows],
            self.window[rows],
            None if self.anchors is None else self.anchors[rows],
        )


def held_out(folds: Sequence[Fold], knobs: Knobs) -> dict[str, HeldOut]:
    """The folds' held-out estimates with ``knobs``, by mode."""
    parts: dict[str, list[tuple[np.ndarray, ...]]] = {"history": [], "guess": []}
    quantiles: dict[str, list[RowQuantiles]] = {"history": [], "guess": []}
    for number, fold in enumerate(folds):
        batch = fold.engine.predict(fold.evidence, knobs)
        rows = np.arange(batch.point.size)
        if len(folds) > 1:
            newest = np.full(rows.size, number == len(folds) - 1)
            window = np.full(rows.size, number)
        else:  # one fold (leave-one-out rounds, oldest first): its newest quarter
            newest = rows >= int(rows.size * 0.75)
            window = rows * LOO_WINDOWS // max(rows.size, 1)
        parts["history"].append(
            (batch.history_point, fold.outcomes, batch.spread, newest, window, batch.history_point)
        )
        quantiles["history"].append(batch.quantiles)
        g = batch.guessed
        if g.any() and batch.guess_quantiles is not None:
            parts["guess"].append(
                (
                    batch.centres[g],
                    fold.outcomes[g],
                    batch.guess_spread[g],
                    newest[g],
                    window[g],
                    batch.point[g],
                )
            )
            quantiles["guess"].append(batch.guess_quantiles)
    out = {}
    for mode, chunks in parts.items():
        if chunks:
            points, outcomes, spreads, newest, window, anchors = (
                np.concatenate(c) for c in zip(*chunks, strict=True)
            )
            out[mode] = HeldOut(
                points,
                outcomes,
                spreads,
                RowQuantiles.join(quantiles[mode]),
                newest,
                window,
                anchors,
            )
    return out


def _calibrated(
    kind: str,
    cases: HeldOut,
    half_life: float = 0.0,
    buckets: int = MAX_BUCKETS,
    relative: bool = False,
) -> Band | None:
    if kind == "mixture":
        return calibrate_mixture(
            cases.points,
            cases.outcomes,
            cases.distributions,
            max_buckets=buckets,
            half_life=half_life,
            anchors=cases.anchors,
        )
    shift = 1.0
    if relative:
        positive = cases.outcomes[cases.outcomes > 0]
        shift = float(positive.min()) if positive.size else 1.0
    return calibrate(
        cases.points,
        cases.outcomes,
        cases.spreads,
        max_buckets=buckets,
        half_life=half_life,
        shift=shift,
        anchors=cases.anchors,
    )


def _coverage_gap(band: Band, cases: HeldOut) -> float:
    """How far from 80% the band held ``cases``, each band stretched to its anchor as in use
    (and as it was calibrated)."""
    held = coverage(
        band, cases.points, cases.spreads, cases.distributions, cases.outcomes, cases.anchors
    )
    return abs(held - 0.8)


def choose_half_life(
    kind: str,
    cases: HeldOut,
    grid: Sequence[float] = GRID_BAND_HALF_LIFE,
    buckets: int = MAX_BUCKETS,
    relative: bool = False,
) -> float:
    """The recency half-life whose band, calibrated on the older windows, came closest to 80%
    on each of the newest ``HALF_LIFE_CHECKS`` windows in turn (summed gaps; ties: the first,
    no weighting). The history's own pseudo-future: the scored rows are never seen."""
    if len(grid) == 1:
        return grid[0]
    windows = np.unique(cases.window)
    checks = windows[1:][-HALF_LIFE_CHECKS:]
    splits = []
    for w in checks:
        older_rows = np.flatnonzero(cases.window < w)
        fresh_rows = np.flatnonzero(cases.window == w)
        if older_rows.size >= 8 and fresh_rows.size >= 8:
            splits.append((cases.part(older_rows), cases.part(fresh_rows)))
    if not splits:
        return grid[0]
    best, best_gap = grid[0], math.inf
    for half_life in grid:
        gap = 0.0
        for calibrating, checked in splits:
            band = _calibrated(kind, calibrating, half_life, buckets, relative)
            gap += math.inf if band is None else _coverage_gap(band, checked)
        if gap < best_gap - 1e-9:
            best, best_gap = half_life, gap
    return best


def band_kinds(outcomes: np.ndarray) -> tuple[str, ...]:
    """Discrete outcomes (story points: a handful of values) get the mixture band.

    With a few heavy values, a residual band's ends sit at the same values for every estimate
    of a size, so a small drift moves whole categories in or out at once (0.54 against 0.80 on
    one story-point history); each estimate's own mixture moves them one estimate at a time.
    Continuous outcomes (hours) keep the residual band, whose coverage the mixture misses when
    past ratios cluster on one value.
    """
    if np.unique(outcomes).size <= DISCRETE_VALUES:
        return ("mixture",)
    return ("residual",)


def choose_band(
    cases: HeldOut,
    kinds: Sequence[str] = BAND_KINDS,
    buckets: int = MAX_BUCKETS,
    relative: bool = False,
) -> Band | None:
    """The band kind that, calibrated on the older held-out estimates, came closest to 80% on
    the newest ones; then calibrated on all of them (in up to ``buckets`` size buckets, errors
    relative to the job with ``relative``). Ties keep the first kind."""
    older, newest = np.flatnonzero(~cases.newest), np.flatnonzero(cases.newest)
    best_kind, best_gap = kinds[0], math.inf
    if len(kinds) > 1 and older.size >= 8 and newest.size >= 8:
        for kind in kinds:
            band = _calibrated(kind, cases.part(older), buckets=buckets, relative=relative)
            if band is None:
                continue
            gap = _coverage_gap(band, cases.part(newest))
            if gap < best_gap - 1e-9:
                best_kind, best_gap = kind, gap
    half_life = choose_half_life(best_kind, cases, buckets=buckets, relative=relative)
    return _calibrated(best_kind, cases, half_life, buckets, relative)


def calibrate_bands(folds: Sequence[Fold], knobs: Knobs) -> dict[str, Band]:
    """Bands for history-only and guess estimates from the folds' held-out errors."""
    bands: dict[str, Band] = {}
    kinds = band_kinds(folds[0].engine.history.actual) if folds else BAND_KINDS
    for mode, cases in held_out(folds, knobs).items():
        band = choose_band(
            cases,
            kinds if mode == "history" else ("residual",),
            BAND_BUCKETS[mode],
            RELATIVE_ERRORS[mode],
        )
        if band is not None:
            bands[mode] = band
    return bands


def tune(
    history: History,
    base: Knobs | None = None,
    *,
    semantic: SemanticSearch | None = None,
    fixed_k: int | None = None,
    protocol: Protocol | None = None,
    rounds: int = LOO_ROUNDS,
) -> Tuned:
    """Knobs and bands for ``history`` from its own held-out estimates only.

    ``protocol`` forces leave-one-out (``"loo"``, over the newest ``rounds`` items: a
    store-backed history, where each round costs a search) or the time split; by default a
    history of ``TIME_SPLIT_MIN`` items or more is split in time.
    """
    started = time.perf_counter()
    base = base or Knobs()
    n = len(history)
    if n < 10:
        return Tuned(base)
    if protocol is None:
        protocol = "time" if n >= TIME_SPLIT_MIN else "loo"
    if protocol == "time":
        validation = time_folds(history, VALIDATION_WINDOWS, semantic)
    else:
        validation = [loo_fold(history, rounds, semantic)]
    knobs, mae = base, float("nan")
    if n >= TUNE_MIN:
        knobs, mae = choose_knobs(validation, base, fixed_k, regression=n >= TIME_SPLIT_MIN)
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
        **options: object,
    ) -> Tuned:
        """The cached tuning of ``history`` (computed once, even by concurrent callers).

        ``options`` go to :func:`tune` (``fixed_k``, ``protocol``, ``rounds``).
        """
        key = (history.fingerprint, base, tag, tuple(sorted(options.items())))
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
                # `options` are tune()'s keyword arguments (see above), passed on untyped.
                found = tune(history, base, semantic=semantic, **options)  # type: ignore[arg-type]
            with self._lock:
                self._entries[key] = found
                self._entries.move_to_end(key)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
                self._key_locks.pop(key, None)
            return found

"""The estimating engine: from a history of past items and a query to a point and a band.

For each query:

1. **Analogues.** Past items ranked by fused similarity (:mod:`estimating.retrieval`); the
   ``k`` closest whose gate similarity (semantic when there is one, else the fused one) reaches
   ``min_similarity`` are kept, weighted by ``similarity ** similarity_power``.
2. **Shrinkage.** They are mixed with the distribution of all past outcomes (optionally
   recency-weighted), which gets a pseudo-weight ``prior_strength`` against the analogues'
   total weight: few or weak analogues lean on the history's overall spread.
3. **Point.** The weighted median of that mixture, moved ``regression_share`` of the way to the
   ridge regression's estimate (:mod:`estimating.regression`) and snapped to an outcome that
   really occurred.
4. **The guess** ("I think 60h"), when there is one and the history has guesses: past items
   are weighted by similar work *and* a similar guess (a Gaussian kernel on log guess), their
   actual/guess ratios are mixed with all the history's ratios the same way as in step 2, and
   the guess times that median ratio is blended with the history-only point
   (``history_share``). Where the history says guesses of that size are often exactly right
   (the share of past tasks with a similar guess that took exactly their guess, under the
   same kernel and shrunk to the history-wide share, reaches ``exact_share``), the point is
   the guess itself: a ratio median a little off 1 only adds error when a third of such
   tasks land on the guess. The band stays the ratio model's, stretched to hold the guess.
5. **Band.** Read off the calibrated size buckets of :mod:`estimating.bands`; without a
   calibration, the mixture's P10/P90 (widened when confidence is low).

Everything is vectorised over queries: one call estimates one brief or a whole backtest.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from estimating.bands import WIDE, Band
from estimating.items import History, Query
from estimating.quantiles import RowQuantiles, grid_medians, grid_quantiles, nearest_observed
from estimating.regression import TextRegression
from estimating.retrieval import (
    LexicalIndex,
    fuse,
    metadata_overlap,
    semantic_similarities,
)

Confidence = Literal["high", "medium", "low"]
Mode = Literal["history", "guess"]
GUESS_ROWS_AT_ONCE = 16  # rows of a batch whose guess kernels are held at once
GUESS_SIMILARITY_FLOOR = 0.05  # an item with no words in common still counts for its guess
EXACT_PRIOR = 5.0  # pseudo-count of the history-wide exact-hit share behind a guess's own


class Guesses:
    """What the guess model reads of a history's guesses, the same for every query: worked
    out once per engine (an O(n) unique, unsorted search and log per brief otherwise, about
    a fifth of a guessed estimate's time at 10k items). Read-only arrays."""

    def __init__(self, history: History) -> None:
        self.has_guess = np.isfinite(history.guess)
        self.guess = np.where(self.has_guess, history.guess, 1.0)  # 1 where there is none
        self.log_guess = np.log(self.guess)
        ratios = np.where(self.has_guess, history.actual / self.guess, 0.0)
        self.grid = np.unique(ratios[self.has_guess])  # the actual/guess ratios that occurred
        self.grid_index = np.searchsorted(self.grid, ratios).clip(0, self.grid.size - 1)
        self.hit = self.has_guess & (
            np.abs(history.actual - self.guess) <= 1e-9 * np.maximum(self.guess, 1.0)
        )
        self.hit_weights = self.hit.astype(float)
        self.hits, self.cases = float(self.hit.sum()), float(self.has_guess.sum())
        for array in (self.has_guess, self.guess, self.log_guess, self.grid, self.grid_index):
            array.setflags(write=False)
        for array in (self.hit, self.hit_weights):
            array.setflags(write=False)


def exact_shares(
    history: History,
    closeness: np.ndarray,
    excluded: np.ndarray,
    guesses: Guesses | None = None,
) -> np.ndarray:
    """Per query, how often past tasks with a similar guess took exactly their guess.

    ``closeness`` (queries, items) is the kernel on log guess; the share is shrunk to the
    history-wide one with ``EXACT_PRIOR`` pseudo-cases. Every guessed item counts (not only
    the analogues a tag filter allows: this is about how the guesser guesses), except the
    query's own item when it is left out (``excluded``). ``guesses``: the history's
    :class:`Guesses` when the caller keeps them (else worked out).
    """
    table = guesses if guesses is not None else Guesses(history)
    has_guess, hit = table.has_guess, table.hit
    kernel = np.where(has_guess[None, :], closeness, 0.0)
    hits, cases = table.hits, table.cases
    own_hit, own_case = np.zeros(len(excluded)), np.zeros(len(excluded))
    left_out = np.flatnonzero(excluded >= 0)
    if left_out.size:
        kernel = kernel.copy()
        kernel[left_out, excluded[left_out]] = 0.0
        own_hit[left_out] = hit[excluded[left_out]]
        own_case[left_out] = has_guess[excluded[left_out]]
    overall = np.divide(
        hits - own_hit, cases - own_case, out=np.zeros(len(excluded)), where=cases > own_case
    )
    return (kernel @ table.hit_weights + EXACT_PRIOR * overall) / (kernel.sum(axis=1) + EXACT_PRIOR)


@dataclass(frozen=True)
class Knobs:
    """The engine's settings; :mod:`estimating.tuning` chooses them on each history."""

    k: int = 8
    similarity_power: float = 1.0
    prior_strength: float = 1.0
    half_life: float = 0.0  # in items; 0: every past item counts the same in the prior
    lexical_weight: float = 0.0  # share of lexical similarity when there is a semantic one
    metadata_weight: float = 0.0
    min_similarity: float = 0.0
    regression_share: float = 0.0
    ridge_penalty: float = 3.0
    snap: bool = True  # blended points move to an outcome that occurred
    guess_k: int = 20
    guess_width: float = 0.7  # kernel width on log(guess)
    guess_strength: float = 1.0
    history_share: float = 0.0  # share of the history-only point in a guess estimate
    exact_share: float = 0.0  # similar guesses exactly right this often: say the guess (0: off)
    low_confidence_widening: float = 1.25  # uncalibrated bands only
    high_min_analogues: int = 5
    high_min_similarity: float = 0.6
    medium_min_analogues: int = 3
    medium_min_similarity: float = 0.4


@dataclass(frozen=True)
class Estimate:
    """An effort range with the evidence behind it."""

    p10: float
    p50: float  # the point estimate (the figure quoted)
    p90: float
    point: float
    confidence: Confidence
    n_analogues: int
    mean_similarity: float
    shrinkage: float  # 0..1 weight given to the whole history's distribution
    method: str
    analogues: tuple[tuple[str, float], ...] = ()  # (id, fused similarity), closest first
    guess: float | None = None
    history_p10: float = 0.0  # the history-only range (without the guess)
    history_point: float = 0.0
    history_p90: float = 0.0
    band_calibrated_on: int = 0  # held-out estimates the band was calibrated on (0: none)

    @property
    def spread(self) -> float:
        """P90 / P10 (infinite when P10 is 0)."""
        return self.p90 / self.p10 if self.p10 > 0 else math.inf

    @property
    def wide(self) -> bool:
        """Honest but too wide to quote as is (P90 / P10 above 8): ask questions first."""
        return self.spread > WIDE

    @property
    def guess_position(self) -> str | None:
        """Where the guess sits against the history-only range: below, within or above."""
        if self.guess is None:
            return None
        if self.guess < self.history_p10:
            return "below"
        if self.guess > self.history_p90:
            return "above"
        return "within"


@dataclass
class Evidence:
    """Similarities of a batch of queries to a history: computed once, reused by every knob.

    The lexical similarities are computed on first use: with a semantic similarity and a
    lexical weight of 0 the fused similarity is the semantic one, so an engine whose knobs
    never weigh words (the untuned engine of a large history's first answer) never needs
    its TF-IDF index.
    """

    semantic: np.ndarray | None
    metadata: np.ndarray | None
    blocked: np.ndarray | None  # (rows, n) True where an item may not be an analogue
    excluded: np.ndarray  # (rows,) index of the item left out of the history, or -1
    guesses: np.ndarray  # (rows,) nan without a guess
    texts: list[str]
    queries: Sequence[Query]
    lexical_source: Callable[[], np.ndarray] | None = field(default=None, repr=False)
    _lexical: np.ndarray | None = field(default=None, repr=False)
    _ranked: dict[tuple[float, float], tuple[np.ndarray, np.ndarray]] = field(default_factory=dict)
    _regression: dict[float, np.ndarray] = field(default_factory=dict)
    _width: int = field(default=0, repr=False)  # items the last fusion ranked

    @property
    def lexical(self) -> np.ndarray:
        """(rows, n) lexical similarities."""
        if self._lexical is None:
            assert self.lexical_source is not None, "evidence built without lexical similarities"
            self._lexical = self.lexical_source()
        return self._lexical

    def lexical_for(self, lexical_weight: float) -> np.ndarray | None:
        """The lexical similarities a fusion with ``lexical_weight`` reads (None: it reads
        none, see :func:`estimating.retrieval.fuse`)."""
        if self.semantic is not None and lexical_weight == 0:
            return None
        return self.lexical

    def ranked(self, lexical_weight: float, metadata_weight: float, depth: int):
        """(indices, similarities) of the ``depth`` best items per row by fused similarity."""
        key = (lexical_weight, metadata_weight)
        found = self._ranked.get(key)
        # Deep enough when it holds ``depth`` items or every item (``_width``): the width is
        # remembered so that asking again never builds a TF-IDF index the fusion did not read.
        if found is None or found[0].shape[1] < min(depth, self._width):
            fused = fuse(
                self.lexical_for(lexical_weight),
                self.semantic,
                self.metadata,
                lexical_weight,
                metadata_weight,
            ).astype(float)
            if self.blocked is not None:
                fused = np.where(self.blocked, -np.inf, fused)
            rows = np.arange(fused.shape[0])
            has = self.excluded >= 0
            fused[rows[has], self.excluded[has]] = -np.inf
            self._width = fused.shape[1]
            depth = min(max(depth, 1), fused.shape[1])
            top = np.argpartition(-fused, depth - 1, axis=1)[:, :depth]
            order = np.argsort(-np.take_along_axis(fused, top, axis=1), axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            found = (top, np.take_along_axis(fused, top, axis=1))
            self._ranked[key] = found
        return found[0][:, :depth], found[1][:, :depth]


@dataclass(frozen=True)
class Batch:
    """Vectorised results for a batch of queries (the engine's internal form)."""

    grid: np.ndarray
    point: np.ndarray
    history_point: np.ndarray
    neighbours: np.ndarray  # (rows, k) indices, -1 where unused
    similarities: np.ndarray
    n_used: np.ndarray
    mean_similarity: np.ndarray
    shrinkage: np.ndarray
    masses: np.ndarray  # (rows, grid) the history-only mixture
    guessed: np.ndarray  # (rows,) bool: the point uses the guess
    guess_spread: np.ndarray  # (rows,) log P10–P90 width of the guess ratios (guessed rows)
    guess_quantiles: RowQuantiles | None  # the guess estimates' distributions (guessed rows)
    # (rows,) where a guess estimate's band is centred: the ratio model's point, also where the
    # point is the guess itself (``Knobs.exact_share``); the band is stretched to hold the point.
    guess_centre: np.ndarray | None = None

    @functools.cached_property
    def quantiles(self) -> RowQuantiles:
        """The history-only mixtures as quantile functions (for mixture bands)."""
        return RowQuantiles.from_masses(self.masses, self.grid)

    @functools.cached_property
    def mixture(self) -> np.ndarray:
        """(rows, 2) P10 and P90 of the history-only mixture."""
        return grid_quantiles(self.masses, self.grid, (0.1, 0.9))

    @property
    def centres(self) -> np.ndarray:
        """(rows,) where each estimate's band is centred (its point, unless the guess stands)."""
        return self.point if self.guess_centre is None else self.guess_centre

    @property
    def spread(self) -> np.ndarray:
        """(rows,) log width of the mixture's P10–P90: how much the evidence scatters."""
        mixture = self.mixture
        return np.log1p(np.maximum(mixture[:, 1], 0)) - np.log1p(np.maximum(mixture[:, 0], 0))


class Engine:
    """A history made ready for estimates with fixed knobs (and, optionally, calibrated bands)."""

    def __init__(
        self,
        history: History,
        knobs: Knobs | None = None,
        bands: dict[str, Band] | None = None,
        lexical: LexicalIndex | None = None,
        regressions: Mapping[float, TextRegression] | None = None,
    ) -> None:
        """``lexical`` and ``regressions`` (by ridge penalty): fitted over ``history``
        already, e.g. in another process (see :meth:`fitted_parts`); else fitted on first use.
        """
        if len(history) == 0:
            raise ValueError("an engine needs at least one past item with an outcome")
        self.history = history
        self.knobs = knobs or Knobs()
        self.bands = dict(bands or {})
        self._lexical = lexical
        self._regressions: dict[float, TextRegression] = dict(regressions or {})
        self._priors: dict[float, np.ndarray] = {}
        self._guesses: Guesses | None = None  # see :attr:`guesses`
        self._guess_priors: dict[float, np.ndarray] = {}
        self._prior_cells: dict[tuple[float, bool], np.ndarray] = {}

    @property
    def lexical(self) -> LexicalIndex:
        """The history's TF-IDF index, built on first use (see :class:`Evidence`)."""
        if self._lexical is None:
            self._lexical = LexicalIndex(self.history.texts)
        return self._lexical

    # -- the pieces, reused by tuning --------------------------------------------------

    def evidence(self, queries: Sequence[Query], excluded: Sequence[int] | None = None) -> Evidence:
        history = self.history
        texts = [q.text for q in queries]
        blocked = None
        if any(q.allowed is not None for q in queries):
            blocked = np.zeros((len(queries), len(history)), dtype=bool)
            for i, query in enumerate(queries):
                if query.allowed is None:
                    continue
                blocked[i] = True
                allowed = [history.index[a] for a in query.allowed if a in history.index]
                blocked[i, allowed] = False
        guesses = np.asarray(
            [q.guess if q.guess is not None and q.guess > 0 else math.nan for q in queries],
            dtype=float,
        )
        return Evidence(
            lexical_source=lambda: self.lexical.similarities(texts),
            semantic=semantic_similarities(history, queries),
            metadata=metadata_overlap(history, queries),
            blocked=blocked,
            excluded=np.asarray(excluded if excluded is not None else [-1] * len(queries)),
            guesses=guesses,
            texts=texts,
            queries=queries,
        )

    def fitted_parts(self) -> tuple[LexicalIndex | None, dict[float, TextRegression]]:
        """The fitted pieces an estimate with this engine's knobs reads, fitted now: the
        TF-IDF index when the knobs weigh words or blend in the regression, and that
        regression. Handed to another engine over the same history, they save it the fits."""
        knobs = self.knobs
        lexical = self.lexical if knobs.lexical_weight > 0 or knobs.regression_share > 0 else None
        regressions = {}
        if knobs.regression_share > 0:
            regressions[knobs.ridge_penalty] = self.regression(knobs.ridge_penalty)
        return lexical, regressions

    def regression(self, penalty: float) -> TextRegression:
        found = self._regressions.get(penalty)
        if found is None:
            found = TextRegression(self.history, self.lexical, penalty)
            self._regressions[penalty] = found
        return found

    def regression_points(self, evidence: Evidence, penalty: float) -> np.ndarray:
        found = evidence._regression.get(penalty)
        if found is None:
            found = self.regression(penalty).predict(evidence.queries)
            evidence._regression[penalty] = found
        return found

    def _prior_weights(self, half_life: float) -> np.ndarray:
        # The same for every query of this engine: kept (read-only) rather than recomputed
        # per brief, an O(n) power that cost about 1 ms an answer at 10k items.
        found = self._priors.get(half_life)
        if found is None:
            n = len(self.history)
            found = 0.5 ** ((n - 1 - np.arange(n)) / half_life) if half_life > 0 else np.ones(n)
            found.setflags(write=False)
            self._priors[half_life] = found
        return found

    @property
    def guesses(self) -> Guesses:
        """The history's :class:`Guesses`, worked out on first use."""
        if self._guesses is None:
            self._guesses = Guesses(self.history)
        return self._guesses

    def _guess_prior_weights(self, half_life: float) -> np.ndarray:
        # The prior weights of the guessed items only, kept per half-life like the others.
        found = self._guess_priors.get(half_life)
        if found is None:
            found = np.where(self.guesses.has_guess, self._prior_weights(half_life), 0.0)
            found.setflags(write=False)
            self._guess_priors[half_life] = found
        return found

    def _prior_masses(self, half_life: float, guessed: bool = False) -> np.ndarray:
        """The whole history's prior weights summed per cell of its outcome grid (``guessed``:
        the guessed items' on the actual/guess ratio grid), kept like the weights (read-only)."""
        key = (half_life, guessed)
        found = self._prior_cells.get(key)
        if found is None:
            if guessed:
                weights, index, size = (
                    self._guess_prior_weights(half_life),
                    self.guesses.grid_index,
                    self.guesses.grid.size,
                )
            else:
                weights = self._prior_weights(half_life)
                index, size = self.history.grid_index, self.history.grid.size
            found = np.bincount(index, weights=weights, minlength=size)
            found.setflags(write=False)
            self._prior_cells[key] = found
        return found

    def _mixture(
        self,
        neighbours: np.ndarray,
        weights: np.ndarray,
        prior_weights: np.ndarray,
        grid_index: np.ndarray,
        prior: np.ndarray,
        excluded: np.ndarray,
        strength: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """(masses on the grid, shrinkage) of analogues mixed with the whole history
        (``prior``: ``prior_weights`` summed per grid cell, see :meth:`_prior_masses`)."""
        rows = neighbours.shape[0]
        grid_size = prior.size
        evidence = weights.sum(axis=1)
        priors = np.broadcast_to(prior, (rows, grid_size)).copy()
        has = excluded >= 0
        if has.any():
            priors[np.flatnonzero(has), grid_index[excluded[has]]] -= prior_weights[excluded[has]]
            np.maximum(priors, 0.0, out=priors)
        totals = priors.sum(axis=1, keepdims=True)
        priors = np.divide(priors, totals, out=np.zeros_like(priors), where=totals > 0)
        shrink = np.where(evidence > 0, strength / (strength + np.maximum(evidence, 1e-300)), 1.0)
        shrink = np.where(totals[:, 0] > 0, shrink, 0.0)
        masses = priors * shrink[:, None]
        share = np.divide(
            weights * (1.0 - shrink)[:, None],
            evidence[:, None],
            out=np.zeros_like(weights),
            where=evidence[:, None] > 0,
        )
        cells = grid_index[np.maximum(neighbours, 0)]
        np.add.at(
            masses, (np.repeat(np.arange(rows), neighbours.shape[1]), cells.ravel()), share.ravel()
        )
        return masses, shrink

    def predict(
        self, evidence: Evidence, knobs: Knobs | None = None, with_guess: bool = True
    ) -> Batch:
        """Points for every query of ``evidence`` with ``knobs`` (default: the engine's).

        ``with_guess=False`` skips the guess model (tuning the history-only knobs).
        """
        knobs = knobs or self.knobs
        history = self.history
        depth = max(knobs.k, 1)
        neighbours, fused = evidence.ranked(knobs.lexical_weight, knobs.metadata_weight, depth)
        rows = np.arange(neighbours.shape[0])[:, None]
        # The floor applies to meaning when there is a semantic similarity (is this brief like
        # that project at all?); the fused similarity ranks and weighs.
        semantic = evidence.semantic
        gate = fused if semantic is None else semantic[rows, neighbours]
        usable = np.isfinite(fused) & (fused > 0) & (gate >= knobs.min_similarity)
        sims = np.where(usable, fused, 0.0)
        weights = np.where(usable, np.maximum(sims, 0.0) ** knobs.similarity_power, 0.0)
        n_used = usable.sum(axis=1)
        gate_used = np.where(usable, gate, 0.0)
        mean_similarity = np.divide(
            gate_used.sum(axis=1), n_used, out=np.zeros(len(n_used)), where=n_used > 0
        )
        masses, shrink = self._mixture(
            neighbours,
            weights,
            self._prior_weights(knobs.half_life),
            history.grid_index,
            self._prior_masses(knobs.half_life),
            evidence.excluded,
            knobs.prior_strength,
        )
        point = grid_medians(masses, history.grid)
        if knobs.regression_share > 0:
            regression = self.regression_points(evidence, knobs.ridge_penalty)
            point = (1.0 - knobs.regression_share) * point + knobs.regression_share * regression
            if knobs.snap:
                point = nearest_observed(point, history.grid)
        history_point = point
        guessed = np.isfinite(evidence.guesses) & history.has_guesses & with_guess
        guess_spread = np.zeros(point.size)
        guess_quantiles = None
        guess_centre = point.copy()
        if guessed.any():
            point = point.copy()
            point[guessed], guess_centre[guessed], guess_spread[guessed], guess_quantiles = (
                self._guess_points(evidence, knobs, guessed, history_point[guessed])
            )
        return Batch(
            grid=history.grid,
            point=point,
            history_point=history_point,
            neighbours=np.where(usable, neighbours, -1),
            similarities=sims,
            n_used=n_used,
            mean_similarity=mean_similarity,
            shrinkage=shrink,
            masses=masses,
            guessed=guessed,
            guess_spread=guess_spread,
            guess_quantiles=guess_quantiles,
            guess_centre=guess_centre,
        )

    def _guess_points(
        self, evidence: Evidence, knobs: Knobs, rows: np.ndarray, history_points: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, RowQuantiles]:
        """Guess times the median actual/guess ratio of similar work with similar guesses.

        The points (the guess itself where similar guesses were exactly right often enough),
        the ratio model's points (where the band is centred), the log width of those ratios'
        P10–P90 (the guess estimate's own spread) and the estimates' distributions (the ratios
        times the guess, blended as the point is).
        """
        table = self.guesses
        grid, grid_index = table.grid, table.grid_index
        if rows.dtype == bool:  # a mask of the batch's rows: sliced below as indices
            rows = np.flatnonzero(rows)
        guesses = evidence.guesses[rows]
        excluded = evidence.excluded[rows]
        # Each row's kernels over the whole history are (rows, n) float64 arrays, several alive
        # at once: a tuning's 120 rows at 50k items held ~350 MB in them. Rows are independent,
        # so they are worked out a slice at a time.
        tops, weight_rows, exact_rows = [], [], []
        for start in range(0, len(rows), GUESS_ROWS_AT_ONCE):
            part = slice(start, start + GUESS_ROWS_AT_ONCE)
            top, weights, exact = self._guess_neighbours(
                evidence, knobs, rows[part], guesses[part], excluded[part]
            )
            tops.append(top)
            weight_rows.append(weights)
            exact_rows.append(exact)
        top, weights = np.concatenate(tops), np.concatenate(weight_rows)
        prior_weights = self._guess_prior_weights(knobs.half_life)
        masses, _ = self._mixture(
            top,
            weights,
            prior_weights,
            grid_index,
            self._prior_masses(knobs.half_life, guessed=True),
            excluded,
            knobs.guess_strength,
        )
        ratio = grid_medians(masses, grid)
        guess_points = guesses * ratio
        share = knobs.history_share
        ends = grid_quantiles(masses, grid, (0.1, 0.9))
        spread = np.log(np.maximum(ends[:, 1], 1e-6)) - np.log(np.maximum(ends[:, 0], 1e-6))
        values = (1.0 - share) * guesses[:, None] * grid[None, :] + share * history_points[:, None]
        centres = (1.0 - share) * guess_points + share * history_points
        points = centres
        if knobs.exact_share > 0:
            trusted = np.concatenate(exact_rows) >= knobs.exact_share
            points = np.where(trusted, guesses, centres)
        return points, centres, spread, RowQuantiles.from_masses(masses, values)

    def _guess_neighbours(
        self,
        evidence: Evidence,
        knobs: Knobs,
        rows: np.ndarray,
        guesses: np.ndarray,
        excluded: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """For some rows of a batch: the guess model's ``guess_k`` analogues (indices and
        weights: similar work with similar guesses) and, when the knobs say the guess as is,
        the rows' exact shares (else zeros)."""
        table = self.guesses
        has_guess = table.has_guess
        lexical = evidence.lexical_for(knobs.lexical_weight)
        fused = fuse(
            None if lexical is None else lexical[rows],
            None if evidence.semantic is None else evidence.semantic[rows],
            None if evidence.metadata is None else evidence.metadata[rows],
            knobs.lexical_weight,
            knobs.metadata_weight,
        ).astype(float)
        distance = np.log(guesses)[:, None] - table.log_guess
        closeness = np.exp(-0.5 * (distance / knobs.guess_width) ** 2)
        score = (np.maximum(fused, 0.0) + GUESS_SIMILARITY_FLOOR) ** knobs.similarity_power
        score = np.where(has_guess[None, :], score * closeness, 0.0)
        has = excluded >= 0
        score[np.flatnonzero(has), excluded[has]] = 0.0
        if evidence.blocked is not None:
            score = np.where(evidence.blocked[rows], 0.0, score)
        depth = min(knobs.guess_k, score.shape[1])
        top = np.argpartition(-score, depth - 1, axis=1)[:, :depth]
        weights = np.take_along_axis(score, top, axis=1)
        exact = np.zeros(len(rows))
        if knobs.exact_share > 0:
            exact = exact_shares(self.history, closeness, excluded, table)
        return top, weights, exact

    # -- the public face ---------------------------------------------------------------

    def estimate_many(
        self, queries: Sequence[Query], excluded: Sequence[int] | None = None
    ) -> list[Estimate]:
        """One :class:`Estimate` per query (``excluded``: an item index to leave out, or -1)."""
        if not queries:
            return []
        evidence = self.evidence(queries, excluded)
        return self.finish(evidence, self.predict(evidence))

    def estimate(self, query: Query) -> Estimate:
        return self.estimate_many([query])[0]

    def bands_for(self, batch: Batch) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(low, high) of each estimate and (low, high) of its history-only range."""
        history_band = self.bands.get("history")
        if history_band is not None:
            h_low, h_high = history_band.around(
                batch.history_point, batch.spread, lambda: batch.quantiles
            )
        else:
            h_low, h_high = self._stretched(batch, batch.mixture)
        low, high = h_low.copy(), h_high.copy()
        if batch.guessed.any():
            guess_band = self.bands.get("guess")
            centres = batch.centres[batch.guessed]
            if guess_band is not None:
                quantiles = batch.guess_quantiles
                assert quantiles is not None
                g_low, g_high = guess_band.around(
                    centres, batch.guess_spread[batch.guessed], lambda: quantiles
                )
            else:  # the history's relative spread, around the guess-based point
                scale = centres / np.maximum(batch.history_point[batch.guessed], 1e-9)
                g_low = h_low[batch.guessed] * scale
                g_high = h_high[batch.guessed] * scale
            low[batch.guessed], high[batch.guessed] = g_low, g_high
        low = np.minimum(low, batch.point)
        high = np.maximum(high, batch.point)
        return (
            low,
            high,
            np.minimum(h_low, batch.history_point),
            np.maximum(h_high, batch.history_point),
        )

    def _stretched(self, batch: Batch, mixture: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        knobs = self.knobs
        centre = np.log1p(batch.history_point)
        low_confidence = np.asarray(
            [
                self._confidence(int(n), float(s)) == "low"
                for n, s in zip(batch.n_used, batch.mean_similarity, strict=True)
            ]
        )
        factor = np.where(low_confidence, knobs.low_confidence_widening, 1.0)
        below = np.maximum(factor * (centre - np.log1p(np.maximum(mixture[:, 0], 0.0))), 0.0)
        above = np.maximum(factor * (np.log1p(np.maximum(mixture[:, 1], 0.0)) - centre), 0.0)
        return np.maximum(np.expm1(centre - below), 0.0), np.expm1(centre + above)

    def _confidence(self, n_used: int, mean_similarity: float) -> Confidence:
        knobs = self.knobs
        if n_used >= knobs.high_min_analogues and mean_similarity >= knobs.high_min_similarity:
            return "high"
        if n_used >= knobs.medium_min_analogues and mean_similarity >= knobs.medium_min_similarity:
            return "medium"
        return "low"

    def finish(self, evidence: Evidence, batch: Batch) -> list[Estimate]:
        """The batch's points as :class:`Estimate` objects, with their bands and evidence."""
        low, high, h_low, h_high = self.bands_for(batch)
        out = []
        for row in range(batch.point.size):
            used = [
                (self.history.ids[int(i)], float(s))
                for i, s in zip(batch.neighbours[row], batch.similarities[row], strict=True)
                if i >= 0
            ]
            n_used = len(used)
            shrink = float(batch.shrinkage[row])
            guessed = bool(batch.guessed[row])
            band = self.bands.get("guess" if guessed else "history")
            method = (
                f"similarity-weighted outcomes of {n_used} similar past items"
                if n_used
                else "the spread of all past items (no close analogues)"
            )
            if n_used and shrink > 0:
                method += f", {round(shrink * 100)}% weight on all past items"
            if guessed:
                method += "; the guess corrected by how similar guesses turned out"
            if band is not None:
                method += f"; band calibrated on {band.calibrated_on} held-out estimates"
            guess = float(evidence.guesses[row]) if np.isfinite(evidence.guesses[row]) else None
            point = float(batch.point[row])
            out.append(
                Estimate(
                    p10=float(low[row]),
                    p50=point,
                    p90=float(high[row]),
                    point=point,
                    confidence=self._confidence(n_used, float(batch.mean_similarity[row])),
                    n_analogues=n_used,
                    mean_similarity=float(batch.mean_similarity[row]),
                    shrinkage=shrink,
                    method=method,
                    analogues=tuple(used),
                    guess=guess,
                    history_p10=float(h_low[row]),
                    history_point=float(batch.history_point[row]),
                    history_p90=float(h_high[row]),
                    band_calibrated_on=band.calibrated_on if band is not None else 0,
                )
            )
        return out

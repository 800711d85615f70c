"""Backtests: how good are estimates from history? Over a CSV file or a tenant's projects.

Two protocols:

* **Time split** (:func:`backtest_rows`): rows in file order, the first ``train_fraction`` is
  history and each later row is estimated from that history only. The estimator's knobs
  (``k``, similarity weighting, shrinkage, recency) are chosen on the *history alone* by an
  inner time split (older three quarters predict the newest quarter), and the band is
  conformally calibrated on rolling windows of the history, so nothing is tuned on the rows
  being scored.
* **Leave-one-out** (:func:`backtest_leave_one_out`): each closed project is estimated from
  all the others (a small portfolio has no time to split).

Both report MAE, median absolute error, P10–P90 coverage and mean width, and the MAE of two
baselines (history mean, history median) on the same rows.
"""

from __future__ import annotations

import csv
import itertools
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.estimate import Analogue, EstimatorParams, Prior, calibrate_margin, estimate
from bot.ridge import fit_ridge
from bot.tfidf import SparseRows, TfidfIndex, top_neighbours

# The inner-validation grid: small on purpose (fewer knobs, less overfitting to history).
GRID_K = (5, 10, 20, 40)
GRID_PRIOR_STRENGTH = (0.25, 0.5, 1.0, 2.0, 4.0)
GRID_SIMILARITY_POWER = (1.0, 3.0)
GRID_HISTORY_HALF_LIFE = (0.0, 100.0, 300.0)
# Validation inside the history, as fractions of it: each window is predicted from all the
# rows before it. Knobs are chosen on the newest quarter; the band is calibrated on four
# rolling windows (more rows make a steadier conformal quantile).
VALIDATION_WINDOWS = ((0.75, 1.0),)
CALIBRATION_WINDOWS = ((0.4, 0.55), (0.55, 0.7), (0.7, 0.85), (0.85, 1.0))
MIN_ROWS = 10  # fewer and the inner split has nothing to learn from
# The text regression's second opinion (CSV backtests): its L2 penalty and its share of the
# point estimate, both chosen on the same validation window as the knobs above.
GRID_RIDGE_PENALTY = (1.0, 3.0, 10.0, 30.0)
GRID_BLEND = (0.25, 0.5, 0.75, 1.0)


class BacktestError(ValueError):
    """Bad input for a backtest; the message is meant for the user."""


@dataclass(frozen=True)
class BacktestResult:
    """Accuracy of one backtest; :meth:`metrics` has the published keys."""

    mae: float
    mdae: float
    coverage_80: float
    width_80: float
    n: int
    baseline_mean_mae: float
    baseline_median_mae: float
    params: EstimatorParams = field(default_factory=EstimatorParams)
    seconds_per_estimate: float = 0.0
    second_opinion: SecondOpinion = field(default_factory=lambda: SecondOpinion())

    def metrics(self) -> dict[str, float | int]:
        """The seven headline numbers, keyed exactly as ``atelier eval --json`` prints them."""
        return {
            "mae": self.mae,
            "mdae": self.mdae,
            "coverage_80": self.coverage_80,
            "width_80": self.width_80,
            "n": self.n,
            "baseline_mean_mae": self.baseline_mean_mae,
            "baseline_median_mae": self.baseline_median_mae,
        }


@dataclass(frozen=True)
class SecondOpinion:
    """The text regression's share of the point estimate (0: nearest neighbours alone)."""

    blend: float = 0.0
    penalty: float = 0.0  # its L2 penalty (0 when unused)


@dataclass(frozen=True)
class Prediction:
    point: float
    p10: float
    p90: float


def read_rows(path: Path, text_columns: Sequence[str], target: str) -> tuple[list[str], np.ndarray]:
    """Texts (the ``text_columns`` joined) and numeric targets of a CSV file, in file order.

    Commas are the usual separator; a header with semicolons or tabs and no comma is read
    with that separator instead (spreadsheet exports). Rows whose target is empty or not a
    non-negative number are skipped (they carry no outcome); a missing file or column or an
    unreadable file raises :class:`BacktestError` naming it.
    """
    if not text_columns:
        raise BacktestError("give at least one --text column")
    # Long descriptions (logs, stack traces) exceed the csv module's default 128 KB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as problem:
        raise BacktestError(f"cannot read {path.name}: {problem.strerror or problem}") from None
    texts: list[str] = []
    targets: list[float] = []
    with handle:
        try:
            header = handle.readline()
            handle.seek(0)
            delimiter = ","
            if "," not in header:
                delimiter = ";" if ";" in header else "\t" if "\t" in header else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            columns = reader.fieldnames or []
            missing = [c for c in [*text_columns, target] if c not in columns]
            if missing:
                raise BacktestError(
                    f"{path.name} has no column {', '.join(repr(c) for c in missing)} "
                    f"(columns: {', '.join(columns) or 'none'})"
                )
            for row in reader:
                try:
                    value = float((row.get(target) or "").strip())
                except ValueError:
                    continue
                if not math.isfinite(value) or value < 0:
                    continue
                texts.append(" \n ".join(row.get(c) or "" for c in text_columns))
                targets.append(value)
        except (csv.Error, UnicodeDecodeError) as problem:
            message = f"{path.name} is not a readable UTF-8 CSV file: {problem}"
            raise BacktestError(message) from None
    return texts, np.asarray(targets, dtype=float)


def _errors(
    predictions: Sequence[Prediction], outcomes: np.ndarray
) -> tuple[float, float, float, float]:
    points = np.asarray([p.point for p in predictions])
    lows = np.asarray([p.p10 for p in predictions])
    highs = np.asarray([p.p90 for p in predictions])
    errors = np.abs(points - outcomes)
    covered = (outcomes >= lows - 1e-9) & (outcomes <= highs + 1e-9)
    return (
        float(errors.mean()),
        float(np.median(errors)),
        float(covered.mean()),
        float((highs - lows).mean()),
    )


def _predict(
    neighbours: np.ndarray,
    similarities: np.ndarray,
    history: np.ndarray,
    params: EstimatorParams,
) -> list[Prediction]:
    """One prediction per query row from its pre-ranked neighbours (indices into history)."""
    out: list[Prediction] = []
    prior = Prior.from_history(history, params.history_half_life)  # once, not per row
    for row in range(neighbours.shape[0]):
        analogues = [
            Analogue(str(i), float(history[i]), float(s))
            for i, s in zip(neighbours[row, : params.k], similarities[row, : params.k], strict=True)
        ]
        result = estimate(analogues, prior, params)
        if result is None:  # only when history is empty, which callers rule out
            raise BacktestError("nothing to estimate from")
        out.append(Prediction(result.point, result.p10, result.p90))
    return out


def _vectorise(texts: Sequence[str], cut: int, end: int) -> tuple[SparseRows, int]:
    """TF-IDF rows of ``texts[:end]`` and the vocabulary size, learned from ``texts[:cut]``.

    The vocabulary is learned from the history only, as a real estimate would see it.
    """
    index = TfidfIndex.fit(texts[:cut])
    return index.transform(texts[:end]), len(index.vocabulary)


def _neighbours(
    texts: Sequence[str], cut: int, end: int, k: int, vectors: SparseRows | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest history rows (``texts[:cut]``) of each row of ``texts[cut:end]``."""
    if vectors is None:
        vectors = _vectorise(texts, cut, end)[0]
    return top_neighbours(vectors.slice(cut, end), vectors.slice(0, cut), k)


def nearest_observed(values: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Each of ``values`` moved to the closest of ``observed`` (sorted; the lower on a tie).

    A blended point estimate lands between categories (3.6 story points); the closest value
    that really occurred is what an absolute-error estimate over discrete outcomes should say.
    """
    values = np.asarray(values, dtype=float)
    if observed.size == 0:
        return values
    upper = np.clip(np.searchsorted(observed, values), 0, observed.size - 1)
    lower = np.clip(upper - 1, 0, observed.size - 1)
    below, above = observed[lower], observed[upper]
    return np.where(np.abs(values - below) <= np.abs(above - values), below, above)


def _regressions(
    vectors: SparseRows, n_terms: int, history: np.ndarray, penalties: Sequence[float]
) -> dict[float, np.ndarray]:
    """Text-regression estimates of the rows after the history, one array per penalty.

    Fitted in log(1 + x) space, as effort is skewed; the estimate is read back in effort units.
    """
    cut = history.size
    train, queries = vectors.slice(0, cut), vectors.slice(cut, len(vectors))
    logged = np.log1p(history)
    return {
        penalty: np.expm1(fit_ridge(train, logged, penalty, n_terms).predict(queries))
        for penalty in penalties
    }


def _blend(
    predictions: Sequence[Prediction], regression: np.ndarray, blend: float, observed: np.ndarray
) -> list[Prediction]:
    """Points moved ``blend`` of the way to the regression (then to an observed value)."""
    if blend <= 0:
        return list(predictions)
    knn = np.asarray([p.point for p in predictions])
    points = nearest_observed((1.0 - blend) * knn + blend * regression, observed)
    # The band keeps containing the point estimate.
    return [
        Prediction(float(point), min(p.p10, float(point)), max(p.p90, float(point)))
        for p, point in zip(predictions, points, strict=True)
    ]


def tune_second_opinion(
    texts: Sequence[str], targets: np.ndarray, params: EstimatorParams
) -> SecondOpinion:
    """How much to trust the text regression, judged on the history's validation window.

    The window (``VALIDATION_WINDOWS``) is estimated by nearest neighbours with ``params`` and
    by the regression fitted on the rows before it; the blend and penalty with the lowest MAE
    win, and a tie keeps the neighbours alone.
    """
    n = len(targets)
    start = VALIDATION_WINDOWS[0][0]
    cut = max(int(n * start), 1)
    if n - cut < 1:
        return SecondOpinion()
    vectors, n_terms = _vectorise(texts, cut, n)
    neighbours, sims = _neighbours(texts, cut, n, params.k, vectors)
    history, outcomes = targets[:cut], targets[cut:]
    knn = _predict(neighbours, sims, history, params)
    observed = np.unique(history)
    best_mae, best = _errors(knn, outcomes)[0], SecondOpinion()
    for penalty, regression in _regressions(vectors, n_terms, history, GRID_RIDGE_PENALTY).items():
        for blend in GRID_BLEND:
            mae = _errors(_blend(knn, regression, blend, observed), outcomes)[0]
            if mae < best_mae - 1e-12:
                best_mae, best = mae, SecondOpinion(blend, penalty)
    return best


@dataclass(frozen=True)
class Fold:
    """One inner time split of the history: rows before ``cut`` predict the window after it."""

    neighbours: np.ndarray
    similarities: np.ndarray
    history: np.ndarray
    outcomes: np.ndarray


def _fold(texts: Sequence[str], targets: np.ndarray, cut: int, end: int, k: int) -> Fold:
    # The vocabulary is learned from the fold's own past only, as in the real backtest.
    neighbours, sims = _neighbours(texts, cut, end, k)
    return Fold(neighbours, sims, targets[:cut], targets[cut:end])


def _predict_folds(
    folds: Sequence[Fold], params: EstimatorParams
) -> tuple[list[Prediction], np.ndarray]:
    predictions: list[Prediction] = []
    for fold in folds:
        predictions += _predict(fold.neighbours, fold.similarities, fold.history, params)
    return predictions, np.concatenate([fold.outcomes for fold in folds])


def inner_folds(texts: Sequence[str], targets: np.ndarray, k: int) -> list[Fold]:
    """Rolling-origin splits of the history (see ``VALIDATION_WINDOWS``)."""
    n = len(targets)
    folds = []
    for start, stop in VALIDATION_WINDOWS:
        cut, end = max(int(n * start), 1), int(n * stop)
        if end > cut:
            folds.append(_fold(texts, targets, cut, end, k))
    return folds


def tune(texts: Sequence[str], targets: np.ndarray, k: int | None = None) -> EstimatorParams:
    """Estimator knobs for this history, chosen on an inner time split of the history only.

    The newest quarter of the history (``VALIDATION_WINDOWS``) is predicted from the rows
    before it, like the real protocol; the grid point with the lowest MAE wins (on a tie, the
    first in grid order: fewer analogues, more shrinkage). The newest rows are the best guide
    to the rows that come next: effort levels drift, and with several older windows pooled
    the choice was worse. Then the band is calibrated on ``CALIBRATION_WINDOWS``.
    """
    ks = (k,) if k else GRID_K
    folds = inner_folds(texts, targets, max(ks))
    base = EstimatorParams(min_similarity=0.0, low_confidence_widening=1.0)
    best: tuple[float, EstimatorParams] | None = None
    for k_value, strength, power, half_life in itertools.product(
        ks, sorted(GRID_PRIOR_STRENGTH, reverse=True), GRID_SIMILARITY_POWER, GRID_HISTORY_HALF_LIFE
    ):
        params = replace(
            base,
            k=k_value,
            prior_strength=strength,
            similarity_power=power,
            history_half_life=half_life,
        )
        mae = _errors(*_predict_folds(folds, params))[0]
        if best is None or mae < best[0] - 1e-12:
            best = (mae, params)
    assert best is not None
    calibration = [
        _fold(texts, targets, max(int(len(targets) * a), 1), int(len(targets) * b), best[1].k)
        for a, b in CALIBRATION_WINDOWS
    ]
    return calibrate_interval(best[1], calibration)


Predictor = Callable[[EstimatorParams], tuple[list[Prediction], np.ndarray]]


def calibrate_interval(
    params: EstimatorParams, folds: Sequence[Fold], target: float = 0.8
) -> EstimatorParams:
    """Calibrate the band on the folds' held-out predictions (see :func:`calibrate_band`)."""
    return calibrate_band(params, lambda trial: _predict_folds(folds, trial), target)


def calibrate_band(
    params: EstimatorParams, predict: Predictor, target: float = 0.8
) -> EstimatorParams:
    """``params`` with a band that covers ``target`` of the outcomes ``predict`` scores.

    ``predict(params)`` returns held-out predictions and their outcomes. First the tail
    probability: the largest tail (narrowest band) whose coverage reaches the conformal level
    ``ceil((n + 1) * target) / n``, by bisection (coverage only falls as the tail grows). With
    discrete outcomes that already lands close to the target. Then a log-space margin
    (:func:`bot.estimate.calibrate_margin`) fixes what is left for continuous outcomes; it is
    0 when the tail alone got there.
    """
    n = len(predict(params)[1])
    if n == 0:
        return params
    level = min(math.ceil((n + 1) * target) / n, 1.0)

    def covers(tail: float) -> bool:
        trial = replace(params, interval_tail=tail, interval_margin=0.0)
        return _errors(*predict(trial))[2] >= level

    low, high = 0.0, 0.45
    if covers(high):
        low = high
    elif covers(low):
        for _ in range(10):
            middle = (low + high) / 2
            if covers(middle):
                low = middle
            else:
                high = middle
    tuned = replace(params, interval_tail=low, interval_margin=0.0)
    held_out, outcomes = predict(tuned)
    margin = calibrate_margin(
        [p.point for p in held_out],
        [p.p10 for p in held_out],
        [p.p90 for p in held_out],
        outcomes,
        target,
    )
    return replace(tuned, interval_margin=max(margin, 0.0))


def backtest_rows(
    texts: Sequence[str],
    targets: Sequence[float] | np.ndarray,
    train_fraction: float = 0.8,
    k: int | None = None,
) -> BacktestResult:
    """Time-split backtest: the first ``train_fraction`` of rows is history, the rest is scored."""
    if not 0.0 < train_fraction < 1.0:
        raise BacktestError("--train-fraction must be between 0 and 1 (e.g. 0.8)")
    if k is not None and k < 1:
        raise BacktestError("--k must be at least 1")
    y = np.asarray(targets, dtype=float)
    n = len(y)
    cut = int(n * train_fraction)
    if cut < MIN_ROWS or n - cut < 1:
        raise BacktestError(
            f"need at least {MIN_ROWS} history rows and one row to estimate; "
            f"got {cut} and {n - cut} (rows with a number in the target column: {n})"
        )
    started = time.perf_counter()
    params = tune(texts[:cut], y[:cut], k)
    opinion = tune_second_opinion(texts[:cut], y[:cut], params)
    vectors, n_terms = _vectorise(texts, cut, n)
    neighbours, sims = _neighbours(texts, cut, n, params.k, vectors)
    history, outcomes = y[:cut], y[cut:]
    predictions = _predict(neighbours, sims, history, params)
    if opinion.blend > 0:
        regression = _regressions(vectors, n_terms, history, [opinion.penalty])[opinion.penalty]
        predictions = _blend(predictions, regression, opinion.blend, np.unique(history))
    elapsed = time.perf_counter() - started
    mae, mdae, coverage, width = _errors(predictions, outcomes)
    return BacktestResult(
        mae=mae,
        mdae=mdae,
        coverage_80=coverage,
        width_80=width,
        n=len(outcomes),
        baseline_mean_mae=float(np.abs(history.mean() - outcomes).mean()),
        baseline_median_mae=float(np.abs(np.median(history) - outcomes).mean()),
        params=params,
        seconds_per_estimate=elapsed / len(outcomes),
        second_opinion=opinion,
    )


def backtest_file(
    path: Path,
    text_columns: Sequence[str],
    target: str,
    train_fraction: float = 0.8,
    k: int | None = None,
) -> BacktestResult:
    """:func:`backtest_rows` over a CSV file (see :func:`read_rows`)."""
    texts, targets = read_rows(path, text_columns, target)
    return backtest_rows(texts, targets, train_fraction, k)


@dataclass(frozen=True)
class Case:
    """One closed project for leave-one-out: its id, the text to search with, its actual."""

    id: str
    text: str
    actual: float


# (text, how many) -> [(id, similarity)], most similar first; may include the query itself.
SearchFunction = Callable[[str, int], Sequence[tuple[str, float]]]


@dataclass(frozen=True)
class LeftOut:
    """One leave-one-out round: a project's analogues among the others, their actuals, its own."""

    analogues: list[Analogue]
    history: list[float]
    actual: float


def leave_one_out(
    cases: Sequence[Case], search: SearchFunction, k: int, limit: int | None = None
) -> list[LeftOut]:
    """For each case, its ``k`` nearest other cases (through ``search``) and the others' actuals.

    Searching is the slow part, so it is done once here and the rounds reused for scoring and
    calibration. With ``limit``, only the first ``limit`` usable cases are left out in turn
    (callers list the newest first), while analogues and history still come from all cases:
    a portfolio of thousands is calibrated on its recent projects for the cost of ``limit``
    searches. Raises :class:`BacktestError` with fewer than two usable cases.
    """
    usable = [c for c in cases if math.isfinite(c.actual) and c.actual >= 0]
    if len(usable) < 2:
        raise BacktestError(
            "need at least two closed projects with actual hours to backtest "
            f"(found {len(usable)}); close projects or run /projects import"
        )
    actual = {c.id: c.actual for c in usable}
    rounds = []
    for case in usable if limit is None else usable[: max(limit, 0)]:
        found = search(case.text, k + 1)  # one more: the case usually finds itself
        analogues = [
            Analogue(project_id, actual[project_id], similarity)
            for project_id, similarity in found
            if project_id != case.id and project_id in actual
        ]
        history = [c.actual for c in usable if c.id != case.id]
        rounds.append(LeftOut(analogues, history, case.actual))
    return rounds


def _predict_left_out(
    rounds: Sequence[LeftOut], params: EstimatorParams
) -> tuple[list[Prediction], np.ndarray]:
    predictions = []
    for left_out in rounds:
        result = estimate(left_out.analogues, left_out.history, params)
        assert result is not None  # every round has at least one other project
        predictions.append(Prediction(result.point, result.p10, result.p90))
    return predictions, np.asarray([r.actual for r in rounds], dtype=float)


def backtest_leave_one_out(
    cases: Sequence[Case], search: SearchFunction, params: EstimatorParams | None = None
) -> BacktestResult:
    """Estimate each case from all the others through ``search`` and score the estimates."""
    params = params or EstimatorParams()
    started = time.perf_counter()
    rounds = leave_one_out(cases, search, params.k)
    predictions, outcomes = _predict_left_out(rounds, params)
    elapsed = time.perf_counter() - started
    mae, mdae, coverage, width = _errors(predictions, outcomes)
    mean_errors = [abs(float(np.mean(r.history)) - r.actual) for r in rounds]
    median_errors = [abs(float(np.median(r.history)) - r.actual) for r in rounds]
    return BacktestResult(
        mae=mae,
        mdae=mdae,
        coverage_80=coverage,
        width_80=width,
        n=len(outcomes),
        baseline_mean_mae=float(np.mean(mean_errors)),
        baseline_median_mae=float(np.mean(median_errors)),
        params=params,
        seconds_per_estimate=elapsed / len(outcomes),
    )


def calibrate_leave_one_out(
    cases: Sequence[Case],
    search: SearchFunction,
    params: EstimatorParams | None = None,
    target: float = 0.8,
    limit: int | None = None,
) -> EstimatorParams:
    """``params`` with the band calibrated on the tenant's own leave-one-out estimates.

    For `/scope`: with its result, the P10–P90 band of new estimates holds ~``target`` of
    outcomes if new projects resemble the closed ones. A portfolio of a few dozen projects
    gives a rough calibration; the conformal level already allows for the small sample.
    ``limit`` caps the rounds as in :func:`leave_one_out`.
    """
    params = params or EstimatorParams()
    rounds = leave_one_out(cases, search, params.k, limit)
    return calibrate_band(params, lambda trial: _predict_left_out(rounds, trial), target)

"""Backtests over a CSV file or a tenant's projects, run by the estimating engine.

* **A CSV file** (:func:`read_items`, :func:`backtest_file`): rows in file order become past
  items (text, outcome, optional guess and category, optional embedding) and
  :func:`estimating.time_split` scores the newest rows from the older ones, with knobs and
  bands tuned on the history alone.
* **Leave-one-out** (:func:`backtest_leave_one_out`): each closed project is estimated from
  all the others (a small portfolio has no time to split).
"""

from __future__ import annotations

import csv
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from bot.estimate import Analogue, EstimatorParams, calibrate_margin, estimate
from estimating import BacktestError, PastItem, time_split
from estimating import BacktestResult as EngineResult

# Texts -> (n, d) unit vectors: the product's embedder, passed in by the caller.
Embed = Callable[[Sequence[str]], np.ndarray]


@dataclass(frozen=True)
class BacktestResult:
    """Accuracy of one leave-one-out backtest; :meth:`metrics` has the published keys."""

    mae: float
    mdae: float
    coverage_80: float
    width_80: float
    n: int
    baseline_mean_mae: float
    baseline_median_mae: float
    params: EstimatorParams = field(default_factory=EstimatorParams)
    seconds_per_estimate: float = 0.0

    def metrics(self) -> dict[str, float | int]:
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
class Prediction:
    point: float
    p10: float
    p90: float


def _number(text: str | None) -> float | None:
    try:
        value = float((text or "").strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def read_items(
    path: Path,
    text_columns: Sequence[str],
    target: str,
    *,
    guess: str | None = None,
    category: Sequence[str] = (),
) -> list[PastItem]:
    """Past items from a CSV file, in file order (its time order).

    Texts are the ``text_columns`` joined; ``guess`` names a column with the estimate made
    before the work; ``category`` columns are joined with "/" into the item's category.
    Commas are the usual separator; a header with semicolons or tabs and no comma is read with
    that separator (spreadsheet exports). Rows whose target is empty or not a non-negative
    number are skipped (they carry no outcome); a guess that is not a positive number is
    treated as missing. A missing file or column or an unreadable file raises
    :class:`BacktestError` naming it.
    """
    if not text_columns:
        raise BacktestError("give at least one --text column")
    # Long descriptions (logs, stack traces) exceed the csv module's default 128 KB field limit.
    csv.field_size_limit(max(csv.field_size_limit(), 16 * 1024 * 1024))
    try:
        handle = path.open(newline="", encoding="utf-8-sig")
    except OSError as problem:
        raise BacktestError(f"cannot read {path.name}: {problem.strerror or problem}") from None
    items: list[PastItem] = []
    with handle:
        try:
            header = handle.readline()
            handle.seek(0)
            delimiter = ","
            if "," not in header:
                delimiter = ";" if ";" in header else "\t" if "\t" in header else ","
            reader = csv.DictReader(handle, delimiter=delimiter)
            columns = reader.fieldnames or []
            wanted = [*text_columns, target, *([guess] if guess else []), *category]
            missing = [c for c in dict.fromkeys(wanted) if c not in columns]
            if missing:
                raise BacktestError(
                    f"{path.name} has no column {', '.join(repr(c) for c in missing)} "
                    f"(columns: {', '.join(columns) or 'none'})"
                )
            for line, row in enumerate(reader):
                value = _number(row.get(target))
                if value is None or value < 0:
                    continue
                guessed = _number(row.get(guess)) if guess else None
                items.append(
                    PastItem(
                        id=str(line),
                        text=" \n ".join(row.get(c) or "" for c in text_columns),
                        actual=value,
                        guess=guessed if guessed is not None and guessed > 0 else None,
                        category="/".join((row.get(c) or "").strip() for c in category),
                        order=float(line),
                    )
                )
        except (csv.Error, UnicodeDecodeError) as problem:
            message = f"{path.name} is not a readable UTF-8 CSV file: {problem}"
            raise BacktestError(message) from None
    return items


def read_rows(path: Path, text_columns: Sequence[str], target: str) -> tuple[list[str], np.ndarray]:
    """Texts and targets of a CSV file in file order (see :func:`read_items`)."""
    items = read_items(path, text_columns, target)
    return [item.text for item in items], np.asarray([item.actual for item in items], dtype=float)


def with_embeddings(items: Sequence[PastItem], embed: Embed) -> list[PastItem]:
    """``items`` with their texts' embeddings attached."""
    if not items:
        return list(items)
    vectors = np.asarray(embed([item.text for item in items]), dtype=np.float32)
    return [replace(item, embedding=vector) for item, vector in zip(items, vectors, strict=True)]


def backtest_file(
    path: Path,
    text_columns: Sequence[str],
    target: str,
    train_fraction: float = 0.8,
    k: int | None = None,
    *,
    guess: str | None = None,
    category: Sequence[str] = (),
    embed: Embed | None = None,
) -> EngineResult:
    """Time-split backtest of a CSV file with the engine ``/scope`` uses.

    ``embed`` (the product's embedder) gives the rows their semantic similarity; without it
    only the lexical one is used. With ``guess``, the engine combines each row's guess with
    the history, and the raw guess's MAE is reported beside it.
    """
    if not 0.0 < train_fraction < 1.0:
        raise BacktestError("--train-fraction must be between 0 and 1 (e.g. 0.8)")
    if k is not None and k < 1:
        raise BacktestError("--k must be at least 1")
    items = read_items(path, text_columns, target, guess=guess, category=category)
    if embed is not None:
        items = with_embeddings(items, embed)
    return time_split(items, train_fraction, use_guess=guess is not None, k=k)


@dataclass(frozen=True)
class Case:
    """One closed project for leave-one-out: its id, the text to search with, its actual."""

    id: str
    text: str
    actual: float


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


Predictor = Callable[[EstimatorParams], tuple[list[Prediction], np.ndarray]]


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

"""Backtests: CSV files through the engine never peek at scored rows; leave-one-out; bad input."""

from __future__ import annotations

import csv
import math
import random
from pathlib import Path

import numpy as np
import pytest

from bot.backtest import (
    BacktestError,
    Case,
    backtest_file,
    backtest_leave_one_out,
    calibrate_leave_one_out,
    read_items,
    read_rows,
)
from bot.estimate import EstimatorParams
from estimating import BacktestResult, PastItem, time_split

KINDS = {
    "login form with password reset": 2.0,
    "payment gateway integration with refunds": 8.0,
    "csv report export for admins": 3.0,
    "search index rebuild and ranking": 5.0,
}


def synthetic_rows(n: int, seed: int = 7) -> tuple[list[str], list[float]]:
    """Items whose size depends on what they are about, with some noise, in random order."""
    rng = random.Random(seed)
    texts: list[str] = []
    targets: list[float] = []
    for i in range(n):
        text, size = rng.choice(list(KINDS.items()))
        texts.append(f"{text} item {i}")
        targets.append(size if rng.random() < 0.8 else rng.choice([1.0, 2.0, 3.0, 5.0, 8.0]))
    return texts, targets


def backtest_rows(
    texts: list[str], targets: list[float], train_fraction: float = 0.8, k: int | None = None
) -> BacktestResult:
    pairs = zip(texts, targets, strict=True)
    items = [PastItem(str(i), t, y, order=i) for i, (t, y) in enumerate(pairs)]
    return time_split(items, train_fraction, k=k)


def test_similar_rows_beat_the_baselines() -> None:
    texts, targets = synthetic_rows(200)
    result = backtest_rows(texts, targets, train_fraction=0.8)
    assert result.n == 40
    assert result.mae < 0.7 * result.baseline_median_mae
    assert result.mae < result.baseline_mean_mae
    assert 0.0 <= result.coverage_80 <= 1.0 and result.width_80 >= 0
    assert result.band_ratio >= 1.0
    assert set(result.metrics()) == {
        "mae",
        "mdae",
        "coverage_80",
        "width_80",
        "band_ratio",
        "n",
        "baseline_mean_mae",
        "baseline_median_mae",
        "guess_mae",
    }


def test_scored_rows_never_influence_their_own_estimates() -> None:
    texts, targets = synthetic_rows(120)
    cut = int(120 * 0.8)
    base = backtest_rows(texts, targets)
    # Change every scored outcome: the estimates (and the tuned knobs) must not move, so the
    # errors change exactly as the outcomes did.
    shifted = targets[:cut] + [t + 100.0 for t in targets[cut:]]
    moved = backtest_rows(texts, shifted)
    assert moved.knobs == base.knobs
    assert moved.tuned.bands == base.tuned.bands
    assert moved.baseline_median_mae == pytest.approx(base.baseline_median_mae + 100.0, rel=0.2)
    assert moved.coverage_80 == 0.0


def test_leave_one_out_by_hand() -> None:
    cases = [Case("a", "a", 10.0), Case("b", "b", 20.0), Case("c", "c", 30.0)]

    def search(text: str, k: int) -> list[tuple[str, float]]:
        # Every project is half-similar to every other (and fully to itself, which is dropped).
        return [(c.id, 1.0 if c.id == text else 0.5) for c in cases][:k]

    params = EstimatorParams(min_similarity=0.0, low_confidence_widening=1.0)
    result = backtest_leave_one_out(cases, search, params)
    # Each estimate: evidence 1.0 vs prior strength 1 -> half on the other two, half on the
    # same two as history; the weighted (lower) median is the smaller of the two others.
    # a -> 20 (err 10), b -> 10 (err 10), c -> 10 (err 20).
    assert result.n == 3
    assert result.mae == pytest.approx(40 / 3)
    assert result.mdae == pytest.approx(10.0)
    # Baselines over the other two: mean = median -> errors 15, 0, 15.
    assert result.baseline_mean_mae == pytest.approx(10.0)
    assert result.baseline_median_mae == pytest.approx(10.0)


def test_leave_one_out_needs_two_projects() -> None:
    with pytest.raises(BacktestError, match="at least two closed projects"):
        backtest_leave_one_out([Case("a", "a", 1.0)], lambda text, k: [])


def write_csv(path: Path, rows: list[dict[str, str]]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_read_rows_joins_columns_and_skips_rows_without_a_number(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "items.csv",
        [
            {"title": "Login", "description": "with reset", "points": "3"},
            {"title": "Export", "description": "", "points": ""},
            {"title": "Search", "description": "ranking", "points": "lots"},
            {"title": "Pay", "description": "refunds", "points": "-2"},
            {"title": "Report", "description": "pdf", "points": "5"},
        ],
    )
    texts, targets = read_rows(path, ["title", "description"], "points")
    assert texts == ["Login \n with reset", "Report \n pdf"]
    assert np.array_equal(targets, [3.0, 5.0])


def test_read_items_takes_the_guess_and_the_category(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "tasks.csv",
        [
            {"summary": "Login", "kind": "Dev", "sub": "Bug", "guess": "3", "hours": "4"},
            {"summary": "Export", "kind": "Ops", "sub": "", "guess": "n/a", "hours": "2"},
            {"summary": "Search", "kind": "Dev", "sub": "New", "guess": "0", "hours": "6"},
        ],
    )
    items = read_items(path, ["summary"], "hours", guess="guess", category=["kind", "sub"])
    assert [(i.text, i.actual, i.guess, i.category) for i in items] == [
        ("Login", 4.0, 3.0, "Dev/Bug"),
        ("Export", 2.0, None, "Ops/"),
        ("Search", 6.0, None, "Dev/New"),  # a guess of 0 is no guess
    ]
    assert [i.order for i in items] == [0.0, 1.0, 2.0]
    with pytest.raises(BacktestError, match="no column 'estimate'"):
        read_items(path, ["summary"], "hours", guess="estimate")


@pytest.mark.parametrize(
    ("columns", "target", "message"),
    [
        (["title"], "nope", "no column 'nope'"),
        (["headline"], "points", "no column 'headline'"),
        ([], "points", "at least one --text"),
    ],
)
def test_bad_columns_are_named(
    tmp_path: Path, columns: list[str], target: str, message: str
) -> None:
    path = write_csv(tmp_path / "items.csv", [{"title": "x", "points": "1"}])
    with pytest.raises(BacktestError, match=message):
        read_rows(path, columns, target)


def test_missing_file_and_bad_fractions(tmp_path: Path) -> None:
    with pytest.raises(BacktestError, match="cannot read"):
        backtest_file(tmp_path / "absent.csv", ["title"], "points")
    texts, targets = synthetic_rows(40)
    with pytest.raises(BacktestError, match="between 0 and 1"):
        backtest_rows(texts, targets, train_fraction=1.0)
    with pytest.raises(BacktestError, match="at least 10 history rows"):
        backtest_rows(texts[:8], targets[:8])
    with pytest.raises(BacktestError, match="--k"):
        backtest_rows(texts, targets, k=0)


def test_semicolons_long_fields_and_bad_encodings(tmp_path: Path) -> None:
    long_text = "stack trace line\n" * 20_000  # ~340 KB, over the csv module's default limit
    semicolons = tmp_path / "export.csv"
    semicolons.write_text(
        f'title;points\n"Login";3\n"{long_text}";5\n', encoding="utf-8", newline=""
    )
    texts, targets = read_rows(semicolons, ["title"], "points")
    assert texts[0] == "Login" and len(texts[1]) == len(long_text)
    assert targets.tolist() == [3.0, 5.0]

    latin = tmp_path / "latin.csv"
    latin.write_bytes("title,points\nCaf\xe9 menu,3\n".encode("latin-1"))
    with pytest.raises(BacktestError, match="not a readable UTF-8 CSV"):
        read_rows(latin, ["title"], "points")

    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(BacktestError, match="columns: none"):
        read_rows(empty, ["title"], "points")


def portfolio(n: int, seed: int) -> list[Case]:
    """Projects of four kinds whose hours scatter log-normally around each kind's size."""
    rng = random.Random(seed)
    sizes = {"landing": 20.0, "shop": 40.0, "app": 80.0, "platform": 160.0}
    cases = []
    for i in range(n):
        kind = rng.choice(list(sizes))
        hours = sizes[kind] * math.exp(rng.gauss(0, 0.4))
        cases.append(Case(f"{seed}-{i}", f"{kind} {seed}-{i}", hours))
    return cases


def kind_search(cases: list[Case]):  # type: ignore[no-untyped-def]
    """Same kind: similarity 0.6-0.9 (varying by pair, as real searches do); others 0.3."""

    def similarity(query: str, case: Case) -> float:
        if query.split()[0] != case.text.split()[0]:
            return 0.3
        return 0.6 + 0.3 * random.Random(f"{query}|{case.id}").random()

    def search(text: str, k: int) -> list[tuple[str, float]]:
        scored = [(c.id, 1.0 if c.text == text else similarity(text, c)) for c in cases]
        return sorted(scored, key=lambda pair: -pair[1])[:k]

    return search


def test_leave_one_out_calibration_reaches_the_target_and_carries_over() -> None:
    history = portfolio(200, seed=1)
    params = EstimatorParams(k=5, min_similarity=0.25)
    calibrated = calibrate_leave_one_out(history, kind_search(history), params)
    assert calibrated.k == 5 and calibrated.min_similarity == 0.25
    own = backtest_leave_one_out(history, kind_search(history), calibrated)
    assert own.coverage_80 >= 0.8  # conformal level on its own rounds
    # New projects from the same practice: the calibrated band holds roughly 80% of them.
    fresh = portfolio(400, seed=2)
    coverage = backtest_leave_one_out(fresh, kind_search(fresh), calibrated).coverage_80
    assert 0.72 <= coverage <= 0.88
    # Calibration changed the band (the default 10% tails are not 80% bands here).
    assert (calibrated.interval_tail, calibrated.interval_margin) != (0.1, 0.0)

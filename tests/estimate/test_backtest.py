"""Backtests: CSV files through the engine never peek at scored rows; leave-one-out; bad input."""

from __future__ import annotations

import csv
import random
from pathlib import Path

import numpy as np
import pytest

from bot.backtest import backtest_file, read_items, read_rows
from estimating import BacktestError, BacktestResult, PastItem, leave_one_out, time_split

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
        "wide_share",
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


def test_leave_one_out_by_hand() -> None:
    items = [PastItem("a", "a", 10.0), PastItem("b", "b", 20.0), PastItem("c", "c", 30.0)]

    def search(item: PastItem) -> dict[str, float]:
        # Every project is half-similar to every other (and fully to itself, which is dropped).
        return {other.id: 1.0 if other.id == item.id else 0.5 for other in items}

    result = leave_one_out(items, semantic=search)
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
        leave_one_out([PastItem("a", "a", 1.0)])

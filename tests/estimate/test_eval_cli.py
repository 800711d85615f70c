"""`atelier eval` end to end: a CSV file, the tenant's own projects, and friendly errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from adapters.cli import app
from bot.config import Settings
from tests.estimate.test_backtest import synthetic_rows, write_csv

KEYS = {"mae", "mdae", "coverage_80", "width_80", "n", "baseline_mean_mae", "baseline_median_mae"}
FILE_KEYS = KEYS | {"band_ratio", "wide_share", "guess_mae"}


@pytest.fixture
def items_csv(tmp_path: Path) -> Path:
    texts, targets = synthetic_rows(60)
    rows = [
        {"key": f"K-{i}", "title": t.split(" item")[0], "description": t, "points": f"{y:g}"}
        for i, (t, y) in enumerate(zip(texts, targets, strict=True))
    ]
    return write_csv(tmp_path / "items.csv", rows)


def test_json_has_exactly_the_published_keys(items_csv: Path, settings: Settings) -> None:
    args = ["eval", str(items_csv), "--text", "title", "--text", "description"]
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(
        app, [*args, "--target", "points", "--json", "--k", "5"], env=env
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == FILE_KEYS
    assert data["n"] == 12
    assert data["mae"] < data["baseline_median_mae"]
    assert 0.0 <= data["wide_share"] <= 1.0  # the share of bands over 8x the text prints


def test_table_names_every_measure(items_csv: Path, settings: Settings) -> None:
    args = ["eval", str(items_csv), "--text", "title", "--target", "points"]
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(app, [*args, "--train-fraction", "0.5"], env=env)
    assert result.exit_code == 0, result.output
    for words in (
        "MAE",
        "median absolute error",
        "coverage",
        "width",
        "history mean",
        "history median",
        "P90/P10",
        "30",
    ):
        assert words in result.output
    # The rows were embedded once with the product's embedder and kept for the next run.
    assert list((settings.data_dir / "eval-embeddings").glob("*.npy"))


def test_guess_column_is_scored_beside_the_raw_guess(tmp_path: Path, settings: Settings) -> None:
    texts, targets = synthetic_rows(80)
    rows = [
        {"title": t, "points": f"{y:g}", "guess": f"{y * 2:g}"}  # always guessed twice too high
        for t, y in zip(texts, targets, strict=True)
    ]
    path = write_csv(tmp_path / "guessed.csv", rows)
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    args = ["eval", str(path), "--text", "title", "--target", "points", "--guess", "guess"]
    result = CliRunner().invoke(app, [*args, "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["guess_mae"] == pytest.approx(
        sum(targets[64:]) / 16  # the raw guess is off by the outcome itself
    )
    assert data["mae"] < 0.2 * data["guess_mae"]  # the history says: halve the guess
    table = CliRunner().invoke(app, args, env=env)
    assert "raw guess (guess)" in table.output


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--text", "title", "--target", "nope"], "no column 'nope'"),
        (["--target", "points"], "--text"),
        (["--text", "title", "--target", "points", "--train-fraction", "1.5"], "between 0 and 1"),
    ],
)
def test_bad_input_exits_2_with_one_clear_line(
    items_csv: Path, extra: list[str], message: str, settings: Settings
) -> None:
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(app, ["eval", str(items_csv), *extra], env=env)
    assert result.exit_code == 2
    assert message in result.output
    assert "Traceback" not in result.output


def test_tenant_leave_one_out_over_the_demo_portfolio(settings: Settings) -> None:
    # The `settings` fixture isolates the environment and the data dir (under tmp_path).
    env = {"ATELIER_DATA_DIR": str(settings.data_dir)}
    result = CliRunner().invoke(app, ["eval", "--json"], env=env)
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert set(data) == FILE_KEYS
    assert data["n"] >= 20
    assert data["mae"] > 0 and 0 <= data["coverage_80"] <= 1

    empty = CliRunner().invoke(app, ["eval", "--json", "--tenant", "T-empty"], env=env)
    assert empty.exit_code == 2
    assert "at least two closed projects" in json.loads(empty.output)["error"]

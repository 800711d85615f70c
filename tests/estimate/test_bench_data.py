"""bench/estimates.py reads its data from --data DIR, $ATELIER_ESTIMATE_DATA or the default."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np
import pytest

from bench import estimates


def test_the_folder_comes_from_the_option_then_the_environment_then_the_default(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(estimates.DATA_ENV, raising=False)
    assert estimates.data_dir() == estimates.DEFAULT_DATA_DIR
    monkeypatch.setenv(estimates.DATA_ENV, str(tmp_path / "from-env"))
    assert estimates.data_dir() == tmp_path / "from-env"
    assert estimates.data_dir(tmp_path / "given") == tmp_path / "given"
    monkeypatch.setenv(estimates.DATA_ENV, "  ")
    assert estimates.data_dir() == estimates.DEFAULT_DATA_DIR


def test_a_missing_folder_named_by_the_user_is_a_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "nowhere"
    assert estimates.main(["--data", str(missing)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert str(missing) in captured.err and "does not exist" in captured.err
    assert "--data DIR" in captured.err and estimates.DATA_ENV in captured.err
    (tmp_path / "empty").mkdir()
    assert estimates.main(["--data", str(tmp_path / "empty")]) == 2
    assert "has none of the files" in capsys.readouterr().err


def test_missing_files_become_skipped_rows_naming_where_they_were_looked_for(
    tmp_path: Path,
) -> None:
    rows = estimates.run(quick=True, data=tmp_path)
    assert [row["name"] for row in rows] == ["usergrid: skipped", "sip-pc4: skipped"]
    assert str(tmp_path / "storypoints" / "usergrid.csv") in rows[0]["note"]
    assert all(row["value"] is None for row in rows)


def _write(path: Path, header: list[str], rows: list[list[object]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)


def test_a_data_folder_elsewhere_is_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(estimates, "_embed", lambda: None)  # lexical similarity only
    rng = np.random.default_rng(2)
    words = ["login", "search", "export", "upload", "report", "cache"]
    points = [1, 2, 3, 5, 8]
    _write(
        tmp_path / "storypoints" / "usergrid.csv",
        ["title", "description", "storypoint"],
        [[f"{words[i % 6]} page", f"fix the {words[i % 6]}", points[i % 5]] for i in range(80)],
    )
    hours = rng.uniform(1, 20, 80).round(1)
    _write(
        tmp_path / "hours" / "sip-pc4.csv",
        ["summary", "category", "subcategory", "hours_estimate", "hours_actual"],
        [[f"{words[i % 6]} task", "Development", "Bug", h, h * 1.2] for i, h in enumerate(hours)],
    )
    rows = estimates.run(quick=True, data=tmp_path)
    names = [row["name"] for row in rows]
    assert names[0].startswith("usergrid: MAE vs history median (n=16)")
    assert any(name.startswith("sip-pc4 --guess: MAE vs the raw guess") for name in names)
    assert all(row["value"] is not None for row in rows)
    # The history checks never reach the scored 20%: the last one ends at 80% of the file.
    checks = estimates.history_check_rows(None, tmp_path)
    per_file = len(estimates.HISTORY_CHECKS)
    assert len(checks) == 3 * per_file + 1  # usergrid, sip-pc4 with and without the guess
    assert max(stop for _, stop in estimates.HISTORY_CHECKS) == 0.8
    assert "64%→80% (n=13)" in checks[per_file - 1]["name"]
    assert "within 0.05" in checks[-1]["name"] and 0 <= checks[-1]["value"] <= 1

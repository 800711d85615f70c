"""Estimate accuracy on real story-point projects: `atelier eval` against its baselines.

For each development project (four open-source projects of the story-point dataset of
Choetkiertikul et al., 2018) the first 80% of rows is history and the last 20% is estimated from
that history only, exactly as `atelier eval FILE --text title --text description --target
storypoint` does. Rows:

* MAE against the history-median baseline of the same run (target ratio ≤ 0.95: a clear win);
* MAE against Deep-SE's published MAE on that project (a fixed figure, not re-run here);
* P10–P90 coverage, and its distance from 0.80 (target ≤ 0.03);
* time per estimate, tuning and calibration on the history included (target ≤ 100 ms).

The data sits beside the repository (``../shared/data/storypoints``); when it is absent the
rows are skipped with a note, never failed. Run with ``python -m bench.estimates``.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from bot.backtest import backtest_file

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = REPO_ROOT.parent / "shared" / "data" / "storypoints"
PROJECTS = ("appceleratorstudio", "mesos", "talendesb", "usergrid")
QUICK_PROJECTS = ("talendesb", "usergrid")
# Deep-SE's published MAE per project (from the dataset's README; a different split, so a
# reference point rather than a same-run baseline).
DEEP_SE_MAE = {"appceleratorstudio": 1.36, "mesos": 1.02, "talendesb": 0.64, "usergrid": 1.03}

Row = dict[str, Any]


def project_rows(name: str, path: Path) -> list[Row]:
    result = backtest_file(path, ["title", "description"], "storypoint", train_fraction=0.8)
    return [
        {
            "name": f"{name}: MAE vs history median (n={result.n})",
            "value": result.mae,
            "unit": "points",
            "baseline": result.baseline_median_mae,
            "target": 0.95,
            "baseline_mean_mae": result.baseline_mean_mae,
            "mdae": result.mdae,
        },
        {
            "name": f"{name}: MAE vs Deep-SE (published)",
            "value": result.mae,
            "unit": "points",
            "baseline": DEEP_SE_MAE[name],
            "target": 1.0,
        },
        {
            "name": f"{name}: P10–P90 coverage (aim 0.80)",
            "value": result.coverage_80,
            "unit": "share",
            "baseline": None,
            "target": None,
            "width_80": result.width_80,
        },
        {
            "name": f"{name}: |coverage − 0.80|",
            "value": abs(result.coverage_80 - 0.8),
            "unit": "share",
            "baseline": None,
            "target": 0.03,
            "target_on": "value",
        },
        {
            "name": f"{name}: time per estimate (tuning included)",
            "value": result.seconds_per_estimate * 1000,
            "unit": "ms",
            "baseline": None,
            "target": 100.0,
            "target_on": "value",
        },
    ]


def run(quick: bool = False) -> list[Row]:
    rows: list[Row] = []
    for name in QUICK_PROJECTS if quick else PROJECTS:
        path = DATA_DIR / f"{name}.csv"
        if not path.is_file():
            rows.append(
                {
                    "name": f"{name}: skipped",
                    "value": None,
                    "unit": "",
                    "baseline": None,
                    "target": None,
                    "note": f"development data not found beside the repository ({path.name})",
                }
            )
            continue
        rows += project_rows(name, path)
    return rows


if __name__ == "__main__":
    json.dump(run(quick="--quick" in sys.argv), sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")

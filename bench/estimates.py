"""Estimate accuracy on real histories: the engine `/scope` uses, against its baselines.

Two datasets are read from a data folder: ``--data DIR``, else the ``ATELIER_ESTIMATE_DATA``
environment variable (which ``make bench`` passes on), else ``../shared/data`` beside the
repository:

* ``storypoints``: four open-source projects of the story-point dataset of Choetkiertikul et
  al. (2018), text = title + description;
* ``hours``: three task histories of the SiP dataset with the developer's own estimate
  (``hours_estimate``) and the actual hours, text = summary, category = category/subcategory.

For each file the first 80% of rows is history and the last 20% is estimated from that history
only, exactly as ``atelier eval FILE`` does, rows embedded with the product's embedder (the
vectors are cached in ``bench/results/eval-embeddings``, so only the first run pays for them).
Rows of the table (targets):

* MAE against the history-median baseline of the same run (ratio below 1 on every file);
* hours files with ``--guess hours_estimate``: MAE against the raw guess (below it on at
  least two of three files) and the coverage of that band;
* P10–P90 coverage as ``|coverage − 0.80|`` (≤ 0.05 on every file), with the mean P90/P10
  and the share of bands wider than 8× (those that say so and ask the narrowing questions);
* time per estimate with a tuned history of 1,000 rows (≤ 30 ms), and the BLAS kernel numpy
  ran on.

Missing data is reported as skipped rows naming the folder and how to point at another, never
a failure. Run with ``python -m bench.estimates [--data DIR] [--quick]`` (or ``make bench`` for
every benchmark).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "data"
DATA_ENV = "ATELIER_ESTIMATE_DATA"
CACHE_DIR = Path(__file__).resolve().parent / "results"
STORY_POINTS = ("appceleratorstudio", "mesos", "talendesb", "usergrid")
HOURS = ("sip-pc4", "sip-pc5", "sip-pc9")
QUICK = ("usergrid", "sip-pc4")
TIMING_ROWS = 1000

Row = dict[str, Any]


def _embed() -> Any:
    from adapters.cli.eval import file_embedder

    return file_embedder("local", CACHE_DIR)


def data_dir(given: str | Path | None = None) -> Path:
    """The data folder: ``given``, else ``$ATELIER_ESTIMATE_DATA``, else ``../shared/data``."""
    chosen = given or os.environ.get(DATA_ENV, "").strip()
    return Path(chosen).expanduser() if chosen else DEFAULT_DATA_DIR


def missing_data_message(folder: Path) -> str | None:
    """A friendly explanation when ``folder`` holds none of the files, else ``None``."""
    expected = [_spec(name, folder)["path"] for name in (*STORY_POINTS, *HOURS)]
    if any(path.is_file() for path in expected):
        return None
    where = "does not exist" if not folder.is_dir() else "has none of the files"
    return (
        f"The estimate data folder {folder} {where}. It should hold storypoints/<project>.csv "
        f"({', '.join(STORY_POINTS)}) and hours/<project>.csv ({', '.join(HOURS)}). Point at "
        f"another folder with --data DIR or the {DATA_ENV} environment variable."
    )


def _spec(name: str, folder: Path) -> dict[str, Any]:
    if name in HOURS:
        return {
            "path": folder / "hours" / f"{name}.csv",
            "text_columns": ["summary"],
            "target": "hours_actual",
            "category": ["category", "subcategory"],
            "unit": "h",
        }
    return {
        "path": folder / "storypoints" / f"{name}.csv",
        "text_columns": ["title", "description"],
        "target": "storypoint",
        "category": [],
        "unit": "points",
    }


def blas_kernel() -> str:
    """Which BLAS library and kernel numpy runs on (threadpoolctl), e.g. "openblas Haswell"."""
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                return (
                    f"{pool.get('internal_api', '?')} {pool.get('architecture') or ''}".strip()
                    + f", {pool.get('num_threads', '?')} threads"
                )
    except Exception as problem:  # informational only
        return f"unknown ({problem})"
    return "unknown"


def file_rows(name: str, embed: Any, folder: Path) -> list[Row]:
    from bot.backtest import backtest_file

    spec = _spec(name, folder)
    unit = spec["unit"]
    started = time.perf_counter()
    plain = backtest_file(
        spec["path"],
        spec["text_columns"],
        spec["target"],
        0.8,
        category=spec["category"],
        embed=embed,
    )
    rows: list[Row] = [
        {
            "name": f"{name}: MAE vs history median (n={plain.n})",
            "value": plain.mae,
            "unit": unit,
            "baseline": plain.baseline_median_mae,
            "target": 0.999,
            "coverage_80": plain.coverage_80,
            "band_ratio": plain.band_ratio,
            "wide_share": plain.wide_share,
        },
        {
            "name": f"{name}: |P10–P90 coverage − 0.80| (coverage {plain.coverage_80:.3f}, "
            f"mean P90/P10 {plain.band_ratio:.1f}, {plain.wide_share:.0%} over 8)",
            "value": abs(plain.coverage_80 - 0.8),
            "unit": "",
            "baseline": None,
            "target": 0.05 if name in STORY_POINTS else None,
            "target_on": "value",
        },
    ]
    if name in HOURS:
        guessed = backtest_file(
            spec["path"],
            spec["text_columns"],
            spec["target"],
            0.8,
            guess="hours_estimate",
            category=spec["category"],
            embed=embed,
        )
        rows += [
            {
                "name": f"{name} --guess: MAE vs the raw guess",
                "value": guessed.mae,
                "unit": unit,
                "baseline": guessed.guess_mae,
                "target": None,  # judged over the three files (at least two of three)
            },
            {
                "name": f"{name} --guess: MAE vs history median",
                "value": guessed.mae,
                "unit": unit,
                "baseline": guessed.baseline_median_mae,
                "target": 0.999,
            },
            {
                "name": f"{name} --guess: |coverage − 0.80| (coverage "
                f"{guessed.coverage_80:.3f}, mean P90/P10 {guessed.band_ratio:.1f}, "
                f"{guessed.wide_share:.0%} over 8)",
                "value": abs(guessed.coverage_80 - 0.8),
                "unit": "",
                "baseline": None,
                "target": 0.05,
                "target_on": "value",
            },
        ]
    rows[0]["seconds"] = time.perf_counter() - started
    return rows


def guess_summary(rows: list[Row]) -> Row:
    wins = [r for r in rows if r["name"].endswith("--guess: MAE vs the raw guess")]
    beaten = sum(1 for r in wins if r["baseline"] is not None and r["value"] < r["baseline"])
    return {
        "name": f"hours files where the guess model beats the raw guess ({len(wins)} scored)",
        "value": float(len(wins) - beaten),
        "unit": "files not beaten",
        "baseline": None,
        "target": float(max(len(wins) - 2, 0)),
        "target_on": "value",
    }


def timing_rows(embed: Any, folder: Path) -> list[Row]:
    """Milliseconds per single estimate against a tuned 1,000-row history (query embedded)."""
    from bot.backtest import read_items, with_embeddings
    from estimating import Engine, History, tune
    from estimating.tuning import query_of

    spec = _spec("appceleratorstudio", folder)
    items = read_items(spec["path"], spec["text_columns"], spec["target"])
    items = with_embeddings(items, embed)[: TIMING_ROWS + 200]  # the cached vectors
    history = History(items[:TIMING_ROWS])
    tuned = tune(history)
    engine = Engine(history, tuned.knobs, tuned.bands)
    queries = [query_of(item, False) for item in items[TIMING_ROWS:]]
    engine.estimate(queries[0])  # warm-up
    times = []
    for query in queries:
        started = time.perf_counter()
        engine.estimate(query)
        times.append((time.perf_counter() - started) * 1000)
    return [
        {
            "name": f"one estimate at {TIMING_ROWS} history rows, mean (BLAS: {blas_kernel()})",
            "value": float(np.mean(times)),
            "unit": "ms",
            "baseline": None,
            "target": 30.0,
            "target_on": "value",
        },
        {
            "name": f"one estimate at {TIMING_ROWS} history rows, p99",
            "value": float(np.percentile(times, 99)),
            "unit": "ms",
            "baseline": None,
            "target": 30.0,
            "target_on": "value",
        },
        {
            "name": f"tuning + band calibration of the {TIMING_ROWS}-row history (once per change)",
            "value": tuned.seconds,
            "unit": "s",
            "baseline": None,
            "target": None,
        },
    ]


# Pseudo-futures inside each file's first 80% (the history the scored rows are estimated from):
# the rows from `start` to `stop` of the file estimated from the rows before `start`. Band and
# knob rules are judged on these, never on the scored 20%.
HISTORY_CHECKS = ((0.4, 0.5), (0.5, 0.6), (0.6, 0.7), (0.7, 0.8), (0.512, 0.64), (0.64, 0.8))


def history_check_rows(embed: Any, folder: Path) -> list[Row]:
    """Coverage, P90/P10 and MAE against the median on every history check of every file."""
    from bot.backtest import read_items, with_embeddings
    from estimating import time_split

    rows: list[Row] = []
    gaps: list[float] = []
    for name in (*STORY_POINTS, *HOURS):
        spec = _spec(name, folder)
        if not spec["path"].is_file():
            continue
        for guess in (False,) if name in STORY_POINTS else (False, True):
            items = read_items(
                spec["path"],
                spec["text_columns"],
                spec["target"],
                guess="hours_estimate" if guess else None,
                category=spec["category"],
            )
            items = with_embeddings(items, embed) if embed is not None else items
            for start, stop in HISTORY_CHECKS:
                part = items[: int(len(items) * stop)]
                cut = int(len(items) * start)
                result = time_split(part, (cut + 0.5) / len(part), use_guess=guess)
                scored = name in STORY_POINTS or guess  # the rows with a coverage target
                if scored:
                    gaps.append(abs(result.coverage_80 - 0.8))
                rows.append(
                    {
                        "name": f"{name}{' --guess' if guess else ''} history check "
                        f"{start:.0%}→{stop:.0%} (n={result.n}): coverage "
                        f"(mean P90/P10 {result.band_ratio:.1f}, MAE "
                        f"{result.mae / result.baseline_median_mae:.3f}× the median)",
                        "value": result.coverage_80,
                        "unit": "",
                        "baseline": None,
                        "target": None,
                    }
                )
    if gaps:
        rows.append(
            {
                "name": f"history checks with a coverage target: mean |coverage − 0.80| "
                f"({sum(g <= 0.05 + 1e-12 for g in gaps)} of {len(gaps)} within 0.05)",
                "value": float(np.mean(gaps)),
                "unit": "",
                "baseline": None,
                "target": None,
            }
        )
    return rows


def run(quick: bool = False, data: str | Path | None = None) -> list[Row]:
    """The benchmark's rows over the data folder (see :func:`data_dir`)."""
    folder = data_dir(data)
    names = QUICK if quick else (*STORY_POINTS, *HOURS)
    present = [name for name in names if _spec(name, folder)["path"].is_file()]
    embed = _embed() if present else None
    rows: list[Row] = []
    for name in names:
        path = _spec(name, folder)["path"]
        if name not in present:
            rows.append(
                {
                    "name": f"{name}: skipped",
                    "value": None,
                    "unit": "",
                    "baseline": None,
                    "target": None,
                    "note": f"{path} not found (--data DIR or ${DATA_ENV} names the folder)",
                }
            )
            continue
        rows += file_rows(name, embed, folder)
    if not quick and present:
        rows.append(guess_summary(rows))
    if _spec("appceleratorstudio", folder)["path"].is_file():
        rows += timing_rows(embed, folder)
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.estimates", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--data",
        metavar="DIR",
        help=f"folder with storypoints/ and hours/ (default: ${DATA_ENV}, else "
        "../shared/data beside the repository)",
    )
    parser.add_argument("--quick", action="store_true", help="two files only: a fast smoke run")
    parser.add_argument(
        "--history-checks",
        action="store_true",
        help="instead, score each file's pseudo-futures inside its first 80%% (the checks "
        "band and knob rules are judged on)",
    )
    args = parser.parse_args(argv)
    folder = data_dir(args.data)
    problem = missing_data_message(folder)
    if problem:
        print(problem, file=sys.stderr)
        if args.data or os.environ.get(DATA_ENV, "").strip():
            return 2  # the folder the user named is wrong: say so, and stop
    if args.history_checks:
        rows = history_check_rows(_embed(), folder)
    else:
        rows = run(quick=args.quick, data=folder)
    json.dump(rows, sys.stdout, indent=2, default=str)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

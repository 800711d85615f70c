"""The estimating engine: effort estimates from a history of past items, pure numpy/scikit-learn.

It takes a typed source of past items (:class:`PastItem`) and knows nothing of chat, stores or
files. ``/scope``, ``atelier eval`` and the benchmarks all run it.
"""

from estimating.backtest import BacktestError, BacktestResult, leave_one_out, time_split
from estimating.bands import WIDE, Band, calibrate
from estimating.engine import Engine, Estimate, Knobs
from estimating.items import History, ItemSource, PastItem, Query
from estimating.quantiles import (
    RatioStats,
    nearest_observed,
    overrun,
    scale_band,
    weighted_median,
    weighted_quantile,
    weighted_quantiles,
)
from estimating.tuning import Tuned, TuningCache, tune

__all__ = [
    "WIDE",
    "BacktestError",
    "BacktestResult",
    "Band",
    "Engine",
    "Estimate",
    "History",
    "ItemSource",
    "Knobs",
    "PastItem",
    "Query",
    "RatioStats",
    "Tuned",
    "TuningCache",
    "calibrate",
    "leave_one_out",
    "nearest_observed",
    "overrun",
    "scale_band",
    "time_split",
    "tune",
    "weighted_median",
    "weighted_quantile",
    "weighted_quantiles",
]

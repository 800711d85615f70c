"""A P10–P90 band calibrated on each tenant's own closed projects, computed once and cached.

The estimator's default band reads the 10% tails of the analogue mixture, which is only an 80%
range if the tenant's projects happen to behave like that. Here each recent closed project is
estimated from all the others through the same search `/scope` uses (leave-one-out), and the
band is widened or narrowed until it held ~80% of them (``bot.backtest.calibrate_leave_one_out``).

That costs one search per project left out, so it is done once per tenant and kept in memory
until the tenant's project count changes (an import, a closed project), like
``bot.scoping.history``. At most ``MAX_ROUNDS`` of the most recently finished projects are left
out: they are the best guide to the next ones, and the cost stays bounded for a studio with
thousands of projects. Below ``MIN_PROJECTS`` there is too little to calibrate and the default
band is kept.
"""

from __future__ import annotations

import contextlib
import threading
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.backtest import BacktestError, Case, calibrate_leave_one_out
from bot.estimate import EstimatorParams
from bot.scoping.history import TenantHistory

MIN_PROJECTS = 10
MAX_ROUNDS = 60

_lock = threading.Lock()
_key_locks: dict[tuple[int, str], threading.Lock] = {}
_caches: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], TenantBand]] = (
    weakref.WeakKeyDictionary()
)


@dataclass(frozen=True)
class TenantBand:
    """Estimator knobs with the tenant's calibrated band, and what it was calibrated on."""

    params: EstimatorParams
    projects: int  # closed projects left out in the calibration (0: default band)
    count: int  # the tenant's project count when computed (the cache key's freshness)


def _cases(closed: Sequence[Any]) -> list[Case]:
    """Closed projects with actual hours, most recently finished first (as history lists them)."""
    return [
        Case(p.id, f"{p.title}\n{p.summary}", float(p.actual_hours))
        for p in closed
        if p.actual_hours is not None and p.actual_hours >= 0
    ]


def _compute(
    store: Any, tenant: str, history: TenantHistory, params: EstimatorParams
) -> TenantBand:
    cases = _cases(history.closed)
    if len(cases) < MIN_PROJECTS:
        return TenantBand(params, 0, history.count)

    def search(text: str, k: int) -> list[tuple[str, float]]:
        return [
            (m.project.id, m.similarity) for m in store.search(tenant, text, k, status="closed")
        ]

    try:
        calibrated = calibrate_leave_one_out(cases, search, params, limit=MAX_ROUNDS)
    except BacktestError:
        return TenantBand(params, 0, history.count)
    return TenantBand(calibrated, min(len(cases), MAX_ROUNDS), history.count)


def tenant_band(
    store: Any, tenant: str, history: TenantHistory, params: EstimatorParams
) -> TenantBand:
    """``params`` with the band calibrated on ``tenant``'s closed projects (sync; worker thread).

    Cached per store (weakly), tenant and estimator knobs, recomputed when the tenant's project
    count differs from the one it was computed at. Concurrent first calls for the same tenant
    wait for one computation instead of each searching the store.
    """
    key = (tenant, params.k, params.min_similarity, params.similarity_power, params.prior_strength)
    with _lock:
        key_lock = _key_locks.setdefault((id(store), tenant), threading.Lock())
    with key_lock:
        with _lock:
            try:
                cached = _caches.get(store, {}).get(key)
            except TypeError:  # a store that can't be weakly referenced: no caching
                cached = None
        if cached is not None and cached.count == history.count:
            return cached
        band = _compute(store, tenant, history, params)
        with _lock, contextlib.suppress(TypeError):
            _caches.setdefault(store, {})[key] = band
        return band

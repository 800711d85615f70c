"""Backtests over a CSV file or a tenant's projects, run by the estimating engine.

* **A CSV file** (:func:`read_items`, :func:`backtest_file`): rows in file order become past
  items (text, outcome, optional guess and category, optional embedding) and
  :func:`estimating.time_split` scores the newest rows from the older ones, with knobs and
  bands tuned on the history alone.
* **A tenant** (:func:`backtest_tenant`): each closed project is estimated from all the
  others (leave-one-out: a small portfolio has no time to split), with the tenant's engine.
"""

from __future__ import annotations

import csv
import math
from collections.abc import Callable, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from estimating import (
    BacktestError,
    BacktestResult,
    Knobs,
    PastItem,
    Tuned,
    leave_one_out,
    time_split,
)
from knowledge.csv_dialect import sniff_delimiter
from knowledge.port import KnowledgeStore

if TYPE_CHECKING:  # imported where used: the CLI's file backtest needs no scoping
    from bot.scoping.calibration import TenantBands
    from bot.scoping.history import HistoryCache

# Texts -> (n, d) unit vectors: the product's embedder, passed in by the caller.
Embed = Callable[[Sequence[str]], np.ndarray]


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
    The separator (comma, semicolon or tab) is read off the header row as the project importer
    reads it (:func:`knowledge.csv_dialect.sniff_delimiter`). Rows whose target is empty or not
    a non-negative number are skipped (they carry no outcome); a guess that is not a positive
    number is treated as missing. A missing file or column or an unreadable file raises
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
            reader = csv.DictReader(handle, delimiter=sniff_delimiter(header))
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
) -> BacktestResult:
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


def backtest_tenant(
    store: KnowledgeStore,
    tenant: str,
    params: Knobs,
    bands: TenantBands | None = None,
    histories: HistoryCache | None = None,
) -> BacktestResult:
    """Leave-one-out over a tenant's closed projects with the engine ``/scope`` uses.

    The tenant's engine (``bot.scoping.calibration``: knobs and band tuned leave-one-out on
    its most recent projects, semantic similarity from the store's search) estimates each
    closed project from all the others. Its knobs and band were chosen on these same rounds,
    so coverage here is close to 80% by construction; ``atelier eval FILE`` is the honest
    out-of-sample check. ``bands`` and ``histories``: the running bot's (its tuning and its
    history are reused), else tuned and read here.
    Sync (searches): run it in a worker thread.
    """
    from bot.scoping.calibration import TenantBands
    from bot.scoping.engine import NEAREST, past_items
    from bot.scoping.history import tenant_history

    history = tenant_history(store, tenant, histories)
    items = past_items(history.closed)
    if len(items) < 2:
        raise BacktestError(
            "need at least two closed projects with actual hours to backtest "
            f"(found {len(items)}); close projects or run /projects import"
        )
    band = (bands or TenantBands()).get(store, tenant, history, params)
    tuned = Tuned(
        band.params,
        band.engine.bands if band.engine else {},
        "loo" if band.projects else None,
        seconds=band.seconds,
    )

    def search(item: PastItem) -> dict[str, float]:
        return dict(store.nearest(tenant, item.text, NEAREST))

    return leave_one_out(items, semantic=search, tuned=tuned)

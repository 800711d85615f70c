"""How long bookkeeping rows are kept, and the cleanup that enforces it.

Some tables grow with every message and nobody reads their old rows:

- ``seen_events``: event ids already handled, so a platform's retry does not act twice.
  Platforms retry within minutes; a month is generous.
- ``scope_runs``: one row per ``/scope`` answer, read when its buttons (save, more analogues)
  are pressed. A button older than this answers "run `/scope` again"; saved estimates live in
  their own table and are never pruned.
- button keys: long button values stored server-side (``stored_button_values``) and the
  Discord adapter's custom-id keys (``discord_button_keys``). An older button says it is no
  longer supported and changes nothing.
- ``discord_form_states``: Discord form pages behind a button; they expire after
  :data:`state.FORM_KEPT` whatever the setting, so their rows go then.
- tombstones in ``project_features``: the rows that tell every bot process a past project was
  removed (:mod:`state.features`). Purging them raises the tenant's ``purged_through`` in the
  same transaction, so a process that last read the rows before them reads the tenant's rows
  in full once instead of missing the removal.

The cleanup runs when the bot starts and daily from the scheduler. It only deletes rows older
than the setting, so running it on several replicas at once is harmless. Every table is the
migrations'; one a database does not have yet (not upgraded) is skipped, never created.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import cast

import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.orm import InstrumentedAttribute

from bot.config import Settings
from bot.logs import get_logger
from state import (
    FORM_KEPT,
    ButtonKey,
    Database,
    FormState,
    ScopeRun,
    SeenEvent,
    StoredButton,
    affected_rows,
)
from state.features import ProjectFeatureRow, purge_tombstones

log = get_logger(__name__)

# table -> (the column with the row's time, which retention applies)
EXPIRING: dict[str, tuple[InstrumentedAttribute[dt.datetime], str]] = {
    SeenEvent.__tablename__: (SeenEvent.seen_at, "seen_events"),
    ScopeRun.__tablename__: (ScopeRun.created_at, "scope_runs"),
    StoredButton.__tablename__: (StoredButton.created_at, "button_keys"),
    ButtonKey.__tablename__: (ButtonKey.created_at, "button_keys"),
    FormState.__tablename__: (FormState.created_at, "form_states"),
}


@dataclass(frozen=True)
class Retention:
    """How long each kind of row is kept."""

    seen_events: dt.timedelta = dt.timedelta(days=30)
    scope_runs: dt.timedelta = dt.timedelta(days=180)
    button_keys: dt.timedelta = dt.timedelta(days=180)
    feature_tombstones: dt.timedelta = dt.timedelta(days=30)
    # Not a setting: the Discord adapter refuses a form page older than this anyway.
    form_states: dt.timedelta = FORM_KEPT

    @classmethod
    def from_settings(cls, settings: Settings) -> Retention:
        return cls(
            seen_events=dt.timedelta(days=settings.retention_seen_events_days),
            scope_runs=dt.timedelta(days=settings.retention_scope_runs_days),
            button_keys=dt.timedelta(days=settings.retention_button_keys_days),
            feature_tombstones=dt.timedelta(days=settings.retention_feature_tombstones_days),
        )

    def kept(self, kind: str) -> dt.timedelta:
        return cast(dt.timedelta, getattr(self, kind))


def _existing(connection: Connection) -> set[str]:
    return set(sa.inspect(connection).get_table_names())


def _has_row_times(connection: Connection) -> bool:
    """Whether the feature rows have their times yet (migration 0011)."""
    columns = sa.inspect(connection).get_columns(ProjectFeatureRow.__tablename__)
    return any(column["name"] == "changed_at" for column in columns)


async def prune(db: Database, retention: Retention, now: dt.datetime) -> dict[str, int]:
    """Delete rows older than their retention; table -> rows deleted (tables with none left
    out)."""
    removed: dict[str, int] = {}
    async with db.engine.begin() as connection:
        present = await connection.run_sync(_existing)
        for name, (column, kind) in EXPIRING.items():
            if name not in present:
                continue
            older = column < now - retention.kept(kind)
            result = await connection.execute(sa.delete(column.class_).where(older))
            if count := affected_rows(result):
                removed[name] = count
        features = ProjectFeatureRow.__tablename__
        if features in present and await connection.run_sync(_has_row_times):
            cutoff = now - retention.feature_tombstones
            purged = await connection.run_sync(purge_tombstones, cutoff)
            if count := sum(purged.values()):
                removed[features] = count
    return removed


async def prune_expired(db: Database, settings: Settings, now: dt.datetime) -> dict[str, int]:
    """:func:`prune` with the configured retention; a failure is logged, never raised (the
    rows simply wait for the next run)."""
    try:
        removed = await prune(db, Retention.from_settings(settings), now)
    except Exception:
        log.exception("retention_failed")
        return {}
    if removed:
        log.info("retention_pruned", **removed)
    return removed


__all__ = ["EXPIRING", "Retention", "prune", "prune_expired"]

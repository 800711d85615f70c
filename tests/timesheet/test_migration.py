"""Migration 0006: entries logged before it stay billable, and new ones can be marked not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from sqlalchemy import text

from state import Database
from state.migrations import upgrade


async def test_upgrading_keeps_existing_entries_billable(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'atelier.db'}"
    await asyncio.to_thread(upgrade, url, "0005")
    database = Database(url)
    try:
        async with database.engine.begin() as connection:
            await connection.execute(
                text(
                    "INSERT INTO log_entries (tenant, project_id, author_id, author_name, text, "
                    "kind, hours, internal, created_at) VALUES ('T1', 'acme', 'U1', 'alice', "
                    "'done: checkout, 2h', 'done', 2.0, 0, '2026-11-30 10:00:00')"
                )
            )
    finally:
        await database.close()
    await asyncio.to_thread(upgrade, url)
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            rows = (await connection.execute(text("SELECT billable FROM log_entries"))).all()
    finally:
        await database.close()
    assert [bool(row[0]) for row in rows] == [True]

"""The bot's SQL state on SQLite and PostgreSQL: migrations, start-up check, atomic dedup."""

from __future__ import annotations

import asyncio
import json
import logging
import random
import subprocess
import sys
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy.engine import Connection
from typer.testing import CliRunner

from state import Base, Database, DatabaseUnavailable
from state.migrations import (
    current_revision,
    downgrade,
    head_revision,
    needs_adoption,
    upgrade,
    upgrade_to_head,
)
from tests.reliability.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """The same tests on a SQLite file and on a real PostgreSQL server."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'state' / 'atelier.db'}"
    return request.getfixturevalue("postgres_url")


def _differences(connection: Connection) -> list[object]:
    return compare_metadata(MigrationContext.configure(connection), Base.metadata)


async def schema_differences(url: str) -> list[object]:
    database = Database(url)
    try:
        async with database.engine.connect() as connection:
            return await connection.run_sync(_differences)
    finally:
        await database.close()


# --- migrations -----------------------------------------------------------------------------


async def test_migrations_build_exactly_the_models_schema(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    assert await current_revision(database_url) == head_revision()
    # Empty means: every table, column and index of bot/state.py is in the migrations.
    # A failure here means a model changed without a new revision (`alembic revision
    # --autogenerate -m "..."`).
    assert await schema_differences(database_url) == []


async def test_migrations_downgrade_and_upgrade_again(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    await asyncio.to_thread(downgrade, database_url, "base")
    assert await current_revision(database_url) is None
    await asyncio.to_thread(upgrade, database_url)
    database = Database(database_url)
    try:
        assert await database.claim_event("slack:T1:Ev1")
        assert not await database.claim_event("slack:T1:Ev1")
    finally:
        await database.close()


async def test_migrating_on_start_logs_nothing_below_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    # Bot.start migrates a new database itself: Alembic's INFO lines would be noise on stderr.
    url = f"sqlite+aiosqlite:///{tmp_path / 'atelier.db'}"
    caplog.set_level(logging.INFO)
    database = Database(url)
    try:
        await upgrade_to_head(database)
    finally:
        await database.close()
    assert await current_revision(url) == head_revision()
    chatter = [r.getMessage() for r in caplog.records if r.name.startswith("alembic")]
    assert chatter == []
    assert logging.getLogger("alembic").level == logging.NOTSET  # left as it was found


async def test_a_create_all_database_is_adopted_without_losing_rows(database_url: str) -> None:
    database = Database(database_url)
    async with database.engine.begin() as connection:  # as the bot did before migrations
        await connection.run_sync(Base.metadata.create_all)
    assert await database.claim_event("slack:T1:before-migrations")
    await database.close()

    assert await needs_adoption(database_url)
    assert await asyncio.to_thread(upgrade, database_url)  # detected and adopted
    assert await current_revision(database_url) == head_revision()
    assert not await needs_adoption(database_url)
    database = Database(database_url)
    try:
        assert not await database.claim_event("slack:T1:before-migrations")
    finally:
        await database.close()


def test_cli_db_upgrade_then_check(settings, monkeypatch: pytest.MonkeyPatch) -> None:
    from adapters.cli import app

    # A data dir of its own: the settings fixture's database is migrated already.
    monkeypatch.setenv("ATELIER_DATA_DIR", str(settings.data_dir.parent / "fresh"))
    runner = CliRunner()
    behind = runner.invoke(app, ["db", "check"])
    assert behind.exit_code == 1 and "atelier db upgrade" in behind.output
    upgraded = runner.invoke(app, ["db", "upgrade"])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"revision {head_revision()}" in upgraded.output
    checked = runner.invoke(app, ["db", "check", "--json"])
    assert checked.exit_code == 0
    assert json.loads(checked.stdout)["revision"] == head_revision()


# --- start-up check -------------------------------------------------------------------------


async def test_unreachable_postgres_is_one_clear_line_without_the_password() -> None:
    database = Database(f"postgresql+psycopg://atelier:hunter2@127.0.0.1:{free_port()}/atelier")
    try:
        with pytest.raises(DatabaseUnavailable) as raised:
            await database.ping()
    finally:
        await database.close()
    message = str(raised.value)
    assert "\n" not in message and "hunter2" not in message
    assert message.startswith("database unreachable at postgresql+psycopg://atelier:***@127.0.0.1")


async def test_unusable_sqlite_path_is_one_clear_line(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    (tmp_path / "db.sqlite").mkdir()  # a directory where the database file should be
    try:
        with pytest.raises(DatabaseUnavailable, match="database unreachable"):
            await database.ping()
    finally:
        await database.close()


def test_a_missing_database_driver_is_one_clear_line() -> None:
    with pytest.raises(DatabaseUnavailable, match="driver `asyncpg` is not installed"):
        Database("postgresql+asyncpg://atelier:pw@127.0.0.1/atelier")


def test_atelier_exits_2_with_one_line_when_the_database_is_down(tmp_path: Path) -> None:
    environment = {
        "PATH": "/usr/bin:/bin",
        "HOME": str(tmp_path),
        "ATELIER_DATA_DIR": str(tmp_path / "data"),
        "ATELIER_DATABASE_URL": f"postgresql+psycopg://atelier:pw@127.0.0.1:{free_port()}/x",
    }
    finished = subprocess.run(
        [sys.executable, "-m", "adapters.cli", "ask", "/help"],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert finished.returncode == 2
    lines = finished.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: database unreachable")
    assert ":pw@" not in finished.stderr


# --- replicas racing on one database --------------------------------------------------------


async def test_two_engines_racing_on_one_event_exactly_one_wins(database_url: str) -> None:
    await asyncio.to_thread(upgrade, database_url)
    replicas = [Database(database_url), Database(database_url)]
    try:
        for round_number in range(20):
            key = f"slack:T1:Ev{round_number}"
            # Several concurrent claims from each engine, all for the same retried event.
            results = await asyncio.gather(
                *(replica.claim_event(key) for replica in replicas for _ in range(3))
            )
            assert sorted(results) == [False] * 5 + [True], key
    finally:
        for replica in replicas:
            await replica.close()


@pytest.mark.slow
async def test_two_processes_racing_on_the_same_events_win_each_once(
    database_url: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(upgrade, database_url)
    keys = [f"slack:T1:Ev{number}" for number in range(150)]
    outputs, processes = [], []
    for replica in range(2):
        order = keys[:]
        random.Random(replica).shuffle(order)  # different orders: collisions all along the run
        out = tmp_path / f"won-{replica}.json"
        outputs.append(out)
        processes.append(
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "tests.reliability.claimer",
                database_url,
                str(out),
                *order,
                cwd=ROOT,
            )
        )
    assert [await process.wait() for process in processes] == [0, 0]
    won = [json.loads(out.read_text()) for out in outputs]
    assert sorted(won[0] + won[1]) == sorted(keys)  # each event handled once, none lost


@pytest.mark.slow
async def test_replicas_upgrading_at_once_both_succeed(database_url: str) -> None:
    # Every replica's Bot.start upgrades to the head; they may all start together.
    await asyncio.gather(*(asyncio.to_thread(upgrade, database_url) for _ in range(3)))
    assert await current_revision(database_url) == head_revision()
    assert await schema_differences(database_url) == []

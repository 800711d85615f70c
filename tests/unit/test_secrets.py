"""Secrets and user text stay out of reprs and logs: the database URL, SQL parameters."""

from __future__ import annotations

import ast
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.config import Settings, load_settings
from bot.logs import configure_logging, scrub
from state import Database

ROOT = Path(__file__).resolve().parents[2]
PG_URL = "postgresql+psycopg://atelier:Sup3r-s3cret-pw@db.internal:5432/atelier"
MARKER = "MARGIN-NOTE-7f3a"


@pytest.fixture
def restore_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name in ("sqlalchemy", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.NOTSET)


def test_the_database_password_never_shows_in_the_settings_repr(settings: Settings) -> None:
    configured = load_settings(data_dir=settings.data_dir, database_url=PG_URL)
    assert "Sup3r-s3cret-pw" not in repr(configured)
    assert "Sup3r-s3cret-pw" not in str(configured.model_dump())
    assert configured.sqlalchemy_url == PG_URL  # the engine still gets it in clear


def test_the_database_url_from_the_environment_is_secret_too(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATELIER_DATABASE_URL", PG_URL)
    configured = load_settings(data_dir=settings.data_dir)
    assert "Sup3r-s3cret-pw" not in repr(configured)
    assert configured.sqlalchemy_url == PG_URL


def test_the_database_password_is_scrubbed_from_log_lines(settings: Settings) -> None:
    from adapters.runtime import build_services

    configured = load_settings(data_dir=settings.data_dir, database_url=PG_URL)
    build_services(configured)  # registers the password like the platform tokens
    assert "Sup3r-s3cret-pw" not in scrub(f"could not connect to {PG_URL}")


def test_a_copied_settings_object_with_a_plain_url_still_works(settings: Settings) -> None:
    copied = settings.model_copy(update={"database_url": "sqlite+aiosqlite:///x.db"})
    assert copied.sqlalchemy_url == "sqlite+aiosqlite:///x.db"


async def test_debug_logging_never_shows_sql_parameters(
    harness, restore_logging, capfd: pytest.CaptureFixture[str]
) -> None:
    configure_logging(level="DEBUG")
    logging.getLogger("atelier.test").debug("debug_is_on")
    await harness.say('/projects add name="Acme web shop" aliases=acme estimate=40')
    await harness.say(f"/log acme internal: client pays late, {MARKER}, 2h")
    await harness.say("/log acme")
    await harness.say(f"/scope a web shop for {MARKER}")
    logged = capfd.readouterr().err
    assert "debug_is_on" in logged  # the capture works: DEBUG lines do reach stderr
    assert MARKER not in logged


async def test_database_errors_do_not_carry_the_parameters(tmp_path: Path) -> None:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")
    try:
        async with database.engine.begin() as connection:
            await connection.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
            await connection.execute(text("INSERT INTO t VALUES (1, 'a')"))
        with pytest.raises(Exception) as raised:
            async with database.engine.begin() as connection:
                await connection.execute(
                    text("INSERT INTO t VALUES (1, :v)"), {"v": f"internal: {MARKER}"}
                )
        assert "UNIQUE" in str(raised.value)
        assert MARKER not in str(raised.value)
    finally:
        await database.close()


_LOG_METHODS = {"debug", "info", "warning", "error", "exception", "critical"}
_TEXT_KEYWORDS = {"text", "entry", "brief", "body", "summary", "client_text", "line", "message"}


def _log_calls_with_text() -> list[str]:
    found = []
    for package in ("bot", "adapters", "knowledge", "estimating"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Attribute)
                    and node.func.attr in _LOG_METHODS
                    and isinstance(node.func.value, ast.Name)
                    and node.func.value.id in {"log", "logger", "LOG"}
                ):
                    bad = {k.arg for k in node.keywords if k.arg} & _TEXT_KEYWORDS
                    if bad:
                        found.append(f"{path.relative_to(ROOT)}:{node.lineno} {sorted(bad)}")
    return found


def test_no_log_call_is_given_user_text() -> None:
    assert _log_calls_with_text() == []

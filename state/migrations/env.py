"""Alembic environment: runs migrations through the bot's own async engine.

The URL comes from the Alembic config (set by ``state.migrations.alembic_config``) or, when run
with the plain ``alembic`` command, from ``ATELIER_DATABASE_URL`` or the SQLite file in
``ATELIER_DATA_DIR``.
"""

from __future__ import annotations

import asyncio
import os
from logging.config import fileConfig
from pathlib import Path

from alembic import context
from sqlalchemy.engine import Connection

from state import Base, Database

config = context.config
if config.config_file_name is not None:  # the plain `alembic` command
    fileConfig(config.config_file_name, disable_existing_loggers=False)
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    if url:
        return str(url)
    # The plain `alembic` command: the same variables the bot reads (``atelier db upgrade``
    # reads the whole configuration, .env included, and is the way users migrate).
    if env_url := os.environ.get("ATELIER_DATABASE_URL"):
        return env_url
    data_dir = Path(os.environ.get("ATELIER_DATA_DIR", ".atelier"))
    return f"sqlite+aiosqlite:///{(data_dir / 'atelier.db').as_posix()}"


def _configure(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite cannot ALTER most things in place; batch mode rebuilds the table instead.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_offline() -> None:
    """`alembic upgrade --sql`: print the SQL instead of running it."""
    context.configure(
        url=_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        dialect_opts={"paramstyle": "named"},
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    # The same Database class as the bot: same SQLite pragmas, same directory creation.
    database = Database(_url())
    try:
        async with database.engine.connect() as connection:
            await connection.run_sync(_configure)
            await connection.commit()
    finally:
        await database.close()


if context.is_offline_mode():
    run_migrations_offline()
elif (given := config.attributes.get("connection")) is not None:
    _configure(given)  # the caller's own connection (an in-memory database), in its transaction
else:
    asyncio.run(run_migrations_online())

"""`atelier db …`: the bot's SQL database — migrations and a connection check.

The schema is owned by the Alembic migrations in ``state/migrations``, on SQLite and PostgreSQL
alike. The bot upgrades its database to the head itself when it starts; ``db upgrade`` is for
deploys that migrate as a step of their own first, and ``db check`` for health checks.
Database maintenance, not a chat command: it works on ``state`` directly, before (and without)
any bot, which is why it never goes through ``Bot.handle``.
"""

from __future__ import annotations

import json
import sys
from typing import Annotated

import typer
from sqlalchemy.engine import make_url

from adapters.cli.common import JsonOption, run, settings_or_exit, stdout
from state import Database

db_app = typer.Typer(
    help="The bot's database: apply the migrations, or check the connection and the schema's "
    "revision.",
    no_args_is_help=True,
)


async def _reachable(url: str) -> None:
    database = Database(url)
    try:
        await database.ping()
    finally:
        await database.close()


@db_app.command("upgrade")
def upgrade_command(
    revision: Annotated[str, typer.Argument(help="Target revision.")] = "head",
) -> None:
    """Apply the database migrations now.

    The bot upgrades its database itself when it starts; this is for deploys that migrate as a
    step of their own before starting the new version.
    """
    from state.migrations import head_revision, upgrade

    settings = settings_or_exit()
    url = settings.sqlalchemy_url
    run(lambda: _reachable(url))
    # A database made by an older `atelier run` (tables, no revision) is adopted, not re-created.
    adopt = upgrade(url, revision)
    target = head_revision() if revision == "head" else revision
    stdout.print(f"database is at revision {target}" + (" (adopted)" if adopt else ""))


@db_app.command("check")
def check_command(as_json: JsonOption = False) -> None:
    """Check that the database is reachable and its schema up to date (exit 1 when behind)."""
    from state.migrations import current_revision, head_revision

    settings = settings_or_exit()
    url = settings.sqlalchemy_url
    run(lambda: _reachable(url))
    current = run(lambda: current_revision(url))
    head = head_revision()
    where = make_url(url).render_as_string(hide_password=True)
    if as_json:
        sys.stdout.write(
            json.dumps({"database": where, "revision": current, "head": head}, indent=2) + "\n"
        )
    elif current == head:
        stdout.print(f"database {where}: reachable, schema up to date ({head})", highlight=False)
    else:
        stdout.print(
            f"database {where}: reachable, schema at {current or 'no revision'}, code expects "
            f"{head}: run `atelier db upgrade`",
            highlight=False,
        )
    raise typer.Exit(0 if current == head else 1)


def register(app: typer.Typer) -> None:
    app.add_typer(db_app, name="db")

"""The `atelier` command line: run the bot, chat in the console, one-shot commands.

Sub-command groups live in their own modules and are registered in :func:`_register`. A one-shot
command that has a chat equivalent is that chat command sent through ``Bot.handle`` (or a form
submitted through ``Bot.handle_action``), like any adapter's: the same checks, the same saved
records, the same words; ``--json`` prints the reply's facts. Maintenance commands with no
chat equivalent (``db``, ``eval``, ``slack``, ``sync-commands``) work otherwise, and say so.
``projects import`` is `/projects import` with the file attached and the command line's larger
size limit; ``projects reindex`` is the admin command `/projects reindex` (the command line, on
the machine running Atelier, may run it).
"""

from __future__ import annotations

from typing import Annotated

import typer

from adapters.cli.common import (
    DEFAULT_USER,
    JsonOption,
    TenantOption,
    UserOption,
    ask_bot,
    cli_request,
    describe_failure,
    error_line,
    run,
    settings_or_exit,
    stderr,
)

app = typer.Typer(
    name="atelier",
    help="Atelier: scoping from your own history and client updates, in Slack, Discord "
    "or this terminal.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)


@app.command("run")
def run_command(
    demo: Annotated[
        bool, typer.Option(help="Load the demo portfolio when the store is empty.")
    ] = True,
    migrate: Annotated[
        bool,
        typer.Option(
            "--migrate",
            help="No longer needed: the bot upgrades its database to the newest migration "
            "whenever it starts. Kept for existing deploy scripts; it applies them first, as "
            "`atelier db upgrade`, and prints the revision.",
        ),
    ] = False,
) -> None:
    """Start every platform whose tokens are configured; with none, chat in this terminal.

    SIGTERM or Ctrl-C stops it gracefully: no new work, answers already acknowledged finish
    within ATELIER_SHUTDOWN_GRACE_SECONDS, then it exits 0.
    """
    settings = settings_or_exit(server=True)
    if migrate:
        from adapters.cli.db import upgrade_command

        upgrade_command("head")
    from adapters.launch import launch

    raise typer.Exit(run(lambda: launch(settings, demo=demo)))


@app.command("chat")
def chat_command(
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
) -> None:
    """Chat with the bot in this terminal (reads piped input to the end, then exits)."""
    settings = settings_or_exit(server=True)
    from adapters.launch import console_chat

    raise typer.Exit(run(lambda: console_chat(settings, tenant or settings.default_tenant, user)))


@app.command("ask")
def ask_command(
    text: Annotated[str, typer.Argument(help="A message or a /command, as you'd type it in chat.")],
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Send one message to the bot and print its answer."""
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    command = None
    if text.startswith("/"):
        command, _, text = text[1:].partition(" ")

    async def go() -> int:
        async with running_bot(settings) as bot:
            return await ask_bot(bot, cli_request(settings, tenant, user, command, text), as_json)

    raise typer.Exit(run(go))


def _register() -> None:
    """Sub-command groups added by the feature modules (one line each)."""
    from adapters.cli.db import register as register_db

    register_db(app)
    from adapters.cli.scope import register as register_scope

    register_scope(app)
    from adapters.cli.proposal import register as register_proposal

    register_proposal(app)
    from adapters.cli.projects import projects_app
    from adapters.cli.worklog import register as register_worklog

    register_worklog(app, projects_app)
    app.add_typer(projects_app, name="projects")
    from adapters.cli.eval import register as register_eval

    register_eval(app)
    from adapters.cli.discord_cli import register as register_discord

    register_discord(app)
    from adapters.cli.digest import register as register_digest

    register_digest(app)
    from adapters.cli.changes import register as register_changes

    register_changes(app)
    from adapters.cli.slack_cli import register as register_slack

    register_slack(app)


_register()


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        stderr.print("bye")
    except Exception as problem:  # a last resort: one line, never a traceback
        message, code = describe_failure(problem)
        error_line(message)
        raise SystemExit(code) from None

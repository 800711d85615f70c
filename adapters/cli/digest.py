"""`atelier digest`: the digest now (`--json` for scripts) and `atelier digest schedule …`.

Each is the chat command sent through ``Bot.handle``: ``atelier digest`` is ``/atelier digest``
for ``--user`` (the projects they own, else the whole workspace), ``atelier digest schedule on
fri 15:00 Europe/Berlin`` and ``… off`` change the workspace's weekly schedule, ``atelier digest
schedule`` shows it. ``--json`` prints what the reply's facts say. Exit codes: 0 done, 1 not
done (an unreadable schedule…), 2 a bad setting.
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
    facts_with_reply,
    fail,
    print_json,
    run,
    settings_or_exit,
)

digest_app = typer.Typer(
    help="The weekly digest: news to report, quiet clients, burn, deadlines, stale projects.",
    invoke_without_command=True,
    no_args_is_help=False,
)


@digest_app.callback()
def digest_command(
    context: typer.Context,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Print the digest now, for --user (their projects; the whole workspace if none).

    ``--json`` prints the reply's facts: the tenant, the schedule, each project's figures,
    news, lines and urgency (most urgent first), and the reply itself under ``reply``.
    """
    if context.invoked_subcommand is not None:
        return
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    request = cli_request(settings, tenant, user, "atelier", "digest")

    async def go() -> int:
        async with running_bot(settings) as bot:
            if not as_json:
                return await ask_bot(bot, request, False)
            reply = await bot.handle(request)
            if reply is None or reply.refused:
                return fail(reply.text if reply else "no digest", as_json)
            print_json(facts_with_reply(reply))
            return 0

    raise typer.Exit(run(go))


@digest_app.command("schedule")
def schedule_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="on <day> <HH:MM> [time zone] | off; nothing: show the setting"),
    ] = None,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Show or change the workspace's weekly digest (e.g. `on fri 15:00 Europe/Berlin`)."""
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    text = "digest " + (" ".join(words) if words else "status")

    async def go() -> int:
        async with running_bot(settings) as bot:
            request = cli_request(settings, tenant, user, "atelier", text)
            return await ask_bot(bot, request, as_json)

    raise typer.Exit(run(go))


def register(app: typer.Typer) -> None:
    app.add_typer(digest_app, name="digest")


__all__ = ["register"]

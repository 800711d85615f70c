"""`atelier digest`: the digest now (`--json` for scripts) and `atelier digest schedule …`.

The same core as chat: ``atelier digest`` is ``/atelier digest`` for ``--user`` (the projects
they own, else the whole workspace), ``atelier digest schedule on fri 15:00 Europe/Berlin``
and ``… off`` change the workspace's weekly schedule, ``atelier digest schedule`` shows it.
Exit codes: 0 done, 1 not done (an unreadable schedule…), 2 a bad setting.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import typer

from adapters.cli.common import (
    JsonOption,
    TenantOption,
    UserOption,
    ask_bot,
    cli_request,
    print_json,
    reply_to_dict,
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
    user: UserOption = "you",
    as_json: JsonOption = False,
) -> None:
    """Print the digest now, for --user (their projects; the whole workspace if none)."""
    if context.invoked_subcommand is not None:
        return
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    who = tenant or settings.default_tenant

    async def go() -> int:
        async with running_bot(settings) as bot:
            if not as_json:
                return await ask_bot(
                    bot, cli_request(settings, who, user, "atelier", "digest"), False
                )
            print_json(await _digest_data(bot, who, user))
            return 0

    raise typer.Exit(run(go))


async def _digest_data(bot: Any, tenant: str, user: str) -> dict[str, Any]:
    """The digest as data: the schedule, each project's facts and lines, and the reply."""
    from bot.digest import DigestOptions, assess
    from bot.digest_data import get_schedule, project_pulses
    from bot.skills.atelier import digest_for

    services = bot.services
    settings = services.settings
    pulses = await project_pulses(services.db, tenant)
    mine = [p for p in pulses if p.owner_id == user] or pulses
    options = DigestOptions(
        today=services.clock().date(),
        stale_days=settings.digest_stale_days,
        near_due_days=settings.digest_near_due_days,
    )
    schedule = await get_schedule(services.db, tenant)
    projects = []
    for pulse in mine:
        judged = assess(pulse, options)
        facts = dataclasses.asdict(pulse)
        projects.append({**facts, "lines": list(judged.lines), "urgency": judged.urgency})
    return {
        "tenant": tenant,
        "schedule": schedule.describe(),
        "projects": sorted(projects, key=lambda p: (p["urgency"], p["name"])),
        "reply": reply_to_dict(await digest_for(services, tenant, user)),
    }


@digest_app.command("schedule")
def schedule_command(
    words: Annotated[
        list[str] | None,
        typer.Argument(help="on <day> <HH:MM> [time zone] | off; nothing: show the setting"),
    ] = None,
    tenant: TenantOption = None,
    user: UserOption = "you",
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

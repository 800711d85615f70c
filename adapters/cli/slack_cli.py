"""`atelier slack …`: the app manifest, and deleting a workspace's data.

- ``atelier slack manifest [--url https://host] [--socket] [--single-command]`` prints the app
  manifest generated from the skills, with the commands named as configured
  (``ATELIER_SLACK_COMMAND_PREFIX``) and, for HTTP mode, every URL filled in;
- ``atelier slack forget TEAM_ID --yes`` deletes everything Atelier keeps for a workspace (or
  Enterprise Grid org): projects, logs, drafts, estimates, settings, past projects and its
  install. Uninstalling the app only deletes its tokens; this is the admin's decision.

Neither is a chat command, so neither goes through ``Bot.handle``: the manifest only lists the
skills' commands (``bot.core.skill_registry``), and ``forget`` is an operator's deletion run on
the database and the knowledge store directly (no workspace member may ask for it in chat).
"""

from __future__ import annotations

import re
import sys
from typing import Annotated

import typer

from adapters.cli.common import JsonOption, run, settings_or_exit, stdout
from bot.config import Settings

slack_app = typer.Typer(
    help="Slack: print the app manifest, delete a workspace's data.", no_args_is_help=True
)
_TENANT = re.compile(r"^[TE][A-Z0-9]{2,}$")


@slack_app.command("manifest")
def manifest_command(
    url: Annotated[
        str | None,
        typer.Option(
            "--url",
            help="The bot's public https:// address: prints the HTTP-mode manifest with every "
            "URL (events, commands, interactivity, OAuth redirect) pointing there.",
        ),
    ] = None,
    socket: Annotated[
        bool, typer.Option("--socket", help="The Socket Mode manifest (no public URL).")
    ] = False,
    single_command: Annotated[
        bool,
        typer.Option(
            "--single-command",
            help="Declare only /atelier (every command as its first word: /atelier scope …), "
            "for workspaces where /log, /update or /help are taken.",
        ),
    ] = False,
) -> None:
    """Print the Slack app manifest (paste it at api.slack.com/apps → From a manifest)."""
    from adapters.slack.manifest import build_manifest, check_url, to_yaml
    from bot.core import skill_registry

    settings = settings_or_exit()
    if socket and url:
        sys.stderr.write("error: --socket needs no --url (Socket Mode has no public URL)\n")
        raise typer.Exit(2)
    try:
        base = check_url(url) if url is not None else None
    except ValueError as problem:
        sys.stderr.write(f"error: {problem}\n")
        raise typer.Exit(2) from None
    manifest = build_manifest(
        skill_registry().commands.values(),
        url=base,
        http=not socket,
        prefix=settings.slack_command_prefix,
        single=single_command,
    )
    sys.stdout.write(to_yaml(manifest))


@slack_app.command("forget")
def forget_command(
    team_id: Annotated[
        str, typer.Argument(help="The workspace id (T…) or Enterprise Grid org id (E…).")
    ],
    yes: Annotated[
        bool, typer.Option("--yes", help="Really delete: without it, nothing is deleted.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Delete everything Atelier keeps for a Slack workspace or org (cannot be undone)."""
    tenant = team_id.strip().upper()
    if not _TENANT.match(tenant):
        sys.stderr.write(
            f"error: {team_id[:40]!r} is not a Slack workspace (T…) or org (E…) id\n"
        )
        raise typer.Exit(2)
    if not yes:
        sys.stderr.write(
            f"error: this deletes every project, log entry, draft and estimate of {tenant}; "
            "run again with --yes to do it\n"
        )
        raise typer.Exit(1)
    settings = settings_or_exit()
    removed = run(lambda: _forget(settings, tenant))
    if as_json:
        import json

        sys.stdout.write(json.dumps({"tenant": tenant, "removed": removed}, indent=2) + "\n")
        return
    if not removed:
        stdout.print(f"nothing was kept for {tenant}", highlight=False)
        return
    listed = ", ".join(f"{count} {name}" for name, count in sorted(removed.items()))
    stdout.print(f"deleted for {tenant}: {listed}", highlight=False)


async def _forget(settings: Settings, tenant: str) -> dict[str, int]:
    from state import Database, forget_tenant

    database = Database(settings.sqlalchemy_url, lock_timeout=settings.database_lock_timeout)
    try:
        removed = await forget_tenant(database, tenant)
    finally:
        await database.close()
    projects = _forget_past_projects(settings, tenant)
    if projects:
        removed["past_projects"] = projects
    return removed


def _forget_past_projects(settings: Settings, tenant: str) -> int:
    """The tenant's past projects in the knowledge store (its own collection)."""
    from adapters.runtime import open_knowledge

    store = open_knowledge(settings)
    try:
        projects = store.list(tenant)
        for project in projects:
            store.delete(tenant, project.id)
        return len(projects)
    finally:
        store.close()


def register(app: typer.Typer) -> None:
    app.add_typer(slack_app, name="slack")

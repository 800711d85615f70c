"""`atelier projects …`: load, search and inspect the past projects of a workspace.

``--tenant`` picks the workspace (a Slack team id, a Discord guild id, or ``local``), so a studio
can load its history into the workspace the bot serves. Exit codes: 0 done, 1 something was not
done (a row not imported, an unknown id, the store unavailable), 2 a bad setting.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Annotated, Any

import typer

from adapters.cli.common import (
    JsonOption,
    TenantOption,
    UserOption,
    ask_bot,
    cli_request,
    fail,
    print_json,
    run,
    settings_or_exit,
    stderr,
    stdout,
)
from bot.config import Settings

projects_app = typer.Typer(
    help="Past projects: import your history, search it, list and show projects.",
    no_args_is_help=True,
)


def _store(settings: Settings) -> Any:
    from adapters.runtime import open_knowledge
    from knowledge.store import KnowledgeUnavailable

    try:
        return open_knowledge(settings)
    except KnowledgeUnavailable as problem:
        _fail(str(problem))


def _fail(message: str, as_json: bool = False) -> None:
    raise typer.Exit(fail(message, as_json))  # one line, never wrapped


def _guarded(as_json: bool, work: Any) -> Any:
    from knowledge.store import KnowledgeUnavailable

    try:
        return work()
    except KnowledgeUnavailable as problem:
        _fail(str(problem), as_json)


def _ask(
    settings: Settings, tenant: str | None, text: str, as_json: bool, user: str = "cli"
) -> None:
    """Answer through the `/projects` command, exactly as chat would (exit 1 if refused)."""
    from adapters.runtime import running_bot

    async def go() -> int:
        async with running_bot(settings) as bot:
            request = cli_request(settings, tenant, user, "projects", text)
            return await ask_bot(bot, request, as_json)

    raise typer.Exit(run(go))


@projects_app.command("import")
def import_command(
    path: Annotated[
        Path, typer.Argument(help="A .csv, .json, .jsonl or .md file, or a folder of .md files.")
    ],
    tenant: TenantOption = None,
    max_mb: Annotated[
        float, typer.Option("--max-mb", min=0.001, help="Refuse files larger than this.")
    ] = 50,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Accept unusual (not impossible) hour figures.")
    ] = False,
    update: Annotated[
        bool, typer.Option("--update", help="Let rows replace projects closed in Atelier.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Import past projects; valid rows are stored, invalid ones reported with their line.

    The whole file is checked before anything is written. Importing the same file again
    updates the projects instead of duplicating them.
    """
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    from knowledge.importers import ImportRefused, check_path, import_file

    settings = settings_or_exit()
    who = tenant or settings.default_tenant
    store = _store(settings)
    max_bytes = int(max_mb * 1024 * 1024)
    try:
        check_path(path, max_bytes)
        if as_json:
            report = _guarded(
                as_json,
                lambda: import_file(
                    store, who, path, max_bytes=max_bytes, confirmed=confirm, update=update
                ),
            )
        else:
            with Progress(
                TextColumn("importing"),
                BarColumn(),
                MofNCompleteColumn(),
                console=stderr,
                transient=True,
            ) as bar:
                task = bar.add_task("import", total=None)

                def advance(done: int, expected: int | None) -> None:
                    bar.update(task, completed=done, total=expected)

                report = _guarded(
                    as_json,
                    lambda: import_file(
                        store,
                        who,
                        path,
                        max_bytes=max_bytes,
                        progress=advance,
                        confirmed=confirm,
                        update=update,
                    ),
                )
    except ImportRefused as problem:
        _fail(f"nothing was imported: {problem}", as_json)
    if as_json:
        print_json({**report.to_dict(), "tenant": who})
    else:
        stdout.print(report.summary() + f" (workspace {who})", markup=False, highlight=False)
        for warning in report.warnings:
            stdout.print(f"note: {warning}", markup=False, highlight=False)
        for row_problem in report.problems:
            stdout.print(f"  {row_problem}", markup=False, highlight=False)
        if any(p.confirmable for p in report.problems):
            stdout.print("If those hours are right, import again with --confirm.")
        if report.problems:
            stdout.print("Fix those rows and import the file again: it updates, never duplicates.")
    raise typer.Exit(0 if report.ok else 1)


@projects_app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="What you are looking for, in plain words.")],
    tenant: TenantOption = None,
    k: Annotated[
        int, typer.Option("--k", min=1, max=100, help="How many results (with --json).")
    ] = 8,
    type: Annotated[str | None, typer.Option("--type", help="Only this type.")] = None,
    tag: Annotated[
        list[str] | None, typer.Option("--tag", help="Only projects with this tag (repeatable).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The past projects closest in meaning to TEXT."""
    settings = settings_or_exit()
    if not text.strip():
        _fail("tell me what to search for, e.g. atelier projects search 'Shopify theme'", as_json)
    if not as_json:
        filters = ([f"type:{type}"] if type else []) + [f"tag:{t}" for t in tag or []]
        _ask(settings, tenant, " ".join(["search", text, *filters]), as_json)
    who = tenant or settings.default_tenant
    store = _store(settings)
    matches = _guarded(as_json, lambda: store.search(who, text, k, type=type, tags=tag))
    print_json(
        [
            {"similarity": round(m.similarity, 4), **m.project.model_dump(mode="json")}
            for m in matches
        ]
    )


@projects_app.command("list")
def list_command(
    status: Annotated[
        str,
        typer.Option("--status", help="closed (past projects), active (in progress) or removed."),
    ] = "closed",
    tenant: TenantOption = None,
    as_json: JsonOption = False,
) -> None:
    """List the workspace's closed past projects (or, with --status active, current ones)."""
    settings = settings_or_exit()
    status = status.lower()
    if status not in {"closed", "active", "removed"}:
        _fail("--status must be closed, active or removed", as_json)
    if status in {"active", "removed"} or not as_json:
        _ask(settings, tenant, f"list {status}", as_json)
    who = tenant or settings.default_tenant
    store = _store(settings)
    projects = _guarded(as_json, lambda: store.list(who, status=status))
    print_json([p.model_dump(mode="json") for p in projects])


@projects_app.command("show")
def show_command(
    project_id: Annotated[str, typer.Argument(help="The project's id (see search or list).")],
    tenant: TenantOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything about one past project."""
    settings = settings_or_exit()
    if not as_json:
        _ask(settings, tenant, f"show {project_id}", as_json)
    who = tenant or settings.default_tenant
    store = _store(settings)
    project = _guarded(as_json, lambda: store.get(who, project_id))
    if project is None:
        _fail(f"no past project with id {project_id!r} in workspace {who}", as_json)
    print_json(project.model_dump(mode="json"))


@projects_app.command("reindex")
def reindex_command(tenant: TenantOption = None, as_json: JsonOption = False) -> None:
    """Rebuild the search index with the embedding model ATELIER_EMBEDDINGS selects."""
    settings = settings_or_exit()
    who = tenant or settings.default_tenant
    store = _store(settings)
    count = _guarded(as_json, lambda: store.reindex(who))
    if as_json:
        print_json({"tenant": who, "reindexed": count, "model": store.embedder.name})
    else:
        stdout.print(
            f"Re-indexed {count} past project(s) of workspace {who} with {store.embedder.name}."
        )


@projects_app.command("remove-demo")
def remove_demo_command(tenant: TenantOption = None, as_json: JsonOption = False) -> None:
    """Remove the demo portfolio and everything made only from it (your own projects stay);
    the same as `atelier projects demo remove`."""
    _ask(settings_or_exit(), tenant, "demo remove", as_json)


@projects_app.command("demo")
def demo_command(
    action: Annotated[str, typer.Argument(help="load, `load anyway`, or remove.")],
    anyway: Annotated[
        list[str] | None, typer.Argument(help="`anyway`: load next to your own history.")
    ] = None,
    tenant: TenantOption = None,
    as_json: JsonOption = False,
) -> None:
    """Load the demo portfolio to try Atelier, or remove every trace of it again."""
    _ask(settings_or_exit(), tenant, " ".join(["demo", action, *(anyway or [])]), as_json)


# --- correcting past projects -----------------------------------------------------------------


@projects_app.command("edit")
def edit_command(
    project_id: Annotated[str, typer.Argument(help="The past project's id.")],
    changes: Annotated[
        list[str],
        typer.Argument(help="KEY=VALUE pairs, e.g. actual=320 'tags=shopify;theme'."),
    ],
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Accept hours that look unusual (not impossible).")
    ] = False,
    tenant: TenantOption = None,
    user: UserOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Correct fields of a past project (same checks as an import)."""
    settings = settings_or_exit()
    words = [project_id, *changes] + (["confirm"] if confirm else [])
    _ask(settings, tenant, "edit " + shlex.join(words), as_json, user)


@projects_app.command("remove")
def remove_command(
    project_id: Annotated[str, typer.Argument(help="The past project's id.")],
    tenant: TenantOption = None,
    user: UserOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Take a past project out of search and estimates; `restore` puts it back."""
    settings = settings_or_exit()
    _ask(settings, tenant, f"remove {shlex.quote(project_id)}", as_json, user)


@projects_app.command("restore")
def restore_command(
    project_id: Annotated[str, typer.Argument(help="The removed project's id.")],
    tenant: TenantOption = None,
    user: UserOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Put a removed past project back."""
    settings = settings_or_exit()
    _ask(settings, tenant, f"restore {shlex.quote(project_id)}", as_json, user)


@projects_app.command("reopen")
def reopen_command(
    project: Annotated[str, typer.Argument(help="A closed project's name or id.")],
    tenant: TenantOption = None,
    user: UserOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Make a closed project active again (its past project leaves your history)."""
    settings = settings_or_exit()
    _ask(settings, tenant, f"reopen {project}", as_json, user)

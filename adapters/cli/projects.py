"""`atelier projects …`: load, search and inspect the past projects of a workspace.

``--tenant`` picks the workspace (a Slack team id, a Discord guild id, or ``local``), so a studio
can load its history into the workspace the bot serves. Every command is the `/projects` command
sent through ``Bot.handle``: ``import`` hands the file's bytes over as an attachment, like a file
shared in chat, with a larger size limit (``--max-mb``, passed as
``Request.max_attachment_bytes``); ``--json`` prints the reply's facts (whole projects, search
hits with their similarity, the import report). Exit codes: 0 done, 1 something was not done (a
row not imported, an unknown id, the store unavailable), 2 a bad setting.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from adapters.cli.common import (
    DEFAULT_USER,
    JsonOption,
    TenantOption,
    UserOption,
    ask_bot,
    cli_request,
    fail,
    print_json,
    render_reply,
    run,
    settings_or_exit,
    stderr,
)
from bot.config import Settings
from bot.messages import Attachment, Reply, Request

projects_app = typer.Typer(
    help="Past projects: import your history, search it, list and show projects.",
    no_args_is_help=True,
)


def _fail(message: str, as_json: bool = False) -> NoReturn:
    raise typer.Exit(fail(message, as_json))  # one line, never wrapped


def _ask(
    settings: Settings, tenant: str | None, text: str, as_json: bool, user: str = DEFAULT_USER
) -> None:
    """Answer through the `/projects` command, exactly as chat would (exit 1 if refused)."""
    from adapters.runtime import running_bot

    async def go() -> int:
        async with running_bot(settings) as bot:
            request = cli_request(settings, tenant, user, "projects", text)
            return await ask_bot(bot, request, as_json)

    raise typer.Exit(run(go))


def _answer(
    settings: Settings,
    request: Request,
    as_json: bool,
    json_of: Callable[[Reply], Any],
    *,
    done: Callable[[Reply], bool] = lambda reply: True,
    busy: str | None = None,
) -> NoReturn:
    """Send ``request`` through ``Bot.handle``; print the reply (or, with --json, what
    ``json_of`` reads from its facts). Exit 0 when ``done(reply)``, 1 when it was refused or
    not done."""
    from adapters.runtime import running_bot

    async def go() -> int:
        async with running_bot(settings) as bot:
            with _working(busy, as_json):
                reply = await bot.handle(request)
            if reply is None:
                return fail("no answer", as_json)
            if reply.refused:
                return fail(reply.text, as_json)
            if as_json:
                print_json(json_of(reply))
            else:
                await render_reply(bot, reply, request.tenant, request.user_id)
            return 0 if done(reply) else 1

    raise typer.Exit(run(go))


def _working(what: str | None, as_json: bool) -> AbstractContextManager[Any]:
    """A spinner on the terminal while the core works (the core reports no progress)."""
    if what is None or as_json or not stderr.is_terminal:
        return nullcontext()
    return stderr.status(what)


_MARKDOWN = (".md", ".markdown")


def _attachments(path: Path, max_bytes: int) -> tuple[Attachment, ...]:
    """The file (or a folder's Markdown files) as attachments, as chat adapters hand files
    to the core; a file over ``max_bytes`` goes without its bytes, so the core can say so
    without this reading it."""
    if not path.exists():
        raise ValueError(f"{path} does not exist.")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.suffix.lower() in _MARKDOWN and p.is_file())
        if not files:
            raise ValueError(f"the folder {path.name} has no .md files to import.")
    elif path.is_file():
        files = [path]
    else:
        raise ValueError(f"{path} is not a file.")
    found = []
    for file in files:
        try:
            size = file.stat().st_size
            content = file.read_bytes() if size <= max_bytes else None
        except OSError as problem:
            raise ValueError(f"{file.name} can't be read ({problem.strerror}).") from None
        found.append(Attachment(filename=file.name[:255], size=size, content=content))
    return tuple(found)


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
    updates the projects instead of duplicating them. The file goes through `/projects
    import` like a file shared in chat, with a larger size limit (--max-mb).
    """
    settings = settings_or_exit()
    max_bytes = int(max_mb * 1024 * 1024)
    try:
        files = _attachments(path, max_bytes)
    except ValueError as problem:
        _fail(f"nothing was imported: {problem}", as_json)
    words = ["import"] + (["confirm"] if confirm else []) + (["update"] if update else [])
    request = cli_request(settings, tenant, DEFAULT_USER, "projects", " ".join(words)).model_copy(
        update={"attachments": files, "max_attachment_bytes": max_bytes}
    )

    def imports(reply: Reply) -> list[dict[str, Any]]:
        return list(reply.facts.get("imports", ()))

    def as_report(reply: Reply) -> Any:
        found = imports(reply)
        if len(found) == 1:  # one file or one folder: its report, named by the path given
            return {**found[0], "path": str(path), "tenant": request.tenant}
        return {"tenant": request.tenant, "imports": found}

    def all_imported(reply: Reply) -> bool:
        return all(not i.get("problems") and "refused" not in i for i in imports(reply))

    busy = f"importing {path.name}…"
    _answer(settings, request, as_json, as_report, done=all_imported, busy=busy)


# The core's own limit for `/projects search … k=` (checked here first, in the CLI's words).
SEARCH_K_MAX = 100


@projects_app.command("search")
def search_command(
    text: Annotated[str, typer.Argument(help="What you are looking for, in plain words.")],
    tenant: TenantOption = None,
    k: Annotated[
        int | None,
        typer.Option(
            "--k",
            min=1,
            max=SEARCH_K_MAX,
            help=f"How many results, 1 to {SEARCH_K_MAX} (default 8; `k=` in chat).",
        ),
    ] = None,
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
    if any(len(value.split()) != 1 for value in [*(tag or []), *([type] if type else [])]):
        _fail("--type and --tag take one word each, e.g. --type e-commerce --tag shopify", as_json)
    filters = ([f"type:{type}"] if type else []) + [f"tag:{t}" for t in tag or []]
    count = [] if k is None else [f"k={k}"]
    words = " ".join(["search", text, *filters, *count])
    request = cli_request(settings, tenant, DEFAULT_USER, "projects", words)
    _answer(settings, request, as_json, lambda reply: list(reply.facts.get("matches", ())))


@projects_app.command("list")
def list_command(
    status: Annotated[
        str,
        typer.Option("--status", help="closed (past projects), active (in progress) or removed."),
    ] = "closed",
    tenant: TenantOption = None,
    page: Annotated[
        int | None,
        typer.Option(
            "--page",
            min=1,
            help="One page of closed (or removed) projects, newest first (`page N` in chat). "
            "Without it the first page is shown, and --json prints every one.",
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """List the workspace's closed past projects (or, with --status active, current ones)."""
    settings = settings_or_exit()
    status = status.lower()
    if status not in {"closed", "active", "removed"}:
        _fail("--status must be closed, active or removed", as_json)
    which = f"page {page}" if page is not None else "page all" if as_json else "page 1"
    if status == "active":
        if page is not None:
            _fail("--page is for closed and removed projects; active ones fit one list", as_json)
        _ask(settings, tenant, "list active", as_json)
    if status == "removed":
        _ask(settings, tenant, f"list removed {which}", as_json)
    request = cli_request(settings, tenant, DEFAULT_USER, "projects", f"list closed {which}")
    _answer(settings, request, as_json, lambda reply: list(reply.facts.get("projects", ())))


@projects_app.command("show")
def show_command(
    project_id: Annotated[str, typer.Argument(help="The project's id (see search or list).")],
    tenant: TenantOption = None,
    as_json: JsonOption = False,
) -> None:
    """Everything about one past project."""
    settings = settings_or_exit()
    request = cli_request(settings, tenant, DEFAULT_USER, "projects", f"show {project_id}")
    _answer(settings, request, as_json, lambda reply: reply.facts.get("project"))


@projects_app.command("reindex")
def reindex_command(tenant: TenantOption = None, as_json: JsonOption = False) -> None:
    """Rebuild the search index with the embedding model ATELIER_EMBEDDINGS selects
    (`/projects reindex`, an admin command in chat)."""
    settings = settings_or_exit()
    request = cli_request(settings, tenant, DEFAULT_USER, "projects", "reindex")
    busy = "re-indexing…"
    _answer(settings, request, as_json, lambda reply: dict(reply.facts), busy=busy)


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
        typer.Argument(
            help="KEY=VALUE pairs, e.g. actual=320 'tags=shopify;theme' "
            "'finished=15 March 2024' (dates as people write them)."
        ),
    ],
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Accept hours that look unusual (not impossible).")
    ] = False,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
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
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Take a past project out of search and estimates; `restore` puts it back."""
    settings = settings_or_exit()
    _ask(settings, tenant, f"remove {shlex.quote(project_id)}", as_json, user)


@projects_app.command("restore")
def restore_command(
    project_id: Annotated[str, typer.Argument(help="The removed project's id.")],
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Put a removed past project back."""
    settings = settings_or_exit()
    _ask(settings, tenant, f"restore {shlex.quote(project_id)}", as_json, user)


@projects_app.command("reopen")
def reopen_command(
    project: Annotated[str, typer.Argument(help="A closed project's name or id.")],
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Make a closed project active again (its past project leaves your history)."""
    settings = settings_or_exit()
    _ask(settings, tenant, f"reopen {project}", as_json, user)

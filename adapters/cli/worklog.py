"""`atelier log`, `atelier update`, `atelier projects add|close`: client updates for scripts.

Each is the chat command sent through ``Bot.handle`` (``projects add`` opens the `/projects add`
form and submits the options as its answers through ``Bot.handle_action``), so entries are
parsed by the same rules, drafts go through the same state machine, and the acting user
(``--user``) must be the draft's requester to approve or discard it; what is done or refused is
read off the reply (``Reply.refused``, ``Reply.facts``), never from the database. Exit codes:
0 done, 1 not done (unknown project, bad input, stale draft), 2 a bad setting.
"""

from __future__ import annotations

from typing import Annotated

import typer

from adapters.cli.common import (
    DATE_EXAMPLES,
    DEFAULT_USER,
    JsonOption,
    TenantOption,
    UserOption,
    cli_request,
    error_line,
    fail,
    print_json,
    render_reply,
    reply_to_dict,
    run,
    settings_or_exit,
    stdout,
)
from bot.messages import Reply

ToneOption = Annotated[
    str, typer.Option("--tone", help="friendly, formal or brief.", case_sensitive=False)
]


def _fail(message: str, as_json: bool) -> int:
    return fail(message, as_json)


def log_command(
    project: Annotated[
        str, typer.Argument(help="Project name, alias or id; or `summary` for a time summary.")
    ],
    text: Annotated[
        list[str] | None,
        typer.Argument(
            help='What happened, e.g. "done: checkout flow, 2h" (`nb:` = not billable); '
            "after `summary`: a period (week, last week, month, last month, DATE..DATE) and "
            "a project."
        ),
    ] = None,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
    csv_target: Annotated[
        str | None,
        typer.Option(
            "--csv",
            metavar="FILE|-",
            help="With `summary`: write one row per entry as CSV (date, project, person, hours, "
            "billable, rate, amount, currency) to FILE, or to stdout with `-`.",
        ),
    ] = None,
    with_text: Annotated[
        bool,
        typer.Option(
            "--with-text", help="With `summary`: include each entry's (internal) text."
        ),
    ] = False,
) -> None:
    """Add an entry to a project's log (kind, hours, `internal:` and `nb:` are read from TEXT),
    or `atelier log summary [PERIOD] [PROJECT]`: hours, billable hours and amounts."""
    words = list(text or [])
    if project.lower() == "summary":
        from adapters.cli.timesheet import summary_cli

        raise typer.Exit(summary_cli(words, tenant, as_json, csv_target, with_text, user))
    if csv_target is not None or with_text:
        raise typer.Exit(fail("--csv and --with-text belong to `atelier log summary`.", as_json))
    if not words:
        raise typer.Exit(
            fail('What happened? e.g. atelier log acme "done: checkout flow, 2h".', as_json)
        )
    text_line = " ".join(words)
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    who = tenant or settings.default_tenant
    # "project: entry" names the project explicitly, whatever words the entry starts with.
    request = cli_request(settings, who, user, "log", f"{project}: {text_line}")

    async def go() -> int:
        async with running_bot(settings) as bot:
            reply = await bot.handle(request)
            if reply is None or reply.refused:
                return _fail(reply.text if reply else "nothing was logged", as_json)
            if as_json:
                print_json(dict(reply.facts) if reply.facts else {"text": reply.text})
            else:
                await render_reply(bot, reply, who, user)
            return 0

    raise typer.Exit(run(go))


def _draft_id(reply: Reply) -> str | None:
    for button in reply.buttons:
        if button.action_id.startswith("update:") and ":" in button.value:
            return str(button.value.split(":")[0])
    return None


def update_command(
    target: Annotated[str, typer.Argument(help="A project, or `approve` / `discard` / `export`.")],
    draft_id: Annotated[
        str | None, typer.Argument(help="The draft id, after approve/discard/export.")
    ] = None,
    tone: ToneOption = "friendly",
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Draft a client update for a project (prints it and its id), or act on a draft.

    `atelier update acme --tone formal`, then `atelier update approve u1a2b3c`.
    """
    settings = settings_or_exit()
    from adapters.runtime import running_bot
    from bot.update_text import TONES

    who = tenant or settings.default_tenant
    verb = target.lower()
    if verb in {"approve", "discard", "export"} and not draft_id:
        error_line(f"`atelier update {verb}` needs a draft id")
        raise typer.Exit(2)
    if tone.lower() not in TONES:
        error_line(f"--tone must be one of {', '.join(TONES)}")
        raise typer.Exit(2)

    async def draft() -> int:
        async with running_bot(settings) as bot:
            text = f"{target} {tone.lower()}"
            reply = await bot.handle(cli_request(settings, who, user, "update", text))
            assert reply is not None
            made = _draft_id(reply) if reply.visibility == "dm" else None
            if as_json:
                print_json({**reply_to_dict(reply), "draft_id": made})
            elif reply.refused:
                error_line(reply.text)
            else:
                await render_reply(bot, reply, who, user)
                if made:
                    stdout.print(f"Draft id: {made}", markup=False, highlight=False)
            return 0 if made else 1

    async def on_draft() -> int:
        assert draft_id is not None
        async with running_bot(settings) as bot:
            request = cli_request(settings, who, user, "update", f"{verb} {draft_id}")
            reply = await bot.handle(request)
            if reply is None:
                return fail("nothing was done", as_json)
            # The core refuses what it did not do: an unknown or stale draft, someone else's.
            done = not reply.refused
            if as_json:
                print_json({**reply_to_dict(reply), "ok": done})
            elif not done:
                error_line(reply.text)
            else:
                await render_reply(bot, reply, who, user)
            return 0 if done else 1

    raise typer.Exit(
        run(on_draft if draft_id and verb in {"approve", "discard", "export"} else draft)
    )


# The name scope, proposal and change commands import; the console rendering is common's.
ask_bot_render = render_reply


# --- `atelier projects add|close` --------------------------------------------------------------


def projects_add_command(
    title: Annotated[str, typer.Option("--title", "--name", help="Project name.")],
    client: Annotated[str | None, typer.Option(help="Client name.")] = None,
    aliases: Annotated[str | None, typer.Option(help="Comma-separated short names.")] = None,
    estimate_hours: Annotated[
        float | None, typer.Option("--estimate-hours", min=0.01, help="Estimated hours.")
    ] = None,
    estimate_id: Annotated[
        str | None, typer.Option("--estimate-id", help="A saved /scope estimate id instead.")
    ] = None,
    budget: Annotated[float | None, typer.Option(min=0.01, help="Budget (money).")] = None,
    rate: Annotated[float | None, typer.Option(min=0.01, help="Hourly rate (private).")] = None,
    currency: Annotated[str | None, typer.Option(help="ISO 4217 code.")] = None,
    start: Annotated[
        str | None,
        typer.Option(
            help="Start date, e.g. 2027-01-15, 15 March, last Monday, yesterday or 3 weeks ago; "
            "without a year, the latest such day."
        ),
    ] = None,
    due: Annotated[
        str | None,
        typer.Option(help=f"Due date, {DATE_EXAMPLES}; without a year, the next such day."),
    ] = None,
    client_channel: Annotated[
        str | None, typer.Option("--client-channel", help="Channel id for approved updates.")
    ] = None,
    summary: Annotated[str | None, typer.Option(help="What the project is.")] = None,
    type: Annotated[str | None, typer.Option("--type", help="e.g. web-shop.")] = None,
    tags: Annotated[
        str | None, typer.Option("--tags", help="Comma-separated stack tags, e.g. shopify,theme.")
    ] = None,
    active: Annotated[
        bool, typer.Option("--active", help="Track it as in progress (the only kind added here).")
    ] = True,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Start tracking a project in progress (every field an option, no prompts)."""
    settings = settings_or_exit()
    if not active:
        error_line("past projects are added with `atelier projects import`")
        raise typer.Exit(2)
    from adapters.runtime import running_bot
    from bot.messages import Action

    who = tenant or settings.default_tenant
    values = {
        "name": title,
        "client": client,
        "aliases": aliases,
        "estimate": estimate_id or (f"{estimate_hours:g}" if estimate_hours else None),
        "budget": f"{budget:g}" if budget else None,
        "rate": f"{rate:g}" if rate else None,
        "currency": currency,
        "start": start,
        "due": due,
        "client_channel": client_channel,
        "summary": summary,
        "type": type,
        "tags": tags,
    }
    answers = {k: v for k, v in values.items() if v}

    async def go() -> int:
        async with running_bot(settings) as bot:
            # As in chat: `/projects add` opens the form, and the options are its answers,
            # submitted like a filled-in modal (the same checks, the same filing; `currency`
            # is one of the answers the form takes without showing a field for it).
            opened = await bot.handle(cli_request(settings, who, user, "projects", "add"))
            form = opened.form if opened is not None else None
            if form is None:
                return _fail(opened.text if opened else "the project form did not open", as_json)
            submitted = Action(
                action_id=form.form_id,
                value=form.value,
                values=answers,
                tenant=who,
                user_id=user,
                user_name=user,
                channel_id="cli",
                platform="cli",
            )
            reply = await bot.handle_action(submitted)
            if reply is None:
                return _fail("nothing was saved", as_json)
            if reply.form_errors:
                message = "; ".join(f"{field}: {text}" for field, text in reply.form_errors.items())
                return _fail(f"nothing was saved ({message})", as_json)
            if reply.refused or not reply.facts:
                return _fail(reply.text or "nothing was saved", as_json)
            if as_json:
                print_json(dict(reply.facts))
            else:
                added = reply.facts
                stdout.print(f"Added {added['name']} ({added['id']}).", markup=False)
            return 0

    raise typer.Exit(run(go))


def projects_close_command(
    project: Annotated[str, typer.Argument(help="Project name, alias or id.")],
    hours: Annotated[
        float | None, typer.Argument(help="Actual hours (default: the sum of the log).")
    ] = None,
    confirm: Annotated[
        bool, typer.Option("--confirm", help="Accept hours that look unusual (not impossible).")
    ] = False,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Close a project: its actual hours become history that future estimates learn from."""
    settings = settings_or_exit()
    from adapters.runtime import running_bot

    args = project + (f" {hours:g}" if hours is not None else "") + (" confirm" if confirm else "")

    async def go() -> int:
        async with running_bot(settings) as bot:
            request = cli_request(settings, tenant, user, "projects", f"close {args}")
            reply = await bot.handle(request)
            if reply is None:
                return _fail("nothing was closed", as_json)
            if as_json:
                print_json(reply_to_dict(reply))
            elif reply.refused:
                error_line(reply.text.replace("confirm with the button or ", "add --confirm, or "))
            else:
                await render_reply(bot, reply, request.tenant, user)
            return 1 if reply.refused else 0

    raise typer.Exit(run(go))


def register(app: typer.Typer, projects_app: typer.Typer | None = None) -> None:
    """Add `log` and `update` to the CLI, and `add` / `close` to `atelier projects`."""
    app.command("log")(log_command)
    app.command("update")(update_command)
    if projects_app is not None:
        projects_app.command("add")(projects_add_command)
        projects_app.command("close")(projects_close_command)

"""`atelier change`: judge and price a client's request, record the client's answer, export the
change order — all through ``Bot.handle`` as ``/change`` would in chat.

    atelier change acme "a blog section with categories" --json
    atelier change approve cr1a2b3c        (or decline / absorb)
    atelier change export cr1a2b3c         (the change order as Markdown)
    atelier change list                    (every request waiting for the client's answer)
"""

from __future__ import annotations

from typing import Annotated

import typer

from adapters.cli.common import (
    DEFAULT_USER,
    JsonOption,
    TenantOption,
    UserOption,
    cli_request,
    error_line,
    print_json,
    reply_to_dict,
    run,
    settings_or_exit,
    stdout,
)
from bot.messages import Paragraph, Reply

_ACTS = {"approve", "decline", "absorb", "export", "show", "draft", "list"}



def _markdown(reply: Reply) -> str:
    """An exported change order: its last block holds the Markdown."""
    last = reply.blocks[-1] if reply.blocks else None
    return last.text if isinstance(last, Paragraph) else reply.text


def change_command(
    target: Annotated[
        str, typer.Argument(help="A project, or approve / decline / absorb / export / list.")
    ],
    text: Annotated[
        list[str] | None,
        typer.Argument(help="What the client asked for; or the change id after a verb."),
    ] = None,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Judge a client's request against the agreed scope and price it, or act on one.

    `atelier change acme "a blog section" --json`, then `atelier change approve cr1a2b3c`;
    `atelier change list` shows every request waiting for the client, `list PROJECT` one
    project's.
    """
    settings = settings_or_exit()
    from adapters.cli.worklog import ask_bot_render
    from adapters.launch import load_demo_if_empty
    from adapters.runtime import running_bot

    who = tenant or settings.default_tenant
    words = " ".join(text or []).strip()
    verb = target.lower()
    # `list` alone is every request waiting for a client's answer, as `/change list` in chat.
    if verb in _ACTS - {"list"} and not words:
        error_line(f"`atelier change {verb}` needs a change id")
        raise typer.Exit(2)

    async def go() -> int:
        async with running_bot(settings) as bot:
            if settings.demo_data and who == settings.default_tenant and verb not in _ACTS:
                await load_demo_if_empty(bot, who)  # the history an extra is priced from
            line = f"{target} {words}".strip()
            reply = await bot.handle(cli_request(settings, who, user, "change", line))
            assert reply is not None
            if as_json:
                # The change request as the core recorded it comes with the reply (its facts).
                data = {**reply_to_dict(reply, with_facts=False), **reply.facts}
                if verb == "export" and not reply.refused:
                    data["markdown"] = _markdown(reply)
                data["ok"] = not reply.refused
                print_json(data)
            elif reply.refused:
                error_line(reply.text)
            elif verb == "export":
                stdout.print(_markdown(reply), markup=False, highlight=False)
            else:
                await ask_bot_render(bot, reply, who, user)
            return 1 if reply.refused else 0

    raise typer.Exit(run(go))


def register(app: typer.Typer) -> None:
    app.command("change")(change_command)


__all__ = ["change_command", "register"]

"""`atelier change`: judge and price a client's request, record the client's answer, export the
change order — all through ``Bot.handle`` as ``/change`` would in chat.

    atelier change acme "a blog section with categories" --json
    atelier change approve cr1a2b3c        (or decline / absorb)
    atelier change export cr1a2b3c         (the change order as Markdown)
"""

from __future__ import annotations

from typing import Annotated, Any

import typer

from adapters.cli.common import (
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

def _change_id(reply: Any) -> str | None:
    for block in reply.blocks:
        for item in getattr(block, "items", ()):
            if getattr(item, "label", None) == "Change id":
                return str(item.value)
    return None


def _change_json(change: Any) -> dict[str, Any]:
    band = None
    if change.hours_p10 is not None and change.hours_p90 is not None:
        band = {"p10": change.hours_p10, "p50": change.hours, "p90": change.hours_p90}
    return {
        "change_id": change.id,
        "project": change.project_id,
        "request": change.text,
        "verdict": change.verdict,
        "reason": change.reason,
        "scope_line": change.scope_line,
        "hours": change.hours,
        "band": band,
        "price": change.price,
        "currency": change.currency,
        "new_due_date": change.new_due_date.isoformat() if change.new_due_date else None,
        "status": change.status,
        "draft_id": change.draft_id,
    }


def change_command(
    target: Annotated[
        str, typer.Argument(help="A project, or approve / decline / absorb / export / list.")
    ],
    text: Annotated[
        list[str] | None,
        typer.Argument(help="What the client asked for; or the change id after a verb."),
    ] = None,
    tenant: TenantOption = None,
    user: UserOption = "you",
    as_json: JsonOption = False,
) -> None:
    """Judge a client's request against the agreed scope and price it, or act on one.

    `atelier change acme "a blog section" --json`, then `atelier change approve cr1a2b3c`.
    """
    settings = settings_or_exit()
    from adapters.cli.worklog import ask_bot_render
    from adapters.launch import load_demo_if_empty
    from adapters.runtime import running_bot
    from bot.changes.records import get_change

    who = tenant or settings.default_tenant
    words = " ".join(text or []).strip()
    verb = target.lower()
    if verb in _ACTS and not words:
        error_line(f"`atelier change {verb}` needs a change id (or a project for `list`)")
        raise typer.Exit(2)

    async def go() -> int:
        async with running_bot(settings) as bot:
            if settings.demo_data and who == settings.default_tenant and verb not in _ACTS:
                await load_demo_if_empty(bot, who)  # the history an extra is priced from
            line = f"{target} {words}".strip()
            reply = await bot.handle(cli_request(settings, who, user, "change", line))
            assert reply is not None
            change_id = _change_id(reply) if verb not in _ACTS else words.split()[0]
            change = await get_change(bot.services.db, who, change_id) if change_id else None
            if as_json:
                data = reply_to_dict(reply)
                if change is not None:
                    data.update(_change_json(change))
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

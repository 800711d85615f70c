"""`atelier proposal`: draft a client proposal from a saved estimate, act on it, export it.

Everything goes through the core's front door (``Bot.handle``) like a chat command, so the CLI
gets the same checks (only the requester acts, stale drafts, the leak rules) and replies.
"""

from __future__ import annotations

from pathlib import Path
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
    print_json,
    reply_to_dict,
    run,
    settings_or_exit,
    stdout,
)
from bot.messages import Paragraph, Reply

_VERBS = {"approve", "discard", "export"}


def _draft_id(reply: Reply) -> str | None:
    for button in reply.buttons:
        if button.action_id.startswith("proposal:") and ":" in button.value:
            return str(button.value.split(":")[0])
    return None


def proposal_command(
    target: Annotated[
        str, typer.Argument(help="A saved estimate id (est-…), or approve / discard / export.")
    ],
    draft_id: Annotated[
        str | None, typer.Argument(help="The proposal's draft id, after approve/discard/export.")
    ] = None,
    tone: Annotated[
        str, typer.Option("--tone", help="friendly, formal or brief.", case_sensitive=False)
    ] = "formal",
    pricing: Annotated[
        str | None, typer.Option("--pricing", help="fixed or tm (time and materials).")
    ] = None,
    confidence: Annotated[
        str | None, typer.Option("--confidence", help="p50 or p80, for a fixed price.")
    ] = None,
    client: Annotated[str | None, typer.Option("--client", help="The client's name.")] = None,
    due: Annotated[
        str | None, typer.Option("--due", help=f"Wanted by: a day, {DATE_EXAMPLES}.")
    ] = None,
    pdf: Annotated[
        Path | None, typer.Option("--pdf", help="With export: write the PDF to this file.")
    ] = None,
    tenant: TenantOption = None,
    user: UserOption = DEFAULT_USER,
    as_json: JsonOption = False,
) -> None:
    """Draft a proposal from a saved estimate (prints it and its draft id), or act on a draft.

    `atelier proposal est-1a2b3c4d --pricing tm`, `atelier proposal approve p1a2b3c`,
    `atelier proposal export p1a2b3c --pdf proposal.pdf`.
    """
    settings = settings_or_exit()
    from adapters.cli.worklog import ask_bot_render
    from adapters.runtime import running_bot

    who = tenant or settings.default_tenant
    verb = target.lower()
    if verb in _VERBS and not draft_id:
        error_line(f"`atelier proposal {verb}` needs a draft id")
        raise typer.Exit(2)
    if pdf is not None and verb != "export":
        error_line("--pdf goes with `atelier proposal export DRAFT_ID`")
        raise typer.Exit(2)
    if verb in _VERBS:
        text = f"{verb} {draft_id}"
    else:
        flags = [target, tone.lower(), pricing or "", confidence or ""]
        if client:
            flags.append(f'client="{client}"')
        if due:
            flags.append(f'due="{due}"')  # "next Friday" is two words
        text = " ".join(f for f in flags if f)

    async def go() -> int:
        async with running_bot(settings) as bot:
            reply = await bot.handle(cli_request(settings, who, user, "proposal", text))
            assert reply is not None
            made = _draft_id(reply) if verb not in _VERBS else draft_id
            if as_json:
                print_json({**reply_to_dict(reply), "draft_id": made})
                return 1 if reply.refused else 0
            if reply.refused:
                error_line(reply.text)
                return 1
            if verb == "export":
                # The export is a heading, then the Markdown as one paragraph.
                body = reply.blocks[1] if len(reply.blocks) > 1 else None
                markdown = body.text if isinstance(body, Paragraph) else reply.text
                if pdf is None:
                    stdout.print(markdown, markup=False, highlight=False)
                    return 0
                from bot.proposal_pdf import text_pdf

                title = markdown.splitlines()[0].strip("* ") if markdown else "Proposal"
                pdf.write_bytes(text_pdf(markdown, title=title))
                stdout.print(f"Wrote {pdf}", markup=False, highlight=False)
                return 0
            await ask_bot_render(bot, reply, who, user)
            if made and verb not in _VERBS:
                stdout.print(f"Draft id: {made}", markup=False, highlight=False)
            return 0

    raise typer.Exit(run(go))


def register(app: typer.Typer) -> None:
    app.command("proposal")(proposal_command)

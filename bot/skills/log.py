"""`/log`: a project's work log, written from chat.

``/log acme done: checkout flow, 2h30`` records an entry; ``/log acme`` lists the recent ones;
``/log edit 12 …`` and ``/log delete 12`` change an entry (its author only); ``/log summary
[period] [project]`` totals hours, billable hours and amounts (:mod:`bot.skills.log_summary`).
An ``nb:`` prefix or ``#nb`` flag marks an entry non-billable. In a mention or a
DM, "log acme: …" does the same. Each entry's kind (done, next, blocker, decision, question for
the client, note), hours and ``internal:`` flag are read from its text.
"""

from __future__ import annotations

from typing import Any

from bot.logparse import ParsedEntry, ParsedLine, parse_entry
from bot.mentions import neutralise_mentions
from bot.messages import Heading, Paragraph, Reply, Request, Table, text_reply
from bot.registry import Command, SkillError, SkillRegistry
from bot.services import Services
from bot.skills.active_projects import known_projects_text
from bot.skills.changes import offer_for_entry
from bot.worklog import (
    add_entry,
    delete_entry,
    edit_entry,
    find_project,
    recent_entries,
)
from state import ActiveProject, LogEntry

USAGE = (
    "Usage: `/log <project> <what happened>` (e.g. `/log acme done: checkout flow, 2h`), "
    "`/log <project>` for the recent entries, `/log edit <entry id> <text>`, "
    "`/log delete <entry id>`, `/log summary [week|month|DATE..DATE] [project]` for hours "
    "and billable amounts (mark unbilled time `nb:`)."
)
MAX_PROJECT_WORDS = 6  # how many leading words may name the project


async def _split_project(
    services: Services, tenant: str, text: str
) -> tuple[ActiveProject | None, str]:
    """The project named at the start of ``text`` ("acme: …", "acme shop done …") and the rest."""
    head, colon, tail = text.partition(":")
    if colon and (project := await find_project(services.db, tenant, head)):
        return project, tail.strip()
    words = text.split()
    for count in range(min(len(words), MAX_PROJECT_WORDS), 0, -1):
        candidate = " ".join(words[:count]).rstrip(":,")
        project = await find_project(services.db, tenant, candidate)
        if project is not None:
            rest = text.strip()[len(" ".join(words[:count])) :].strip().lstrip(":,").strip()
            return project, rest
    return None, text


def _describe(parsed: ParsedEntry | ParsedLine) -> str:
    lines = getattr(parsed, "lines", ())
    if len(lines) > 1:
        # Each line was read on its own: say how, so a misread line is caught at once.
        return f"{len(lines)} lines: " + "; ".join(_describe(line) for line in lines)
    bits: list[str] = [parsed.kind if parsed.kind != "question" else "question for the client"]
    if parsed.hours is not None:
        bits.append(f"{parsed.hours:g} h")
    if parsed.internal:
        bits.append("internal: never in client updates")
    return ", ".join(bits)


def _described(parsed: ParsedEntry) -> str:
    """The entry as read, and whether it is billed."""
    return _describe(parsed) + ("" if parsed.billable else "; non-billable")


def _entry_id(text: str) -> int:
    cleaned = text.strip().lstrip("#")
    if not cleaned.isdigit() or len(cleaned) > 12:
        raise SkillError(f"`{text[:20]}` is not an entry id. {USAGE}")
    return int(cleaned)


async def _edit(request: Request, services: Services, args: str) -> Reply:
    number, _, text = args.strip().partition(" ")
    if not number:
        raise SkillError(USAGE)
    entry_id = _entry_id(number)
    if not text.strip():
        raise SkillError("What should the entry say? `/log edit 12 done: homepage, 3h`.")
    entry = await edit_entry(
        services.db, request.tenant, entry_id, request.user_id, text, services.clock()
    )
    parsed = parse_entry(entry.text)
    return text_reply(f"Updated entry #{entry.id} ({_described(parsed)}).")


async def _delete(request: Request, services: Services, args: str) -> Reply:
    entry_id = _entry_id(args)
    entry = await delete_entry(
        services.db, request.tenant, entry_id, request.user_id, services.clock()
    )
    return text_reply(f"Deleted entry #{entry.id}; it no longer counts in logs, hours or updates.")


async def _list(services: Services, tenant: str, project: ActiveProject) -> Reply:
    entries = await recent_entries(services.db, tenant, project.id)
    if not entries:
        return text_reply(
            f"Nothing logged on **{project.name}** yet. Try `/log {project.id} done: kickoff, 1h`."
        )
    rows = tuple(
        (
            f"#{e.id}",
            e.created_at.strftime("%d %b %H:%M"),
            e.author_name or e.author_id,
            e.kind + (" (internal)" if e.internal else "") + (" (nb)" if not e.billable else ""),
            f"{e.hours:g}" if e.hours is not None else "",
            ("✓ " if e.reported_draft_id else "") + neutralise_mentions(e.text)[:200],
        )
        for e in entries
    )
    return Reply(
        blocks=(
            Heading(text=f"Log — {project.name}"),
            Table(columns=("id", "when", "who", "kind", "hours", "entry"), rows=rows),
            Paragraph(text="✓ = already in an approved update."),
        )
    )


def _entry_facts(entry: LogEntry, project: ActiveProject) -> dict[str, Any]:
    """The new entry as read (for scripts): never its text, which may be internal."""
    return {
        "id": entry.id,
        "project": project.id,
        "kind": entry.kind,
        "hours": entry.hours,
        "internal": entry.internal,
        "billable": entry.billable,
    }


async def log_command(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    if not text:
        known = await known_projects_text(services, request.tenant)
        return text_reply(f"{USAGE}\n\n{known}")
    verb, _, rest = text.partition(" ")
    if verb.lower() in {"summary", "hours", "timesheet"} and not await find_project(
        services.db, request.tenant, verb
    ):
        from bot.skills.log_summary import summary_command

        return await summary_command(request, services, rest)
    if verb.lower() == "edit" and not await find_project(services.db, request.tenant, "edit"):
        return await _edit(request, services, rest)
    if verb.lower() == "delete" and not await find_project(services.db, request.tenant, "delete"):
        return await _delete(request, services, rest)
    project, entry_text = await _split_project(services, request.tenant, text)
    if project is None:
        guess = text.split()[0].rstrip(":,")
        known = await known_projects_text(services, request.tenant)
        raise SkillError(f"I don't know an active project called “{guess[:60]}”. {known}")
    if not entry_text:
        return await _list(services, request.tenant, project)
    entry = await add_entry(
        services.db,
        request.tenant,
        project,
        request.user_id,
        request.user_name,
        entry_text,
        services.clock(),
    )
    reply = text_reply(
        f"Logged #{entry.id} on **{project.name}** ({_described(parse_entry(entry_text))})."
    ).model_copy(update={"facts": _entry_facts(entry, project)})
    return offer_for_entry(reply, entry)  # "client asked: …" is offered as a change request


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="log",
            summary="Log progress on an active project (done, next, blockers, hours…)",
            usage="<project> <text>",
            examples=(
                "acme done: checkout flow, 2h30",
                "acme blocker: waiting for the API keys",
                "acme",
            ),
            handler=log_command,
            option=("entry", "project, then what happened, e.g. `acme done: checkout, 2h`"),
        )
    )
    # "log acme: finished the homepage" in a mention or a DM.
    registry.intent("log", r"^\s*log\s+(?P<text>[^:\n]{1,60}:\s*\S.*)$", 70, "text")


__all__ = ["log_command", "setup"]

"""`/update`: a client update drafted from the log, private until its requester approves it.

``/update acme [friendly|formal|brief]`` drafts from the entries no approved update has covered
yet, plus the plan (hours vs estimate, budget burn, due date). The draft goes to the requester's
DMs with buttons: Approve, Regenerate, Change tone, Discard, Export; once approved, and only when
the project has a client channel, "Post to client channel" — the only way anything reaches a
client. ``/update export|approve|discard <draft id>`` do the same from text or the CLI.
"""

from __future__ import annotations

import datetime as dt

from bot.compose import Composition
from bot.drafts import (
    DraftText,
    StaleDraft,
    add_version,
    approve,
    create_draft,
    discard,
    get_draft,
    mark_posted,
    why_stale,
)
from bot.mentions import neutralise_mentions
from bot.messages import (
    Action,
    Button,
    Buttons,
    Heading,
    Paragraph,
    Reply,
    Request,
    Visibility,
    text_reply,
)
from bot.registry import ActionId, Command, SkillError, SkillRegistry
from bot.services import Services
from bot.skills.active_projects import effective_rate, known_projects_text, resolve_project
from bot.state import ActiveProject, LogEntry
from bot.update_text import (
    TONES,
    EntryLine,
    ProjectFigures,
    Tone,
    build_update,
    next_tone,
)
from bot.worklog import (
    entries_by_id,
    find_project,
    get_project,
    hours_logged,
    unreported_entries,
)

DM_NOTICE = "Draft sent to your DMs."
USAGE = (
    "Usage: `/update <project> [friendly|formal|brief]` drafts a client update from the log; "
    "`/update export <draft id>` gives its text to paste into an email."
)
_VERB_NAMES = {
    "approve": "approve",
    "post": "post",
    "discard": "discard",
    "regenerate": "regenerate",
    "tone": "change the tone of",
    "export": "export",
}


# --- building the text ----------------------------------------------------------------------


async def _figures(services: Services, project: ActiveProject) -> ProjectFigures:
    used = (await hours_logged(services.db, project.tenant, [project.id]))[project.id]
    return ProjectFigures(
        name=project.name,
        client=project.client,
        hours_used=used,
        estimate_hours=project.estimate_hours,
        budget=project.budget,
        rate=await effective_rate(services, project),
        currency=project.currency,
        start_date=project.start_date,
        due_date=project.due_date,
        today=services.clock().date(),
    )


def _lines(entries: list[LogEntry]) -> list[EntryLine]:
    return [
        EntryLine(id=e.id, kind=e.kind, text=e.text, hours=e.hours, internal=e.internal)
        for e in entries
    ]


async def _write(
    services: Services,
    project: ActiveProject,
    entries: list[LogEntry],
    tone: Tone,
    on_track: bool,
) -> tuple[str, tuple[str, ...], tuple[int, ...]]:
    """Client text (composed, ping-proof), private notes, covered entry ids."""
    draft = build_update(
        await _figures(services, project), _lines(entries), tone, on_track=on_track
    )
    composed = await services.composer.compose(
        Composition(
            kind="client_update",
            tenant=project.tenant,
            draft=draft.client_text,
            facts=draft.facts,
            tone=tone,
        )
    )
    # The composer only re-phrases, but what reaches a client must never ping anyone.
    return neutralise_mentions(composed or draft.client_text), draft.private_notes, draft.entry_ids


# --- replies ----------------------------------------------------------------------------------


def _value(draft_id: str, version: int) -> str:
    return f"{draft_id}:{version}"


def _draft_reply(project: ActiveProject, text: DraftText, *, notice: str = "") -> Reply:
    draft, version = text.draft, text.version
    value = _value(draft.id, version.version)
    blocks: list = [
        Heading(
            text=f"Draft update — {project.name} (v{version.version}, {version.tone}; "
            "only you can see this)"
        ),
        Paragraph(text=version.client_text),
    ]
    if version.private_notes:
        blocks.append(
            Paragraph(
                text="**Private notes** (not in the client text)\n"
                + "\n".join(f"- {note}" for note in version.private_notes)
            )
        )
    covered = len(draft.entry_ids)
    blocks.append(
        Paragraph(
            text=f"Draft `{draft.id}` covers {covered} log entr{'y' if covered == 1 else 'ies'}. "
            "Nothing is sent to the client until you approve it."
        )
    )
    other = next_tone(version.tone)
    blocks.append(
        Buttons(
            items=(
                Button(label="Approve", action_id="update:approve", value=value, style="primary"),
                Button(label="Regenerate", action_id="update:regenerate", value=value),
                Button(
                    label=f"Change tone ({other})", action_id=f"update:tone:{other}", value=value
                ),
                Button(label="Discard", action_id="update:discard", value=value, style="danger"),
                Button(label="Export text", action_id="update:export", value=value),
            )
        )
    )
    return Reply(
        blocks=tuple(blocks), visibility=Visibility.DM, notice=notice, replace_original=not notice
    )


def _approved_reply(project: ActiveProject, text: DraftText, reported: int) -> Reply:
    draft, version = text.draft, text.version
    value = _value(draft.id, version.version)
    buttons = [Button(label="Export text", action_id="update:export", value=value)]
    if project.client_channel:
        buttons.insert(
            0,
            Button(
                label="Post to client channel",
                action_id="update:post",
                value=value,
                style="primary",
            ),
        )
        where = "Post it to the client channel when you're ready, or export it."
    else:
        where = "This project has no client channel; export the text to send it yourself."
    return Reply(
        blocks=(
            Heading(text=f"Approved — {project.name} (v{version.version})"),
            Paragraph(text=version.client_text),
            Paragraph(
                text=f"{reported} log entr{'y is' if reported == 1 else 'ies are'} now marked "
                f"as reported; the next update starts after them. {where}"
            ),
            Buttons(items=tuple(buttons)),
        ),
        visibility=Visibility.DM,
        replace_original=True,
    )


def _export_reply(project: ActiveProject, text: DraftText, today: dt.date) -> Reply:
    subject = f"Subject: {project.name} — project update ({today.day} {today:%b %Y})"
    return Reply(
        blocks=(
            Heading(text=f"Plain text — {project.name} (v{text.version.version})"),
            Paragraph(text=f"{subject}\n\n{text.version.client_text}"),
        ),
        visibility=Visibility.DM,
    )


# --- the command ------------------------------------------------------------------------------


async def _project_and_tone(
    services: Services, tenant: str, text: str
) -> tuple[ActiveProject, Tone]:
    words = text.split()
    last = words[-1].lower() if words else ""
    if len(words) > 1 and last in TONES:
        tone: Tone = last  # type: ignore[assignment]
        return await resolve_project(services, tenant, " ".join(words[:-1])), tone
    project = await find_project(services.db, tenant, text)
    if project is not None:
        return project, "friendly"
    if len(words) > 1 and await find_project(services.db, tenant, " ".join(words[:-1])):
        raise SkillError(f"I know the tones {', '.join(TONES)}; “{last[:20]}” isn't one of them.")
    return await resolve_project(services, tenant, text), "friendly"


async def _nothing_to_report(project: ActiveProject, tone: Tone) -> Reply:
    return Reply(
        blocks=(
            Paragraph(
                text=f"Nothing new is logged on **{project.name}** since the last approved "
                "update, so there's nothing to report. Log progress with "
                f"`/log {project.id} …`, or send a short “still on track” note instead."
            ),
            Buttons(
                items=(
                    Button(
                        label="Draft a “still on track” note",
                        action_id="update:ontrack",
                        value=f"{project.id}:{tone}",
                    ),
                )
            ),
        ),
    )


async def _new_draft(
    services: Services,
    project: ActiveProject,
    user_id: str,
    user_name: str,
    tone: Tone,
    *,
    on_track: bool,
) -> Reply:
    entries = [] if on_track else await unreported_entries(services.db, project.tenant, project.id)
    if not entries and not on_track:
        return await _nothing_to_report(project, tone)
    client_text, notes, entry_ids = await _write(services, project, entries, tone, on_track)
    created = await create_draft(
        services.db,
        tenant=project.tenant,
        project_id=project.id,
        requester_id=user_id,
        requester_name=user_name,
        tone=tone,
        entry_ids=entry_ids,
        on_track=on_track,
        client_text=client_text,
        private_notes=notes,
        now=services.clock(),
    )
    return _draft_reply(project, created, notice=DM_NOTICE)


async def update_command(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    if not text:
        return text_reply(f"{USAGE}\n\n{await known_projects_text(services, request.tenant)}")
    verb, _, rest = text.partition(" ")
    if verb.lower() in {"export", "approve", "discard", "post"} and rest.strip():
        draft_id, _, version = rest.strip().partition(":")
        return await act(
            verb.lower(),
            draft_id,
            int(version) if version.isdigit() else None,
            tenant=request.tenant,
            user_id=request.user_id,
            services=services,
        )
    project, tone = await _project_and_tone(services, request.tenant, text)
    return await _new_draft(
        services, project, request.user_id, request.user_name, tone, on_track=False
    )


# --- buttons ----------------------------------------------------------------------------------


async def act(
    verb: str,
    draft_id: str,
    version: int | None,
    *,
    tenant: str,
    user_id: str,
    services: Services,
    tone: str | None = None,
) -> Reply:
    """One step of the draft's life, by its requester only; stale steps do nothing and say why."""
    found = await get_draft(services.db, tenant, draft_id.strip())
    if found is None:
        return text_reply(
            f"I can't find the draft `{draft_id[:20]}`. Run `/update <project>` again."
        )
    draft = found.draft
    if user_id != draft.requester_id:
        who = draft.requester_name or draft.requester_id
        return text_reply(
            f"Sorry, only the person who asked for this draft ({who}) can "
            f"{_VERB_NAMES.get(verb, verb)} it. You can draft your own with `/update <project>`."
        )
    project = await get_project(services.db, tenant, draft.project_id)
    if project is None:
        return text_reply("The project of this draft no longer exists.")
    if verb == "export":
        return _export_reply(project, found, services.clock().date())
    if verb == "post":
        return await _post(services, project, found, version, user_id)
    if (reason := why_stale(draft, version)) is not None:
        return text_reply(f"{reason} Nothing was changed.")
    current = draft.version
    try:
        if verb == "approve":
            reported = await approve(services.db, tenant, draft.id, current, services.clock())
            refreshed = await get_draft(services.db, tenant, draft.id)
            assert refreshed is not None
            return _approved_reply(project, refreshed, reported)
        if verb == "discard":
            await discard(services.db, tenant, draft.id, current)
            return Reply(
                blocks=(
                    Paragraph(
                        text=f"Discarded draft `{draft.id}` for **{project.name}**. Its log "
                        "entries stay unreported and will be in the next update."
                    ),
                ),
                visibility=Visibility.DM,
                replace_original=True,
            )
        if verb in {"regenerate", "tone"}:
            new_tone: Tone = tone if tone in TONES else found.version.tone  # type: ignore[assignment]
            if draft.on_track:
                entries: list[LogEntry] = []
            else:
                # Regenerating picks up edits and entries logged since the draft was made.
                entries = await unreported_entries(services.db, tenant, project.id)
                entries = entries or await entries_by_id(services.db, tenant, draft.entry_ids)
            client_text, notes, entry_ids = await _write(
                services, project, entries, new_tone, draft.on_track
            )
            version_row = await add_version(
                services.db,
                tenant,
                draft.id,
                current,
                tone=new_tone,
                client_text=client_text,
                private_notes=notes,
                entry_ids=entry_ids,
                now=services.clock(),
            )
            refreshed = await get_draft(services.db, tenant, draft.id)
            assert refreshed is not None and refreshed.version.version == version_row.version
            return _draft_reply(project, refreshed)
    except StaleDraft as stale:
        return text_reply(f"{stale} Nothing was changed.")
    return text_reply("That button is no longer supported. Run `/update <project>` again.")


async def _post(
    services: Services, project: ActiveProject, found: DraftText, version: int | None, user_id: str
) -> Reply:
    if not project.client_channel:
        return text_reply(
            f"**{project.name}** has no client channel, so I can't post there. "
            "Export the text instead."
        )
    if (reason := why_stale(found.draft, version, wanted="approved")) is not None:
        return text_reply(f"{reason} Nothing was posted.")
    text = neutralise_mentions(found.version.client_text)
    try:
        await mark_posted(
            services.db,
            project.tenant,
            found.draft.id,
            found.draft.version,
            posted_by=user_id,
            channel_id=project.client_channel,
            text=text,
            project_id=project.id,
            now=services.clock(),
        )
    except StaleDraft as stale:
        return text_reply(f"{stale} Nothing was posted.")
    return Reply(
        blocks=(Paragraph(text=text),),
        visibility=Visibility.PUBLIC,
        channel_id=project.client_channel,
        notice=f"Posted the approved update for {project.name} to the client channel.",
    )


async def on_action(action: Action, services: Services) -> Reply:
    parsed = ActionId.parse(action.action_id)
    if parsed.verb == "ontrack":
        project_id, _, tone = action.value.partition(":")
        project = await get_project(services.db, action.tenant, project_id)
        if project is None or project.status != "active":
            raise SkillError("That project is no longer active.")
        return await _new_draft(
            services,
            project,
            action.user_id,
            action.user_name,
            tone if tone in TONES else "friendly",  # type: ignore[arg-type]
            on_track=True,
        )
    draft_id, _, version = action.value.partition(":")
    return await act(
        parsed.verb,
        draft_id,
        int(version) if version.isdigit() else None,
        tenant=action.tenant,
        user_id=action.user_id,
        services=services,
        tone=parsed.rest[0] if parsed.rest else None,
    )


def setup(registry: SkillRegistry) -> None:
    registry.command(
        Command(
            name="update",
            summary="Draft a client update from the log, privately; nothing is sent unapproved",
            usage="<project> [friendly|formal|brief]",
            examples=("acme", "acme formal", "export u1a2b3c"),
            handler=update_command,
            option=("project", "project, optionally followed by a tone: friendly, formal, brief"),
        )
    )
    registry.intent(
        "update",
        r"^\s*(?:draft|write|prepare)\s+(?:an?\s+|the\s+)?(?:client\s+)?update\s+(?:for|on)\s+"
        r"(?P<text>.+?)[?.!\s]*$",
        60,
        "text",
    )
    registry.action("update", on_action)


__all__ = ["DM_NOTICE", "act", "setup", "update_command"]

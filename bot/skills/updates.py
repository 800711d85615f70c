"""`/update`: a client update drafted from the log, private until its requester approves it.

``/update acme [friendly|formal|brief]`` drafts from the entries no approved update has covered
yet, plus the plan (hours vs estimate, budget burn, due date). The draft goes to the requester's
DMs with buttons: Approve, Regenerate, Change tone, Discard, Export; once approved, and only when
the project has a client channel, "Post to client channel" — the only way anything reaches a
client. ``/update export|approve|discard <draft id>`` do the same from text or the CLI.

Who may act, posting, interrupted sends and the platform's delivery outcome are the steps every
client document shares (:class:`bot.documents.DocumentFlow`): a post is a reply with
``confirm`` set, the adapter posts it and reports what the platform did, and only a
confirmation records it as posted (see ``bot.drafts``). An update adds its own rules: a "no
news" note is posted only while the log is unchanged, and discarding keeps its entries for the
next update.
"""

from __future__ import annotations

import datetime as dt

from bot.changes.records import project_changes, summarise
from bot.client_guard import client_guard
from bot.compose import Composition
from bot.documents import DocumentFlow, Subject, button_value, draft_reply, parse_value
from bot.drafts import (
    DraftText,
    LogChanged,
    StaleDraft,
    add_version,
    approve,
    create_draft,
    discard,
    log_mark,
)
from bot.leaks import REASONS
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
    refusal_reply,
    text_reply,
)
from bot.registry import ActionId, Command, SkillError, SkillRegistry
from bot.services import Services
from bot.skills.active_projects import effective_rate, known_projects_text, resolve_project
from bot.skills.changes import changes_line
from bot.update_text import (
    TONES,
    EntryLine,
    ProjectFigures,
    Tone,
    build_update,
    next_tone,
)
from bot.worklog import (
    find_project,
    get_project,
    hours_logged,
    unreported_entries,
)
from state import ActiveProject, Draft, LogEntry

DM_NOTICE = "Draft sent to your DMs."
USAGE = (
    "Usage: `/update <project> [friendly|formal|brief]` drafts a client update from the log; "
    "`/update export <draft id>` gives its text to paste into an email."
)


# --- building the text ----------------------------------------------------------------------


async def _figures(services: Services, project: ActiveProject) -> ProjectFigures:
    used = (await hours_logged(services.db, project.tenant, [project.id]))[project.id]
    changes = summarise(
        await project_changes(services.db, project.tenant, project.id), project.currency
    )
    return ProjectFigures(
        changes=changes_line(changes),
        change_facts={
            "approved_changes": changes.approved,
            "change_hours": round(changes.approved_hours, 2),
            "change_price": round(changes.approved_price, 2),
        }
        if changes.approved
        else {},
        name=project.name,
        client=project.client,
        hours_used=used,
        estimate_hours=project.estimate_hours,
        budget=project.budget,
        rate=await effective_rate(services, project),
        currency=project.currency,
        start_date=schedule_start(project),
        due_date=project.due_date,
        today=services.clock().date(),
    )


def schedule_start(project: ActiveProject) -> dt.date | None:
    """The first day of the schedule: the project's start date, else the day it was added."""
    if project.start_date is not None:
        return project.start_date
    return project.created_at.date() if project.created_at is not None else None


def is_overdue(project: ActiveProject, today: dt.date) -> bool:
    return project.due_date is not None and project.due_date < today


def _fresh(project: ActiveProject) -> str:
    return f"`/update {project.id}`"


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
    """Client text (composed, leak-checked, ping-proof), private notes, covered entry ids."""
    guard = await client_guard(services, project)
    draft = build_update(
        await _figures(services, project),
        _lines(entries),
        tone,
        on_track=on_track,
        leak_filter=guard.filter,
    )
    composed = await services.composer.compose(
        Composition(
            kind="client_update",
            tenant=project.tenant,
            draft=draft.client_text,
            facts=draft.facts,
            tone=tone,
            withheld_names=guard.other_clients,
        )
    )
    # The composer only re-phrases, but what reaches a client passes the leak rules once more
    # (the last gate, whoever wrote the text) and can never ping anyone.
    checked = guard.filter.clean(composed or draft.client_text)
    notes = draft.private_notes + guard.notes + tuple(
        f"Left out of the final text ({REASONS[item.reason]}, line {item.line})."
        for item in checked.withheld
    )
    return neutralise_mentions(checked.text), notes, draft.entry_ids


# --- replies ----------------------------------------------------------------------------------


def _draft_reply(project: ActiveProject, text: DraftText, *, notice: str = "") -> Reply:
    draft, version = text.draft, text.version
    value = button_value(draft.id, version.version)
    covered = len(draft.entry_ids)
    other = next_tone(version.tone)
    return draft_reply(
        f"Draft update — {project.name} (v{version.version}, {version.tone}; "
        "only you can see this)",
        version,
        Paragraph(
            text=f"Draft `{draft.id}` covers {covered} log entr{'y' if covered == 1 else 'ies'}. "
            "Nothing is sent to the client until you approve it."
        ),
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
        ),
        notice=notice,
    )


def _approved_reply(project: ActiveProject, text: DraftText, reported: int) -> Reply:
    draft, version = text.draft, text.version
    value = button_value(draft.id, version.version)
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
        tone: Tone = last
        return await resolve_project(services, tenant, " ".join(words[:-1])), tone
    project = await find_project(services.db, tenant, text)
    if project is not None:
        return project, "friendly"
    if len(words) > 1 and await find_project(services.db, tenant, " ".join(words[:-1])):
        raise SkillError(f"I know the tones {', '.join(TONES)}; “{last[:20]}” isn't one of them.")
    return await resolve_project(services, tenant, text), "friendly"


async def _nothing_to_report(
    services: Services, project: ActiveProject, tone: Tone
) -> Reply:
    # An overdue project is not "on track", whatever the log says.
    kind = "“no news”" if is_overdue(project, services.clock().date()) else "“still on track”"
    return Reply(
        blocks=(
            Paragraph(
                text=f"Nothing new is logged on **{project.name}** since the last approved "
                f"update, so there's nothing to report. Log progress with "
                f"`/log {project.id} …`, or send a short {kind} note instead."
            ),
            Buttons(
                items=(
                    Button(
                        label=f"Draft a {kind} note",
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
    # The log's state first: an entry logged while we write makes the draft stale, never lost.
    mark = await log_mark(services.db, project.tenant, project.id)
    entries = await unreported_entries(services.db, project.tenant, project.id)
    if on_track and entries:
        raise SkillError(
            f"New entries were logged on **{project.name}** since that note was offered, so "
            f"there is news to report. Run {_fresh(project)} for an update with them."
        )
    if not entries and not on_track:
        # Pressed later, it is refused if entries were logged meanwhile (see above).
        return await _nothing_to_report(services, project, tone)
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
        mark=mark,
    )
    return _draft_reply(project, created, notice=DM_NOTICE)


async def update_command(request: Request, services: Services) -> Reply:
    text = request.text.strip()
    if not text:
        return text_reply(f"{USAGE}\n\n{await known_projects_text(services, request.tenant)}")
    verb, _, rest = text.partition(" ")
    if verb.lower() in {"export", "approve", "discard", "post"} and rest.strip():
        draft_id, version, _ = parse_value(rest)
        return await act(
            verb.lower(),
            draft_id,
            version,
            tenant=request.tenant,
            user_id=request.user_id,
            services=services,
        )
    project, tone = await _project_and_tone(services, request.tenant, text)
    return await _new_draft(
        services, project, request.user_id, request.user_name, tone, on_track=False
    )


# --- buttons ----------------------------------------------------------------------------------


async def _subject_of(services: Services, project: ActiveProject) -> Subject:
    return Subject(
        title=project.name,
        client_channel=project.client_channel,
        guard=await client_guard(services, project),
        fresh=_fresh(project),
    )


async def _subject(services: Services, draft: Draft) -> Subject | None:
    project = await get_project(services.db, draft.tenant, draft.project_id)
    return await _subject_of(services, project) if project is not None else None


FLOW = DocumentFlow(kind="update", fresh="`/update <project>`", load_subject=_subject)


async def act(
    verb: str,
    draft_id: str,
    version: int | None,
    *,
    tenant: str,
    user_id: str,
    services: Services,
    tone: str | None = None,
    attempt: str = "",
) -> Reply:
    """One step of the draft's life, by its requester only; stale steps do nothing and say why."""
    found = await FLOW.own(services, tenant, draft_id, user_id, verb)
    draft = found.draft
    project = await get_project(services.db, tenant, draft.project_id)
    if project is None:
        return refusal_reply("The project of this draft no longer exists.")
    if verb == "export":
        return _export_reply(project, found, services.clock().date())
    if verb in {"post", "resend", "arrived"}:
        subject = await _subject_of(services, project)
        if verb == "post":
            return await FLOW.post(
                services,
                subject,
                found,
                version,
                user_id,
                ready=lambda: _still_no_news(services, project, draft),
            )
        return await FLOW.settle_interrupted(services, subject, found, verb, attempt, user_id)
    if (refused := FLOW.stale(draft, version, fresh=_fresh(project))) is not None:
        return refused
    current = draft.version
    try:
        if verb == "approve":
            reported = await approve(services.db, tenant, draft.id, current, services.clock())
            refreshed = await FLOW.find(services, tenant, draft.id)
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
            # `tone in TONES` makes it a Tone, but `in` does not narrow a str to a Literal.
            new_tone: Tone = tone if tone in TONES else found.version.tone  # type: ignore[assignment]
            mark = await log_mark(services.db, tenant, project.id)
            # Regenerating picks up edits and entries logged since the draft was made.
            entries: list[LogEntry] = await unreported_entries(services.db, tenant, project.id)
            if draft.on_track and entries:
                return refusal_reply(
                    f"New entries were logged on **{project.name}** since this note was "
                    f"written, so it would no longer be true. Run {_fresh(project)} for an "
                    "update with them. Nothing was changed."
                )
            if not draft.on_track and not entries:
                return refusal_reply(
                    f"Everything this draft covered was reported or deleted meanwhile: there "
                    f"is no news on **{project.name}** to write about. Discard it, or run "
                    f"{_fresh(project)} once there is. Nothing was changed."
                )
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
                mark=mark,
            )
            refreshed = await FLOW.find(services, tenant, draft.id)
            assert refreshed is not None and refreshed.version.version == version_row.version
            return _draft_reply(project, refreshed)
    except LogChanged as stale:
        return refusal_reply(
            f"{stale} Press **Regenerate** to include the changes, or run {_fresh(project)} "
            "for a fresh draft. Nothing was changed."
        )
    except StaleDraft as stale:
        return refusal_reply(
            f"{stale} Press **Regenerate** for just the news, or run {_fresh(project)}. "
            "Nothing was changed."
        )
    return refusal_reply("That button is no longer supported. Run `/update <project>` again.")


async def _still_no_news(services: Services, project: ActiveProject, draft: Draft) -> Reply | None:
    """A "no news" note is posted only while the log is as it was when the note was written."""
    if draft.on_track and draft.log_mark != await log_mark(
        services.db, project.tenant, project.id
    ):
        return refusal_reply(
            f"Entries were logged on **{project.name}** after this “no news” note was written, "
            f"so it is no longer true. Run {_fresh(project)} for an update with them. "
            "Nothing was posted."
        )
    return None


async def on_action(action: Action, services: Services) -> Reply:
    parsed = ActionId.parse(action.action_id)
    if parsed.verb == "draft":  # the digest's "Draft update" button: value = project id
        project = await get_project(services.db, action.tenant, action.value)
        if project is None or project.status != "active":
            raise SkillError("That project is no longer active.")
        return await _new_draft(
            services, project, action.user_id, action.user_name, "friendly", on_track=False
        )
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
            tone if tone in TONES else "friendly",
            on_track=True,
        )
    draft_id, version, attempt = parse_value(action.value)
    return await act(
        parsed.verb,
        draft_id,
        version,
        tenant=action.tenant,
        user_id=action.user_id,
        services=services,
        tone=parsed.rest[0] if parsed.rest else None,
        attempt=attempt,
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
    registry.delivery("update", FLOW.on_delivery)


__all__ = ["DM_NOTICE", "FLOW", "act", "setup", "update_command"]

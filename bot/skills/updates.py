"""`/update`: a client update drafted from the log, private until its requester approves it.

``/update acme [friendly|formal|brief]`` drafts from the entries no approved update has covered
yet, plus the plan (hours vs estimate, budget burn, due date). The draft goes to the requester's
DMs with buttons: Approve, Regenerate, Change tone, Discard, Export; once approved, and only when
the project has a client channel, "Post to client channel" — the only way anything reaches a
client. ``/update export|approve|discard <draft id>`` do the same from text or the CLI.

A post is a reply with ``confirm`` set: the adapter posts it, then reports what the platform
did (:func:`on_delivery`), and only a confirmation records it as posted (see ``bot.drafts``).
"""

from __future__ import annotations

import datetime as dt

from bot.changes.records import project_changes, summarise
from bot.client_guard import client_guard
from bot.compose import Composition
from bot.documents.flow import record_posted, sentence
from bot.drafts import (
    DraftText,
    LogChanged,
    StaleDraft,
    add_version,
    approve,
    confirm_posted,
    create_draft,
    discard,
    get_draft,
    interrupted,
    log_mark,
    release_sending,
    send_again,
    start_sending,
    why_stale,
)
from bot.leaks import REASONS
from bot.logs import get_logger
from bot.mentions import neutralise_mentions
from bot.messages import (
    Action,
    Button,
    Buttons,
    ConfirmDelivery,
    DeliveryOutcome,
    DeliveryState,
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
from state import ActiveProject, LogEntry

log = get_logger(__name__)

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
    "resend": "post",
    "arrived": "record",
}


# --- building the text ----------------------------------------------------------------------


async def _figures(services: Services, project: ActiveProject) -> ProjectFigures:
    used = (await hours_logged(services.db, project.tenant, [project.id]))[project.id]
    changes = summarise(await project_changes(services.db, project.tenant, project.id))
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
    attempt: str = "",
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
    if verb in {"resend", "arrived"}:
        return await _settle_interrupted(services, project, found, verb, attempt, user_id)
    if (reason := why_stale(draft, version)) is not None:
        hint = f" Run {_fresh(project)} for anything newer." if draft.status == "superseded" else ""
        return text_reply(f"{reason}{hint} Nothing was changed.")
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
            # `tone in TONES` makes it a Tone, but `in` does not narrow a str to a Literal.
            new_tone: Tone = tone if tone in TONES else found.version.tone  # type: ignore[assignment]
            mark = await log_mark(services.db, tenant, project.id)
            # Regenerating picks up edits and entries logged since the draft was made.
            entries: list[LogEntry] = await unreported_entries(services.db, tenant, project.id)
            if draft.on_track and entries:
                return text_reply(
                    f"New entries were logged on **{project.name}** since this note was "
                    f"written, so it would no longer be true. Run {_fresh(project)} for an "
                    "update with them. Nothing was changed."
                )
            if not draft.on_track and not entries:
                return text_reply(
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
            refreshed = await get_draft(services.db, tenant, draft.id)
            assert refreshed is not None and refreshed.version.version == version_row.version
            return _draft_reply(project, refreshed)
    except LogChanged as stale:
        return text_reply(
            f"{stale} Press **Regenerate** to include the changes, or run {_fresh(project)} "
            "for a fresh draft. Nothing was changed."
        )
    except StaleDraft as stale:
        return text_reply(
            f"{stale} Press **Regenerate** for just the news, or run {_fresh(project)}. "
            "Nothing was changed."
        )
    return text_reply("That button is no longer supported. Run `/update <project>` again.")


async def _post(
    services: Services, project: ActiveProject, found: DraftText, version: int | None, user_id: str
) -> Reply:
    draft = found.draft
    if not project.client_channel:
        return text_reply(
            f"**{project.name}** has no client channel, so I can't post there. "
            "Export the text instead."
        )
    if draft.status == "sending":
        return _sending_reply(services, project, found)
    if (reason := why_stale(draft, version, wanted="approved")) is not None:
        hint = f" Run {_fresh(project)} for anything newer." if draft.status == "superseded" else ""
        return text_reply(f"{reason}{hint} Nothing was posted.")
    if draft.on_track and draft.log_mark != await log_mark(
        services.db, project.tenant, project.id
    ):
        return text_reply(
            f"Entries were logged on **{project.name}** after this “no news” note was written, "
            f"so it is no longer true. Run {_fresh(project)} for an update with them. "
            "Nothing was posted."
        )
    if leaks := (await client_guard(services, project)).filter.leaks(found.version.client_text):
        # Approved under older rules, or another client was added since: re-judged at the door.
        where = ", ".join(f"line {line}: {REASONS[reason]}" for line, reason in leaks[:3])
        return text_reply(
            f"This approved text no longer passes the checks for client text ({where}), so "
            "nothing was posted. Export it to edit by hand, or log again and draft a new update."
        )
    try:
        attempt = await start_sending(
            services.db, project.tenant, draft.id, draft.version, services.clock()
        )
    except StaleDraft as stale:
        return text_reply(f"{stale} Nothing was posted.")
    return _post_reply(project, found, attempt, user_id)


def _post_reply(project: ActiveProject, found: DraftText, attempt: str, user_id: str) -> Reply:
    """The client text, for the client channel; the adapter reports back what happened."""
    assert project.client_channel
    return Reply(
        blocks=(Paragraph(text=neutralise_mentions(found.version.client_text)),),
        visibility=Visibility.PUBLIC,
        channel_id=project.client_channel,
        confirm=ConfirmDelivery(
            key=f"update:{found.draft.id}:{attempt}", tenant=project.tenant, user_id=user_id
        ),
    )


def _sending_reply(services: Services, project: ActiveProject, found: DraftText) -> Reply:
    """A post that has not heard back: wait, or (interrupted) let the requester settle it."""
    draft = found.draft
    if not interrupted(draft, services.clock()):
        return text_reply(
            f"The update for **{project.name}** is being posted right now; I'll tell you as "
            "soon as the platform confirms it. Nothing else was sent."
        )
    started = draft.sending_at
    when = f" (started {started:%d %b %Y %H:%M} UTC)" if started is not None else ""
    return _check_channel_reply(
        project,
        found,
        f"An earlier attempt to post the update for **{project.name}**{when} never heard back "
        "from the platform (the app may have restarted in the middle), so I don't know "
        "whether the client got it. It is recorded as *sending*, not as posted.",
    )


def _check_channel_reply(project: ActiveProject, found: DraftText, opening: str) -> Reply:
    draft = found.draft
    value = f"{draft.id}:{draft.version}:{draft.delivery_attempt or ''}"
    return Reply(
        blocks=(
            Paragraph(
                text=f"{opening} Please look in the client channel `{project.client_channel}`: "
                "if the update is there, press **It arrived** to record it; if not, press "
                "**Post again**."
            ),
            Buttons(
                items=(
                    Button(label="It arrived", action_id="update:arrived", value=value),
                    Button(
                        label="Post again", action_id="update:resend", value=value, style="primary"
                    ),
                )
            ),
        ),
        visibility=Visibility.DM,
    )


async def _settle_interrupted(
    services: Services,
    project: ActiveProject,
    found: DraftText,
    verb: str,
    attempt: str,
    user_id: str,
) -> Reply:
    """The requester looked at the channel after a send that never heard back."""
    draft = found.draft
    if draft.status != "sending" or not attempt or draft.delivery_attempt != attempt:
        reason = why_stale(draft, None, wanted="sending") or "That send was settled meanwhile."
        return text_reply(f"{reason} Nothing was changed.")
    if verb == "resend":
        try:
            new = await send_again(services.db, project.tenant, draft.id, attempt, services.clock())
        except StaleDraft as stale:
            return text_reply(f"{stale} Nothing was posted.")
        return _post_reply(project, found, new, user_id)
    try:
        await confirm_posted(
            services.db,
            project.tenant,
            draft.id,
            attempt,
            posted_by=user_id,
            channel_id=project.client_channel or "",
            text=neutralise_mentions(found.version.client_text),
            now=services.clock(),
            message_id=None,
            note=f"the platform never confirmed; {user_id} checked the channel and said it arrived",
        )
    except StaleDraft as stale:
        return text_reply(f"{stale} Nothing was changed.")
    return Reply(
        blocks=(
            Paragraph(
                text=f"Recorded: the update for **{project.name}** (v{draft.version}) arrived "
                "in the client channel. The record notes that you confirmed it, as the "
                "platform never did."
            ),
        ),
        visibility=Visibility.DM,
    )


async def on_delivery(
    confirm: ConfirmDelivery, outcome: DeliveryOutcome, services: Services
) -> Reply | None:
    """What the platform did with a post: record it as posted only on its confirmation."""
    _prefix, draft_id, attempt = [*confirm.key.split(":", 2), "", ""][:3]
    found = await get_draft(services.db, confirm.tenant, draft_id)
    project = None
    if found is not None:
        project = await get_project(services.db, confirm.tenant, found.draft.project_id)
    if found is None or project is None:
        log.error("delivery_for_unknown_draft", draft_id=draft_id[:20], tenant=confirm.tenant)
        return None
    draft = found.draft
    if draft.status != "sending" or draft.delivery_attempt != attempt:
        # The outcome of an attempt the requester already settled by hand: keep their word.
        log.warning("delivery_outcome_ignored", draft_id=draft.id, state=outcome.state.value)
        return None
    if outcome.state is DeliveryState.DELIVERED:
        return await record_posted(
            services,
            found,
            attempt,
            confirm,
            outcome,
            noun="update",
            title=project.name,
            client_channel=project.client_channel,
        )
    if outcome.state is DeliveryState.REFUSED:
        await release_sending(services.db, confirm.tenant, draft.id, attempt)
        value = _value(draft.id, draft.version)
        return Reply(
            blocks=(
                Paragraph(
                    text=f"I couldn't post the update for **{project.name}** to the client "
                    f"channel `{project.client_channel}`: {sentence(outcome.reason)} "
                    "**Nothing was sent.** The update is still approved; try again once "
                    "that is fixed."
                ),
                Buttons(
                    items=(
                        Button(
                            label="Post to client channel",
                            action_id="update:post",
                            value=value,
                            style="primary",
                        ),
                        Button(label="Export text", action_id="update:export", value=value),
                    )
                ),
            ),
            visibility=Visibility.DM,
        )
    return _check_channel_reply(
        project,
        found,
        f"I couldn't tell whether the update for **{project.name}** reached the client "
        f"channel: {sentence(outcome.reason or 'the platform did not answer.')} It is "
        "recorded as *sending*, not as posted.",
    )


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
    draft_id, _, rest = action.value.partition(":")
    version, _, attempt = rest.partition(":")
    return await act(
        parsed.verb,
        draft_id,
        int(version) if version.isdigit() else None,
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
    registry.delivery("update", on_delivery)


__all__ = ["DM_NOTICE", "act", "setup", "update_command"]

"""Drafts of client documents (updates, proposals, change orders): versions and the state
machine, one for every kind (``Draft.kind``; see ``bot.documents`` for the kinds)

    draft → approved → sending → posted        (or discarded, or superseded)
                          ↘ approved (the platform refused: nothing was sent, retry later)

Every transition is one conditional UPDATE (``WHERE status = … AND version = …``) inside a
transaction, so a double click, a stale button or two replicas racing cannot apply it twice.

**Posting tells the truth.** ``approved → sending`` happens when the post is handed to the
platform (so a double click cannot post twice); only the platform's confirmation makes it
``posted``, with the audit row holding the platform's message id and permalink. A refusal puts
the draft back to ``approved``. A process that dies between the platform call and the
confirmation leaves ``sending`` behind, with ``sending_at``: nobody knows whether the client
got the message, so the record claims neither. After :data:`SENDING_PATIENCE` a new press on
*Post* does not post blindly: it asks the requester to look at the channel and either post
again or record that it arrived (an audit row noting that the person confirmed it, without a
platform id). A late outcome of an abandoned attempt is ignored (``delivery_attempt``).

**Stale drafts.** Approving an update supersedes the open drafts of the project whose news
is now all reported (status ``superseded``). A draft whose entries another update reported
meanwhile, or whose log changed after it was written (``log_mark``), cannot be approved.
Other kinds bring their own rules as :class:`ApprovalHooks` (checked and applied inside the
approving transaction); :data:`SUPERSEDE_SAME_SUBJECT` is the common one: approving a document
makes the other open drafts of the same kind about the same subject out of date.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from state import Database, Draft, DraftVersion, LogEntry, PostAudit, affected_rows

# A send younger than this is still "on its way"; an older one was interrupted.
SENDING_PATIENCE = dt.timedelta(minutes=2)
OPEN_STATUSES = ("draft", "approved")


class StaleDraft(Exception):
    """The draft is not in the state the button expected; the message says why."""


class LogChanged(StaleDraft):
    """Entries were logged, edited or deleted after the draft's text was written."""


@dataclass(frozen=True)
class DraftText:
    draft: Draft
    version: DraftVersion


# The first letter of a draft id says its kind, so an id pasted in the wrong command is told.
ID_PREFIXES = {"update": "u", "proposal": "p", "change": "c"}
NOUNS = {"update": "update", "proposal": "proposal", "change": "change order"}


def new_draft_id(kind: str = "update") -> str:
    return ID_PREFIXES.get(kind, "d") + secrets.token_hex(3)


def noun(kind: str) -> str:
    """How sentences name a draft of ``kind`` ("update", "proposal", "change order")."""
    return NOUNS.get(kind, "document")


class ApprovalHooks(Protocol):
    """A kind's own rules for approval, run inside the approving transaction.

    ``check`` raises :class:`StaleDraft` to refuse (nothing changes); ``apply`` makes what
    approval means for the kind and returns a count the reply may show (entries reported…).
    """

    async def check(self, session: AsyncSession, draft: Draft) -> None: ...

    async def apply(self, session: AsyncSession, draft: Draft) -> int: ...


class _NoHooks:
    async def check(self, session: AsyncSession, draft: Draft) -> None:
        return None

    async def apply(self, session: AsyncSession, draft: Draft) -> int:
        return 0


class _SupersedeSameSubject(_NoHooks):
    """Approving one makes the other open drafts of its kind and subject out of date."""

    async def apply(self, session: AsyncSession, draft: Draft) -> int:
        result = await session.execute(
            update(Draft)
            .where(
                Draft.tenant == draft.tenant,
                Draft.kind == draft.kind,
                Draft.project_id == draft.project_id,
                Draft.id != draft.id,
                Draft.status.in_(OPEN_STATUSES),
            )
            .values(status="superseded", superseded_by=draft.id)
        )
        return affected_rows(result)


NO_HOOKS: ApprovalHooks = _NoHooks()
SUPERSEDE_SAME_SUBJECT: ApprovalHooks = _SupersedeSameSubject()


async def log_mark(db: Database | AsyncSession, tenant: str, project_id: str) -> str:
    """A short fingerprint of a project's log: it changes when an entry is logged, edited or
    deleted (not when an update reports entries), so a text written from an older log can be
    recognised as out of date."""
    query = select(
        func.max(LogEntry.id),
        func.count(LogEntry.id),
        func.max(LogEntry.edited_at),
        func.max(LogEntry.deleted_at),
    ).where(LogEntry.tenant == tenant, LogEntry.project_id == project_id)
    if isinstance(db, AsyncSession):
        row = (await db.execute(query)).one()
    else:
        async with db.sessions() as session:
            row = (await session.execute(query)).one()
    return hashlib.sha256(repr(tuple(row)).encode()).hexdigest()[:16]


async def create_draft(
    db: Database,
    *,
    tenant: str,
    project_id: str,
    requester_id: str,
    requester_name: str,
    tone: str,
    client_text: str,
    private_notes: Sequence[str],
    now: dt.datetime,
    entry_ids: Sequence[int] = (),
    on_track: bool = False,
    mark: str = "",
    kind: str = "update",
    options: dict[str, Any] | None = None,
    document: dict[str, Any] | None = None,
) -> DraftText:
    """A new draft (version 1). ``project_id`` is the document's subject: the project, or
    for a proposal the saved estimate; ``document`` the structured content of the text."""
    draft = Draft(
        id=new_draft_id(kind),
        tenant=tenant,
        project_id=project_id,
        kind=kind,
        options=dict(options) if options is not None else None,
        requester_id=requester_id,
        requester_name=requester_name,
        status="draft",
        version=1,
        tone=tone,
        entry_ids=list(entry_ids),
        on_track=on_track,
        created_at=now,
        log_mark=mark,
    )
    version = DraftVersion(
        draft_id=draft.id,
        version=1,
        tenant=tenant,
        tone=tone,
        client_text=client_text,
        private_notes=list(private_notes),
        created_at=now,
        document=document,
    )
    async with db.transaction() as session:
        session.add(draft)
        await session.flush()
        session.add(version)
    return DraftText(draft, version)


async def get_draft(
    db: Database, tenant: str, draft_id: str, kind: str | None = None
) -> DraftText | None:
    """A draft with its current version; None when unknown in this tenant (or, given
    ``kind``, when it is a draft of another kind)."""
    async with db.sessions() as session:
        draft = await session.get(Draft, draft_id)
        if draft is None or draft.tenant != tenant:
            return None
        if kind is not None and (draft.kind or "update") != kind:
            return None
        version = await session.get(DraftVersion, (draft_id, draft.version))
        if version is None:
            return None
        return DraftText(draft, version)


def why_stale(draft: Draft, version: int | None, wanted: str = "draft") -> str | None:
    """Why a button for ``version`` of this draft no longer applies (None: it applies)."""
    what = noun(draft.kind or "update")
    if draft.status != wanted:
        if draft.status == "superseded":
            newer = f" `{draft.superseded_by}`" if draft.superseded_by else ""
            if what != "update":
                return f"This draft is out of date: {what}{newer} was approved since."
            return (
                f"This draft is out of date: update{newer} was approved since and already "
                "reported its news."
            )
        return {
            "approved": f"This {what} was already approved.",
            "sending": f"This {what} is being posted to the client right now.",
            "posted": f"This {what} was already posted to the client.",
            "discarded": "This draft was discarded.",
            "draft": "This draft isn't approved yet; approve it first.",
        }.get(draft.status, f"This draft is {draft.status}.")
    if version is not None and version != draft.version:
        return (
            f"That button belongs to version {version}; the current version is "
            f"{draft.version}. Use the buttons under the latest version."
        )
    return None


async def add_version(
    db: Database,
    tenant: str,
    draft_id: str,
    expected_version: int,
    *,
    tone: str,
    client_text: str,
    private_notes: Sequence[str],
    now: dt.datetime,
    entry_ids: Sequence[int] = (),
    mark: str = "",
    document: dict[str, Any] | None = None,
    options: dict[str, Any] | None = None,
) -> DraftVersion:
    """A new version (regenerate / another tone); only from the current version of a draft.
    ``options`` (when given) replace the draft's, e.g. another pricing form."""
    new_number = expected_version + 1
    async with db.transaction() as session:
        await _leave_draft(
            session,
            tenant,
            draft_id,
            expected_version,
            {
                "version": new_number,
                "tone": tone,
                "entry_ids": list(entry_ids),
                "log_mark": mark,
                **({"options": dict(options)} if options is not None else {}),
            },
            stale="This draft changed meanwhile; use the buttons of the latest version.",
        )
        version = DraftVersion(
            draft_id=draft_id,
            version=new_number,
            tenant=tenant,
            tone=tone,
            client_text=client_text,
            private_notes=list(private_notes),
            created_at=now,
            document=document,
        )
        session.add(version)
    return version


async def approve(
    db: Database,
    tenant: str,
    draft_id: str,
    version: int,
    now: dt.datetime,
    hooks: ApprovalHooks | None = None,
) -> int:
    """Approve ``version`` of a draft, with its kind's rules; returns the hooks' count.

    An update (the default hooks of kind ``update``): the entries it covers become reported,
    and older drafts whose news is now reported are superseded; the count is how many entries
    were marked. Refused (:class:`StaleDraft`, nothing changed) when another update reported
    some of its entries meanwhile, and (:class:`LogChanged`) when the log changed after its
    text was written: approving would send out-of-date or duplicate news. Other kinds get
    :data:`NO_HOOKS` unless they pass their own.
    """
    async with db.transaction() as session:
        await _leave_draft(
            session, tenant, draft_id, version, {"status": "approved", "approved_at": now}
        )
        draft = await session.get(Draft, draft_id)
        assert draft is not None
        if hooks is None:
            hooks = UPDATE_HOOKS if (draft.kind or "update") == "update" else NO_HOOKS
        await hooks.check(session, draft)
        return await hooks.apply(session, draft)


class _UpdateHooks:
    """An update's approval: its entries become reported, older news drafts superseded."""

    async def check(self, session: AsyncSession, draft: Draft) -> None:
        tenant, draft_id = draft.tenant, draft.id
        if draft.log_mark and draft.log_mark != await log_mark(
            session, tenant, draft.project_id
        ):
            raise LogChanged(
                "Entries were logged, edited or deleted since this version was written, so it "
                "is out of date."
            )
        reported_elsewhere = (
            await session.execute(
                select(LogEntry.reported_draft_id).where(
                    LogEntry.tenant == tenant,
                    LogEntry.id.in_(list(draft.entry_ids)),
                    LogEntry.reported_draft_id.is_not(None),
                    LogEntry.reported_draft_id != draft_id,
                )
            )
        ).scalars().first()
        if reported_elsewhere is not None:
            raise StaleDraft(
                f"Some of its entries were already reported in update `{reported_elsewhere}`, "
                "so approving it would tell the client twice."
            )

    async def apply(self, session: AsyncSession, draft: Draft) -> int:
        tenant, draft_id = draft.tenant, draft.id
        marked = 0
        if draft.entry_ids:
            result = await session.execute(
                update(LogEntry)
                .where(
                    LogEntry.tenant == tenant,
                    LogEntry.id.in_(list(draft.entry_ids)),
                    LogEntry.reported_draft_id.is_(None),
                )
                .values(reported_draft_id=draft_id)
            )
            marked = affected_rows(result)
        await _supersede_older(session, draft)
        return marked


UPDATE_HOOKS: ApprovalHooks = _UpdateHooks()


async def _supersede_older(session: AsyncSession, approved: Draft) -> None:
    """Open drafts of the project whose every entry another update reported become stale:
    their news went out already. So does a "still on track" note written before ``approved``.
    An approved draft keeps its own entries, so it stays postable."""
    others = (
        await session.execute(
            select(Draft).where(
                Draft.tenant == approved.tenant,
                Draft.kind == "update",  # a change order on the project has news of its own
                Draft.project_id == approved.project_id,
                Draft.id != approved.id,
                Draft.status.in_(OPEN_STATUSES),
            )
        )
    ).scalars()
    for draft in list(others):
        if not draft.entry_ids and draft.created_at > approved.created_at:
            continue  # "nothing new since the last update" is still true
        if draft.entry_ids:
            own_news = (
                await session.execute(
                    select(func.count(LogEntry.id)).where(
                        LogEntry.tenant == approved.tenant,
                        LogEntry.id.in_(list(draft.entry_ids)),
                        LogEntry.deleted_at.is_(None),
                        (LogEntry.reported_draft_id.is_(None))
                        | (LogEntry.reported_draft_id == draft.id),
                    )
                )
            ).scalar_one()
            if own_news:
                continue  # it still has news nobody else reported
        await session.execute(
            update(Draft)
            .where(Draft.id == draft.id, Draft.status == draft.status)
            .values(status="superseded", superseded_by=approved.id)
        )


async def discard(db: Database, tenant: str, draft_id: str, version: int | None) -> None:
    async with db.transaction() as session:
        await _leave_draft(session, tenant, draft_id, version, {"status": "discarded"})


def new_attempt() -> str:
    return secrets.token_hex(6)


async def start_sending(
    db: Database, tenant: str, draft_id: str, version: int, now: dt.datetime
) -> str:
    """Approved → sending, as the post is handed to the platform; returns the attempt token
    its outcome must carry. A second press finds it sending and posts nothing."""
    attempt = new_attempt()
    async with db.transaction() as session:
        await _transition(
            session,
            tenant,
            draft_id,
            status="approved",
            at_version=version,
            values={"status": "sending", "sending_at": now, "delivery_attempt": attempt},
            stale="This update was already posted, or changed meanwhile.",
        )
    return attempt


async def send_again(
    db: Database, tenant: str, draft_id: str, previous_attempt: str, now: dt.datetime
) -> str:
    """An interrupted send (the requester checked: it is not in the channel) gets a new
    attempt; an outcome of the old one arriving later is ignored."""
    attempt = new_attempt()
    async with db.transaction() as session:
        await _leave_sending(
            session,
            tenant,
            draft_id,
            previous_attempt,
            {"sending_at": now, "delivery_attempt": attempt},
            stale="This update was posted or changed meanwhile.",
        )
    return attempt


async def confirm_posted(
    db: Database,
    tenant: str,
    draft_id: str,
    attempt: str,
    *,
    posted_by: str,
    channel_id: str,
    text: str,
    now: dt.datetime,
    message_id: str | None,
    permalink: str | None = None,
    note: str | None = None,
) -> PostAudit:
    """Sending → posted on the platform's confirmation, with its audit row, together."""
    async with db.transaction() as session:
        draft = await session.get(Draft, draft_id)
        if draft is None or draft.tenant != tenant:
            raise StaleDraft("This update no longer exists.")
        await _leave_sending(
            session,
            tenant,
            draft_id,
            attempt,
            {"status": "posted", "posted_at": now, "delivery_attempt": None},
        )
        audit = PostAudit(
            tenant=tenant,
            draft_id=draft_id,
            version=draft.version,
            project_id=draft.project_id,
            posted_by=posted_by,
            channel_id=channel_id,
            text=text,
            posted_at=now,
            message_id=message_id,
            permalink=permalink,
            note=note[:300] if note else None,
        )
        session.add(audit)
    return audit


async def release_sending(db: Database, tenant: str, draft_id: str, attempt: str) -> None:
    """Sending → approved: the platform refused, nothing was sent; it can be retried."""
    async with db.transaction() as session:
        await _leave_sending(
            session,
            tenant,
            draft_id,
            attempt,
            {"status": "approved", "sending_at": None, "delivery_attempt": None},
        )


def interrupted(draft: Draft, now: dt.datetime) -> bool:
    """True for a send that never heard back and is older than :data:`SENDING_PATIENCE`."""
    if draft.status != "sending" or draft.sending_at is None:
        return False
    started = draft.sending_at
    if started.tzinfo is None:  # SQLite hands back naive datetimes
        started = started.replace(tzinfo=dt.UTC)
    return now - started >= SENDING_PATIENCE


async def audit_rows(db: Database, tenant: str, draft_id: str | None = None) -> list[PostAudit]:
    async with db.sessions() as session:
        query = select(PostAudit).where(PostAudit.tenant == tenant)
        if draft_id is not None:
            query = query.where(PostAudit.draft_id == draft_id)
        rows = await session.execute(query.order_by(PostAudit.id))
        return list(rows.scalars())


async def versions(db: Database, tenant: str, draft_id: str) -> list[DraftVersion]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(DraftVersion)
            .where(DraftVersion.tenant == tenant, DraftVersion.draft_id == draft_id)
            .order_by(DraftVersion.version)
        )
        return list(rows.scalars())


async def _transition(
    session: AsyncSession,
    tenant: str,
    draft_id: str,
    *,
    status: str,
    at_version: int | None,
    values: dict[str, object],
    stale: str,
    where: Sequence[ColumnElement[bool]] = (),
) -> None:
    """Move a draft out of ``status`` (at ``at_version``) in one conditional UPDATE.

    The condition is the state machine: a stale button or a double click matches no row and
    raises :class:`StaleDraft` instead of applying twice.
    """
    conditions = [Draft.tenant == tenant, Draft.id == draft_id, Draft.status == status]
    if at_version is not None:
        conditions.append(Draft.version == at_version)
    conditions.extend(where)
    moved = await session.execute(update(Draft).where(*conditions).values(**values))
    if affected_rows(moved) != 1:
        raise StaleDraft(stale)


async def _leave_draft(
    session: AsyncSession,
    tenant: str,
    draft_id: str,
    version: int | None,
    values: dict[str, object],
    stale: str = "This draft was approved, discarded or changed meanwhile.",
) -> None:
    """Move an open draft on from ``version`` (None: whichever is current)."""
    await _transition(
        session, tenant, draft_id, status="draft", at_version=version, values=values, stale=stale
    )


async def _leave_sending(
    session: AsyncSession,
    tenant: str,
    draft_id: str,
    attempt: str,
    values: dict[str, object],
    stale: str = "This send was settled already.",
) -> None:
    """Settle (or renew) the send of ``attempt``: an outcome of an older attempt, or of a send
    the requester settled by hand, matches no row."""
    await _transition(
        session,
        tenant,
        draft_id,
        status="sending",
        at_version=None,
        values=values,
        stale=stale,
        where=(Draft.delivery_attempt == attempt,),
    )

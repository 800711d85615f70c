"""Client-update drafts: versions and the state machine draft → approved → posted, or discarded.

Every transition is one conditional UPDATE (``WHERE status = … AND version = …``) inside a
transaction, so a double click, a stale button or two replicas racing cannot apply it twice.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from bot.state import Database, Draft, DraftVersion, LogEntry, PostAudit


class StaleDraft(Exception):
    """The draft is not in the state the button expected; the message says why."""


@dataclass(frozen=True)
class DraftText:
    draft: Draft
    version: DraftVersion


def new_draft_id() -> str:
    return "u" + secrets.token_hex(3)


async def create_draft(
    db: Database,
    *,
    tenant: str,
    project_id: str,
    requester_id: str,
    requester_name: str,
    tone: str,
    entry_ids: Sequence[int],
    on_track: bool,
    client_text: str,
    private_notes: Sequence[str],
    now: dt.datetime,
) -> DraftText:
    draft = Draft(
        id=new_draft_id(),
        tenant=tenant,
        project_id=project_id,
        requester_id=requester_id,
        requester_name=requester_name,
        status="draft",
        version=1,
        tone=tone,
        entry_ids=list(entry_ids),
        on_track=on_track,
        created_at=now,
    )
    version = DraftVersion(
        draft_id=draft.id,
        version=1,
        tenant=tenant,
        tone=tone,
        client_text=client_text,
        private_notes=list(private_notes),
        created_at=now,
    )
    async with db.transaction() as session:
        session.add(draft)
        await session.flush()
        session.add(version)
    return DraftText(draft, version)


async def get_draft(db: Database, tenant: str, draft_id: str) -> DraftText | None:
    """A draft with its current version; None when unknown in this tenant."""
    async with db.sessions() as session:
        draft = await session.get(Draft, draft_id)
        if draft is None or draft.tenant != tenant:
            return None
        version = await session.get(DraftVersion, (draft_id, draft.version))
        if version is None:
            return None
        return DraftText(draft, version)


def why_stale(draft: Draft, version: int | None, wanted: str = "draft") -> str | None:
    """Why a button for ``version`` of this draft no longer applies (None: it applies)."""
    if draft.status != wanted:
        return {
            "approved": "This update was already approved.",
            "posted": "This update was already posted to the client.",
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
    entry_ids: Sequence[int],
    now: dt.datetime,
) -> DraftVersion:
    """A new version (regenerate / another tone); only from the current version of a draft."""
    new_number = expected_version + 1
    async with db.transaction() as session:
        await _transition(
            session,
            tenant,
            draft_id,
            status="draft",
            at_version=expected_version,
            values={"version": new_number, "tone": tone, "entry_ids": list(entry_ids)},
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
        )
        session.add(version)
    return version


async def approve(db: Database, tenant: str, draft_id: str, version: int, now: dt.datetime) -> int:
    """Approve ``version``; the entries it covers become reported. Returns how many."""
    async with db.transaction() as session:
        await _transition(
            session,
            tenant,
            draft_id,
            status="draft",
            at_version=version,
            values={"status": "approved", "approved_at": now},
            stale="This draft was approved, discarded or changed meanwhile.",
        )
        draft = await session.get(Draft, draft_id)
        assert draft is not None
        if not draft.entry_ids:
            return 0
        marked = await session.execute(
            update(LogEntry)
            .where(
                LogEntry.tenant == tenant,
                LogEntry.id.in_(list(draft.entry_ids)),
                LogEntry.reported_draft_id.is_(None),
            )
            .values(reported_draft_id=draft_id)
        )
        return int(marked.rowcount or 0)  # type: ignore[attr-defined]


async def discard(db: Database, tenant: str, draft_id: str, version: int | None) -> None:
    async with db.transaction() as session:
        await _transition(
            session,
            tenant,
            draft_id,
            status="draft",
            at_version=version,
            values={"status": "discarded"},
            stale="This draft was approved, discarded or changed meanwhile.",
        )


async def mark_posted(
    db: Database,
    tenant: str,
    draft_id: str,
    version: int,
    *,
    posted_by: str,
    channel_id: str,
    text: str,
    project_id: str,
    now: dt.datetime,
) -> PostAudit:
    """Approved → posted, with its audit row, together."""
    audit = PostAudit(
        tenant=tenant,
        draft_id=draft_id,
        version=version,
        project_id=project_id,
        posted_by=posted_by,
        channel_id=channel_id,
        text=text,
        posted_at=now,
    )
    async with db.transaction() as session:
        await _transition(
            session,
            tenant,
            draft_id,
            status="approved",
            at_version=version,
            values={"status": "posted", "posted_at": now},
            stale="This update was already posted, or changed meanwhile.",
        )
        session.add(audit)
    return audit


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
) -> None:
    """Move a draft out of ``status`` (at ``at_version``) in one conditional UPDATE.

    The condition is the state machine: a stale button or a double click matches no row and
    raises :class:`StaleDraft` instead of applying twice.
    """
    conditions = [Draft.tenant == tenant, Draft.id == draft_id, Draft.status == status]
    if at_version is not None:
        conditions.append(Draft.version == at_version)
    moved = await session.execute(update(Draft).where(*conditions).values(**values))
    if moved.rowcount != 1:  # type: ignore[attr-defined]
        raise StaleDraft(stale)

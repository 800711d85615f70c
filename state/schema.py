"""The tables of Atelier's SQL state (SQLAlchemy 2 declarative models).

SQLite in WAL mode under the data dir by default; any SQLAlchemy async URL (PostgreSQL via
``postgresql+psycopg://``) through ``ATELIER_DATABASE_URL``. Tables are created on start.

Every table that holds tenant data has a ``tenant`` column and every query filters on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, cast

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, Integer, String, Text
from sqlalchemy import true as sa_true
from sqlalchemy.engine import CursorResult, Result
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def affected_rows(result: Result[Any]) -> int:
    """How many rows an UPDATE or DELETE changed. ``execute`` is typed with the general
    ``Result``; these statements answer with a ``CursorResult``, which counts them."""
    return int(cast(CursorResult[Any], result).rowcount or 0)


class Base(DeclarativeBase):
    """Declarative base of every Atelier table."""


class SeenEvent(Base):
    """A platform event already processed: platform retries must not act twice."""

    __tablename__ = "seen_events"

    event_key: Mapped[str] = mapped_column(String(255), primary_key=True)
    seen_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class _Estimate:
    """One estimate's figures, as a `/scope` answer gives them: kept with every answer
    (:class:`ScopeRun`) and again, under the same id, when someone saves it."""

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    user_id: Mapped[str] = mapped_column(String(64))
    brief: Mapped[str] = mapped_column(Text)
    p10_hours: Mapped[float] = mapped_column(Float)
    p50_hours: Mapped[float] = mapped_column(Float)
    p90_hours: Mapped[float] = mapped_column(Float)
    rate: Mapped[float] = mapped_column(Float)
    currency: Mapped[str] = mapped_column(String(3))
    analogue_ids: Mapped[list[str]] = mapped_column(JSON, default=list)


class SavedEstimate(_Estimate, Base):
    """An estimate someone saved from `/scope`; linked to the real project when it starts,
    and given the project's actual hours when it closes, so accuracy can be tracked."""

    __tablename__ = "saved_estimates"

    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    project_id: Mapped[str | None] = mapped_column(String(64), nullable=True, index=True)
    actual_hours: Mapped[float | None] = mapped_column(Float, nullable=True)


class ScopeRun(_Estimate, Base):
    """One `/scope` answer, kept so its buttons (save, more analogues) carry only this id."""

    __tablename__ = "scope_runs"

    shown: Mapped[int] = mapped_column(default=0)  # analogues shown so far ("show more")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class TenantSettings(Base):
    """Per-tenant overrides of the defaults in settings (hourly rate, currency)."""

    __tablename__ = "tenant_settings"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


# --- client updates: active projects, the work log, update drafts ----------------------------


class ActiveProject(Base):
    """A project in progress: what `/log` and `/update` talk about until it is closed."""

    __tablename__ = "active_projects"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)  # slug of the name
    name: Mapped[str] = mapped_column(String(200))
    client: Mapped[str | None] = mapped_column(String(200), nullable=True)
    client_channel: Mapped[str | None] = mapped_column(String(64), nullable=True)
    summary: Mapped[str] = mapped_column(Text, default="")
    type: Mapped[str] = mapped_column(String(64), default="other")
    estimate_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    saved_estimate_id: Mapped[str | None] = mapped_column(String(32), nullable=True)
    budget: Mapped[float | None] = mapped_column(Float, nullable=True)
    rate: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    start_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="active", index=True)
    created_by: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    actual_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    # Stack tags, kept into the past project at close so type/tag filters find it.
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The id of the past project its close wrote (never an imported project's id), and the
    # handles it had, so a reopen can take both back.
    knowledge_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    closed_aliases: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)


class RemovedProject(Base):
    """A past project taken out of the knowledge store by `/projects remove`, kept whole here
    so `/projects restore` can put it back exactly as it was."""

    __tablename__ = "removed_projects"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    project: Mapped[str] = mapped_column(Text)  # the PastProject as JSON
    removed_by: Mapped[str] = mapped_column(String(64), default="")
    removed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ProjectAlias(Base):
    """A lower-cased name or alias of an active project; the key makes them unique per tenant."""

    __tablename__ = "project_aliases"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    alias: Mapped[str] = mapped_column(String(200), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)


class LogEntry(Base):
    """One line of a project's log. Deleting only marks it, so nothing is ever lost."""

    __tablename__ = "log_entries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    author_id: Mapped[str] = mapped_column(String(64))
    author_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(16))
    hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    internal: Mapped[bool] = mapped_column(Boolean, default=False)
    # False: marked non-billable (`nb:`, `#nb`); counted in hours, never in billable totals.
    billable: Mapped[bool] = mapped_column(Boolean, default=True, server_default=sa_true())
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    edited_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    deleted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The approved update that reported this entry; None while it is still news.
    reported_draft_id: Mapped[str | None] = mapped_column(String(16), nullable=True, index=True)


class Draft(Base):
    """A client document in the making (an update, a proposal, a change order): draft ->
    approved -> sending -> posted, or discarded, or superseded (a newer approved document
    made it out of date).

    ``sending`` means the platform was asked to post and has not confirmed yet; only its
    confirmation makes the draft ``posted`` (see ``bot/drafts.py``).
    """

    __tablename__ = "update_drafts"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    # What the document is about: the project (update, change order) or the saved estimate
    # (proposal); ``kind`` says which (see ``bot/documents``).
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="update", server_default="update")
    # The kind's own choices for the whole draft (a proposal's pricing form, for instance).
    options: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    requester_id: Mapped[str] = mapped_column(String(64))
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[str] = mapped_column(String(16), default="draft")
    version: Mapped[int] = mapped_column(Integer, default=1)  # the current version
    tone: Mapped[str] = mapped_column(String(16), default="friendly")
    entry_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    on_track: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    approved_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    posted_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # The post in flight: when it was handed to the platform, and the attempt's token.
    sending_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    delivery_attempt: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The newer approved update that reported this draft's news (status "superseded").
    superseded_by: Mapped[str | None] = mapped_column(String(16), nullable=True)
    # The state of the log the current version was written from (see worklog.log_mark).
    log_mark: Mapped[str] = mapped_column(String(64), default="")


class DraftVersion(Base):
    """Every text a draft has had; regenerating or changing tone adds a version."""

    __tablename__ = "update_draft_versions"

    draft_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    version: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    tone: Mapped[str] = mapped_column(String(16))
    client_text: Mapped[str] = mapped_column(Text)
    private_notes: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The structured document this text was written from (figures, sections), for exports
    # and what follows approval (a proposal starting its project); None for updates.
    document: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


class PostAudit(Base):
    """What was posted to a client, by whom, when, where and which version: written only
    once the platform confirmed the post, with the id it gave the message."""

    __tablename__ = "post_audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    draft_id: Mapped[str] = mapped_column(String(16), index=True)
    version: Mapped[int] = mapped_column(Integer)
    project_id: Mapped[str] = mapped_column(String(64))
    posted_by: Mapped[str] = mapped_column(String(64))
    channel_id: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    posted_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # The platform's id of the message (Slack ts, Discord message id) and its link.
    message_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    permalink: Mapped[str | None] = mapped_column(String(500), nullable=True)
    # Anything the record must add, e.g. a post the user confirmed after an interrupted send.
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)


# --- digests: the weekly schedule and the lease of each slot ---------------------------------


class DigestSchedule(Base):
    """A workspace's weekly digest: off by default; set with `/atelier digest on fri 15:00`."""

    __tablename__ = "digest_schedules"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    enabled: Mapped[bool] = mapped_column(Boolean, default=False)
    weekday: Mapped[int] = mapped_column(Integer, default=4)  # 0 = Monday
    hour: Mapped[int] = mapped_column(Integer, default=15)
    minute: Mapped[int] = mapped_column(Integer, default=0)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # The platform the workspace is on ("slack", "discord"): which DM port delivers.
    platform: Mapped[str] = mapped_column(String(16), default="")
    # Who turned it on: gets the projects whose owner can't be reached by DM.
    set_by: Mapped[str] = mapped_column(String(64), default="")
    # Slots before this moment never run (turning it on doesn't send last week's digest).
    enabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    updated_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, onupdate=utcnow
    )


class DigestRun(Base):
    """One slot of one workspace's digest, claimed by the replica that runs it.

    The primary key makes the claim atomic across replicas; ``lease_until`` lets another
    replica take over a run whose replica died before finishing it.
    """

    __tablename__ = "digest_runs"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    slot: Mapped[str] = mapped_column(String(32), primary_key=True)  # UTC, ISO 8601
    claimed_by: Mapped[str] = mapped_column(String(64))
    claimed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    lease_until: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    # recipient user id -> "delivered" / "refused: <code>" / "unknown: <code>"
    outcomes: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    note: Mapped[str | None] = mapped_column(String(300), nullable=True)


# --- change requests: what the client asked for beyond the agreed scope ----------------------


class ChangeRequest(Base):
    """A client's request on an active project, judged against the agreed scope and priced.

    ``status`` is ``open`` until the client's answer is recorded: ``approved`` (the project's
    estimate, budget and due date were raised by it, in the same transaction), ``declined``
    or ``absorbed`` (done at no charge). ``draft_id`` is its change-order draft, if any.
    """

    __tablename__ = "change_requests"

    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    project_id: Mapped[str] = mapped_column(String(64), index=True)
    requester_id: Mapped[str] = mapped_column(String(64))
    requester_name: Mapped[str] = mapped_column(String(200), default="")
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(16), default="command")  # command, log, mention
    verdict: Mapped[str] = mapped_column(String(16))  # included, extra, unclear
    reason: Mapped[str] = mapped_column(Text, default="")
    scope_line: Mapped[str | None] = mapped_column(Text, nullable=True)
    hours_p10: Mapped[float | None] = mapped_column(Float, nullable=True)
    hours: Mapped[float | None] = mapped_column(Float, nullable=True)  # the figure quoted (P50)
    hours_p90: Mapped[float | None] = mapped_column(Float, nullable=True)
    price: Mapped[float | None] = mapped_column(Float, nullable=True)
    currency: Mapped[str] = mapped_column(String(3), default="USD")
    new_due_date: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="open", index=True)
    draft_id: Mapped[str | None] = mapped_column(String(16), nullable=True)
    log_entry_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # What the decision changed on the project (before -> after), so the record explains it.
    effect: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)


# --- app installations (multi-workspace installs) -------------------------------------

class AppInstallation(Base):
    """One install of the app: a workspace, or a whole org for an org-wide install."""

    __tablename__ = "app_installations"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    platform: Mapped[str] = mapped_column(String(16), default="slack")
    # The Atelier tenant the install serves: the org on Enterprise Grid, else the workspace.
    tenant: Mapped[str] = mapped_column(String(64), index=True)
    client_id: Mapped[str] = mapped_column(String(64))
    app_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    enterprise_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    team_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    is_enterprise_install: Mapped[bool] = mapped_column(Boolean, default=False)
    bot_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bot_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    bot_token: Mapped[str] = mapped_column(Text)
    bot_refresh_token: Mapped[str | None] = mapped_column(Text, nullable=True)
    bot_token_expires_at: Mapped[dt.datetime | None] = mapped_column(
        DateTime(timezone=True), nullable=True
    )
    bot_scopes: Mapped[list[str]] = mapped_column(JSON, default=list)
    installer_user_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    # Everything else the platform said about the install (no tokens: those have columns).
    details: Mapped[dict[str, object]] = mapped_column(JSON, default=dict)
    installed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class OAuthState(Base):
    """A state value issued to an installer's browser; used at most once, before it expires."""

    __tablename__ = "oauth_states"

    state: Mapped[str] = mapped_column(String(128), primary_key=True)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), index=True)

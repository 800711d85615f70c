"""What the estimator reads of each past project, kept beside the knowledge store.

The knowledge store holds whole projects as JSON in its vector index; reading a large history
back out of it (50k records parsed and validated) takes tens of seconds and a gigabyte. The
estimator needs far less of each project: its hours, estimate, type, tags, dates, status,
client, the text that lexical retrieval reads, and (for the few analogues an answer cites)
its phases and lessons. Those are kept here, one row per project:

- **Written with the store.** Every write that goes through the bot's knowledge store (an
  import, a close, an edit, a removal, the demo) writes these rows in the same call, after the
  store accepted the projects.
- **Read incrementally.** Each write takes the tenant's next *revision* (a counter per tenant,
  bumped in the same transaction) and stamps its rows with it; a removal leaves a tombstone.
  A reader remembers the revision it read up to and asks only for the rows changed since, so
  another process's import or close reaches it in one small query.
- **Written as the store has them.** A write of a few projects reads them back from the store
  inside the transaction that holds the tenant's revision, so two processes writing the same
  project leave the row as the store ended up, whatever order their row writes came in.
- **Checked, not trusted.** A reader compares the live row count with the store's own count;
  a store written around these rows (an older version, a failed write) is read in full again
  and the rows rebuilt from it. A rebuild leaves alone the rows written after its read of the
  store began (they are newer than what it read).
- **Tombstones are purged.** Retention deletes tombstones older than its window
  (:func:`purge_tombstones`) and raises the tenant's ``purged_through`` to the highest revision
  it purged: a reader that last read below it gets a full read instead of the changes (it
  could no longer learn those removals).

Blocking (SQLAlchemy's synchronous engine on the same database as :class:`state.Database`):
the knowledge store is blocking too, and both are called from the same worker threads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    select,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.orm import Mapped, mapped_column

from state.schema import Base

_WRITE_CHUNK = 500  # rows per INSERT: well under SQLite's variable limit at 16 columns
TAG_SEPARATOR = "\n"  # tags are normalised single-line words ("next.js", "custom-theme")

# Async drivers and the synchronous driver of the same database.
_SYNC_DRIVERS = {
    "sqlite+aiosqlite": "sqlite+pysqlite",
    "postgresql+asyncpg": "postgresql+psycopg",
}


class ProjectFeatureRow(Base):
    """One past project as the estimator reads it (see the module docstring)."""

    __tablename__ = "project_features"
    __table_args__ = (Index("ix_project_features_tenant_revision", "tenant", "revision"),)

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    removed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    status: Mapped[str] = mapped_column(String(16), nullable=False)
    type: Mapped[str] = mapped_column(String(60), nullable=False)
    tags: Mapped[str] = mapped_column(Text, nullable=False)  # TAG_SEPARATOR-joined
    title: Mapped[str] = mapped_column(String(200), nullable=False)
    summary: Mapped[str] = mapped_column(Text, nullable=False)
    client: Mapped[str | None] = mapped_column(String(200), nullable=True)
    estimated_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    actual_hours: Mapped[float | None] = mapped_column(Float, nullable=True)
    started: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    finished: Mapped[dt.date | None] = mapped_column(Date, nullable=True)
    # Phases, lessons and change history as JSON: read only for the analogues an answer cites.
    details: Mapped[str] = mapped_column(Text, nullable=False)
    # When the row was last written or tombstoned (retention purges old tombstones).
    changed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class FeatureRevision(Base):
    """Each tenant's feature revision: how many writes its rows have seen."""

    __tablename__ = "project_feature_revisions"

    tenant: Mapped[str] = mapped_column(String(64), primary_key=True)
    revision: Mapped[int] = mapped_column(Integer, nullable=False)
    # The highest revision whose tombstones were purged: readers below it read in full.
    purged_through: Mapped[int] = mapped_column(
        Integer, nullable=False, default=0, server_default="0"
    )


@dataclass(frozen=True, slots=True)
class Features:
    """The values of one row (without tenant and revision), as a writer hands them in."""

    project_id: str
    status: str
    type: str
    tags: tuple[str, ...]
    title: str
    summary: str
    client: str | None
    estimated_hours: float | None
    actual_hours: float | None
    started: dt.date | None
    finished: dt.date | None
    details: str


# The dialects with INSERT … ON CONFLICT DO UPDATE … RETURNING (SQLite 3.35+, PostgreSQL).
_UPSERTS: dict[str, Any] = {"sqlite": sqlite.insert, "postgresql": postgresql.insert}

_ROWS = cast(Table, ProjectFeatureRow.__table__)
_REVISIONS = cast(Table, FeatureRevision.__table__)

# The columns a reader gets, in this order (one plain tuple per project: cheap at 50k rows).
READ_COLUMNS = (
    "project_id",
    "status",
    "type",
    "tags",
    "title",
    "summary",
    "client",
    "estimated_hours",
    "actual_hours",
    "started",
    "finished",
    "details",
)


@dataclass(frozen=True)
class Changes:
    """What :meth:`FeatureTable.read` found: rows written after ``since`` up to ``revision``."""

    revision: int
    rows: list[tuple[Any, ...]]  # live rows, READ_COLUMNS order
    removed: list[str]  # project ids removed since (tombstones); empty for a full read
    # Every live row, not the changes: asked for (``since`` 0), or the tombstones the reader
    # would need were purged. The rows replace what the reader held.
    full: bool = False


def _utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def sync_url(url: str) -> str:
    """The synchronous driver's URL for the async one the bot's database uses."""
    parsed = make_url(url)
    driver = _SYNC_DRIVERS.get(parsed.drivername, parsed.drivername)
    return parsed.set(drivername=driver).render_as_string(hide_password=False)


class FeatureTable:
    """Reads and writes the feature rows of any tenant (one per process and database)."""

    def __init__(self, url: str, lock_timeout: float = 15.0) -> None:
        self.url = sync_url(url)
        self.is_sqlite = self.url.startswith("sqlite")
        kwargs: dict[str, Any] = {"echo": False, "hide_parameters": True}
        if self.is_sqlite:
            kwargs["connect_args"] = {"timeout": lock_timeout, "check_same_thread": False}
        else:
            kwargs.update(pool_size=2, max_overflow=4, pool_pre_ping=True)
        self.engine: Engine = create_engine(self.url, **kwargs)
        self.clock: Callable[[], dt.datetime] = _utcnow  # stamps changed_at
        if self.is_sqlite:
            event.listen(self.engine, "connect", _sqlite_pragmas)

    @classmethod
    def for_engine(cls, engine: Engine) -> FeatureTable:
        """A table on an existing synchronous engine (tests, tools)."""
        table = cls.__new__(cls)
        table.url = str(engine.url)
        table.is_sqlite = table.url.startswith("sqlite")
        table.engine = engine
        table.clock = _utcnow
        return table

    # --- reading -------------------------------------------------------------------------

    def revision(self, tenant: str) -> int:
        """The tenant's current revision (0: never written)."""
        with self.engine.connect() as connection:
            found = connection.execute(
                select(FeatureRevision.revision).where(FeatureRevision.tenant == tenant)
            ).scalar()
        return int(found or 0)

    def read(self, tenant: str, since: int = 0) -> Changes:
        """The tenant's rows written after revision ``since`` (all live rows when 0, or when
        tombstones past ``since`` were purged: then ``full`` is set)."""
        with self.engine.connect() as connection, connection.begin():
            # Each statement sees the latest commit (SQLite's driver opens no transaction for
            # a SELECT; PostgreSQL reads committed), so the revision is read before the rows:
            # rows newer than it may come along and are read again next time, none is missed.
            revision, purged = _revision_of(connection, tenant)
            full = not since or since < purged
            rows, removed = _rows(connection, tenant, None if full else since)
            if not full and since < _revision_of(connection, tenant)[1]:
                # A purge landed between the two reads: tombstones this reader needed may
                # have gone with it, so it gets every row.
                revision, _ = _revision_of(connection, tenant)
                rows, removed = _rows(connection, tenant, None)
                full = True
        return Changes(revision=revision, rows=rows, removed=removed, full=full)

    def live_count(self, tenant: str) -> int:
        table = _ROWS
        with self.engine.connect() as connection:
            found = connection.execute(
                select(func.count())
                .select_from(table)
                .where(table.c.tenant == tenant, table.c.removed.is_(False))
            ).scalar()
        return int(found or 0)

    # --- writing -------------------------------------------------------------------------

    def write(self, tenant: str, features: Sequence[Features]) -> int:
        """Add or replace rows (by project id); returns the tenant's new revision."""
        with self._transaction() as connection:
            revision = _next_revision(connection, tenant)
            _replace(connection, tenant, revision, features, self.clock())
        return revision

    def write_current(self, tenant: str, project_ids: Iterable[str], current: Current) -> int:
        """Make the rows of ``project_ids`` what ``current(ids)`` says the store holds now
        (absent ids become tombstones); returns the tenant's new revision.

        ``current`` is called inside the transaction that holds the tenant's revision, so
        writers of one tenant take turns: whichever writes last writes what the store holds
        after every store write before it, and a row never keeps an older version than the
        store's (two processes editing one project, a removal racing a restore).
        """
        ids = sorted(set(project_ids))
        with self._transaction() as connection:
            revision = _next_revision(connection, tenant)
            now = self.clock()
            for start in range(0, len(ids), _WRITE_CHUNK):
                chunk = ids[start : start + _WRITE_CHUNK]
                asked = set(chunk)
                features = [f for f in current(chunk) if f.project_id in asked]
                _replace(connection, tenant, revision, features, now)
                gone = asked - {f.project_id for f in features}
                _tombstone(connection, tenant, revision, sorted(gone), now)
        return revision

    def remove(self, tenant: str, project_ids: Iterable[str]) -> int:
        """Tombstone rows (readers learn the ids); returns the tenant's new revision."""
        ids = sorted(set(project_ids))
        with self._transaction() as connection:
            revision = _next_revision(connection, tenant)
            _tombstone(connection, tenant, revision, ids, self.clock())
        return revision

    def rebuild(
        self, tenant: str, features: Sequence[Features], *, read_at: int | None = None
    ) -> int:
        """Make the tenant's live rows exactly ``features`` (others become tombstones).

        ``read_at`` is the revision before ``features`` were read from the store: rows written
        after it are left as they are (a writer saved them after the read began, so they are
        at least as new), and so are their tombstones.
        """
        table = _ROWS
        keep = {f.project_id for f in features}
        with self._transaction() as connection:
            revision = _next_revision(connection, tenant)
            now = self.clock()
            newer: set[str] = set()
            if read_at is not None:
                newer = set(
                    connection.execute(
                        select(table.c.project_id).where(
                            table.c.tenant == tenant, table.c.revision > read_at
                        )
                    ).scalars()
                )
            live = connection.execute(
                select(table.c.project_id).where(
                    table.c.tenant == tenant, table.c.removed.is_(False)
                )
            ).scalars()
            gone = sorted(set(live) - keep - newer)
            _tombstone(connection, tenant, revision, gone, now)
            fresh = [f for f in features if f.project_id not in newer]
            _replace(connection, tenant, revision, fresh, now)
        return revision

    def purge(self, older_than: dt.datetime) -> dict[str, int]:
        """:func:`purge_tombstones` on this table's database."""
        with self.engine.begin() as connection:
            return purge_tombstones(connection, older_than)

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _transaction(self) -> Iterator[Connection]:
        # Each write's first statement bumps the revision (a write), so SQLite takes the write
        # lock at once and never has to upgrade a read lock under a rival writer.
        with self.engine.begin() as connection:
            yield connection


# ``current(ids)``: the features of those of ``ids`` the store holds now.
Current = Callable[[Sequence[str]], Sequence[Features]]


def purge_tombstones(connection: Connection, older_than: dt.datetime) -> dict[str, int]:
    """Delete the tombstones last changed before ``older_than``; tenant -> tombstones purged.

    Each tenant's ``purged_through`` is raised to the highest revision purged, in the same
    transaction, so a reader still holding an older revision reads the tenant in full (and
    so learns of every removal) instead of asking for changes it could no longer see.
    Tombstones without a time (none after the migration stamps them) are kept.
    """
    table = _ROWS
    old = (table.c.removed.is_(True), table.c.changed_at < older_than)
    found = connection.execute(
        select(table.c.tenant, func.max(table.c.revision), func.count())
        .where(*old)
        .group_by(table.c.tenant)
    ).all()
    purged: dict[str, int] = {}
    for tenant, highest, count in found:
        connection.execute(
            update(_REVISIONS)
            .where(_REVISIONS.c.tenant == tenant, _REVISIONS.c.purged_through < highest)
            .values(purged_through=highest)
        )
        connection.execute(
            delete(table).where(table.c.tenant == tenant, table.c.revision <= highest, *old)
        )
        purged[tenant] = int(count)
    return purged


def _revision_of(connection: Connection, tenant: str) -> tuple[int, int]:
    """(revision, purged_through) of the tenant; (0, 0) when it was never written."""
    found = connection.execute(
        select(FeatureRevision.revision, FeatureRevision.purged_through).where(
            FeatureRevision.tenant == tenant
        )
    ).first()
    return (int(found[0]), int(found[1] or 0)) if found else (0, 0)


def _rows(
    connection: Connection, tenant: str, since: int | None
) -> tuple[list[tuple[Any, ...]], list[str]]:
    """(live rows, removed ids) written after ``since``; every live row when None."""
    table = _ROWS
    columns = [table.c[name] for name in READ_COLUMNS]
    query = select(*columns, table.c.removed).where(table.c.tenant == tenant)
    if since is None:
        query = query.where(table.c.removed.is_(False))
    else:
        query = query.where(table.c.revision > since)
    rows: list[tuple[Any, ...]] = []
    removed: list[str] = []
    for row in connection.execute(query):
        if row[-1]:
            removed.append(row[0])
        else:
            rows.append(tuple(row[:-1]))
    return rows, removed


def _next_revision(connection: Connection, tenant: str) -> int:
    """Bump the tenant's revision inside the caller's transaction (a row lock on PostgreSQL:
    two writers of one tenant commit in revision order).

    One statement, an insert that bumps the row when it is there: two processes writing a
    tenant's first rows at once on PostgreSQL would otherwise both find no row and both insert
    it, and the second write would fail on the key.
    """
    upsert = _UPSERTS.get(connection.dialect.name)
    if upsert is not None:
        statement = (
            upsert(_REVISIONS)
            .values(tenant=tenant, revision=1, purged_through=0)
            .on_conflict_do_update(
                index_elements=[_REVISIONS.c.tenant],
                set_={"revision": _REVISIONS.c.revision + 1},
            )
            .returning(_REVISIONS.c.revision)
        )
        return int(connection.execute(statement).scalar_one())
    bumped = connection.execute(
        update(FeatureRevision)
        .where(FeatureRevision.tenant == tenant)
        .values(revision=FeatureRevision.revision + 1)
        .returning(FeatureRevision.revision)
    ).scalar()
    if bumped is not None:
        return int(bumped)
    connection.execute(_REVISIONS.insert().values(tenant=tenant, revision=1, purged_through=0))
    return 1


def _tombstone(
    connection: Connection, tenant: str, revision: int, ids: Sequence[str], now: dt.datetime
) -> None:
    """Mark ``ids`` removed at ``revision``. An id without a row gets a bare tombstone, so a
    rebuild that read the store before the removal sees that the removal is newer."""
    table = _ROWS
    for start in range(0, len(ids), _WRITE_CHUNK):
        chunk = ids[start : start + _WRITE_CHUNK]
        connection.execute(
            update(table)
            .where(table.c.tenant == tenant, table.c.project_id.in_(chunk))
            .values(removed=True, revision=revision, changed_at=now)
        )
        found = connection.execute(
            select(table.c.project_id).where(
                table.c.tenant == tenant, table.c.project_id.in_(chunk)
            )
        ).scalars()
        missing = sorted(set(chunk) - set(found))
        if missing:
            connection.execute(
                table.insert(),
                [
                    {
                        "tenant": tenant,
                        "project_id": project_id,
                        "revision": revision,
                        "removed": True,
                        "status": "",
                        "type": "",
                        "tags": "",
                        "title": "",
                        "summary": "",
                        "details": "",
                        "changed_at": now,
                    }
                    for project_id in missing
                ],
            )


def _replace(
    connection: Connection,
    tenant: str,
    revision: int,
    features: Sequence[Features],
    now: dt.datetime,
) -> None:
    table = _ROWS
    rows = [
        {
            "tenant": tenant,
            "project_id": f.project_id,
            "revision": revision,
            "removed": False,
            "status": f.status,
            "type": f.type,
            "tags": TAG_SEPARATOR.join(f.tags),
            "title": f.title,
            "summary": f.summary,
            "client": f.client,
            "estimated_hours": f.estimated_hours,
            "actual_hours": f.actual_hours,
            "started": f.started,
            "finished": f.finished,
            "details": f.details,
            "changed_at": now,
        }
        for f in features
    ]
    for start in range(0, len(rows), _WRITE_CHUNK):
        chunk = rows[start : start + _WRITE_CHUNK]
        connection.execute(
            delete(table).where(
                table.c.tenant == tenant, table.c.project_id.in_([r["project_id"] for r in chunk])
            )
        )
        connection.execute(table.insert(), chunk)


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


__all__ = [
    "READ_COLUMNS",
    "TAG_SEPARATOR",
    "Changes",
    "Current",
    "FeatureRevision",
    "FeatureTable",
    "Features",
    "ProjectFeatureRow",
    "purge_tombstones",
    "sync_url",
]

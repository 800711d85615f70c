"""Time summaries: hours per project and per person for a period, billable hours and amounts.

A period is read from what people type: ``week`` (this week, Monday to Sunday), ``last week``,
``month``, ``last month``, ``today``, ``yesterday``, ``year``, ``last year``, a single date, or
``DATE..DATE`` (any date dateparser reads: ``2026-11-01``, ``1 nov``, ``nov 1 2026``). Days are the
workspace's days: an entry logged at 23:30 in Berlin counts on that Berlin day, whatever the
server's clock says (the workspace's digest time zone, else ``ATELIER_DIGEST_TIMEZONE``).

Billable hours leave out entries marked non-billable (``nb:``, ``#nb``); amounts are billable
hours at the project's rate (its own, else the workspace's), in the project's currency.
Summaries carry rates, so they are for the studio only: never for a client channel.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy import select

from bot.dates import parse_day
from bot.errors import InvalidInput
from state import ActiveProject, Database, DigestSchedule, LogEntry

MAX_DAYS = 366 * 3  # a summary is for invoicing a stretch of work, not all of history at once
PERIOD_HELP = (
    "Periods: `week` (this week), `last week`, `month`, `last month`, `today`, `yesterday`, "
    "`year`, a date, or `2026-11-01..2026-11-30`."
)
_RANGE = re.compile(r"\s*(?:\.\.|…|\bto\b|\buntil\b)\s*", re.IGNORECASE)
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@dataclass(frozen=True)
class Period:
    """Days ``start`` to ``end``, both included, in the workspace's time zone."""

    start: dt.date
    end: dt.date
    label: str = ""

    @property
    def shown(self) -> str:
        if self.start == self.end:
            days = self.start.strftime("%a %d %b %Y")
        elif self.start.year == self.end.year:
            days = f"{self.start:%d %b} – {self.end:%d %b %Y}"
        else:
            days = f"{self.start:%d %b %Y} – {self.end:%d %b %Y}"
        return f"{days} ({self.label})" if self.label else days


def _week(today: dt.date, back: int = 0) -> tuple[dt.date, dt.date]:
    monday = today - dt.timedelta(days=today.weekday() + 7 * back)
    return monday, monday + dt.timedelta(days=6)


def _month(today: dt.date, back: int = 0) -> tuple[dt.date, dt.date]:
    first = today.replace(day=1)
    for _ in range(back):
        first = (first - dt.timedelta(days=1)).replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return first, following - dt.timedelta(days=1)


def _year(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


_NAMED: dict[str, tuple[str, Callable[[dt.date], tuple[dt.date, dt.date]]]] = {
    "week": ("this week", lambda t: _week(t)),
    "this week": ("this week", lambda t: _week(t)),
    "last week": ("last week", lambda t: _week(t, 1)),
    "month": ("this month", lambda t: _month(t)),
    "this month": ("this month", lambda t: _month(t)),
    "last month": ("last month", lambda t: _month(t, 1)),
    "today": ("today", lambda t: (t, t)),
    "yesterday": ("yesterday", lambda t: (t - dt.timedelta(days=1),) * 2),
    "year": ("this year", lambda t: (t.replace(month=1, day=1), t.replace(month=12, day=31))),
    "this year": ("this year", lambda t: (t.replace(month=1, day=1), t.replace(month=12, day=31))),
    "last year": ("last year", lambda t: _year(t.year - 1)),
}


def parse_date(text: str, today: dt.date) -> dt.date | None:
    """One date as people write it ("2026-11-03", "3 nov", "nov 3 2026"), or None."""
    text = text.strip().strip(",")
    if not text or len(text) > 40:
        return None
    if not re.search(r"\d", text) and text.lower() not in {"today", "yesterday"}:
        return None  # "acme" is a project, not a date dateparser might guess at
    return parse_day(text, today, prefer="current")


def _leading_date(words: list[str], today: dt.date) -> tuple[dt.date | None, int]:
    """The longest run of leading words that reads as a date, and how many words it took."""
    for count in range(min(len(words), 4), 0, -1):
        found = parse_date(" ".join(words[:count]), today)
        if found is not None:
            return found, count
    return None, 0


def _period_at_start(text: str, today: dt.date) -> tuple[Period, str] | None:
    lowered = " ".join(text.lower().split())
    for phrase in sorted(_NAMED, key=len, reverse=True):
        if lowered == phrase or lowered.startswith(phrase + " "):
            label, days = _NAMED[phrase]
            first, last = days(today)
            return Period(first, last, label), " ".join(text.split()[len(phrase.split()) :])
    pieces = _RANGE.split(text, maxsplit=1)
    if len(pieces) == 2:
        start = parse_date(pieces[0], today)
        end, used = _leading_date(pieces[1].split(), today)
        if start is not None and end is not None:
            return Period(start, end), " ".join(pieces[1].split()[used:])
    date, used = _leading_date(text.split(), today)
    if date is not None:
        return Period(date, date), " ".join(text.split()[used:])
    return None


def parse_period(text: str, today: dt.date) -> tuple[Period, str]:
    """The period in ``text`` (at its start or its end) and what is left (a project name).

    No period means this week. A range that ends before it starts, or longer than a few years,
    is refused with a clear message.
    """
    text = " ".join(text.split())
    found = _period_at_start(text, today) if text else None
    if found is None and text:
        words = text.split()
        for start in range(1, len(words)):
            tail = _period_at_start(" ".join(words[start:]), today)
            if tail is not None and not tail[1]:
                found = tail[0], " ".join(words[:start])
                break
    if found is None and re.search(r"\.\.|…", text):
        raise InvalidInput(
            f"I can't read `{text[:60]}` as a period from one date to another. {PERIOD_HELP}"
        )
    if found is None:
        week_start, week_end = _week(today)
        found = Period(week_start, week_end, "this week"), text
    period, rest = found
    if period.end < period.start:
        raise InvalidInput(
            f"That period ends ({period.end}) before it starts ({period.start}). {PERIOD_HELP}"
        )
    if (period.end - period.start).days > MAX_DAYS:
        raise InvalidInput("That period is longer than three years; summarise it a year at a time.")
    return period, rest.strip(" ,:")


# --- totals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class EntryLine:
    """One entry in a summary: what an invoice line needs (and the text, kept internal)."""

    entry_id: int
    day: dt.date
    project_id: str
    project_name: str
    person: str
    hours: float
    billable: bool
    rate: float
    currency: str
    text: str

    @property
    def amount(self) -> float:
        return round(self.hours * self.rate, 2) if self.billable else 0.0


@dataclass
class Totals:
    hours: float = 0.0
    billable_hours: float = 0.0
    amount: float = 0.0

    def add(self, line: EntryLine) -> None:
        self.hours += line.hours
        if line.billable:
            self.billable_hours += line.hours
            self.amount += line.amount


@dataclass
class ProjectTotals(Totals):
    project_id: str = ""
    name: str = ""
    rate: float = 0.0
    currency: str = ""


@dataclass
class PersonTotals(Totals):
    person: str = ""
    amounts: dict[str, float] = field(default_factory=dict)  # currency -> amount

    def add(self, line: EntryLine) -> None:
        super().add(line)
        if line.billable:
            self.amounts[line.currency] = self.amounts.get(line.currency, 0.0) + line.amount


@dataclass(frozen=True)
class Summary:
    period: Period
    timezone: str
    lines: tuple[EntryLine, ...]
    project_filter: str | None = None

    @property
    def projects(self) -> list[ProjectTotals]:
        found: dict[str, ProjectTotals] = {}
        for line in self.lines:
            totals = found.setdefault(
                line.project_id,
                ProjectTotals(
                    project_id=line.project_id,
                    name=line.project_name,
                    rate=line.rate,
                    currency=line.currency,
                ),
            )
            totals.add(line)
        return sorted(found.values(), key=lambda t: (-t.hours, t.name.casefold()))

    @property
    def people(self) -> list[PersonTotals]:
        found: dict[str, PersonTotals] = {}
        for line in self.lines:
            found.setdefault(line.person, PersonTotals(person=line.person)).add(line)
        return sorted(found.values(), key=lambda t: (-t.hours, t.person.casefold()))

    @property
    def total(self) -> Totals:
        totals = Totals()
        for line in self.lines:
            totals.add(line)
        return totals

    @property
    def amounts(self) -> dict[str, float]:
        """Billable amount per currency (projects may be priced in different ones)."""
        found: dict[str, float] = defaultdict(float)
        for line in self.lines:
            if line.billable:
                found[line.currency] += line.amount
        return {currency: round(amount, 2) for currency, amount in sorted(found.items())}


async def workspace_zone(db: Database, tenant: str, default: str) -> ZoneInfo:
    """The workspace's time zone: its digest schedule's, else the configured default."""
    async with db.sessions() as session:
        schedule = await session.get(DigestSchedule, tenant)
    for name in (schedule.timezone if schedule is not None else None, default, "UTC"):
        if not name:
            continue
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def _aware(moment: dt.datetime) -> dt.datetime:
    # SQLite hands back naive datetimes; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=dt.UTC)


async def summarise(
    db: Database,
    tenant: str,
    period: Period,
    zone: ZoneInfo,
    rates: dict[str, float],
    project_id: str | None = None,
    currencies: dict[str, str] | None = None,
) -> Summary:
    """Every entry with hours logged in ``period`` (workspace days), deleted ones left out.

    ``rates`` maps a project id to its effective hourly rate (its own, else the workspace's),
    ``currencies`` to the currency that rate is in (else the project's).
    """
    start = dt.datetime.combine(period.start, dt.time(), zone).astimezone(dt.UTC)
    end = dt.datetime.combine(period.end + dt.timedelta(days=1), dt.time(), zone).astimezone(dt.UTC)
    query = (
        select(LogEntry, ActiveProject)
        .join(
            ActiveProject,
            (ActiveProject.tenant == LogEntry.tenant) & (ActiveProject.id == LogEntry.project_id),
        )
        .where(
            LogEntry.tenant == tenant,
            LogEntry.deleted_at.is_(None),
            LogEntry.hours.is_not(None),
            # A day either side: stored datetimes may have lost their offset; exact check below.
            LogEntry.created_at >= start - dt.timedelta(days=1),
            LogEntry.created_at < end + dt.timedelta(days=1),
        )
        .order_by(LogEntry.created_at, LogEntry.id)
    )
    if project_id is not None:
        query = query.where(LogEntry.project_id == project_id)
    async with db.sessions() as session:
        rows = (await session.execute(query)).all()
    lines = []
    for entry, project in rows:
        moment = _aware(entry.created_at)
        if not start <= moment < end or not entry.hours:
            continue
        lines.append(
            EntryLine(
                entry_id=entry.id,
                day=moment.astimezone(zone).date(),
                project_id=project.id,
                project_name=project.name,
                person=entry.author_name or entry.author_id,
                hours=float(entry.hours),
                billable=entry.billable is not False,
                rate=rates.get(project.id, project.rate or 0.0),
                currency=(currencies or {}).get(project.id, project.currency),
                text=entry.text,
            )
        )
    return Summary(period=period, timezone=zone.key, lines=tuple(lines), project_filter=project_id)


async def projects_with_entries(db: Database, tenant: str) -> list[ActiveProject]:
    """Every project of the tenant, active or closed (a summary covers both)."""
    async with db.sessions() as session:
        rows = await session.execute(select(ActiveProject).where(ActiveProject.tenant == tenant))
        return list(rows.scalars())


__all__ = [
    "PERIOD_HELP",
    "EntryLine",
    "Period",
    "PersonTotals",
    "ProjectTotals",
    "Summary",
    "Totals",
    "parse_date",
    "parse_period",
    "projects_with_entries",
    "summarise",
    "workspace_zone",
]

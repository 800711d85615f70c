"""A weekly digest slot: parsing ``fri 15:00 Europe/Berlin`` and finding the slot that is due.

Pure functions over :mod:`zoneinfo`: no database, no clock of their own. A slot is the moment
(in UTC) a digest is due; :func:`latest_slot` gives the most recent one at or before a moment,
which is what the scheduler runs (once) when it wakes, on time or after a restart.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_DAY_NAMES = {
    **{name: index for index, name in enumerate(WEEKDAYS)},
    **{
        name: index
        for index, name in enumerate(
            ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        )
    },
    "tues": 1,
    "wednes": 2,
    "thur": 3,
    "thurs": 3,
}
_TIME = re.compile(r"^(\d{1,2})(?::(\d{2}))?\s*(am|pm)?$", re.IGNORECASE)
EXAMPLE = "`/atelier digest on fri 15:00 Europe/Berlin`"


class ScheduleError(ValueError):
    """Unreadable schedule text; the message says what to write instead."""


@dataclass(frozen=True)
class Slot:
    """When a weekly digest is due: a weekday (0 = Monday), a local time and a time zone."""

    weekday: int
    hour: int
    minute: int
    timezone: str

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def describe(self) -> str:
        """``Fridays at 15:00 (Europe/Berlin)``."""
        day = ("Mondays", "Tuesdays", "Wednesdays", "Thursdays", "Fridays", "Saturdays",
               "Sundays")[self.weekday]  # fmt: skip
        return f"{day} at {self.hour:02d}:{self.minute:02d} ({self.timezone})"


def parse_slot(text: str, default_timezone: str = "UTC") -> Slot:
    """``fri 15:00 Europe/Berlin`` (day, time, optional zone) -> a :class:`Slot`."""
    words = text.split()
    if not words:
        raise ScheduleError(f"Tell me the day and the time, e.g. {EXAMPLE}.")
    if len(words) > 3:
        raise ScheduleError(f"I read a day, a time and a time zone, nothing more, e.g. {EXAMPLE}.")
    day_word = words[0].lower().rstrip(".,")
    weekday = _DAY_NAMES.get(day_word.removesuffix("s") if day_word.endswith("days") else day_word)
    if weekday is None:
        raise ScheduleError(
            f"“{words[0][:20]}” isn't a day of the week; use mon, tue, wed, thu, fri, sat or "
            f"sun, e.g. {EXAMPLE}."
        )
    if len(words) < 2:
        raise ScheduleError(f"At what time? e.g. {EXAMPLE}.")
    hour, minute = _parse_time(words[1])
    zone_name = words[2] if len(words) > 2 else default_timezone
    return Slot(weekday, hour, minute, _zone_name(zone_name))


def _parse_time(text: str) -> tuple[int, int]:
    match = _TIME.match(text.strip())
    problem = ScheduleError(
        f"“{text[:20]}” isn't a time I can read; write it as HH:MM on a 24-hour clock "
        "(e.g. 15:00 or 9:30)."
    )
    if not match:
        raise problem
    hour, minute = int(match.group(1)), int(match.group(2) or 0)
    suffix = (match.group(3) or "").lower()
    if suffix:
        if not 1 <= hour <= 12:
            raise problem
        hour = hour % 12 + (12 if suffix == "pm" else 0)
    if hour > 23 or minute > 59:
        raise problem
    return hour, minute


def _zone_name(text: str) -> str:
    if text.upper() in {"UTC", "GMT", "Z"}:
        return "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        pass
    else:
        return text
    lowered = text.lower()
    for name in sorted(available_timezones()):  # "europe/berlin" -> "Europe/Berlin"
        if name.lower() == lowered:
            return name
    raise ScheduleError(
        f"I don't know the time zone “{text[:40]}”. Use a name from the tz database such as "
        "Europe/Berlin, America/New_York or UTC."
    )


def latest_slot(slot: Slot, now: dt.datetime) -> dt.datetime:
    """The most recent moment (UTC) at or before ``now`` that the slot fell on.

    Local wall-clock time is kept across daylight-saving changes (15:00 stays 15:00); a time
    skipped by a spring-forward change resolves as zoneinfo does (fold 0).
    """
    local_now = now.astimezone(slot.zone)
    days_back = (local_now.weekday() - slot.weekday) % 7
    for extra in (0, 7):
        day = local_now.date() - dt.timedelta(days=days_back + extra)
        candidate = dt.datetime.combine(day, dt.time(slot.hour, slot.minute), slot.zone)
        if candidate <= local_now:
            return candidate.astimezone(dt.UTC)
    raise AssertionError("unreachable: a week back is always in the past")


def next_slot(slot: Slot, now: dt.datetime) -> dt.datetime:
    """The first slot strictly after ``now`` (UTC)."""
    previous = latest_slot(slot, now)
    local = previous.astimezone(slot.zone)
    day = local.date() + dt.timedelta(days=7)
    return dt.datetime.combine(day, dt.time(slot.hour, slot.minute), slot.zone).astimezone(dt.UTC)


__all__ = [
    "EXAMPLE",
    "WEEKDAYS",
    "ScheduleError",
    "Slot",
    "latest_slot",
    "next_slot",
    "parse_slot",
]

"""Days as people write them: "2027-01-15", "15 March", "next Friday", "tomorrow", "in 3 weeks".

One reader for every date a person types (a project's due and start dates, a proposal's due
date, the ends of a time summary's period), built on dateparser. A date that does not name its
year is read forward for a due date ("15 March" in December is next March) and backward for a
start date or a past period (``prefer``). A weekday is the coming one ("next Friday" on a
Thursday is tomorrow). A month alone ("march") or a vague phrase ("soon", "end of month") is
not a day: :func:`read_day` refuses it with a message that shows what to write, and nothing the
person typed is changed or lost on the way.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Literal

from bot.errors import InvalidInput

Prefer = Literal["future", "past", "current"]

DATE_HINT = "e.g. `2027-01-15`, `15 March`, `next Friday`, `tomorrow` or `in 3 weeks`"
MAX_DATE_TEXT = 60  # longer than any date; dateparser is not asked to guess inside prose

_ISO = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}$")
# A day named by its weekday, or counted from today: dateparser needs no day and month for these.
_WEEKDAY = re.compile(
    r"\b(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\b", re.IGNORECASE
)
_COUNTED = re.compile(
    r"\b(?:today|tomorrow|yesterday|fortnight|(?:in|next|last)\s+(?:a|one|\d+)?\s*(?:days?|weeks?))"
    r"\b|\b\d+\s+(?:days?|weeks?)\s+(?:ago|from\s+(?:now|today))\b",
    re.IGNORECASE,
)
_PREFER = {"future": "future", "past": "past", "current": "current_period"}


def parse_day(text: str, today: dt.date, *, prefer: Prefer = "future") -> dt.date | None:
    """The day ``text`` names, counted from ``today``; None when it names no single day."""
    text = " ".join(text.split()).strip(",.")
    if not text or len(text) > MAX_DATE_TEXT:
        return None
    if _ISO.match(text):
        try:
            return dt.date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
        except ValueError:
            return None
    import dateparser  # imported on use: it loads its language data on first import

    settings: dict[str, object] = {
        "RELATIVE_BASE": dt.datetime.combine(today, dt.time(12)),
        "PREFER_DATES_FROM": _PREFER[prefer],
        "DATE_ORDER": "DMY",
        "REQUIRE_PARTS": ["day", "month"],
    }
    found = dateparser.parse(text, languages=["en"], settings=settings)
    if found is None and (_WEEKDAY.search(text) or _COUNTED.search(text)):
        del settings["REQUIRE_PARTS"]  # "next Friday", "in a fortnight": no month written
        found = dateparser.parse(text, languages=["en"], settings=settings)
    return found.date() if found is not None else None


def read_day(
    text: str, today: dt.date, *, what: str = "due date", prefer: Prefer = "future"
) -> dt.date:
    """:func:`parse_day`, or a friendly :class:`~bot.errors.InvalidInput` naming ``what``."""
    found = parse_day(text, today, prefer=prefer)
    if found is not None:
        return found
    shown = " ".join(text.split())[:40].replace("`", "'")
    if _ISO.match(shown):
        raise InvalidInput(f"`{shown}` is not a day on the calendar; write the {what} {DATE_HINT}.")
    raise InvalidInput(f"I can't read `{shown}` as a {what}; write it {DATE_HINT}.")


__all__ = ["DATE_HINT", "MAX_DATE_TEXT", "Prefer", "parse_day", "read_day"]

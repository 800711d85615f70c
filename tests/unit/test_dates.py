"""One reader for the days people type: due dates, start dates, the ends of a period."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.dates import DATE_HINT, parse_day, read_day
from bot.errors import InvalidInput

THURSDAY = dt.date(2026, 12, 3)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("next Friday", dt.date(2026, 12, 4)),  # the coming Friday
        ("friday", dt.date(2026, 12, 4)),
        ("next Thursday", dt.date(2026, 12, 10)),  # never today
        ("15 March", dt.date(2027, 3, 15)),  # a due date without a year is ahead
        ("March 15", dt.date(2027, 3, 15)),
        ("2027-01-15", dt.date(2027, 1, 15)),
        ("2027-1-5", dt.date(2027, 1, 5)),
        ("15/03/2027", dt.date(2027, 3, 15)),  # day first
        ("tomorrow", dt.date(2026, 12, 4)),
        ("in 3 weeks", dt.date(2026, 12, 24)),
        ("in 2 months", dt.date(2027, 2, 3)),
        ("  in   a fortnight ", dt.date(2026, 12, 17)),
    ],
)
def test_due_dates_as_people_write_them(typed: str, expected: dt.date) -> None:
    assert read_day(typed, THURSDAY) == expected


def test_a_start_date_without_a_year_is_behind() -> None:
    assert read_day("15 March", THURSDAY, prefer="past") == dt.date(2026, 3, 15)
    assert read_day("friday", THURSDAY, prefer="past") == dt.date(2026, 11, 27)
    assert read_day("3 days ago", THURSDAY, prefer="past") == dt.date(2026, 11, 30)


@pytest.mark.parametrize(
    "typed", ["garbage", "soon", "march", "end of month", "acme", "", "x" * 80]
)
def test_what_names_no_single_day_is_refused_with_examples(typed: str) -> None:
    assert parse_day(typed, THURSDAY) is None
    with pytest.raises(InvalidInput) as refused:
        read_day(typed, THURSDAY, what="due date")
    message = str(refused.value)
    assert "as a due date" in message and DATE_HINT in message and "next Friday" in message


def test_an_impossible_calendar_day_is_named_as_such() -> None:
    with pytest.raises(InvalidInput, match="`2027-02-30` is not a day on the calendar"):
        read_day("2027-02-30", THURSDAY)

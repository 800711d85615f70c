"""Parsing `/atelier digest on …` and finding the slot that is due (zoneinfo, DST)."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.schedule import ScheduleError, Slot, latest_slot, next_slot, parse_slot


def test_day_time_and_zone() -> None:
    assert parse_slot("fri 15:00 Europe/Berlin") == Slot(4, 15, 0, "Europe/Berlin")
    assert parse_slot("Friday 9:30 europe/berlin") == Slot(4, 9, 30, "Europe/Berlin")
    assert parse_slot("mondays 3pm") == Slot(0, 15, 0, "UTC")
    assert parse_slot("sun 7", default_timezone="America/New_York") == Slot(
        6, 7, 0, "America/New_York"
    )


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("", "day and the time"),
        ("fri", "At what time"),
        ("frj 15:00", "isn't a day of the week"),
        ("fri 25:00", "isn't a time I can read"),
        ("fri 15:75", "isn't a time I can read"),
        ("fri 13pm", "isn't a time I can read"),
        ("fri 15:00 Mars/Olympus", "don't know the time zone"),
        ("fri 15:00 Europe/Berlin please", "nothing more"),
    ],
)
def test_unreadable_schedules_say_what_to_write(text: str, says: str) -> None:
    with pytest.raises(ScheduleError, match=says) as error:
        parse_slot(text)
    assert (
        "`" in str(error.value)
        or "e.g." in str(error.value)
        or "tz database" in str(error.value)
        or "24-hour" in str(error.value)
    )


def test_latest_slot_is_at_or_before_now() -> None:
    slot = Slot(4, 15, 0, "Europe/Berlin")
    friday_1400_utc = dt.datetime(2026, 12, 4, 14, 0, tzinfo=dt.UTC)
    assert latest_slot(slot, friday_1400_utc) == friday_1400_utc
    one_second_before = friday_1400_utc - dt.timedelta(seconds=1)
    assert latest_slot(slot, one_second_before) == friday_1400_utc - dt.timedelta(days=7)
    assert next_slot(slot, friday_1400_utc) == friday_1400_utc + dt.timedelta(days=7)


def test_wall_clock_time_is_kept_across_daylight_saving() -> None:
    slot = Slot(4, 15, 0, "Europe/Berlin")
    # Summer time: 15:00 in Berlin is 13:00 UTC; winter time: 14:00 UTC.
    summer = latest_slot(slot, dt.datetime(2026, 7, 3, 13, 30, tzinfo=dt.UTC))
    winter = latest_slot(slot, dt.datetime(2026, 12, 4, 14, 30, tzinfo=dt.UTC))
    assert (summer.hour, winter.hour) == (13, 14)
    # The last Friday of October 2026 is after the clocks went back (25 October).
    after_change = next_slot(slot, dt.datetime(2026, 10, 24, 12, 0, tzinfo=dt.UTC))
    assert after_change == dt.datetime(2026, 10, 30, 14, 0, tzinfo=dt.UTC)


def test_an_unknown_default_time_zone_is_one_clear_setting_error() -> None:
    from bot.config import SettingsError, load_settings

    with pytest.raises(SettingsError, match="ATELIER_DIGEST_TIMEZONE: must be a tz database"):
        load_settings(digest_timezone="Mars/Olympus")

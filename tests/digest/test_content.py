"""The digest's wording for one project: burn against the calendar, deadlines, quiet clients,
stale projects, news with a Draft update button; attention first; nobody pinged."""

from __future__ import annotations

import datetime as dt

from bot.digest import DigestOptions, NewsLine, ProjectPulse, assess, build_digest

TODAY = dt.date(2026, 12, 4)
OPTIONS = DigestOptions(today=TODAY, stale_days=10, near_due_days=5)


def pulse(**changes: object) -> ProjectPulse:
    base: dict[str, object] = {
        "project_id": "acme",
        "name": "Acme shop",
        "client": "Acme",
        "owner_id": "U1",
        "hours_used": 10.0,
        "estimate_hours": 40.0,
        "start_date": TODAY - dt.timedelta(days=10),
        "due_date": TODAY + dt.timedelta(days=30),
        "last_logged": TODAY - dt.timedelta(days=1),
        "last_client_update": TODAY - dt.timedelta(days=3),
    }
    return ProjectPulse(**(base | changes))  # type: ignore[arg-type]


def lines(**changes: object) -> str:
    return "\n".join(assess(pulse(**changes), OPTIONS).lines)


def test_on_pace_against_the_calendar() -> None:
    # 10 of 40 h = 25%; 10 of 40 days gone = 25%.
    assert "10 of 40 h (25%) used, 25% of the schedule gone: on pace." in lines()


def test_burning_faster_than_the_calendar() -> None:
    # 24 of 40 h = 60% with 25% of the schedule gone: 35 points ahead (> 15).
    text = lines(hours_used=24.0)
    assert "24 of 40 h (60%) used with 25% of the schedule gone: burning faster" in text
    assert assess(pulse(hours_used=24.0), OPTIONS).urgency == 2


def test_over_the_estimate() -> None:
    assert "46 of 40 h (115%): 6 h over the estimate." in lines(hours_used=46.0)


def test_no_estimate() -> None:
    assert "10 h logged (no estimate set)." in lines(estimate_hours=None)


def test_overdue_near_due_and_due_today() -> None:
    assert "**Overdue** by 2 days (due 2 Dec)." in lines(due_date=TODAY - dt.timedelta(days=2))
    assert "Due in 3 days (7 Dec)." in lines(due_date=TODAY + dt.timedelta(days=3))
    assert "**Due today.**" in lines(due_date=TODAY)
    assert "Due in" not in lines(due_date=TODAY + dt.timedelta(days=6))  # beyond 5 days


def test_how_long_the_client_has_waited() -> None:
    assert "last heard from you 3 days ago (1 Dec)." in lines()
    quiet = lines(last_client_update=TODAY - dt.timedelta(days=15))
    assert "15 days ago (19 Nov) — a good moment for an update." in quiet
    assert "hasn't had an update yet (10 days in)." in lines(last_client_update=None)


def test_stale_projects() -> None:
    assert "Nothing logged in 12 days" in lines(last_logged=TODAY - dt.timedelta(days=12))
    assert "Nothing logged since it started 10 days ago." in lines(last_logged=None)
    assert "Nothing logged" not in lines(last_logged=TODAY - dt.timedelta(days=9))


def test_news_is_listed_with_a_draft_button_and_pings_nobody() -> None:
    news = tuple(NewsLine("done", f"step {n} @channel <!here>") for n in range(5))
    reply = build_digest([pulse(news=news), pulse(project_id="beta", name="Beta")], OPTIONS)
    text = reply.text
    assert "5 log entries not yet reported" in text and "…and 2 more" in text
    assert "@channel" not in text and "<!here>" not in text
    [button] = reply.buttons
    assert (button.action_id, button.value) == ("update:draft", "acme")
    assert text.index("Acme shop") < text.index("Beta")  # news first, the quiet one after


def test_attention_first() -> None:
    overdue = pulse(project_id="late", name="Zulu", due_date=TODAY - dt.timedelta(days=1))
    fine = pulse(project_id="fine", name="Alpha")
    text = build_digest([fine, overdue], OPTIONS).text
    assert text.index("Zulu") < text.index("Alpha")
    assert "2 active projects; 1 could use a look." in text


def test_nothing_active() -> None:
    reply = build_digest([], OPTIONS, note="_late_")
    assert "No active projects" in reply.text and "_late_" in reply.text

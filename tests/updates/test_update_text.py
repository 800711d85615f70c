"""The offline update text: sections, status, warnings, and what must never reach a client."""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.logparse import KINDS
from bot.mentions import can_ping
from bot.update_text import (
    TONES,
    EntryLine,
    ProjectFigures,
    build_update,
    mentions_rate_or_margin,
    next_tone,
)

TODAY = dt.date(2026, 12, 1)


def figures(**changes: object) -> ProjectFigures:
    base: dict[str, object] = {
        "name": "Acme web shop",
        "client": "Acme Corp",
        "hours_used": 10.0,
        "estimate_hours": 40.0,
        "budget": 6000.0,
        "rate": 100.0,
        "currency": "USD",
        "start_date": dt.date(2026, 11, 1),
        "due_date": dt.date(2026, 12, 31),
        "today": TODAY,
    }
    base.update(changes)
    return ProjectFigures(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "text",
    [
        "our margin is thin",
        "markup on fonts 20%",
        "$120/h for this client",
        "120 EUR per hour",
        "we charge 90 an hour",
        "our rate went up",
        "€800 a day",
    ],
)
def test_rates_and_margins_are_recognised(text: str) -> None:
    assert mentions_rate_or_margin(text)


@pytest.mark.parametrize(
    "text",
    ["fixed the page margins", "rate limiting on the API", "spent $100 and got fonts", "3h"],
)
def test_ordinary_work_is_not_mistaken_for_rates(text: str) -> None:
    assert not mentions_rate_or_margin(text)


@pytest.mark.parametrize("tone", TONES)
def test_every_tone_has_every_section(tone: str) -> None:
    entries = [
        EntryLine(1, "done", "done: checkout flow, 2h30", 2.5),
        EntryLine(2, "next", "next: payments"),
        EntryLine(3, "question", "Q: which logo?"),
        EntryLine(4, "blocker", "blocker: API keys"),
        EntryLine(5, "decision", "decided to use Stripe"),
        EntryLine(6, "note", "3h", 3.0),
    ]
    draft = build_update(figures(), entries, tone)  # type: ignore[arg-type]
    for expected in ("Checkout flow", "Payments", "Which logo?", "API keys", "Stripe"):
        assert expected in draft.client_text
    assert "2h30" not in draft.client_text  # durations are status, not news
    assert "Hours: 10 h of 40 h estimated (25%)" in draft.client_text
    assert "Due: 31 Dec 2026 (in 30 days)" in draft.client_text
    assert draft.entry_ids == (1, 2, 3, 4, 5, 6)


def test_tones_cycle() -> None:
    assert [next_tone(t) for t in TONES] == ["formal", "brief", "friendly"]


def test_over_the_estimate_and_overdue() -> None:
    draft = build_update(
        figures(hours_used=50.0, due_date=dt.date(2026, 11, 28)),
        [EntryLine(1, "done", "done: x")],
    )
    assert "past the estimate (125% used)" in draft.client_text
    assert "3 days overdue" in draft.client_text
    assert draft.warning and any("Heads-up" in note for note in draft.private_notes)


def test_without_plan_figures_the_status_is_just_hours() -> None:
    draft = build_update(
        figures(estimate_hours=None, budget=None, due_date=None, hours_used=4.0),
        [EntryLine(1, "done", "done: x")],
    )
    assert "Hours so far: 4 h" in draft.client_text and draft.warning is None


SECRET = "ZQXSECRET"
line = st.text(alphabet=st.characters(categories=("L", "N", "P", "Zs")), max_size=60)


@given(
    st.lists(
        st.tuples(st.sampled_from(KINDS), line, st.booleans()),
        min_size=1,
        max_size=12,
    ),
    st.sampled_from(TONES),
)
def test_internal_lines_never_reach_the_client_text(rows, tone) -> None:
    entries = [
        EntryLine(i, kind, f"{text} {SECRET}" if internal else text.replace(SECRET, ""), None,
                  internal)
        for i, (kind, text, internal) in enumerate(rows, 1)
    ]  # fmt: skip
    draft = build_update(figures(), entries, tone)
    assert SECRET not in draft.client_text
    assert sum(SECRET in note for note in draft.private_notes) == sum(e.internal for e in entries)


@given(st.lists(st.text(max_size=80), min_size=1, max_size=6), st.sampled_from(TONES))
def test_client_text_never_pings(texts, tone) -> None:
    entries = [EntryLine(i, "done", text) for i, text in enumerate(texts, 1)]
    name = "@here <!channel>"
    draft = build_update(figures(name=name, client="@everyone"), entries, tone)
    assert not can_ping(draft.client_text)


def test_long_sections_are_summarised() -> None:
    entries = [EntryLine(i, "done", f"done: item {i}") for i in range(1, 41)]
    draft = build_update(figures(), entries)
    assert "Item 11" in draft.client_text and "Item 12" not in draft.client_text
    assert "…and 29 more" in draft.client_text
    assert draft.entry_ids == tuple(range(1, 41))  # all of them count as reported

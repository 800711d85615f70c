"""Reading log lines: hours, kinds and the internal flag; plus ping-proofing of posted text."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.logparse import KINDS, parse_entry, parse_hours
from bot.mentions import can_ping, neutralise_mentions


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("3h", 3.0),
        ("1.5 hours", 1.5),
        ("1,5h", 1.5),
        ("90m", 1.5),
        ("90 min", 1.5),
        ("45 minutes on review", 0.75),
        ("2h30", 2.5),
        ("2h 30m", 2.5),
        ("2 hrs 15 mins", 2.25),
        ("done: checkout flow, 2h30", 2.5),
        ("design 2h + review 1h", 3.0),
        ("shipped v2 of the homepage", None),
        ("due in 3 weeks", None),
        ("", None),
    ],
)
def test_hours_examples(text: str, hours: float | None) -> None:
    assert parse_hours(text) == hours


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("done: homepage", "done"),
        ("Finished the checkout flow", "done"),
        ("next: payment provider", "next"),
        ("tomorrow we will wire the CMS", "next"),
        ("blocker: waiting for API keys", "blocker"),
        ("deployed, but blocked on DNS", "blocker"),
        ("decided to use Stripe", "decision"),
        ("Q: which logo?", "question"),
        ("ask client about the launch date", "question"),
        ("does the footer need a newsletter box?", "question"),
        ("call with the designer", "note"),
    ],
)
def test_kind_examples(text: str, kind: str) -> None:
    assert parse_entry(text).kind == kind


def test_internal_prefix_and_tag_are_flagged_and_stripped() -> None:
    parsed = parse_entry("internal: blocker: the client pays late")
    assert (parsed.internal, parsed.kind, parsed.text) == (True, "blocker", "the client pays late")
    tagged = parse_entry("fixed the invoice template #internal")
    assert tagged.internal and "#internal" not in tagged.text
    assert not parse_entry("done: internal links on the blog").internal


@given(st.text(max_size=300))
def test_any_text_parses(text: str) -> None:
    parsed = parse_entry(text)
    assert parsed.kind in KINDS
    assert parsed.hours is None or parsed.hours >= 0


@given(st.integers(min_value=1, max_value=2000))
def test_minutes_equal_hours(minutes: int) -> None:
    assert parse_hours(f"{minutes}m") == pytest.approx(minutes / 60, abs=1e-3)
    assert parse_hours(f"spent {minutes} minutes") == pytest.approx(minutes / 60, abs=1e-3)


@given(st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=59))
def test_hours_and_minutes_compose(hours: int, minutes: int) -> None:
    expected = pytest.approx(hours + minutes / 60, abs=1e-3)
    assert parse_hours(f"{hours}h{minutes:02d}") == expected
    assert parse_hours(f"{hours}h {minutes}m") == expected


LETTERS = st.characters(categories=["L"])


@given(
    st.sampled_from(["3h", "1.5 hours", "90m", "2h30"]),
    st.sampled_from(["done", "next", "blocker", "decision", "question", "note"]),
    st.text(alphabet=LETTERS, min_size=1, max_size=40),
)
def test_explicit_prefix_wins(duration: str, kind: str, words: str) -> None:
    parsed = parse_entry(f"{kind}: {words} {duration}")
    assert parsed.kind == kind
    assert parsed.hours == parse_hours(duration)


@pytest.mark.parametrize(
    "text",
    [
        "@channel hi",
        "@here",
        "hey @everyone!",
        "<!channel>",
        "<!here|here>",
        "<!everyone>",
        "<!subteam^S012AB|@designers> look",
        "<@&123456789> please",
        "@@here",
    ],
)
def test_mass_mentions_are_neutralised(text: str) -> None:
    assert can_ping(text)
    assert not can_ping(neutralise_mentions(text))


@given(st.text(max_size=200))
def test_neutralised_text_never_pings(text: str) -> None:
    assert not can_ping(neutralise_mentions(text))

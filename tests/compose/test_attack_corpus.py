"""The attack corpus: every string with its verdict, through the code a client's text takes."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest
from structlog.testing import capture_logs

from bot.compose import Composition
from bot.leaks import LeakFilter
from bot.llm_composer import LLMComposer
from bot.mentions import can_ping
from bot.update_text import EntryLine, ProjectFigures, build_update
from tests.compose.attack_corpus import (
    COMPOSED,
    MULTI_LINE,
    OTHER_CLIENTS,
    OWN_NAMES,
    PINGS,
    USER_LINES,
    corpus_size,
)
from tests.compose.conftest import DRAFT, FACTS
from tests.compose.fakes import scripted

FILTER = LeakFilter(OTHER_CLIENTS, OWN_NAMES)


def test_the_corpus_is_large_and_covers_every_verdict() -> None:
    assert corpus_size() >= 100
    verdicts = Counter(verdict for _, verdict in USER_LINES)
    assert set(verdicts) == {"internal", "rate", "other_client", "allowed"}
    assert verdicts["allowed"] >= 25  # false positives are measured, not assumed away


@pytest.mark.parametrize(("line", "verdict"), USER_LINES)
def test_each_line_gets_its_verdict(line: str, verdict: str) -> None:
    judged = FILTER.judge(line)
    assert (judged.reason or "allowed") == verdict


@pytest.mark.parametrize(("line", "verdict"), USER_LINES)
def test_each_line_as_a_log_entry_reaches_the_client_only_when_allowed(
    line: str, verdict: str
) -> None:
    draft = build_update(_figures(), [EntryLine(1, "done", line)], leak_filter=FILTER)
    if verdict == "allowed":
        assert not any(note.startswith("Left out") for note in draft.private_notes)
    else:
        assert any(note.startswith("Left out") for note in draft.private_notes)
        assert "Done" not in draft.client_text  # nothing of it became a bullet


@pytest.mark.parametrize(("entry", "kept", "withheld"), MULTI_LINE)
def test_every_line_of_an_entry_is_judged(entry: str, kept: tuple, withheld: tuple) -> None:
    draft = build_update(_figures(), [EntryLine(7, "done", entry)], leak_filter=FILTER)
    for text in kept:
        assert text in draft.client_text, (text, draft.client_text)
    for text in withheld:
        assert text not in draft.client_text, (text, draft.client_text)


def test_the_internal_line_of_an_entry_is_named_in_the_private_notes() -> None:
    entry, _, _ = MULTI_LINE[0]
    draft = build_update(_figures(), [EntryLine(7, "done", entry)], leak_filter=FILTER)
    assert draft.private_notes[0].startswith("Left out (internal, #7 line 2)")
    assert "margin 30%" in draft.private_notes[0]  # the studio still sees what it wrote


@pytest.mark.parametrize("text", PINGS)
def test_pings_are_neutralised_in_what_goes_out(text: str) -> None:
    assert can_ping(text)
    cleaned = FILTER.clean(text).text
    assert not can_ping(cleaned)
    assert "launch" in cleaned or "look" in cleaned
    draft = build_update(_figures(), [EntryLine(1, "done", text)], leak_filter=FILTER)
    assert not can_ping(draft.client_text)


@pytest.mark.parametrize(("answer", "outcome"), COMPOSED)
async def test_composed_text_is_used_only_when_it_passes(answer: str, outcome: str) -> None:
    composition = Composition(
        kind="client_update",
        tenant="T1",
        draft=DRAFT,
        facts=FACTS,
        withheld_names=OTHER_CLIENTS,
    )
    with capture_logs() as logs:
        text = await LLMComposer(scripted(answer)).compose(composition)
    if outcome == "used":
        assert text == answer
        return
    assert text == DRAFT
    (fallback,) = [entry for entry in logs if entry["event"] == "llm_fallback"]
    assert outcome in fallback["reason"], fallback["reason"]
    if outcome.startswith("leaks"):
        # Why, never what: the invented sentence itself stays out of the log.
        assert answer.splitlines()[-1][-20:] not in fallback["reason"]


async def test_an_invented_other_client_is_refused_even_when_the_facts_name_it() -> None:
    facts = {**FACTS, "notes": ["reused the Nordlys theme"]}  # a name the facts vouch for
    answer = (
        "Hello Acme Bakery team! The Bloom Studio storefront reuses the Nordlys theme. We have "
        "used 42.5 of the 120 budgeted hours ($4.25k of $12k) and are on track for March 15, "
        "2026."
    )
    composition = Composition(
        kind="client_update", tenant="T1", draft=DRAFT, facts=facts, withheld_names=("Nordlys",)
    )
    with capture_logs() as logs:
        assert await LLMComposer(scripted(answer)).compose(composition) == DRAFT
    reason = next(e for e in logs if e["event"] == "llm_fallback")["reason"]
    assert "other_client" in reason and "Nordlys" not in reason


def _figures() -> ProjectFigures:
    return ProjectFigures(
        name="Acme web shop",
        client="Acme Corp",
        hours_used=10.0,
        estimate_hours=40.0,
        budget=None,
        rate=None,
        currency="EUR",
        start_date=dt.date(2026, 11, 1),
        due_date=dt.date(2026, 12, 31),
        today=dt.date(2026, 12, 1),
    )


def test_ordinary_project_prose_is_not_mistaken_for_a_leak() -> None:
    """The demo portfolio's titles, summaries, lessons and assets: hundreds of real-sounding
    lines of web work, none of which is internal, a rate or another client."""
    from knowledge.demo import demo_projects

    lines = []
    for project in demo_projects():
        for key, value in project.model_dump().items():
            if isinstance(value, str) and key not in {"id", "client", "type", "status"}:
                lines.append(value)
            elif isinstance(value, list):
                lines += [item for item in value if isinstance(item, str)]
    assert len(lines) > 300
    assert [line for line in lines if not LeakFilter().judge(line).kept] == []

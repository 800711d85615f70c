"""The pieces of the leak rules: normalising, links, numbers in words, units, line parsing."""

from __future__ import annotations

from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.grounding import check
from bot.leaks import LeakFilter, find_links, normalise
from bot.logparse import parse_entry
from bot.mentions import can_ping
from bot.number_words import words_to_digits


@pytest.mark.parametrize(
    ("written", "judged"),
    [
        ("*internal:* x", "internal: x"),
        ("> - **Internal:** x", "internal: x"),
        ("\u200b\ufeffINTERNAL: x", "internal: x"),
        ("ｉｎｔｅｒｎａｌ： x", "internal: x"),
        ("€95∕h", "€95/h"),
        ("іnternal", "internal"),
        ("privé", "prive"),
        ("1. ## note", "note"),
    ],
)
def test_normalise_reads_text_as_a_person_does(written: str, judged: str) -> None:
    assert normalise(written) == judged


@pytest.mark.parametrize(
    ("text", "links"),
    [
        ("pay at evil.com/pay now", ["evil.com/pay"]),
        ("see //evil.example", ["evil.example"]),
        ('<a href="https://evil.example/x">here</a>', ["evil.example/x"]),
        ("[click](https://evil.example)", ["evil.example"]),
        ("<https://x.example|label>", ["x.example"]),
        ("WWW.Evil.com/", ["evil.com"]),
        ("Next.js and Node.js, index.html, e.g. this", []),
        ("version 1.2.3 on 15.03.2026", []),
    ],
)
def test_every_link_shape_is_found(text: str, links: list[str]) -> None:
    assert find_links(text) == links


@pytest.mark.parametrize(
    ("text", "digits"),
    [
        ("twelve thousand five hundred dollars", "12500 dollars"),
        ("a dozen pages", "12 pages"),
        ("fifteen percent", "15 percent"),
        ("one hundred and twenty hours", "120 hours"),
        ("1.5 million", "1500000"),
        ("one of the pages", "one of the pages"),
        ("a two-step flow", "a two-step flow"),
    ],
)
def test_numbers_in_words_become_digits(text: str, digits: str) -> None:
    assert words_to_digits(text) == digits


ESTIMATE = {"estimate_hours": 120, "budget": 12000, "currency": "USD", "overrun_ratio": 1.3}


@pytest.mark.parametrize(
    "text",
    ["About 120 hours.", "About 120.", "$12,000 in all.", "Projects like this ran 30% over.",
     "It ran 1.3× the plan."],
)  # fmt: skip
def test_a_figure_with_its_unit_is_grounded(text: str) -> None:
    assert check(text, ESTIMATE, draft="") == []


@pytest.mark.parametrize(
    "text",
    ["Our margin is 120%.", "That costs $120.", "In 120 days.", "About 12000 hours.",
     "twelve thousand five hundred dollars", "a dozen hours"],
)  # fmt: skip
def test_a_figure_with_another_unit_is_not(text: str) -> None:
    assert check(text, ESTIMATE, draft="") != []


def test_each_line_of_an_entry_is_stored_with_its_own_kind() -> None:
    parsed = parse_entry(
        "done: checkout, 2h\ninternal: client pays late, margin 30%\nnext: payment page"
    )
    assert [(line.kind, line.internal) for line in parsed.lines] == [
        ("done", False),
        ("done", True),
        ("next", False),
    ]
    assert (parsed.kind, parsed.internal, parsed.hours) == ("done", False, 2.0)
    assert parse_entry("internal: a\nb").internal  # every line internal: the entry is


def test_an_internal_block_runs_until_a_line_names_its_kind() -> None:
    parsed = parse_entry("Internal notes:\n- pays late\n- margin thin\n\nnext: launch")
    assert [line.internal for line in parsed.lines] == [True, True, True, False]


MARKERS = st.sampled_from(["internal", "Internal", "INTERNAL", "internal note", "private"])
DECORATIONS = st.sampled_from(["", "*", "**", "_", "`", "~~"])
LEADS = st.sampled_from(["", "> ", "- ", "* ", "1. ", "\u200b", "\ufeff", "  "])
SEPARATORS = st.sampled_from([":", ";", ".", " -", " —", ":"])


@given(LEADS, DECORATIONS, MARKERS, SEPARATORS, st.text(min_size=1, max_size=40))
def test_a_marked_line_is_internal_however_it_is_dressed(lead, emphasis, marker, sep, rest):
    line = f"{lead}{emphasis}{marker}{sep}{emphasis} {rest}"
    assert LeakFilter().judge(line).reason == "internal"


@given(st.text(max_size=300))
def test_cleaned_text_never_pings_and_only_keeps_lines_it_was_given(text: str) -> None:
    cleaned = LeakFilter(["Nordlys"]).clean(text)
    assert not can_ping(cleaned.text)
    assert len(cleaned.text.splitlines()) <= max(1, len(text.splitlines()))


async def test_the_leak_rules_apply_to_client_text_not_to_the_studios_own() -> None:
    from bot.compose import Composition
    from bot.llm_composer import LLMComposer
    from tests.compose.fakes import scripted

    draft = "About 150 h, about $15k at $100/h, with a healthy margin."
    cases: list[tuple[Literal["studio", "client"], str]] = [
        ("studio", draft + " Nice."),
        ("client", draft),
    ]
    for audience, expected in cases:
        composition = Composition(
            kind="estimate_summary", tenant="T1", draft=draft, audience=audience
        )
        answer = draft + " Nice."
        assert await LLMComposer(scripted(answer)).compose(composition) == expected


@pytest.mark.parametrize(
    ("line", "reaches_client"),
    [
        ("((" * 2000, "((" * 2000),  # unclosed brackets without a marker: kept as written
        ("done (internal: " * 400, "done"),  # the first unclosed one runs to the end
        ("1." * 2000, "1." * 2000),
        ("€1." * 1300, "€1." * 1300),
        ("a-" * 2000 + " margin 30%", None),
    ],
)
def test_long_adversarial_lines_get_the_right_verdict(line: str, reaches_client) -> None:
    verdict = LeakFilter().judge(line)
    assert (verdict.text if verdict.kept else None) == reaches_client

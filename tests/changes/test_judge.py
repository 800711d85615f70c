"""Judging a request against the agreed scope: included, extra or unclear, citing the line."""

from __future__ import annotations

import numpy as np
import pytest

from bot.changes.judge import ScopeLine, creep_phrase, judge, scope_lines

BRIEF = (
    "Shopify store with a custom theme for a coffee roaster: product pages with grind options, "
    "a subscription app, a wholesale price list and a brew guide blog. Two design revision "
    "rounds."
)
SCOPE = [
    *scope_lines(BRIEF, "brief"),
    ScopeLine("Checkout with Stripe", "phase: build"),
    ScopeLine("Multi-language support", "proposal p1, not included", excluded=True),
]


def test_a_long_brief_is_cut_into_its_deliverables() -> None:
    texts = [line.text for line in scope_lines(BRIEF, "brief")]
    assert "a brew guide blog" in texts and "Two design revision rounds" in texts
    assert all(len(text) < 60 for text in texts)


@pytest.mark.parametrize(
    ("request_text", "cited"),
    [
        ("the client wants a blog section", "a brew guide blog"),
        ("Stripe checkout tweaks", "Checkout with Stripe"),
        ("the wholesale price list", "a wholesale price list"),
    ],
)
def test_requests_the_scope_covers_are_included_citing_the_line(
    request_text: str, cited: str
) -> None:
    verdict = judge(request_text, SCOPE)
    assert verdict.verdict == "included"
    assert verdict.line is not None and verdict.line.text == cited
    assert verdict.reason.startswith("Included:") and f"“{cited}”" in verdict.reason
    assert verdict.reason.count(".") == 1  # one sentence


def test_work_nothing_in_the_scope_mentions_is_extra() -> None:
    verdict = judge("a loyalty points program", SCOPE)
    assert verdict.verdict == "extra"
    assert verdict.reason.startswith("Extra:") and "“Shopify store” (brief)" in verdict.reason


@pytest.mark.parametrize(
    ("request_text", "phrase"),
    [
        ("one more revision round on the homepage", "one more revision round"),
        ("an extra page for the team", "an extra page"),
        ("while you're at it, restyle the subscription app", "while you're at it"),
    ],
)
def test_scope_creep_phrases_are_extra_even_when_the_topic_is_in_scope(
    request_text: str, phrase: str
) -> None:
    assert creep_phrase(request_text) == phrase
    verdict = judge(request_text, SCOPE)
    assert verdict.verdict == "extra", verdict.reason
    assert phrase in verdict.reason and verdict.line is not None


def test_one_more_round_cites_the_line_that_counts_the_rounds() -> None:
    verdict = judge("one more revision round on the homepage", SCOPE)
    assert verdict.line is not None and verdict.line.text == "Two design revision rounds"


def test_a_scope_line_that_grants_more_lets_more_in() -> None:
    generous = [ScopeLine("Unlimited design revision rounds until launch", "brief")]
    verdict = judge("one more revision round on the homepage", generous)
    assert verdict.verdict == "included"


def test_an_exclusion_makes_it_extra_and_is_cited() -> None:
    verdict = judge("a German version of the shop with multi-language support", SCOPE)
    assert verdict.verdict == "extra"
    assert "excludes it" in verdict.reason and "“Multi-language support”" in verdict.reason


def test_half_covered_requests_are_unclear() -> None:
    scope = [ScopeLine("Newsletter signup form in the footer", "brief")]
    verdict = judge("a newsletter archive page", scope)
    assert verdict.verdict == "unclear", (verdict.score, verdict.reason)
    assert "“Newsletter signup form in the footer”" in verdict.reason


def test_without_agreed_scope_text_the_verdict_is_unclear() -> None:
    verdict = judge("a blog section", [])
    assert verdict.verdict == "unclear" and verdict.line is None
    assert "no agreed scope" in verdict.reason


def test_the_same_inputs_give_the_same_verdict() -> None:
    first = judge("a loyalty points program", SCOPE)
    assert all(judge("a loyalty points program", SCOPE) == first for _ in range(3))


def test_embeddings_can_lift_a_paraphrase_that_shares_a_word() -> None:
    scope = [ScopeLine("Online booking calendar for appointments", "brief")]
    lexical = judge("appointment scheduling widget", scope)

    def embed(texts: list[str]) -> np.ndarray:  # the two texts mean the same: same vector
        return np.ones((len(texts), 4)) / 2.0

    semantic = judge("appointment scheduling widget", scope, embed)
    assert semantic.score > lexical.score and semantic.verdict == "included"


def test_embeddings_alone_never_make_a_request_included() -> None:
    scope = [ScopeLine("Online booking calendar", "brief")]

    def embed(texts: list[str]) -> np.ndarray:
        return np.ones((len(texts), 4)) / 2.0

    assert judge("scheduling widget", scope, embed).verdict != "included"


def test_a_bare_phase_name_never_makes_a_request_included() -> None:
    scope = [ScopeLine("Design", "proposal p1, deliverables"), ScopeLine("Build", "proposal p1")]
    verdict = judge("a new logo design", scope)
    assert verdict.verdict == "unclear" and "“Design”" in verdict.reason

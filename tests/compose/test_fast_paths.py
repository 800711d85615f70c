"""The composer's checks take short cuts on common text; each gives the full path's answer."""

from __future__ import annotations

import re
import string
import unicodedata

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.grounding import _CHANNEL, _EMAIL, _IDENTIFIER, _LINKISH, _URL, _blank
from bot.leaks import normalise, visible
from bot.leaks._money import _RATE_OR_MARGIN, _may_match, mentions_rate_or_margin
from bot.leaks._normalise import (
    _EMPHASIS,
    _HOMOGLYPHS,
    _SLASHES,
    _SPACES,
    strip_invisible,
    strip_lead,
)
from bot.number_words import words_to_digits

# Fragments the rate and margin rules are made of, mixed with ordinary words and noise.
FRAGMENTS = st.sampled_from(
    ["95", "1,200", "12.5", "2k", "$", "€", "£", "usd", "eur", "dollars", "euros", "quid",
     "/", "/h", "p/h", "ph", "per", "an", "a", "the", "each", "pro", "par", "le", "hour",
     "hours", "h", "hr", "day", "d", "j", "jour", "std", "tag", "wk", "hourly", "daily",
     "weekly", "per diem", "rate", "rates", "day rate", "rate card", "margin", "margins",
     "marge", "30%", "percent", "profit", "non-profit", "markup", "mark-up", "at cost",
     "our costs", "buying price", "underquoted", "padded", "estimate", "salary", "wages",
     "tjm", "taux horaire", "stundensatz", "ninety-five", "thirty", "an hour", "of", "is",
     ":", "=", "~", "checkout", "stripe", "shipping", "6", "px", "fps", "\n", "-", "**"]
)  # fmt: skip


@settings(max_examples=1500, deadline=None)
@given(st.lists(FRAGMENTS, max_size=12), st.sampled_from([" ", "", "  "]))
def test_the_rate_gate_never_skips_a_line_a_rule_would_withhold(fragments, separator):
    judged = words_to_digits(normalise(separator.join(fragments)))
    if _RATE_OR_MARGIN.search(judged):
        assert _may_match(judged)


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_the_rate_gate_holds_for_any_text(text):
    judged = words_to_digits(normalise(text))
    if _RATE_OR_MARGIN.search(judged):
        assert _may_match(judged)


def test_the_gate_lets_ordinary_update_lines_through_without_the_rules() -> None:
    for line in ("Checkout with Stripe (6 hours)", "Hours: 42.5 h of 120 h estimated (35%)"):
        assert not _may_match(words_to_digits(normalise(line)))
    assert mentions_rate_or_margin("€95 p/h") and mentions_rate_or_margin("ninety euros an hour")


def _normalise_in_full(text: str) -> str:
    text = unicodedata.normalize("NFKC", strip_invisible(text)).translate(_SLASHES)
    text = text.casefold().translate(_HOMOGLYPHS)
    text = "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))
    text = _EMPHASIS.sub("", text)
    return _SPACES.sub(" ", strip_lead(text)).strip()


@settings(max_examples=500, deadline=None)
@given(st.one_of(st.text(alphabet=string.printable, max_size=80), st.text(max_size=80)))
def test_normalise_gives_the_full_path_answer_for_ascii_and_other_text(text):
    assert normalise(text) == _normalise_in_full(text)
    full_visible = unicodedata.normalize("NFKC", strip_invisible(text)).translate(_SLASHES)
    assert visible(text) == full_visible


def _blank_in_two_passes(pattern: re.Pattern[str], text: str) -> tuple[list[str], str]:
    found = [m.group(0).rstrip(".,;:!?") for m in pattern.finditer(text)]
    return found, pattern.sub(lambda m: " " * len(m.group(0)), text)


TEXTY = st.lists(
    st.sampled_from(
        ["https://x.example/a.", "www.acme.io", "a@b.co", "#general", "<#C1|x>", "p-017",
         "evil.com/pay", "//host.x", "[a](b)", "Q3", " ", "\n", "done", ".", "12"]
    ),
    max_size=15,
).map("".join)  # fmt: skip


@settings(max_examples=500, deadline=None)
@given(TEXTY, st.sampled_from([_URL, _EMAIL, _LINKISH, _CHANNEL, _IDENTIFIER]))
def test_blanking_in_one_pass_matches_two(text, pattern):
    assert _blank(pattern, text) == _blank_in_two_passes(pattern, text)


NUMBERISH = st.lists(
    st.sampled_from(
        ["one", "done", "often", "twenty", "Twenty-one", "a", "an", "half an", "hundred",
         "3 thousand", "dozen", "ten", "attention", "hour", "percent", " ", "-", " and ", "7",
         "x", "ſix", "fıve", "K"]
    ),
    max_size=10,
).map("".join)  # fmt: skip


@settings(max_examples=800, deadline=None)
@given(st.one_of(NUMBERISH, st.text(max_size=60)))
def test_text_without_a_number_word_is_returned_as_is(text):
    from bot.number_words import _DIGITS_THEN_SCALE, _RUN, _has_number_word

    if not _has_number_word(text):
        assert _RUN.search(text) is None and _DIGITS_THEN_SCALE.search(text) is None

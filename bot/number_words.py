"""Numbers written in words, turned into digits so they can be checked like digits.

"twelve thousand five hundred dollars" → "12500 dollars", "a dozen" → "12", "fifteen percent"
→ "15 percent", "1.5 million" → "1500000". A lone "one" ("one of the pages") or "a" stays a word
unless a unit follows ("one hour", "a hundred"), so ordinary prose is not read as a figure.
Ordinals ("first", "third") are left alone.
"""

from __future__ import annotations

import re

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_SCALES = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_WORDS = {**_UNITS, **_TENS, **_SCALES, "dozen": 12}
_WORD = "|".join(sorted(_WORDS, key=len, reverse=True))
_RUN = re.compile(
    rf"(?<![\w-])(?:(?P<article>an?|half\s+an?)\s+)?(?P<run>(?:{_WORD})(?:(?:\s+and\s+|\s+|-)(?:{_WORD}))*)"
    r"(?![\w-])",
    re.IGNORECASE,
)
_DIGITS_THEN_SCALE = re.compile(
    r"(?<![\w.,])(?P<number>\d+(?:\.\d+)?)\s+(?P<scale>hundred|thousand|million|billion)\b",
    re.IGNORECASE,
)
_UNIT_AFTER = re.compile(
    r"\s*(?:%|percent|per\s*cent|hours?|hrs?|days?|weeks?|months?|years?|dollars?|euros?"
    r"|pounds?|bucks|usd|eur|gbp|items?|pages?|screens?|questions?|risks?|rounds?)\b",
    re.IGNORECASE,
)


def _value(words: list[str]) -> float | None:
    total = 0.0
    current = 0.0
    for word in words:
        if word == "dozen":
            current = (current or 1) * 12
        elif word in _UNITS:
            current += _UNITS[word]
        elif word in _TENS:
            current += _TENS[word]
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _SCALES:
            total += (current or 1) * _SCALES[word]
            current = 0.0
    return total + current


def _digits(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


_TOKEN = re.compile(r"[a-z]+")


def _has_number_word(text: str) -> bool:
    """False only when neither pattern can match: in ASCII text each needs a whole token that
    is a number word (IGNORECASE also matches a few non-ASCII letters, so other text is read)."""
    if not text.isascii():
        return True
    return not _WORDS.keys().isdisjoint(_TOKEN.findall(text.lower()))


def words_to_digits(text: str) -> str:
    """``text`` with every number written in words replaced by its digits."""
    if not _has_number_word(text):
        return text  # most texts: no number word, nothing to replace

    def run(match: re.Match[str]) -> str:
        words = [w for w in re.split(r"[\s-]+", match.group("run").lower()) if w != "and"]
        article = (match.group("article") or "").lower()
        followed_by_unit = _UNIT_AFTER.match(text, match.end()) is not None
        if words == ["one"] and not article and not followed_by_unit:
            return match.group(0)  # "one of the pages": a pronoun, not a figure
        if article and words[0] in _UNITS | _TENS and not followed_by_unit:
            return match.group(0)  # "a two-step flow" reads as a word
        value = _value(words)
        if value is None:
            return match.group(0)
        if article.startswith("half"):
            value /= 2
        return _digits(value)

    text = _DIGITS_THEN_SCALE.sub(
        lambda m: _digits(float(m.group("number")) * _SCALES[m.group("scale").lower()]), text
    )
    return _RUN.sub(run, text)


__all__ = ["words_to_digits"]

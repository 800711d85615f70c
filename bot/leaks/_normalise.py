"""The form of a line the leak rules judge: what a reader sees, not how it was typed.

``*internal:*``, ``＿internal＿:`` (fullwidth), ``\u200binternal:`` (a zero-width space in
front), ``> internal:`` and ``іnternal:`` (a Cyrillic ``і``) all read "internal:" to a person,
so they must read the same to the rules. :func:`normalise` is only ever used to *judge* text;
what reaches a client is the original text (minus what was withheld).
"""

from __future__ import annotations

import re
import unicodedata

# Characters that render as nothing (or only steer direction) but split words for a regex.
_INVISIBLE = (
    "\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b\u200c\u200d\u200e\u200f"
    "\u202a\u202b\u202c\u202d\u202e\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069"
    "\u3164\ufeff\uffa0"
)
_DROP_INVISIBLE = dict.fromkeys(map(ord, _INVISIBLE))
# Slashes NFKC leaves alone: "€95∕h" (division slash) reads "€95/h".
_SLASHES = dict.fromkeys(map(ord, "\u2215\u2044\u29f8\u2571\u29f5\u2216"), "/")
# Colons NFKC leaves alone: "internal∶" (ratio sign) and "internal꞉" read "internal:".
_SLASHES.update(dict.fromkeys(map(ord, "\u2236\ua789\u02d0\u0589\u05c3\u16ec\u205a"), ":"))
# Lower-case Cyrillic and Greek letters that look like Latin ones (after case folding).
_HOMOGLYPHS = str.maketrans(
    "аеорсухіјѕԁһӏԛԝνοαιτκρυ",
    "aeopcyxijsdhlqwvoaitkpu",
)
_EMPHASIS = re.compile(r"[*_~`]+|\|\|")
# "> ", ">> ", "- ", "* ", "+ ", "• ", "1. ", "2) ", "## ", "[ ] ", "[x] " at the start.
_LEAD = re.compile(r"^(?:\s+|>+|[-+•·‣◦▪▫–—]+(?=\s|$)|\d{1,3}[.)](?=\s|$)|#{1,6}(?=\s)|\[[ x]\])")
_SPACES = re.compile(r"\s+")


def strip_invisible(text: str) -> str:
    """``text`` without zero-width characters, BOMs and direction marks."""
    return text.translate(_DROP_INVISIBLE)


def visible(text: str) -> str:
    """NFKC, no invisible characters, look-alike slashes as ``/``: still the user's text."""
    if text.isascii():
        return text  # every step below only changes characters outside ASCII
    return unicodedata.normalize("NFKC", strip_invisible(text)).translate(_SLASHES)


def strip_lead(text: str) -> str:
    """``text`` without leading quote, list and heading markers."""
    while True:
        match = _LEAD.match(text)
        if not match or not match.group(0):
            return text
        text = text[match.end() :]


def normalise(text: str) -> str:
    """The judged form: NFKC, no invisibles, no accents, case-folded, no markdown emphasis,
    no leading quote/list markers, single spaces."""
    if text.isascii():
        text = text.lower()  # what the steps below give for ASCII, at a fraction of the cost
    else:
        text = visible(text).casefold().translate(_HOMOGLYPHS)
        if not text.isascii():
            text = "".join(
                c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
            )
    text = _EMPHASIS.sub("", text)
    return _SPACES.sub(" ", strip_lead(text)).strip()


__all__ = ["normalise", "strip_invisible", "strip_lead", "visible"]

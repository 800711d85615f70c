"""Words of a brief or a retro lesson: tokens, a light stemmer and phrase matching.

Deliberately small and deterministic (no model, no download): enough to see that "photos
arrived late" and "the photo arrives" share "photo" and "arriv", so that keyword tables can be
written once in plain words and still match inflected text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from functools import lru_cache


def wordset(text: str) -> frozenset[str]:
    """The whitespace-separated words of ``text`` (for word lists written as prose)."""
    return frozenset(text.split())


_TOKEN = re.compile(r"[a-z0-9]+(?:[-'][a-z0-9]+)*")

# Common words that carry no topic; shared by the lesson matcher and the vagueness test.
STOPWORDS = wordset(
    """a an the and or but of to in on at for with from by as into onto over under about
    was were is are be been being am it its it's this that these those there here then than
    we our us they their them he she his her you your i me my mine
    too very so not no nor also just only even still again
    has have had having do does did doing done will would shall should can could may might must
    some any each every all both either neither more most much many few such own same other
    what which who whom whose when where why how"""
)

_IRREGULAR = {"ran": "run", "took": "take", "taken": "take", "went": "go", "gone": "go"}


def tokens(text: str) -> list[str]:
    """Lower-case word tokens; hyphenated words stay whole ("e-commerce", "drag-and-drop")."""
    return _TOKEN.findall(text.lower().replace("’", "'"))


@lru_cache(maxsize=65536)  # module-level on purpose: pure string functions, bounded
def stem(word: str) -> str:
    """A crude English stem: plural, -ed, -ing, -ation and a final e removed."""
    word = word.lower().strip("'")
    if word in _IRREGULAR:
        return _IRREGULAR[word]
    if len(word) <= 3 or not word.isalpha():
        return word
    if word.endswith("ies") and len(word) > 4:
        word = word[:-3] + "y"
    elif word.endswith("sses"):
        word = word[:-2]
    elif word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if (word.endswith("ation") and len(word) > 7) or (word.endswith("ing") and len(word) > 5):
        word = word[:-3]
    elif word.endswith("ed") and len(word) > 4:
        word = word[:-2]
    if word.endswith("e") and len(word) > 4:
        word = word[:-1]
    return word


def stems(text: str) -> list[str]:
    """The stems of ``text``'s tokens, in order (hyphenated tokens also split into parts)."""
    found: list[str] = []
    for token in tokens(text):
        found.append(stem(token))
        if "-" in token:
            found.extend(stem(part) for part in token.split("-") if part)
    return found


@lru_cache(maxsize=8192)
def content_stems(text: str) -> frozenset[str]:
    """The stems of the words that carry meaning (stopwords left out)."""
    return frozenset(stem(t) for t in tokens(text) if t not in STOPWORDS)


def phrase(words: str) -> tuple[str, ...]:
    """A keyword or a phrase of several words as stems, for :func:`contains`."""
    return tuple(stem(w) for w in tokens(words))


def contains(text_stems: Sequence[str], keyword: tuple[str, ...]) -> bool:
    """True when the stems of ``keyword`` occur in ``text_stems`` consecutively."""
    if not keyword:
        return False
    size = len(keyword)
    if size == 1:
        return keyword[0] in text_stems
    return any(
        tuple(text_stems[i : i + size]) == keyword for i in range(len(text_stems) - size + 1)
    )


def phrases(words: Iterable[str]) -> tuple[tuple[str, ...], ...]:
    return tuple(phrase(w) for w in words)

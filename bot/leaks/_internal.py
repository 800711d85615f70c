"""Internal markers: what a studio writes to keep a line (or part of one) to itself.

Judged on the normalised line (:func:`bot.leaks._normalise.normalise`):

- a line that *starts* with a marker followed by a separator or nothing: ``internal:``,
  ``internal note:``, ``Internal notes:``, ``internal.``, ``internal;``, ``internal -``,
  ``private:``, ``confidential:``, ``intern:``, ``interne :``, ``vertraulich:`` … A kind label
  in front does not hide it (``done: internal: …``);
- a marker with a colon anywhere (``checkout done; internal: client pays late``);
- a tag anywhere: ``#internal``, ``(internal)``, ``[private]``, ``{confidential}``, ``<intern>``;
- a phrase that only ever means "not for the client": ``note to self``, ``not for the client``,
  ``do not share``, ``internal only``, ``off the record``, ``nur intern``, ``pour info interne``.

A parenthetical that *starts* with a marker and says something (``(internal: pays late)``) is
cut out and the rest of the line kept. A marker used as an ordinary word is left alone:
"internal links on the blog", "internalised the checkout flow", "private beta launched".
"""

from __future__ import annotations

import re

from bot.leaks._normalise import normalise

_MARKER_WORDS = (
    r"(?:for\s+)?internal(?:\s+(?:notes?|use|only|memo|remarks?|comments?))*"
    r"|intern(?:e|es|a|al)?(?:\s+(?:notiz(?:en)?|vermerk|note))?"
    r"|private?(?:\s+notes?)?|prive(?:e|es)?|privat(?:e)?"
    r"|confidential|confidentiel(?:le)?|vertraulich|riservato|interno"
    r"|staff\s+only|team\s+only|studio\s+only|not\s+for\s+(?:the\s+)?clients?"
    r"|nfc|note\s+to\s+self|notes\s+to\s+self|memo\s+to\s+self"
)
# A marker starting the line (after any short "done:"-style labels), then a separator or nothing.
_LEADING = re.compile(
    r"^(?:[a-z][a-z ]{0,24}\s*[:\-–—]\s*){0,3}(?:" + _MARKER_WORDS + r")\s*(?:[:;.,!\-–—=>|/]|$)"
)
# Anywhere: "…; internal: client pays late".
_COLON = re.compile(
    r"(?<![\w-])(?:internal(?:\s+notes?)?|private|confidential|intern|interne|vertraulich)"
    r"\s*:"
)
_TAG = re.compile(
    r"#(?:internal|intern|private|confidential|nfc)\b"
    r"|[(\[{<]\s*(?:" + _MARKER_WORDS + r")\s*[)\]}>]"
)
_PHRASE = re.compile(
    r"\b(?:note|notes|memo|reminder)\s+to\s+(?:self|myself|ourselves)\b"
    r"|\bnot\s+for\s+(?:the\s+)?clients?(?:'s)?(?:\s+eyes)?\b"
    r"|\b(?:do\s+not|don'?t|never)\s+(?:share|forward|show|tell|send)\b.{0,30}\bclients?\b"
    r"|\b(?:do\s+not|don'?t)\s+share\b"
    r"|\binternal\s+only\b|\bfor\s+internal\s+use\b|\bfor\s+(?:our|my)\s+eyes\s+only\b"
    r"|\boff\s+the\s+record\b|\bbetween\s+us\b|\bnur\s+intern\b|\binterne?\s+info\b"
    r"|\bpour\s+info\s+interne\b|\busage\s+interne\b|\bne\s+pas\s+partager\b"
)
_MARKER_ONLY = re.compile(r"(?:" + _MARKER_WORDS + r")")
_PARENTHETICAL = re.compile(r"^(?:" + _MARKER_WORDS + r")\s*[:;.,\-–—=]\s*\S")


def is_internal(line: str) -> bool:
    """Whether the line (judged whole) is marked for the studio only."""
    return is_internal_normalised(normalise(line))


def is_internal_normalised(judged: str) -> bool:
    """:func:`is_internal` on a line already :func:`normalise`-d (one normalisation per line)."""
    return bool(
        _LEADING.search(judged)
        or _COLON.search(judged)
        or _TAG.search(judged)
        or _PHRASE.search(judged)
    )


def is_marker_only(line: str) -> bool:
    """A line that is just a marker ("Internal notes:", "**internal**"): a block header."""
    return is_marker_only_normalised(normalise(line))


def is_marker_only_normalised(judged: str) -> bool:
    """:func:`is_marker_only` on a line already :func:`normalise`-d."""
    return _MARKER_ONLY.fullmatch(judged.rstrip(" :;.,!-–—=>")) is not None


def cut_internal_parentheticals(line: str) -> tuple[str, bool]:
    """``line`` without its internal parentheticals, and whether any was cut.

    ``done: checkout (internal: pays late)`` → ``done: checkout``. An unclosed one runs to the
    end of the line. Brackets are matched (any kind, nested) on the text as written; the start
    of each group's content is normalised before it is judged. Linear in the line's length.
    """
    if not any(bracket in line for bracket in _OPEN):
        return line, False  # nothing to cut (the common case), without a walk per character
    closing = _closing_brackets(line)
    out: list[str] = []
    cut = False
    index = 0
    while index < len(line):
        char = line[index]
        if char in _OPEN:
            end = closing.get(index)
            inner = line[index + 1 : end if end is not None else len(line)]
            if _PARENTHETICAL.match(normalise(inner[:_MARKER_WINDOW])):
                cut = True
                index = end + 1 if end is not None else len(line)
                while out and out[-1] in " \t":
                    out.pop()  # no stray space before the cut
                continue
        out.append(char)
        index += 1
    return "".join(out), cut


_OPEN = "([{（［｛"
_CLOSE = ")]}）］｝"
_MARKER_WINDOW = 80  # a marker opens its group: the first characters decide


def _closing_brackets(line: str) -> dict[int, int]:
    """Index of each opening bracket -> index of the bracket closing it (unclosed: absent)."""
    stack: list[int] = []
    pairs: dict[int, int] = {}
    for index, char in enumerate(line):
        if char in _OPEN:
            stack.append(index)
        elif char in _CLOSE and stack:
            pairs[stack.pop()] = index
    return pairs


__all__ = [
    "cut_internal_parentheticals",
    "is_internal",
    "is_internal_normalised",
    "is_marker_only",
    "is_marker_only_normalised",
]

"""Splitting long chat text into pieces that fit a platform's limit, without breaking its
formatting. One splitter for every adapter (Slack sections, Discord messages and embeds).

A cut goes at the cleanest boundary that fits: between paragraphs, else between lines, else
between words, and only a single word longer than the limit is cut inside. A cut never lands
inside a code fence (```…```) or an emphasis run (``**bold**``, ``*bold*``, ``_italic_``,
``~~strike~~``, `` `code` ``) when a cut outside fits. When the run itself is longer than the
limit, it is closed at the end of one piece and opened again at the start of the next, so each
piece renders on its own. Nothing is dropped: every word comes back, in order.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_FENCE = re.compile(r"```[^\n`]*\n.*?(?:\n```|\Z)", re.DOTALL)
# Runs that never cross a blank line (chat clients end them there too).
_INLINE = (
    re.compile(r"`[^`\n]+`"),
    re.compile(r"\*\*(?:(?!\n\n).)+?\*\*", re.DOTALL),
    re.compile(r"~~(?:(?!\n\n).)+?~~", re.DOTALL),
    re.compile(r"(?<![\w*])\*(?=\S)(?:(?!\n\n)[^*])+?(?<=\S)\*(?![\w*])", re.DOTALL),
    re.compile(r"(?<![\w_])_(?=\S)(?:(?!\n\n)[^_])+?(?<=\S)_(?![\w_])", re.DOTALL),
)
_SEPARATORS = ("\n\n", "\n", " ")


@dataclass(frozen=True)
class Span:
    """A run that must not be cut: ``text[start:end]``, opened by ``opener`` and closed by
    ``closer`` (repeated around a cut when it must be cut after all)."""

    start: int
    end: int
    opener: str
    closer: str

    def covers(self, index: int) -> bool:
        return self.start < index < self.end


def protected_spans(text: str) -> list[Span]:
    """Code fences, then inline runs outside them; never overlapping, in text order."""
    spans: list[Span] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s.start or start >= s.end for s in spans)

    for found in _FENCE.finditer(text):
        opener = text[found.start() : text.index("\n", found.start()) + 1]
        spans.append(Span(found.start(), found.end(), opener, "\n```"))
    for pattern in _INLINE:
        for found in pattern.finditer(text):
            if free(found.start(), found.end()):
                marker = found.group()[: 2 if found.group()[:2] in ("**", "~~") else 1]
                spans.append(Span(found.start(), found.end(), marker, marker))
    return sorted(spans, key=lambda s: s.start)


def split_text(text: str, limit: int) -> list[str]:
    """``text`` in pieces of at most ``limit`` characters (see the module docstring)."""
    if limit < 1:
        raise ValueError("limit must be positive")
    text = text.strip("\n")
    if len(text) <= limit:
        return [text] if text.strip() else []
    spans = protected_spans(text)
    pieces: list[str] = []
    position = 0
    carry = ""  # an opener repeated at the start of this piece
    while position < len(text):
        room = limit - len(carry)
        rest = text[position:]
        if len(rest) <= room:
            pieces.append(carry + rest)
            break
        edge = position + room
        clean = _clean_cut(text, position, edge, spans)
        if clean is not None:
            end, following = clean
            pieces.append(carry + text[position:end])
            position, carry = following, ""
            continue
        inside = next((s for s in spans if s.covers(edge) or s.start == position), None)
        cut = _cut_inside(text, position, edge, inside, carry)
        if cut is None:  # a word longer than the limit: cut it where it must be
            pieces.append(carry + text[position:edge])
            position, carry = edge, ""
            continue
        assert inside is not None
        end, following = cut
        pieces.append(carry + text[position:end] + inside.closer)
        position, carry = following, inside.opener
    return [piece for piece in pieces if piece.strip()]


def _clean_cut(text: str, position: int, edge: int, spans: list[Span]) -> tuple[int, int] | None:
    """(end of this piece, start of the next) at the best separator in the window that is
    outside every protected run."""
    for separator in _SEPARATORS:
        index = text.rfind(separator, position + 1, edge + 1)
        while index > position:
            if index + len(separator) <= len(text) and not any(
                s.covers(index) or s.covers(index + len(separator) - 1) for s in spans
            ):
                following = index + len(separator)
                while following < len(text) and text[following] in "\n ":
                    following += 1
                return index, following
            index = text.rfind(separator, position + 1, index)
    return None


def _cut_inside(
    text: str, position: int, edge: int, span: Span | None, carry: str
) -> tuple[int, int] | None:
    """A cut inside a run too long for one piece: at its last line break, else space, that
    leaves room to close it; None when the run cannot be closed and reopened."""
    if span is None:
        return None
    inner = max(position, span.start + len(span.opener))
    last = edge - len(span.closer)
    if last <= inner or len(carry) + len(span.opener) + len(span.closer) >= edge - position:
        return None
    for separator in ("\n", " "):
        index = text.rfind(separator, inner + 1, last + 1)
        if index > inner:
            return index, index + len(separator)
    return last, last  # an unbroken stretch inside the run: cut it, still closed


__all__ = ["Span", "protected_spans", "split_text"]

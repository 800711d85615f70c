"""Chat text for every adapter: splitting long text into pieces that fit a platform's limit
without breaking its formatting (Slack sections, Discord messages and embeds), and a neutral
:class:`~bot.messages.Table` as aligned monospace lines (one rule set for widths and alignment).

A cut goes at the cleanest boundary that fits: between paragraphs, else between lines, else
between words, and only a single word longer than the limit is cut inside. A cut never lands
inside a code fence (```…```) or an emphasis run (``**bold**``, ``*bold*``, ``_italic_``,
``~~strike~~``, `` `code` ``) when a cut outside fits. When the run itself is longer than the
limit, it is closed at the end of one piece and opened again at the start of the next, so each
piece renders on its own. Nothing is dropped: every word comes back, in order.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from bot.messages import Table

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


# --- tables ---------------------------------------------------------------------------------

TABLE_GAP = "  "  # between columns
# A figure, maybe with a sign, a symbol and a short unit: "150 h", "62%", "$12k", "1.3×",
# "€90.00/h". Columns of figures are right-aligned so their digits line up.
_FIGURE = re.compile(
    r"[-+−]?(?:[^\w\s]{1,3}\s?)?\d[\d.,'\u00a0\u202f]*\s?(?:[^\W\d_]{1,4}|%|×)?(?:/h)?"
)


def _cell(text: str) -> str:
    # One line per row, and no backtick that would close the code block the table sits in.
    return " ".join(str(text).replace("`", "'").split())


def table_cells(table: Table) -> tuple[list[str], list[list[str]]]:
    """Header and rows, cleaned; a short row is padded and a long one keeps its extra cells
    (under an empty header), so nothing is dropped."""
    rows = [[_cell(cell) for cell in row] for row in table.rows]
    width = max([len(table.columns), *(len(row) for row in rows)])
    header = [_cell(name) for name in table.columns] + [""] * (width - len(table.columns))
    return header, [row + [""] * (width - len(row)) for row in rows]


def figure_columns(rows: Sequence[Sequence[str]]) -> set[int]:
    """Indexes of the columns whose every non-empty cell is a figure."""
    width = max((len(row) for row in rows), default=0)
    found = set()
    for index in range(width):
        cells = [row[index] for row in rows if index < len(row) and row[index]]
        if cells and all(_FIGURE.fullmatch(cell) for cell in cells):
            found.add(index)
    return found


def table_lines(table: Table) -> list[str]:
    """A table as aligned monospace lines: header, rule, rows; figures right-aligned."""
    header, rows = table_cells(table)
    widths = [max([len(header[i]), *(len(row[i]) for row in rows)]) for i in range(len(header))]
    right = figure_columns(rows)

    def line(cells: Sequence[str]) -> str:
        return TABLE_GAP.join(
            cell.rjust(widths[i]) if i in right else cell.ljust(widths[i])
            for i, cell in enumerate(cells)
        ).rstrip()

    return [line(header), TABLE_GAP.join("-" * w for w in widths), *(line(row) for row in rows)]


__all__ = [
    "TABLE_GAP",
    "Span",
    "figure_columns",
    "protected_spans",
    "split_text",
    "table_cells",
    "table_lines",
]

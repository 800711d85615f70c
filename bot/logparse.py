"""Reading a log line: what kind of entry it is, hours spent, and whether it is internal.

People write log lines the way they talk ("done: checkout flow, 2h30", "blocked — waiting for
API keys", "internal: client pays late"). Parsing is forgiving and total: any text gives a
:class:`ParsedEntry`, never an exception.

An entry may hold several lines ("done: checkout, 2h" / "internal: client pays late" / "next:
payment page"): each line gets its own kind and internal flag (:attr:`ParsedEntry.lines`), and
whether a line is internal is decided by :mod:`bot.leaks`, the rules every client text obeys.
A line without a kind of its own continues the one above it: after an internal line it is
internal too, until a line starts with a kind (``done:``, ``next:``…) again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from bot.leaks import cut_internal_parentheticals, is_internal, is_marker_only, strip_lead
from bot.leaks import visible as _visible

Kind = Literal["done", "next", "blocker", "decision", "question", "note"]
KINDS: tuple[Kind, ...] = ("done", "next", "blocker", "decision", "question", "note")

# Explicit prefixes ("done:", "blocker -", "Q:") win over keyword guesses.
_PREFIXES: dict[str, Kind] = {
    "done": "done",
    "did": "done",
    "finished": "done",
    "shipped": "done",
    "next": "next",
    "todo": "next",
    "to do": "next",
    "plan": "next",
    "blocker": "blocker",
    "blocked": "blocker",
    "risk": "blocker",
    "issue": "blocker",
    "decision": "decision",
    "decided": "decision",
    "question": "question",
    "q": "question",
    "ask client": "question",
    "need from client": "question",
    "client question": "question",
    "note": "note",
}
_PREFIX = re.compile(
    r"^\s*(?P<word>" + "|".join(sorted(map(re.escape, _PREFIXES), key=len, reverse=True)) + r")"
    r"\s*[:\-–—]\s*",
    re.IGNORECASE,
)
_INTERNAL_PREFIX = re.compile(
    r"^\s*(?:internal(?:\s+notes?)?|private|confidential|intern|interne|vertraulich"
    r"|note\s+to\s+self)\s*[:\-–—;.]\s*",
    re.IGNORECASE,
)
# Not billable: "nb: call with the designer, 1h", "#nb", "(non-billable)", "non billable".
_NON_BILLABLE_PREFIX = re.compile(
    r"^\s*(?:nb|non[-\s]?billable|unbilled)\s*[:\-–—;.]\s*", re.IGNORECASE
)
_NON_BILLABLE_TAG = re.compile(
    r"(?:#(?:nb|non-?billable|unbilled)\b|[(\[]non[-\s]?billable[)\]]"
    r"|(?<![\w-])non[-\s]billable(?![\w-]))",
    re.IGNORECASE,
)
_INTERNAL_TAG = re.compile(
    r"(?:#(?:internal|private|confidential)\b|[(\[](?:internal|private|confidential)[)\]])",
    re.IGNORECASE,
)
# Markdown emphasis around a leading label: "**done:**", "_internal_:", "*next*:".
_EMPHASISED_LABEL = re.compile(r"^[*_~`]+\s*([^*_~`:\n]{1,30}?)\s*[*_~`]*\s*([:\-–—;.])[*_~`]*\s*")

# Keyword guesses, in priority order: a blocker mentioned alongside work done is still a blocker.
_GUESSES: tuple[tuple[Kind, re.Pattern[str]], ...] = (
    (
        "blocker",
        re.compile(r"\b(blocked|blocker|blocking|stuck|waiting (?:for|on)|can'?t proceed)\b", re.I),
    ),
    (
        "question",
        re.compile(
            r"\b(ask (?:the )?client|need(?:s)? from (?:the )?client|client (?:to|should|must)"
            r"|question for (?:the )?client)\b",
            re.I,
        ),
    ),
    ("decision", re.compile(r"\b(decided|agreed|we(?:'ll| will) go with|decision)\b", re.I)),
    (
        "done",
        re.compile(
            r"\b(done|finished|completed|shipped|deployed|released|fixed|merged|delivered"
            r"|implemented|launched)\b",
            re.I,
        ),
    ),
    ("next", re.compile(r"\b(next|tomorrow|will|going to|plan(?:ning)? to|todo)\b", re.I)),
)

# Durations: "3h", "1.5 hours", "1,5h", "90m", "90 min", "2h30", "2h 30m", "2 hrs 15 mins".
_HOURS_AND_MINUTES = re.compile(
    r"(?<![\w.,])(?P<h>\d{1,4}(?:[.,]\d+)?)\s*(?:h|hrs?|hours?)"
    r"(?:\s*(?P<m>\d{1,2})\s*(?:m|mins?|minutes?)?)?(?![\w])",
    re.IGNORECASE,
)
_MINUTES_ONLY = re.compile(
    r"(?<![\w.,])(?P<m>\d{1,5})\s*(?:m|mins?|minutes?)(?![\w])",
    re.IGNORECASE,
)


# A minus sign written against a duration ("-3h", "−90m"), not a range ("2-3h") or a dash
# between words ("blocked - 3h").
_NEGATIVE_DURATION = re.compile(
    r"(?:^|(?<=[\s(\[,;:~≈]))[-−]\d{1,5}(?:[.,]\d+)?\s*(?:h|hrs?|hours?|m|mins?|minutes?)(?![\w])",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ParsedLine:
    """One line of an entry."""

    kind: Kind
    hours: float | None
    internal: bool
    text: str  # without kind/internal prefixes and internal parentheticals
    explicit: bool = False  # the kind was written ("done:"), not guessed or carried over


@dataclass(frozen=True)
class ParsedEntry:
    kind: Kind  # the kind of its first line for the client (of its first line if none is)
    hours: float | None
    internal: bool  # every line is internal
    text: str  # the text without the kind/internal prefixes
    lines: tuple[ParsedLine, ...] = ()
    billable: bool = True  # False: marked `nb:`, `#nb` or `non-billable`


def parse_hours(text: str) -> float | None:
    """Total hours mentioned in ``text`` ("2h30" → 2.5, "90m" → 1.5), or None when none."""
    total = 0.0
    found = False
    consumed: list[tuple[int, int]] = []
    for match in _HOURS_AND_MINUTES.finditer(text):
        hours = float(match.group("h").replace(",", "."))
        minutes = int(match.group("m")) if match.group("m") else 0
        if minutes >= 60:
            continue  # "2h75" is not a duration we understand; ignore rather than guess
        total += hours + minutes / 60
        found = True
        consumed.append(match.span())
    for match in _MINUTES_ONLY.finditer(text):
        start, end = match.span()
        if any(start < c_end and end > c_start for c_start, c_end in consumed):
            continue
        total += int(match.group("m")) / 60
        found = True
    return round(total, 4) if found else None


def negative_hours(text: str) -> bool:
    """True when a duration is written negative ("-3h"): hours are never subtracted, so such
    an entry is refused rather than logged as +3 h."""
    return _NEGATIVE_DURATION.search(text) is not None


def is_billable(text: str) -> bool:
    """False when the entry is marked non-billable: an ``nb:`` prefix (before or after its
    kind, "done: nb: …" too) or a ``#nb`` / ``non-billable`` flag anywhere in it."""
    for line in text.splitlines() or [text]:
        rest = _tidy(line)
        for _ in range(3):
            if _NON_BILLABLE_PREFIX.match(rest):
                return False
            match = _INTERNAL_PREFIX.match(rest) or _PREFIX.match(rest)
            if match is None:
                break
            rest = rest[match.end() :]
    return _NON_BILLABLE_TAG.search(text) is None


def _strip_prefixes(text: str) -> tuple[str, Kind | None, bool]:
    """Peel "internal:" and "done:"-style prefixes off, in any order."""
    kind: Kind | None = None
    internal = False
    for _ in range(4):
        if match := _NON_BILLABLE_PREFIX.match(text):
            text = text[match.end() :]  # billing is read by is_billable, not shown
            continue
        if match := _INTERNAL_PREFIX.match(text):
            internal = True
            text = text[match.end() :]
            continue
        if kind is None and (match := _PREFIX.match(text)):
            kind = _PREFIXES[match.group("word").lower()]
            text = text[match.end() :]
            continue
        break
    return text, kind, internal


def guess_kind(text: str) -> Kind:
    """The kind of a line without an explicit prefix."""
    for kind, pattern in _GUESSES:
        if pattern.search(text):
            return kind
    if text.rstrip().endswith("?"):
        return "question"
    return "note"


def _tidy(line: str) -> str:
    """A line as a reader sees it: no invisible characters, list/quote markers or emphasis
    around its leading label ("> **done:** x" reads "done: x")."""
    text = strip_lead(_visible(line)).strip()
    return _EMPHASISED_LABEL.sub(r"\1\2 ", text, count=1)


def _parse_line(line: str, after_internal: bool, previous: Kind | None) -> ParsedLine:
    tidy, cut = cut_internal_parentheticals(_tidy(line))
    raw = " ".join(tidy.split())
    body, kind, internal = _strip_prefixes(raw)
    if _NON_BILLABLE_TAG.search(body):
        body = " ".join(_NON_BILLABLE_TAG.sub(" ", body).split())
    if _INTERNAL_TAG.search(body):
        internal = True
        body = " ".join(_INTERNAL_TAG.sub(" ", body).split())
    internal = internal or is_internal(raw) or is_marker_only(raw)
    if after_internal and kind is None:
        internal = True  # a continuation of an internal line (or block) stays internal
    body = body or raw
    guessed = guess_kind(body)
    if kind is None and guessed == "note" and previous is not None:
        guessed = previous  # "also the cart page" continues the line above
    return ParsedLine(
        kind=kind or guessed,
        hours=parse_hours(line),
        internal=internal,
        text=body.strip(" ,;") if cut else body,
        explicit=kind is not None,
    )


def parse_lines(text: str) -> tuple[ParsedLine, ...]:
    """Each non-blank line of an entry, classified; internal blocks carried over."""
    lines: list[ParsedLine] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        previous = lines[-1] if lines else None
        lines.append(
            _parse_line(
                line,
                after_internal=previous is not None and previous.internal,
                previous=previous.kind if previous is not None else None,
            )
        )
    return tuple(lines)


def parse_entry(text: str) -> ParsedEntry:
    """Classify a log entry (one line or several); total on every input."""
    raw = " ".join(text.split())
    lines = parse_lines(text)
    if not lines:
        return ParsedEntry(
            kind=guess_kind(raw),
            hours=parse_hours(raw),
            internal=False,
            text=raw,
            billable=is_billable(text),
        )
    for_client = [line for line in lines if not line.internal]
    return ParsedEntry(
        kind=(for_client or lines)[0].kind,
        hours=parse_hours(raw),
        internal=not for_client,
        text="\n".join(line.text for line in lines),
        lines=lines,
        billable=is_billable(text),
    )


__all__ = [
    "KINDS",
    "Kind",
    "ParsedEntry",
    "ParsedLine",
    "guess_kind",
    "is_billable",
    "negative_hours",
    "parse_entry",
    "parse_hours",
    "parse_lines",
]

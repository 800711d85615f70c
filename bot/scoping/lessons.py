"""Past projects' retro lessons, cleaned up before they become risks or questions.

Lessons arrive from imports (a retro written by hand) and from closed projects (their
blockers and decisions, straight from the work log). Either way the answer must show a lesson
someone can act on: not praise ("the client was great"), not a progress line ("done:
checkout, 2h"), and never the log's own prefix twice ("blocker: blocker: …").
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from bot.scoping.lexicon import STOPWORDS, tokens

# "blocker:", "Decision -", "Q:", repeated any number of times; the first one names the kind.
_PREFIX = re.compile(
    r"^\s*(?P<kind>blockers?|blocked|decisions?|decided|done|next|notes?|questions?|q|"
    r"internal|risks?|lessons?(?:\s+learn(?:ed|t))?|issues?|problems?|retro|todo|fyi)"
    r"\s*(?:[:\-–—]|\s(?=\s*(?:blocker|decision|note|risk|lesson)\b))\s*",
    re.IGNORECASE,
)
_BULLET = re.compile(r"^\s*(?:[-*•·>]+|\d{1,3}[.)])\s+")
_STAMP = re.compile(
    r"^\s*\[?(?:\d{4}-\d{2}-\d{2}(?:[ T]\d{1,2}:\d{2}(?::\d{2})?)?|\d{1,2}:\d{2})\]?[\s,:\-–]*"
)
_ENTRY_ID = re.compile(r"^\s*#\d+\s*[:\-–]?\s*")
# Hours logged with the line: ", 2h30", "(3h)", "- 1.5 hours", "90m" at the end.
_HOURS = re.compile(
    r"[\s,;(\-–]*\b\d+(?:[.,]\d+)?\s*(?:h(?:\s*\d{1,2})?|hrs?|hours?|m|mins?|minutes?)\b\)?\s*$",
    re.IGNORECASE,
)

_PRAISE = re.compile(
    r"\b(great|lovely|awesome|fantastic|excellent|amazing|wonderful|brilliant|smooth(?:ly)?|"
    r"went\s+well|worked\s+(?:well|great|fine)|good\s+call|paid\s+off|happy|pleased|delighted|"
    r"thanks?|thank\s+you|saved|under\s+budget|on\s+budget|ahead\s+of\s+schedule|on\s+time|"
    r"quick(?:er|ly)?|fast(?:er)?|easy|easier|held|reused|reuse|nice|perfect|"
    r"no\s+(?:issues|problems|surprises))\b",
    re.IGNORECASE,
)
_PROBLEM = re.compile(
    r"\b(late|delay\w*|slow\w*|underestimat\w*|overr?an|overrun|over\s+budget|twice|doubl\w*|"
    r"block\w*|stuck|wait\w*|missing|broke\w*|break\w*|fragile|fail\w*|reject\w*|limit\w*|"
    r"hard(?:er)?|difficult|confus\w*|unclear|undocumented|chang\w*|crept|creep\w*|grew|extra|"
    r"surpris\w*|issues?|problems?|bugs?|conflict\w*|disagree\w*|unavailable|quotas?|costs?|"
    r"needed|took|ate|forced|kept|back-and-forth|rounds?|duplicat\w*|regressions?|lost|"
    r"without|wasn't|weren't|didn't|hadn't|not\s+in\s+scope)\b",
    re.IGNORECASE,
)
# Advice that makes a happy outcome worth keeping: "…; propose it first", "ask earlier".
_ADVICE = re.compile(
    r"(?:[;:—–]\s*|\bso\s+)(?:ask|get|agree|decide|freeze|flag|budget|price|propose|plan|"
    r"prototype|sample|test|write|name|map|design|include|lead|show|keep|make|split|check|"
    r"confirm|document|recommend|use|start|avoid)\b|"
    r"\b(?:should|next\s+time|make\s+sure|up\s+front|upfront|in\s+advance|always|never|"
    r"before\s+(?:quoting|the\s+build|build|design|signing|development|starting|kickoff))\b",
    re.IGNORECASE,
)
# A progress line, not a lesson: "fixed the header", "finished checkout".
_PROGRESS = re.compile(
    r"^(?:fixed|finished|completed|deployed|shipped|implemented|worked\s+on|started|added|"
    r"built|set\s+up|updated|wrote|merged|released)\b",
    re.IGNORECASE,
)

_REWRITE = {
    "blocker": "Held the work up: {text} — clear this before the build starts",
    "decision": "Had to be decided during the build: {text} — settle it in discovery",
    "question": "The client had to be asked: {text} — ask it up front",
}
_KIND_NAMES = {
    "blocker": "blocker",
    "blockers": "blocker",
    "blocked": "blocker",
    "decision": "decision",
    "decisions": "decision",
    "decided": "decision",
    "question": "question",
    "questions": "question",
    "q": "question",
    "done": "progress",
    "next": "progress",
    "todo": "progress",
}
MIN_CONTENT_WORDS = 2  # fewer meaningful words than this is not a lesson anyone can act on


@dataclass(frozen=True)
class Lesson:
    """A lesson as it can be shown: ``text`` is one clean sentence (no final full stop)."""

    text: str
    core: str  # the lesson without the rewrite around it (what de-duplication compares)
    kind: str  # "lesson", "blocker", "decision" or "question"


def _strip_prefixes(text: str) -> tuple[str, str | None]:
    """Remove every leading kind prefix ("blocker: blocker: …"); the first names the kind."""
    kind: str | None = None
    while True:
        text = _ENTRY_ID.sub("", _STAMP.sub("", _BULLET.sub("", text)))
        found = _PREFIX.match(text)
        if not found or found.end() == 0:
            return text, kind
        if kind is None:
            kind = _KIND_NAMES.get(found.group("kind").lower().split()[0], "lesson")
        text = text[found.end() :]


def _sentence(text: str) -> str:
    text = " ".join(text.split()).strip(" .;,:-–—")
    return text[:1].upper() + text[1:] if text else ""


def _content_words(text: str) -> int:
    return sum(1 for t in tokens(text) if t not in STOPWORDS and not t.isdigit())


def is_praise(text: str) -> bool:
    """Praise or a happy outcome with nothing to act on ("client was great", "went smoothly")."""
    return bool(_PRAISE.search(text)) and not _PROBLEM.search(text) and not _ADVICE.search(text)


def clean_lesson(raw: object) -> Lesson | None:
    """The lesson in ``raw`` as a sentence, or None when it is praise, progress or noise."""
    return _clean(" ".join(str(raw or "").split()))


# Module-level on purpose: a pure function of the text (no tenant or store in the key or the
# result), bounded; the same analogues' lessons come back with every similar brief.
@lru_cache(maxsize=8192)
def _clean(text: str) -> Lesson | None:
    if not text:
        return None
    text, kind = _strip_prefixes(text)
    text = _HOURS.sub("", text)
    core = _sentence(text)
    if not core or _content_words(core) < MIN_CONTENT_WORDS:
        return None
    if kind == "progress" or (kind is None and _PROGRESS.match(core) and not _PROBLEM.search(core)):
        return None
    if is_praise(core):
        return None
    kind = kind or "lesson"
    template = _REWRITE.get(kind)
    if template is None:
        return Lesson(core, core, kind)
    body = core[:1].lower() + core[1:] if not core[:2].isupper() else core
    return Lesson(template.format(text=body), core, kind)

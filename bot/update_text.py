"""The offline text of a client update, per tone, and the facts behind it.

Everything here is pure: entries and project figures in, a :class:`UpdateDraft` out. The text is
good enough to send as is; a composer may only re-phrase it. Every line of every entry is judged
by :mod:`bot.leaks`; what never reaches the client text is listed in the private notes instead:
internal lines (``internal:`` and its many spellings), lines that mention rates or margins, and
lines naming another client of the studio.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from bot.leaks import REASONS, LeakFilter
from bot.leaks import mentions_rate_or_margin as _mentions_rate_or_margin
from bot.logparse import parse_hours, parse_lines
from bot.mentions import neutralise_mentions

Tone = Literal["friendly", "formal", "brief"]
TONES: tuple[Tone, ...] = ("friendly", "formal", "brief")

_DURATION_ONLY = re.compile(
    r"^\s*(?:spent|logged|worked)?\s*[\d.,]+\s*(?:h|hrs?|hours?|m|mins?|minutes?)"
    r"(?:\s*[\d]+\s*(?:m|mins?|minutes?)?)?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_KIND_PREFIX = re.compile(
    r"^\s*(?:(?:internal|private|done|did|finished|shipped|next|todo|to do|plan|blocker|blocked"
    r"|risk|issue|decision|decided|question|q|ask client|need from client|client question|note)"
    r"\s*[:\-–—]\s*)+",
    re.IGNORECASE,
)

BURN_AHEAD_MARGIN = 0.15  # burn may run this far ahead of the calendar before we warn
MAX_ITEMS_PER_SECTION = 12


@dataclass(frozen=True)
class EntryLine:
    """What the text needs from a log entry."""

    id: int
    kind: str
    text: str
    hours: float | None = None
    internal: bool = False


@dataclass(frozen=True)
class ProjectFigures:
    """The plan and the burn, as of ``today``."""

    name: str
    client: str | None
    hours_used: float
    estimate_hours: float | None
    budget: float | None
    rate: float | None
    currency: str
    start_date: dt.date | None
    due_date: dt.date | None
    today: dt.date
    # What approved change requests added: "2 approved changes, +14 h, +€1,260".
    changes: str | None = None
    change_facts: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class UpdateDraft:
    client_text: str
    private_notes: tuple[str, ...]
    facts: dict[str, Any]
    warning: str | None = None
    entry_ids: tuple[int, ...] = ()


@dataclass
class _Sections:
    done: list[str] = field(default_factory=list)
    next: list[str] = field(default_factory=list)
    needs: list[str] = field(default_factory=list)
    risks: list[str] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def mentions_rate_or_margin(text: str) -> bool:
    """Rates, margins, mark-ups or costs in ``text`` (the rules of :mod:`bot.leaks`)."""
    return _mentions_rate_or_margin(text)


def _clean(text: str) -> str:
    """An entry as a client-facing bullet: no kind prefix, no stray durations at the end."""
    text = _KIND_PREFIX.sub("", text).strip()
    text = re.sub(r"[\s,;(]*\b\d+(?:[.,]\d+)?\s*(?:h|hrs?|hours?)(?:\s*\d+\s*m?)?\)?\s*$", "", text)
    text = re.sub(r"[\s,;(]*\b\d+\s*(?:m|mins?|minutes?)\)?\s*$", "", text)
    text = text.strip(" .,;-–—")
    return text[:1].upper() + text[1:] if text else text


def _short(text: str, limit: int = 80) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _entry_lines(entry: EntryLine) -> list[tuple[str, str, str, bool, str]]:
    """(kind, line as written, text for a bullet, internal, where) for each line of an entry.

    A one-line entry keeps the entry's kind; the lines of a longer one have their own.
    """
    written = [line for line in entry.text.splitlines() if line.strip()]
    lines = parse_lines(entry.text)
    if len(lines) <= 1:
        text = lines[0].text if lines else entry.text
        return [(entry.kind, entry.text, text, bool(lines) and lines[0].internal, f"#{entry.id}")]
    return [
        (line.kind, raw, line.text, line.internal, f"#{entry.id} line {number}")
        for number, (raw, line) in enumerate(zip(written, lines, strict=True), 1)
    ]


def sort_entries(
    entries: Sequence[EntryLine], leak_filter: LeakFilter | None = None
) -> tuple[_Sections, list[str]]:
    """Entries into client sections, judged line by line; what must stay private goes to the
    notes. ``leak_filter`` knows the names this update must not mention (other clients)."""
    leak_filter = leak_filter or LeakFilter()
    sections = _Sections()
    notes: list[str] = []
    for entry in entries:
        if entry.internal:
            notes.append(f"Left out (internal, #{entry.id}): “{_short(entry.text)}”")
            continue
        for kind, written, text, internal, where in _entry_lines(entry):
            reason = "internal" if internal else leak_filter.judge(written).reason
            if reason is not None:
                notes.append(f"Left out ({REASONS[reason]}, {where}): “{_short(text)}”")
                continue
            if _DURATION_ONLY.match(text) and parse_hours(text) is not None:
                continue  # "3h" alone is time tracking, not news
            line = _clean(text)
            if not line:
                continue
            target = {
                "done": sections.done,
                "next": sections.next,
                "question": sections.needs,
                "blocker": sections.risks,
                "decision": sections.decisions,
            }.get(kind, sections.notes)
            target.append(line)
    return sections, notes


def _fmt_hours(hours: float) -> str:
    return f"{hours:.1f}".rstrip("0").rstrip(".") + " h"


def _fmt_date(day: dt.date) -> str:
    return f"{day.day} {day:%b %Y}"


def _status(figures: ProjectFigures) -> tuple[list[str], str | None, dict[str, Any]]:
    """Status lines for the client, an early warning, and the figures as facts."""
    lines: list[str] = []
    facts: dict[str, Any] = {"hours_used": round(figures.hours_used, 2)}
    burn: float | None = None
    if figures.estimate_hours:
        burn = figures.hours_used / figures.estimate_hours
        facts.update(estimate_hours=figures.estimate_hours, hours_used_pct=round(burn * 100))
        lines.append(
            f"Hours: {_fmt_hours(figures.hours_used)} of {_fmt_hours(figures.estimate_hours)} "
            f"estimated ({burn:.0%})"
        )
    else:
        lines.append(f"Hours so far: {_fmt_hours(figures.hours_used)}")
    if figures.budget and figures.rate:
        budget_burn = figures.hours_used * figures.rate / figures.budget
        facts["budget_used_pct"] = round(budget_burn * 100)
        lines.append(f"Budget: {budget_burn:.0%} used")
        burn = max(burn or 0.0, budget_burn)
    if figures.changes:
        lines.append(f"Changes: {figures.changes}")
        facts.update(figures.change_facts)
    elapsed: float | None = None
    if figures.due_date:
        days_left = (figures.due_date - figures.today).days
        facts.update(due_date=figures.due_date.isoformat(), days_left=days_left)
        if days_left > 0:
            when = f"in {days_left} day{'s' if days_left != 1 else ''}"
        elif days_left == 0:
            when = "today"
        else:
            when = f"{-days_left} day{'s' if days_left != -1 else ''} overdue"
        lines.append(f"Due: {_fmt_date(figures.due_date)} ({when})")
        if figures.start_date and figures.due_date > figures.start_date:
            span = (figures.due_date - figures.start_date).days
            elapsed = min(max((figures.today - figures.start_date).days / span, 0.0), 1.0)
            facts["time_elapsed_pct"] = round(elapsed * 100)
    warning: str | None = None
    # Burn against the calendar means nothing before the schedule's second day.
    scheduled = figures.start_date is None or figures.today > figures.start_date
    if burn is not None:
        if burn > 1.0:
            warning = (
                f"We are past the estimate ({burn:.0%} used); let's agree together how to "
                "finish the remaining work."
            )
        elif not scheduled:
            pass
        elif elapsed is not None and burn >= 0.25 and burn - elapsed >= BURN_AHEAD_MARGIN:
            warning = (
                f"Early warning: {burn:.0%} of the budgeted effort is used while {elapsed:.0%} "
                "of the schedule has passed. We'll suggest options before it becomes a problem."
            )
        elif elapsed is None and burn >= 0.9:
            warning = f"Early warning: {burn:.0%} of the budgeted effort is already used."
    facts["warning"] = warning
    return lines, warning, facts


def _capped(items: list[str], limit: int = MAX_ITEMS_PER_SECTION) -> list[str]:
    """A client reads a dozen bullets, not a hundred: the rest is summarised in one line."""
    if len(items) <= limit:
        return items
    return [*items[: limit - 1], f"…and {len(items) - limit + 1} more"]


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {item}" for item in items)


@dataclass(frozen=True)
class _Letter:
    """The wording of a letter-style update; the structure is shared by every such tone."""

    greeting: str  # "{client}" is filled in
    anonymous_client: str
    on_track: str  # "{name}" is filled in
    no_news: str  # "{name}" is filled in: the note when "on track" would not be true
    overdue: str  # added to ``no_news`` once the due date has passed
    opening: str  # "{name}" and "{summary}" are filled in
    titles: tuple[str, str, str, str, str, str]  # done, decisions, notes, next, needs, risks
    sign_off: str


_FRIENDLY = _Letter(
    greeting="Hi {client},",
    anonymous_client="there",
    on_track="A quick note on {name}: no big news since the last update, and the work is "
    "on track.",
    no_news="A quick note on {name}: no big news since the last update.",
    overdue="We are past the planned date, so let's agree together on the timeline for the "
    "remaining work.",
    opening="Here's where {name} stands. {summary}",
    titles=("Done", "Decisions", "Also", "Next", "What we need from you", "Risks and blockers"),
    sign_off="Thanks, and shout if anything is unclear!",
)
_FORMAL = _Letter(
    greeting="Dear {client},",
    anonymous_client="client",
    on_track="There are no notable changes on {name} since our last update; the project "
    "remains on track.",
    no_news="There are no notable changes on {name} since our last update.",
    overdue="The project is past its planned completion date; we would like to agree the "
    "timeline for the remaining work with you.",
    opening="Please find below the current status of {name}. {summary}",
    titles=(
        "Completed", "Decisions", "Further notes", "Next steps", "Required from you",
        "Risks and blockers",
    ),
    sign_off="Kind regards",
)


def _letter(
    wording: _Letter,
    fig: ProjectFigures,
    s: _Sections,
    status: list[str],
    warning: str | None,
    on_track: bool,
) -> str:
    parts = [wording.greeting.format(client=fig.client or wording.anonymous_client), ""]
    if on_track:
        parts.append(_no_news(wording, fig, warning))
    else:
        parts.append(wording.opening.format(name=fig.name, summary=_summary(s)))
    sections = (s.done, s.decisions, s.notes, s.next, s.needs, s.risks)
    for title, items in zip(wording.titles, sections, strict=True):
        if items:
            parts += ["", f"**{title}**", _bullets(items)]
    parts += ["", "**Status**", _bullets(status)]
    if warning:
        parts += ["", warning]
    parts += ["", wording.sign_off]
    return "\n".join(parts)


def is_overdue(fig: ProjectFigures) -> bool:
    return fig.due_date is not None and fig.due_date < fig.today


def _no_news(wording: _Letter, fig: ProjectFigures, warning: str | None) -> str:
    """The "nothing new" note: "on track" only when neither the calendar nor the burn says
    otherwise."""
    if not is_overdue(fig) and not warning:
        return wording.on_track.format(name=fig.name)
    text = wording.no_news.format(name=fig.name)
    return f"{text} {wording.overdue}" if is_overdue(fig) else text


def _friendly(
    fig: ProjectFigures, s: _Sections, status: list[str], warning: str | None, on_track: bool
) -> str:
    return _letter(_FRIENDLY, fig, s, status, warning, on_track)


def _formal(
    fig: ProjectFigures, s: _Sections, status: list[str], warning: str | None, on_track: bool
) -> str:
    return _letter(_FORMAL, fig, s, status, warning, on_track)


def _brief(
    fig: ProjectFigures, s: _Sections, status: list[str], warning: str | None, on_track: bool
) -> str:
    parts = [f"**{fig.name} — update**", ""]
    if on_track and (is_overdue(fig) or warning):
        parts.append("- Nothing new to report.")
        if is_overdue(fig):
            parts.append("- Past the due date: let's agree the timeline for the rest.")
    elif on_track:
        parts.append("- On track; nothing new to report.")
    for title, items in (
        ("Done", s.done),
        ("Decided", s.decisions),
        ("Notes", s.notes),
        ("Next", s.next),
        ("Need from you", s.needs),
        ("Risks", s.risks),
    ):
        if items:
            parts.append(f"- {title}: " + "; ".join(items))
    parts.append("- Status: " + "; ".join(status))
    if warning:
        parts.append(f"- {warning}")
    return "\n".join(parts)


def _summary(s: _Sections) -> str:
    bits = []
    if s.done:
        bits.append(f"{len(s.done)} item{'s' if len(s.done) != 1 else ''} completed")
    if s.next:
        bits.append(f"{len(s.next)} up next")
    if s.needs:
        bits.append(f"{len(s.needs)} question{'s' if len(s.needs) != 1 else ''} for you")
    if s.risks:
        bits.append(f"{len(s.risks)} risk{'s' if len(s.risks) != 1 else ''} to watch")
    if not bits:
        return "Work is progressing."
    return "In short: " + ", ".join(bits) + "."


_WRITERS = {"friendly": _friendly, "formal": _formal, "brief": _brief}


def build_update(
    figures: ProjectFigures,
    entries: Sequence[EntryLine],
    tone: Tone = "friendly",
    *,
    on_track: bool = False,
    leak_filter: LeakFilter | None = None,
) -> UpdateDraft:
    """The update's client text (ping-proof), its private notes and the facts it states."""
    sections, notes = sort_entries(entries, leak_filter)
    for name in ("done", "next", "needs", "risks", "decisions", "notes"):
        setattr(sections, name, _capped(getattr(sections, name)))
    status, warning, status_facts = _status(figures)
    text = _WRITERS[tone](figures, sections, status, warning, on_track)
    if warning:
        notes.append(f"Heads-up for you: {warning}")
    facts: dict[str, Any] = {
        "project": figures.name,
        "client": figures.client,
        "tone": tone,
        "done": sections.done,
        "next": sections.next,
        "needs_from_client": sections.needs,
        "risks": sections.risks,
        "decisions": sections.decisions,
        "notes": sections.notes,
        "on_track_note": on_track,
        **status_facts,
    }
    return UpdateDraft(
        client_text=neutralise_mentions(text),
        private_notes=tuple(notes),
        facts=facts,
        warning=warning,
        entry_ids=tuple(e.id for e in entries),
    )


def next_tone(tone: str) -> Tone:
    index = TONES.index(tone) if tone in TONES else -1
    return TONES[(index + 1) % len(TONES)]


__all__ = [
    "TONES",
    "EntryLine",
    "ProjectFigures",
    "Tone",
    "UpdateDraft",
    "build_update",
    "mentions_rate_or_margin",
    "next_tone",
    "sort_entries",
]

"""The weekly digest's content: pure functions from project facts to a neutral reply.

For every active project: news not yet reported (with a **Draft update** button), how long
since the client last heard anything, hours burnt against the calendar, overdue and near-due
warnings, and projects nothing was logged on for a while. Projects needing attention come
first. The wording is friendly and never pings anyone: the digest goes to the studio's DMs.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from bot.mentions import neutralise_mentions
from bot.messages import Block, Button, Buttons, Heading, Paragraph, Reply, Visibility

DRAFT_ACTION = "update:draft"  # the updates skill drafts from the project's unreported news
NEWS_SHOWN = 3  # news lines quoted per project; the draft has them all
QUIET_AFTER_DAYS = 14  # the client hasn't heard anything for this long: suggest an update
FAST_BURN_MARGIN = 0.15  # hours used ahead of the calendar by more than this: say so


@dataclass(frozen=True)
class NewsLine:
    kind: str  # done / next / blocker / decision / question / note…
    text: str


@dataclass(frozen=True)
class ProjectPulse:
    """What the digest needs to know about one active project."""

    project_id: str
    name: str
    client: str | None
    owner_id: str
    hours_used: float
    estimate_hours: float | None
    start_date: dt.date | None
    due_date: dt.date | None
    news: tuple[NewsLine, ...] = ()
    last_logged: dt.date | None = None
    last_client_update: dt.date | None = None


@dataclass(frozen=True)
class DigestOptions:
    today: dt.date
    stale_days: int = 10
    near_due_days: int = 5


@dataclass(frozen=True)
class Assessment:
    """One project's lines, and how urgently it needs a look (lower comes first)."""

    pulse: ProjectPulse
    lines: tuple[str, ...]
    urgency: int

    @property
    def has_news(self) -> bool:
        return bool(self.pulse.news)


def _days(count: int) -> str:
    return f"{count} day{'' if count == 1 else 's'}"


def _short_date(day: dt.date) -> str:
    return f"{day.day} {day:%b}"


def assess(pulse: ProjectPulse, options: DigestOptions) -> Assessment:
    today = options.today
    lines: list[str] = []
    urgency = 5
    # Deadline first: it is what a freelancer acts on.
    if pulse.due_date is not None:
        left = (pulse.due_date - today).days
        if left < 0:
            lines.append(f"⚠️ **Overdue** by {_days(-left)} (due {_short_date(pulse.due_date)}).")
            urgency = 0
        elif left == 0:
            lines.append("⚠️ **Due today.**")
            urgency = 1
        elif left <= options.near_due_days:
            lines.append(f"⏰ Due in {_days(left)} ({_short_date(pulse.due_date)}).")
            urgency = 1
    if burn := _burn(pulse, today):
        text, fast = burn
        lines.append(text)
        if fast:
            urgency = min(urgency, 2)
    if pulse.news:
        count = len(pulse.news)
        shown = "\n".join(f"  - {_news(line)}" for line in pulse.news[:NEWS_SHOWN])
        more = f"\n  - …and {count - NEWS_SHOWN} more" if count > NEWS_SHOWN else ""
        lines.append(
            f"📰 {count} log entr{'y' if count == 1 else 'ies'} not yet reported to the "
            f"client:\n{shown}{more}"
        )
        urgency = min(urgency, 3)
    lines.append(_heard(pulse, today))
    if pulse.last_client_update is None or (today - pulse.last_client_update).days >= (
        QUIET_AFTER_DAYS
    ):
        urgency = min(urgency, 3)
    stale_since = pulse.last_logged or pulse.start_date
    if stale_since is not None and (today - stale_since).days >= options.stale_days:
        quiet = (today - stale_since).days
        what = (
            f"logged in {_days(quiet)}"
            if pulse.last_logged
            else f"logged since it started {_days(quiet)} ago"
        )
        lines.append(f"💤 Nothing {what}. Still going, or on hold?")
        urgency = min(urgency, 2)
    return Assessment(pulse, tuple(lines), urgency)


def _news(line: NewsLine) -> str:
    """ "done: checkout flow" (the kind once, even when the entry was written with it)."""
    text = neutralise_mentions(_clip(line.text))
    return text if text.lower().startswith(line.kind.lower()) else f"{line.kind}: {text}"


def _clip(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def _heard(pulse: ProjectPulse, today: dt.date) -> str:
    if pulse.last_client_update is None:
        since = pulse.start_date
        if since is None or since >= today:
            return "✉️ The client hasn't had an update yet."
        return f"✉️ The client hasn't had an update yet ({_days((today - since).days)} in)."
    ago = (today - pulse.last_client_update).days
    when = "today" if ago == 0 else f"{_days(ago)} ago"
    text = f"✉️ The client last heard from you {when} ({_short_date(pulse.last_client_update)})"
    return text + (" — a good moment for an update." if ago >= QUIET_AFTER_DAYS else ".")


def _burn(pulse: ProjectPulse, today: dt.date) -> tuple[str, bool] | None:
    """Hours used against the calendar: (the line, burning faster than the calendar)."""
    used, estimate = pulse.hours_used, pulse.estimate_hours
    if not estimate:
        return (f"⏱️ {used:g} h logged (no estimate set).", False) if used else None
    share = used / estimate
    hours = f"{used:g} of {estimate:g} h ({share:.0%})"
    if share > 1:
        return f"🔥 {hours}: {used - estimate:g} h over the estimate.", True
    start, due = pulse.start_date, pulse.due_date
    if start is None or due is None or due <= start:
        return f"⏱️ {hours} used.", False
    elapsed = min(max((today - start).days / (due - start).days, 0.0), 1.0)
    if share > elapsed + FAST_BURN_MARGIN:
        return (
            f"🔥 {hours} used with {elapsed:.0%} of the schedule gone: burning faster than "
            "the calendar.",
            True,
        )
    return f"⏱️ {hours} used, {elapsed:.0%} of the schedule gone: on pace.", False


def assessment_facts(item: Assessment) -> dict[str, Any]:
    """One project's figures and lines, JSON-ready (``Reply.facts`` for scripts and tests)."""
    facts = dataclasses.asdict(item.pulse)
    for key, value in facts.items():
        if isinstance(value, dt.date):
            facts[key] = value.isoformat()
    facts["news"] = [dict(line) for line in facts["news"]]
    return {**facts, "lines": list(item.lines), "urgency": item.urgency}


def build_digest(
    pulses: Sequence[ProjectPulse], options: DigestOptions, *, note: str = "", scope: str = ""
) -> Reply:
    """The digest as a DM: a heading, an optional note (e.g. "this one is late"), then one
    section per project, those needing attention first; ``facts`` holds the same per project."""
    assessed = sorted(
        (assess(pulse, options) for pulse in pulses), key=lambda a: (a.urgency, a.pulse.name)
    )
    today = options.today
    facts = {"today": today.isoformat(), "projects": [assessment_facts(a) for a in assessed]}
    blocks: list[Block] = [Heading(text=f"Your Atelier digest — {today.day} {today:%B %Y}")]
    if note:
        blocks.append(Paragraph(text=note))
    if not assessed:
        blocks.append(
            Paragraph(
                text=f"No active projects{scope}, so there's nothing to nudge you about. "
                "Add one with `/projects add` and I'll keep an eye on it."
            )
        )
        return Reply(blocks=tuple(blocks), visibility=Visibility.DM, facts=facts)
    attention = sum(1 for a in assessed if a.urgency <= 3)
    count = len(assessed)
    summary = f"{count} active project{'' if count == 1 else 's'}{scope}"
    if attention:
        summary += f"; {attention} could use a look."
    else:
        summary += ", all quiet and on pace. Nice work!"
    blocks.append(Paragraph(text=summary))
    for item in assessed:
        pulse = item.pulse
        client = f" — {neutralise_mentions(pulse.client)}" if pulse.client else ""
        title = f"**{neutralise_mentions(pulse.name)}**{client} (`{pulse.project_id}`)"
        blocks.append(Paragraph(text=title + "\n" + "\n".join(f"- {line}" for line in item.lines)))
        if item.has_news:
            blocks.append(
                Buttons(
                    items=(
                        Button(
                            label=f"Draft update: {pulse.name}"[:75],
                            action_id=DRAFT_ACTION,
                            value=pulse.project_id,
                            style="primary",
                            keyword=f"draft-{pulse.project_id}"[:40],
                        ),
                    )
                )
            )
    blocks.append(
        Paragraph(
            text="_Drafts stay private until you approve them. Change the schedule with "
            "`/atelier digest on|off`._"
        )
    )
    return Reply(blocks=tuple(blocks), visibility=Visibility.DM, facts=facts)


__all__ = [
    "DRAFT_ACTION",
    "Assessment",
    "DigestOptions",
    "NewsLine",
    "ProjectPulse",
    "assess",
    "assessment_facts",
    "build_digest",
]

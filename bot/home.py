"""The home view: one person's overview of a workspace, built in the core.

Slack shows it in the App Home tab (rendered by the Slack adapter, refreshed when the tab is
opened and after the person's actions); Discord and the console show the same content for
`/atelier home`. :func:`build_home` reads the state, :func:`home_reply` lays it out as
neutral blocks, so every platform renders one thing.

It shows active projects with hours against the estimate as a bar, the drafts waiting for
this person's approval (updates, proposals and change orders, each called what it is and with
the buttons its own skill answers, as on the draft in the DM), recent saved
estimates, the digest setting, and for a workspace with nothing in it yet, how to start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select

from bot.digest_data import get_schedule
from bot.mentions import neutralise_mentions
from bot.messages import Block, Button, Buttons, Heading, Paragraph, Reply, Visibility
from bot.money import format_money
from bot.schedule import EXAMPLE
from bot.worklog import active_projects, hours_logged
from state import Database, Draft, DraftVersion, SavedEstimate

HOME_ACTION = "atelier"  # the prefix of the home view's own buttons
MAX_PROJECTS = 15
MAX_DRAFTS = 5
MAX_ESTIMATES = 5
DRAFT_PREVIEW = 1200  # characters of a draft's client text shown on the home view
BAR_WIDTH = 10


@dataclass(frozen=True)
class HomeProject:
    project_id: str
    name: str
    client: str | None
    hours_used: float
    estimate_hours: float | None
    due_date: dt.date | None


@dataclass(frozen=True)
class HomeDraft:
    draft_id: str
    version: int
    project_name: str  # the document's subject: a project, or a proposal's title
    tone: str
    client_text: str
    kind: str = "update"  # Draft.kind: its buttons are that kind's own


# What each kind of draft is called on the home view, and the buttons its skill answers.
_KIND_NOUNS = {"update": "update", "proposal": "proposal", "change": "change order"}
_KIND_VERBS = {
    "update": ("approve", "regenerate", "discard"),
    "proposal": ("approve", "regenerate", "discard"),
    "change": ("approve", "discard"),
}


@dataclass(frozen=True)
class HomeEstimate:
    estimate_id: str
    brief: str
    p50_hours: float
    p90_hours: float
    rate: float
    currency: str
    created_at: dt.datetime | None


@dataclass(frozen=True)
class HomeView:
    projects: tuple[HomeProject, ...]
    more_projects: int
    drafts: tuple[HomeDraft, ...]
    estimates: tuple[HomeEstimate, ...]
    digest: str  # the setting in words: "Fridays at 15:00 (Europe/Berlin)" or "off"
    today: dt.date

    @property
    def is_empty(self) -> bool:
        return not (self.projects or self.drafts or self.estimates)


def _subject_name(draft: Draft, version: DraftVersion, names: dict[str, str]) -> str:
    """A proposal's subject is its saved estimate: name it by the proposal's own title."""
    if draft.kind == "proposal":
        title = (version.document or {}).get("title")
        return str(title) if title else f"Proposal from estimate {draft.project_id}"
    return names.get(draft.project_id, draft.project_id)


async def build_home(db: Database, tenant: str, user_id: str, today: dt.date) -> HomeView:
    projects = await active_projects(db, tenant)
    hours = await hours_logged(db, tenant, [p.id for p in projects]) if projects else {}
    shown = projects[:MAX_PROJECTS]
    async with db.sessions() as session:
        drafts = (
            await session.execute(
                select(Draft, DraftVersion)
                .join(
                    DraftVersion,
                    (DraftVersion.draft_id == Draft.id) & (DraftVersion.version == Draft.version),
                )
                .where(
                    Draft.tenant == tenant,
                    Draft.requester_id == user_id,
                    Draft.status == "draft",
                )
                .order_by(Draft.created_at.desc())
                .limit(MAX_DRAFTS)
            )
        ).all()
        estimates = list(
            await session.scalars(
                select(SavedEstimate)
                .where(SavedEstimate.tenant == tenant)
                .order_by(SavedEstimate.created_at.desc())
                .limit(MAX_ESTIMATES)
            )
        )
    names = {p.id: p.name for p in projects}
    schedule = await get_schedule(db, tenant)
    return HomeView(
        projects=tuple(
            HomeProject(
                p.id,
                p.name,
                p.client,
                round(hours.get(p.id, 0.0), 2),
                p.estimate_hours,
                p.due_date,
            )
            for p in shown
        ),
        more_projects=len(projects) - len(shown),
        drafts=tuple(
            HomeDraft(
                draft.id,
                version.version,
                _subject_name(draft, version, names),
                version.tone,
                version.client_text,
                draft.kind or "update",
            )
            for draft, version in drafts
        ),
        estimates=tuple(
            HomeEstimate(e.id, e.brief, e.p50_hours, e.p90_hours, e.rate, e.currency, e.created_at)
            for e in estimates
        ),
        digest=schedule.describe(),
        today=today,
    )


def bar(used: float, estimate: float, width: int = BAR_WIDTH) -> str:
    """``▰▰▰▰▱▱▱▱▱▱ 40%``; past the estimate the bar is full and the share says how far."""
    share = used / estimate if estimate > 0 else 0.0
    filled = min(width, int(share * width + 0.5))  # half a cell fills it (no banker's rounding)
    return "▰" * filled + "▱" * (width - filled) + f" {share:.0%}"


def _project_line(project: HomeProject, today: dt.date) -> str:
    client = f" — {neutralise_mentions(project.client)}" if project.client else ""
    line = f"**{neutralise_mentions(project.name)}**{client} (`{project.project_id}`)\n"
    if project.estimate_hours:
        line += (
            f"`{bar(project.hours_used, project.estimate_hours)}` "
            f"{project.hours_used:g} of {project.estimate_hours:g} h"
        )
        if project.hours_used > project.estimate_hours:
            line += " ⚠️ over the estimate"
    else:
        line += f"{project.hours_used:g} h logged (no estimate)"
    if project.due_date is not None:
        left = (project.due_date - today).days
        when = (
            f"overdue by {-left} day{'s' if left != -1 else ''}"
            if left < 0
            else "due today"
            if left == 0
            else f"due in {left} day{'s' if left != 1 else ''}"
        )
        line += f" · {when} ({project.due_date.isoformat()})"
    return line


_LABELS = {"approve": "Approve", "regenerate": "Regenerate", "discard": "Discard"}
_STYLES = {"approve": "primary", "discard": "danger"}


def _draft_blocks(draft: HomeDraft) -> list[Paragraph | Buttons]:
    """One waiting draft in its kind's own words, with the buttons its own skill answers."""
    kind = draft.kind if draft.kind in _KIND_NOUNS else "update"
    value = f"{draft.draft_id}:{draft.version}"
    return [
        Paragraph(
            text=f"**{neutralise_mentions(draft.project_name)}** — {_KIND_NOUNS[kind]} draft "
            f"`{draft.draft_id}` v{draft.version} ({draft.tone})\n"
            + _clip(draft.client_text, DRAFT_PREVIEW)
        ),
        Buttons(
            items=tuple(
                Button(
                    label=_LABELS[verb],
                    action_id=f"{kind}:{verb}",
                    value=value,
                    # _STYLES holds only Button styles; its str values are not typed as the Literal.
                    style=_STYLES.get(verb, "default"),  # type: ignore[arg-type]
                )
                for verb in _KIND_VERBS[kind]
            )
        ),
    ]


def _clip(text: str, limit: int) -> str:
    text = text.strip()
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def home_reply(view: HomeView) -> Reply:
    """The home view as neutral blocks (ephemeral: only its owner sees it)."""
    blocks: list[Block] = [Heading(text="Atelier")]
    if view.is_empty:
        blocks += _onboarding()
    else:
        blocks.append(Heading(text="Active projects"))
        if view.projects:
            blocks += [Paragraph(text=_project_line(p, view.today)) for p in view.projects]
            if view.more_projects:
                blocks.append(
                    Paragraph(text=f"…and {view.more_projects} more: `/projects active`.")
                )
        else:
            blocks.append(Paragraph(text="None right now. Add one with `/projects add`."))
        blocks.append(Heading(text="Drafts awaiting your approval"))
        if view.drafts:
            for draft in view.drafts:
                blocks += _draft_blocks(draft)
        else:
            blocks.append(
                Paragraph(
                    text="Nothing waiting. Draft one with `/update <project>`, "
                    "`/proposal <estimate id>` or `/change <project> <request>`."
                )
            )
        blocks.append(Heading(text="Recent saved estimates"))
        if view.estimates:
            lines = []
            for estimate in view.estimates:
                price = estimate.p50_hours * estimate.rate
                lines.append(
                    f"- `{estimate.estimate_id}` {neutralise_mentions(_clip(estimate.brief, 80))}"
                    f" — P50 {estimate.p50_hours:g} h, P90 {estimate.p90_hours:g} h "
                    f"(≈ {format_money(price, estimate.currency, cents=False)})"
                )
            blocks.append(Paragraph(text="\n".join(lines)))
        else:
            blocks.append(
                Paragraph(text="None saved yet. `/scope <brief>`, then **Save estimate**.")
            )
    blocks.append(Heading(text="Weekly digest"))
    if view.digest == "off":
        blocks.append(
            Paragraph(
                text="Off. Get a weekly DM with news to report, quiet clients, burn and "
                f"deadlines: {EXAMPLE}."
            )
        )
    else:
        blocks.append(
            Paragraph(
                text=f"On: {view.digest}, to each project's owner. `/atelier digest off` "
                "turns it off."
            )
        )
    blocks.append(
        Buttons(
            items=(
                Button(label="Digest now", action_id=f"{HOME_ACTION}:digest", keyword="digest"),
                Button(label="Refresh", action_id=f"{HOME_ACTION}:home", keyword="home"),
            )
        )
    )
    return Reply(blocks=tuple(blocks), visibility=Visibility.EPHEMERAL)


def _onboarding() -> list[Block]:
    return [
        Paragraph(
            text="Welcome! Atelier scopes new work from your own past projects and drafts "
            "client updates that you approve. Three ways to start:"
        ),
        Paragraph(
            text="1. **Import your history**: past projects as CSV, JSON or Markdown "
            "(`/projects import`), so estimates come from your own numbers.\n"
            "2. **Load the demo**: try everything on a sample portfolio, and remove it "
            "again in one step.\n"
            "3. **Add a project** you're working on, then log progress with `/log`."
        ),
        Buttons(
            items=(
                Button(label="Import history", action_id=f"{HOME_ACTION}:import", keyword="import"),
                Button(label="Load the demo", action_id=f"{HOME_ACTION}:demo", keyword="demo"),
                Button(
                    label="Add a project",
                    action_id=f"{HOME_ACTION}:add-project",
                    style="primary",
                    keyword="add",
                ),
            )
        ),
    ]


__all__ = [
    "HOME_ACTION",
    "HomeDraft",
    "HomeEstimate",
    "HomeProject",
    "HomeView",
    "bar",
    "build_home",
    "home_reply",
]

"""`/log summary [period] [project]`: hours per project and per person, billable, amounts.

Also answers "how many hours this week?" in a mention or a DM (the router sends such questions
here). The answer carries rates, so it is always private to the person who asked: ephemeral, and
in a channel shared with people outside the studio the core moves it to their DMs.
"""

from __future__ import annotations

from typing import Any

from bot.messages import Heading, Paragraph, Reply, Request, Table, Visibility
from bot.money import format_money
from bot.pricing import project_pricing
from bot.registry import SkillError
from bot.services import Services
from bot.timesheet import (
    PERIOD_HELP,
    Summary,
    parse_period,
    projects_with_entries,
    summarise,
    workspace_zone,
)
from bot.worklog import closed_project, find_project

SUMMARY_USAGE = (
    "`/log summary [week|last week|month|last month|DATE..DATE] [project]`, e.g. "
    "`/log summary last month acme`. Mark time that isn't billed with `nb:` "
    "(`/log acme nb: done: internal demo, 1h`) or `#nb`."
)


def hours(value: float) -> str:
    return f"{value:,.2f}".rstrip("0").rstrip(".") if value else "0"


def money(amount: float, currency: str) -> str:
    return format_money(amount, currency, cents=True)


def amounts_text(amounts: dict[str, float]) -> str:
    return " + ".join(money(amount, currency) for currency, amount in amounts.items()) or "—"


async def build_summary(services: Services, tenant: str, text: str) -> Summary:
    """The summary a `/log summary …` text asks for."""
    zone = await workspace_zone(services.db, tenant, services.settings.digest_timezone)
    today = services.clock().astimezone(zone).date()
    period, reference = parse_period(text, today)
    project_id = None
    if reference:
        project = await find_project(services.db, tenant, reference)
        project = project or await closed_project(services.db, tenant, reference)
        if project is None:
            raise SkillError(
                f"I don't know a project called “{reference[:60]}”, nor a period. "
                f"{PERIOD_HELP}"
            )
        project_id = project.id
    projects = await projects_with_entries(services.db, tenant)
    # A rate and its currency come from the same place (the project's own, else the workspace's).
    pricing = {p.id: await project_pricing(services, p) for p in projects}
    rates = {key: found.rate for key, found in pricing.items()}
    currencies = {key: found.currency for key, found in pricing.items()}
    return await summarise(services.db, tenant, period, zone, rates, project_id, currencies)


def summary_facts(summary: Summary) -> dict[str, Any]:
    """The summary's figures for scripts (``atelier log summary --json`` / ``--csv``).

    Each entry keeps its text, which may be internal: no adapter renders facts, and the command
    line prints it only when asked (``--with-text``). The reply itself is private anyway.
    """
    total = summary.total
    return {
        "period": {
            "start": summary.period.start.isoformat(),
            "end": summary.period.end.isoformat(),
            "label": summary.period.label,
        },
        "timezone": summary.timezone,
        "project_filter": summary.project_filter,
        "projects": [
            {
                "project": p.project_id,
                "name": p.name,
                "hours": round(p.hours, 4),
                "billable_hours": round(p.billable_hours, 4),
                "rate": p.rate,
                "currency": p.currency,
                "amount": round(p.amount, 2),
            }
            for p in summary.projects
        ],
        "people": [
            {
                "person": p.person,
                "hours": round(p.hours, 4),
                "billable_hours": round(p.billable_hours, 4),
                "amounts": {c: round(a, 2) for c, a in sorted(p.amounts.items())},
            }
            for p in summary.people
        ],
        "total": {
            "hours": round(total.hours, 4),
            "billable_hours": round(total.billable_hours, 4),
            "amounts": summary.amounts,
        },
        "entries": [
            {
                "id": line.entry_id,
                "date": line.day.isoformat(),
                "project": line.project_id,
                "person": line.person,
                "hours": line.hours,
                "billable": line.billable,
                "rate": line.rate,
                "amount": line.amount,
                "currency": line.currency,
                "text": line.text,
            }
            for line in summary.lines
        ],
    }


def summary_reply(summary: Summary) -> Reply:
    """The summary as chat shows it; ``facts`` holds the figures (see :func:`summary_facts`)."""
    return _summary_blocks(summary).model_copy(update={"facts": summary_facts(summary)})


def _summary_blocks(summary: Summary) -> Reply:
    named = summary.project_filter and summary.lines
    where = f" — {summary.lines[0].project_name}" if named else ""
    heading = Heading(text=f"Time{where}: {summary.period.shown}")
    if not summary.lines:
        return Reply(
            blocks=(
                heading,
                Paragraph(
                    text="No hours logged in that period. Log time with "
                    "`/log <project> done: …, 2h`; other periods: " + PERIOD_HELP
                ),
            ),
            visibility=Visibility.EPHEMERAL,
        )
    total = summary.total
    projects = Table(
        columns=("project", "hours", "billable", "rate", "amount"),
        rows=tuple(
            (
                p.name,
                hours(p.hours),
                hours(p.billable_hours),
                money(p.rate, p.currency) + "/h",
                money(p.amount, p.currency),
            )
            for p in summary.projects
        ),
        caption="Per project",
    )
    people = Table(
        columns=("person", "hours", "billable", "amount"),
        rows=tuple(
            (p.person, hours(p.hours), hours(p.billable_hours), amounts_text(p.amounts))
            for p in summary.people
        ),
        caption="Per person",
    )
    non_billable = total.hours - total.billable_hours
    note = f" ({hours(non_billable)} h non-billable)" if non_billable else ""
    return Reply(
        blocks=(
            heading,
            projects,
            people,
            Paragraph(
                text=f"**Total: {hours(total.hours)} h**, {hours(total.billable_hours)} h "
                f"billable{note} = **{amounts_text(summary.amounts)}**. Days in "
                f"{summary.timezone}; internal figures, never for a client. "
                "Export for invoicing: `atelier log summary … --csv FILE`."
            ),
        ),
        visibility=Visibility.EPHEMERAL,
    )


async def summary_command(request: Request, services: Services, text: str) -> Reply:
    summary = await build_summary(services, request.tenant, text)
    return summary_reply(summary)


__all__ = ["SUMMARY_USAGE", "build_summary", "summary_command", "summary_facts", "summary_reply"]

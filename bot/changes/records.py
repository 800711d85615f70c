"""Change requests in the state database: recording, deciding, and what they add up to.

A decision is one conditional UPDATE (``WHERE status = 'open'``) in the transaction that also
changes the project, so a double click or a stale button cannot raise a budget twice.

A project's budget is in the project's currency, and a change's price is in the currency of the
rate it was priced at (:mod:`bot.pricing`). Approving adds the price to the budget only when the
two are the same currency; otherwise the approval is refused (:class:`CurrencyMismatch`) and
the message says to price the change in the budget's currency first. Two currencies are never
added together, in a budget or in a summary.
"""

from __future__ import annotations

import datetime as dt
import math
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sqlalchemy import select, update

from bot.changes.pricing import PastChange
from state import ActiveProject, ChangeRequest, Database, Draft, affected_rows

Decision = Literal["approved", "declined", "absorbed"]
DECISIONS: dict[str, Decision] = {
    "approve": "approved",
    "approved": "approved",
    "accept": "approved",
    "decline": "declined",
    "declined": "declined",
    "reject": "declined",
    "absorb": "absorbed",
    "absorbed": "absorbed",
}
ID_PREFIX = "cr"


class StaleChange(Exception):
    """The change request is not open any more (or gone); the message says why."""


class CurrencyMismatch(StaleChange):
    """A change priced in one currency can't raise a budget kept in another."""


def budget_conflict(project: ActiveProject, currency: str | None) -> bool:
    """Whether a price in ``currency`` can't be added to ``project``'s budget."""
    return project.budget is not None and bool(currency) and currency != project.currency


def currency_advice(project: ActiveProject, change_id: str, hours: float | None) -> str:
    """What to do about a change priced in another currency than the project's budget."""
    figure = f"{hours:g}" if hours else "8"
    return (
        f"Give it a rate in {project.currency}, e.g. "
        f"`/change hours {change_id} {figure} at 120 {project.currency}/h` (your own rate), "
        f"and it is priced in {project.currency}."
    )


def new_change_id() -> str:
    return ID_PREFIX + secrets.token_hex(3)


async def create_change(db: Database, **values: Any) -> ChangeRequest:
    row = ChangeRequest(id=new_change_id(), status="open", **values)
    async with db.transaction() as session:
        session.add(row)
    return row


async def get_change(db: Database, tenant: str, change_id: str) -> ChangeRequest | None:
    async with db.sessions() as session:
        row = await session.get(ChangeRequest, change_id.strip()[:16])
    return row if row is not None and row.tenant == tenant else None


async def project_changes(db: Database, tenant: str, project_id: str) -> list[ChangeRequest]:
    async with db.sessions() as session:
        rows = await session.execute(
            select(ChangeRequest)
            .where(ChangeRequest.tenant == tenant, ChangeRequest.project_id == project_id)
            .order_by(ChangeRequest.created_at, ChangeRequest.id)
        )
        return list(rows.scalars())


async def changes_by_project(
    db: Database, tenant: str, project_ids: Sequence[str]
) -> dict[str, list[ChangeRequest]]:
    found: dict[str, list[ChangeRequest]] = {pid: [] for pid in project_ids}
    if not project_ids:
        return found
    async with db.sessions() as session:
        rows = await session.execute(
            select(ChangeRequest)
            .where(
                ChangeRequest.tenant == tenant, ChangeRequest.project_id.in_(list(project_ids))
            )
            .order_by(ChangeRequest.created_at, ChangeRequest.id)
        )
        for row in rows.scalars():
            found.setdefault(row.project_id, []).append(row)
    return found


async def past_changes(db: Database, tenant: str) -> list[PastChange]:
    """The tenant's decided changes with hours: approved ones, and absorbed ones (the work was
    done all the same), as evidence for pricing the next."""
    async with db.sessions() as session:
        rows = await session.execute(
            select(ChangeRequest).where(
                ChangeRequest.tenant == tenant,
                ChangeRequest.status.in_(("approved", "absorbed")),
                ChangeRequest.hours.is_not(None),
            )
        )
        return [
            PastChange(row.id, row.text, float(row.hours or 0), row.created_at.timestamp())
            for row in rows.scalars()
        ]


async def link_draft(db: Database, tenant: str, change_id: str, draft_id: str) -> None:
    async with db.transaction() as session:
        await session.execute(
            update(ChangeRequest)
            .where(ChangeRequest.tenant == tenant, ChangeRequest.id == change_id)
            .values(draft_id=draft_id)
        )


@dataclass(frozen=True)
class Decided:
    change: ChangeRequest
    project: ActiveProject
    effect: dict[str, Any]


def _effect(project: ActiveProject, change: ChangeRequest) -> dict[str, Any]:
    """What approving ``change`` does to ``project``: estimate, budget and due date raised."""
    hours = change.hours or 0.0
    price = change.price or 0.0
    effect: dict[str, Any] = {"hours": hours, "price": price}
    if project.estimate_hours is not None:
        raised = round(project.estimate_hours + hours, 2)
        effect["estimate_hours"] = [project.estimate_hours, raised]
    if project.budget is not None:
        effect["budget"] = [project.budget, round(project.budget + price, 2)]
    # From the due date as it is now: an approval since may have moved it already.
    weeks = (change.effect or {}).get("weeks")
    later = change.new_due_date
    if project.due_date is not None and weeks:
        later = project.due_date + dt.timedelta(days=math.ceil(float(weeks) * 7))
    if project.due_date is not None and later is not None and later > project.due_date:
        effect["due_date"] = [project.due_date.isoformat(), later.isoformat()]
    return effect


async def decide(
    db: Database, tenant: str, change_id: str, decision: Decision, user_id: str, now: dt.datetime
) -> Decided:
    """Record the client's answer. Approved raises the project's estimate, budget and due date
    in the same transaction; declined and absorbed change nothing on the project, and their
    open change-order drafts are discarded (there is nothing left to send)."""
    async with db.transaction() as session:
        change = await session.get(ChangeRequest, change_id)
        if change is None or change.tenant != tenant:
            raise StaleChange(f"I can't find the change request `{change_id[:16]}`.")
        project = await session.get(ActiveProject, (tenant, change.project_id))
        if project is None:
            raise StaleChange("The project of this change request no longer exists.")
        if change.status != "open":
            when = f" on {change.decided_at:%d %b %Y}" if change.decided_at else ""
            raise StaleChange(f"This change request was already {change.status}{when}.")
        if decision == "approved" and project.status != "active":
            raise StaleChange(f"**{project.name}** is closed, so its scope can't grow any more.")
        if decision == "approved" and change.hours and budget_conflict(project, change.currency):
            raise CurrencyMismatch(
                f"Change `{change.id}` is priced in {change.currency} but the budget of "
                f"**{project.name}** is in {project.currency}, and I never add two currencies. "
                + currency_advice(project, change.id, change.hours)
            )
        effect = _effect(project, change) if decision == "approved" else {}
        moved = await session.execute(
            update(ChangeRequest)
            .where(ChangeRequest.id == change.id, ChangeRequest.status == "open")
            .values(status=decision, decided_by=user_id, decided_at=now, effect=effect or None)
        )
        if affected_rows(moved) != 1:
            raise StaleChange("This change request was decided meanwhile.")
        if decision == "approved":
            if "estimate_hours" in effect:
                project.estimate_hours = effect["estimate_hours"][1]
            if "budget" in effect:
                project.budget = effect["budget"][1]
            if "due_date" in effect:
                project.due_date = dt.date.fromisoformat(effect["due_date"][1])
        elif change.draft_id:
            await session.execute(
                update(Draft)
                .where(
                    Draft.tenant == tenant,
                    Draft.kind == "change",
                    Draft.id == change.draft_id,
                    Draft.status.in_(("draft", "approved")),
                )
                .values(status="discarded")
            )
        await session.flush()
        await session.refresh(change)
        return Decided(change, project, effect)


async def reprice(
    db: Database,
    tenant: str,
    change_id: str,
    *,
    hours: float,
    price: float,
    currency: str,
    new_due_date: dt.date | None,
    weeks: float | None,
) -> tuple[ChangeRequest, int]:
    """The studio's own figure for an open request; its change-order drafts quoting the old
    figure become out of date (returns how many)."""
    async with db.transaction() as session:
        moved = await session.execute(
            update(ChangeRequest)
            .where(
                ChangeRequest.tenant == tenant,
                ChangeRequest.id == change_id,
                ChangeRequest.status == "open",
            )
            .values(
                hours=hours,
                price=price,
                currency=currency,
                new_due_date=new_due_date,
                effect={"weeks": weeks} if weeks is not None else None,
                draft_id=None,
            )
        )
        if affected_rows(moved) != 1:
            raise StaleChange("This change request is decided already, so its price stays.")
        drafts = list(
            (
                await session.execute(
                    select(Draft).where(
                        Draft.tenant == tenant,
                        Draft.kind == "change",
                        Draft.status.in_(("draft", "approved")),
                    )
                )
            ).scalars()
        )
        stale = [d for d in drafts if (d.options or {}).get("change_id") == change_id]
        for draft in stale:
            draft.status = "superseded"
        change = await session.get(ChangeRequest, change_id)
        assert change is not None
        await session.flush()
        await session.refresh(change)
        return change, len(stale)


@dataclass(frozen=True)
class ChangeSummary:
    """What a project's change requests add up to. ``approved_price`` is in ``currency``; approved
    prices in any other currency are kept apart in ``other_prices``, never added to it."""

    approved: int = 0
    approved_hours: float = 0.0
    approved_price: float = 0.0
    other_prices: tuple[tuple[str, float], ...] = ()
    declined: int = 0
    absorbed: int = 0
    absorbed_hours: float = 0.0
    open: int = 0
    currency: str = ""

    @property
    def any(self) -> bool:
        return bool(self.approved or self.declined or self.absorbed or self.open)

    def as_history(self, base_hours: float | None) -> dict[str, Any]:
        """What a closed past project keeps (see ``knowledge.models.ChangeHistory``)."""
        return {
            "approved": self.approved,
            "declined": self.declined,
            "absorbed": self.absorbed,
            "approved_hours": round(self.approved_hours, 2),
            "absorbed_hours": round(self.absorbed_hours, 2),
            "approved_price": round(self.approved_price, 2),
            "base_hours": base_hours,
        }


def summarise(changes: Sequence[ChangeRequest], currency: str | None = None) -> ChangeSummary:
    """The totals of ``changes``; prices add up per currency, ``currency`` first (by default the
    first change's)."""
    approved = [c for c in changes if c.status == "approved"]
    absorbed = [c for c in changes if c.status == "absorbed"]
    main = currency or next((c.currency for c in changes if c.currency), "")
    prices: dict[str, float] = {}
    for change in approved:
        if change.price:
            key = change.currency or main
            prices[key] = prices.get(key, 0.0) + change.price
    return ChangeSummary(
        approved=len(approved),
        approved_hours=sum(c.hours or 0 for c in approved),
        approved_price=prices.pop(main, 0.0),
        other_prices=tuple((code, round(total, 2)) for code, total in prices.items()),
        declined=sum(1 for c in changes if c.status == "declined"),
        absorbed=len(absorbed),
        absorbed_hours=sum(c.hours or 0 for c in absorbed),
        open=sum(1 for c in changes if c.status == "open" and c.verdict != "included"),
        currency=main,
    )


def extras_text(changes: Sequence[ChangeRequest]) -> str:
    """ "2 approved (+14 h), 1 open" for a table cell; "—" without change requests."""
    summary = summarise(changes)
    bits = []
    if summary.approved:
        bits.append(f"{summary.approved} approved (+{summary.approved_hours:g} h)")
    if summary.open:
        bits.append(f"{summary.open} open")
    if summary.absorbed:
        bits.append(f"{summary.absorbed} absorbed")
    if summary.declined:
        bits.append(f"{summary.declined} declined")
    return ", ".join(bits) or "—"


__all__ = [
    "DECISIONS",
    "ChangeSummary",
    "CurrencyMismatch",
    "Decided",
    "Decision",
    "StaleChange",
    "budget_conflict",
    "changes_by_project",
    "create_change",
    "currency_advice",
    "decide",
    "extras_text",
    "get_change",
    "link_draft",
    "past_changes",
    "project_changes",
    "reprice",
    "summarise",
]

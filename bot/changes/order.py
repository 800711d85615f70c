"""The change-order message: what the client asked for, why it is extra, hours, price, the new
date, and a request to confirm before the work starts. Pure: figures in, text out.

The text is written for the client, so it never carries the hours band's analogues, the rate
or anything internal; the caller still runs it through the client-text leak rules.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bot.leaks import Verdict
from bot.mentions import neutralise_mentions
from bot.money import format_money


def amount(value: float, currency: str) -> str:
    """ "€1,260", "$850", "CHF 1,260.50": a change order states the exact figure."""
    return format_money(value, currency)


def hours_text(value: float) -> str:
    return f"{value:g} h"


def day(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


_SOURCE_TAG = re.compile(
    r"\s*\((?:brief|estimate [^)]*|proposal[^)]*|phase[^)]*|change [^)]*|exclusion[^)]*)\)"
)
_QUOTED = re.compile(r"“([^”]*)”")


def client_reason(reason: str) -> str:
    """The judgement's sentence as the client reads it: the scope line it rests on, without the
    studio's labels ("Extra:", where the line comes from)."""
    text = _SOURCE_TAG.sub("", reason.strip())
    quoted = _QUOTED.findall(text)
    line = quoted[-1] if quoted else ""
    if " excludes it" in text and line:
        return f"The scope we agreed lists it as not included: “{line}”."
    if "goes beyond" in text and len(quoted) >= 2:
        return f"It goes beyond what we agreed: “{quoted[1]}”."
    if "comes on top" in text or "asks for more" in text:
        return "It comes on top of the work we agreed."
    if text.startswith("Included:"):
        return ""
    if line and "mentions it" not in text:
        return f"The scope we agreed doesn't include it (the closest item is “{line}”)."
    return "The scope we agreed doesn't include it."


_CLAUSE = re.compile(
    r"\s*(?:[,;()\[\]]|\s[-–—]\s|\s(?:like|as\s+(?:we\s+did|for)|similar\s+to|same\s+as)\s)"
    r"\s*",
    re.IGNORECASE,
)


def client_request(
    request: str, judge_line: Callable[[str], Verdict]
) -> tuple[str, tuple[str, ...]]:
    """The request as the client may read it, clause by clause, and what was left out.

    ``judge_line`` is the leak filter's ``judge`` (a :class:`bot.leaks.Verdict` per text).
    A clause with an internal marker takes the rest of the request with it ("…, internal:
    charge them double"); one naming a rate or another client is left out on its own.
    """
    kept: list[str] = []
    left: list[str] = []
    clauses = [c for c in _CLAUSE.split(" ".join(request.split())) if c.strip()]
    for index, clause in enumerate(clauses):
        verdict = judge_line(clause)
        if verdict.reason == "internal":
            left += [verdict.reason] * (len(clauses) - index)
            break
        if verdict.reason is not None:
            left.append(verdict.reason)
            continue
        kept.append(verdict.text.strip() or clause)
    return ", ".join(kept).strip(" ,.") or "the addition you asked for", tuple(left)


@dataclass(frozen=True)
class OrderFigures:
    project: str
    client: str | None
    request: str
    reason: str
    hours: float
    price: float | None
    currency: str
    due_date: dt.date | None
    new_due_date: dt.date | None
    weeks: float | None
    change_id: str
    verdict: str = "extra"


_WHY = {
    "extra": "This is outside the scope we agreed, so here is a change order for it.",
    "unclear": "We read this as going beyond the scope we agreed, so here is a change order "
    "for it; tell us if you see it differently.",
    "included": "We'd treat this as an addition to the agreed work, so here is a change order "
    "for it.",
}


def build_order(fig: OrderFigures) -> tuple[str, dict[str, Any]]:
    """(client text, the structured document it was written from)."""
    request = " ".join(fig.request.split()).rstrip(".")
    lines = [
        f"Hi {fig.client or 'there'},",
        "",
        f"Thanks for the request on {fig.project}: {request}.",
        "",
        f"{_WHY.get(fig.verdict, _WHY['extra'])} {client_reason(fig.reason)}".rstrip(),
        "",
        f"**Change order {fig.change_id}**",
        f"- What: {request}",
        f"- Effort: {hours_text(fig.hours)}",
    ]
    if fig.price is not None:
        lines.append(f"- Price: {amount(fig.price, fig.currency)}")
    if fig.new_due_date is not None and fig.due_date is not None:
        lines.append(
            f"- Delivery: the due date moves from {day(fig.due_date)} to {day(fig.new_due_date)}"
        )
    elif fig.weeks and fig.weeks < 1:
        days = max(1, math.ceil(fig.weeks * 7))
        lines.append(f"- Delivery: about {days} more day{'s' if days != 1 else ''}")
    elif fig.weeks:
        lines.append(f"- Delivery: about {fig.weeks:g} more week{'s' if fig.weeks != 1 else ''}")
    lines += [
        "",
        "Please reply to confirm that you'd like us to go ahead. We won't start this work "
        "until you do, and the rest of the project carries on as planned.",
        "",
        "Thanks!",
    ]
    document: dict[str, Any] = {
        "change_id": fig.change_id,
        "project": fig.project,
        "request": request,
        "why": client_reason(fig.reason),
        "hours": fig.hours,
        "price": fig.price,
        "currency": fig.currency,
        "due_date": fig.due_date.isoformat() if fig.due_date else None,
        "new_due_date": fig.new_due_date.isoformat() if fig.new_due_date else None,
        "weeks": fig.weeks,
    }
    return neutralise_mentions("\n".join(lines)), document


def export_markdown(document: dict[str, Any], client_text: str, today: dt.date) -> str:
    """The change order as a Markdown file, to attach to an email or sign."""
    title = f"# Change order {document.get('change_id', '')} — {document.get('project', '')}"
    return f"{title}\n\n_{day(today)}_\n\n{client_text}\n"


__all__ = [
    "OrderFigures",
    "amount",
    "build_order",
    "client_reason",
    "client_request",
    "export_markdown",
]

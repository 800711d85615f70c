"""How big is an extra, and what does it cost? From the studio's own history, with a band.

An extra is a piece of a project, not a whole one, so its analogues are pieces of past work:
the change requests the studio priced before (approved or absorbed, with their hours) and the
phases of its closed past projects (each phase with its project's summary, so "one more design
round" meets past design phases and "a blog" meets the phases of projects that had one). They
go through the same estimating engine as ``/scope`` (:mod:`estimating`): fused similarity,
shrinkage towards the whole history, a P10–P90 band, and the requester's own guess ("about
6h") weighed against the history when given.

The delivery impact is the hours at the studio's capacity for one project
(``ATELIER_CAPACITY_HOURS_PER_WEEK``), added to the due date.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from estimating import Engine, History, Knobs, PastItem, Query

MIN_SIMILARITY = 0.05  # lexical similarity of short requests to phase texts is low
CHANGE_WEIGHT_TEXT = 3  # a past change request's text is repeated: it is the closest evidence


@dataclass(frozen=True)
class PastChange:
    """A change request the studio decided before, with the hours it was priced at."""

    id: str
    text: str
    hours: float
    order: float = 0.0


@dataclass(frozen=True)
class Analogue:
    label: str  # "change c1a2b3: …" or "design phase of Coffee store"
    hours: float
    similarity: float
    project_id: str | None = None  # the past project, when it is a phase of one


@dataclass(frozen=True)
class ExtraPrice:
    """Hours with a band, the price at the rate and in the currency :mod:`bot.pricing` gave
    the project (its own, else the workspace's), and what it rests on."""

    p10: float | None
    hours: float | None  # the figure quoted (P50)
    p90: float | None
    rate: float
    currency: str
    confidence: str  # high / medium / low / none / guess
    analogues: tuple[Analogue, ...] = ()
    pieces: int = 0  # past pieces of work the history held
    guess: float | None = None
    basis: str = ""  # one line for the private notes: what the figure rests on
    notes: tuple[str, ...] = field(default_factory=tuple)

    @property
    def priced(self) -> bool:
        return self.hours is not None

    @property
    def price(self) -> float | None:
        return None if self.hours is None else round(self.hours * self.rate, 2)

    def price_band(self) -> tuple[float, float] | None:
        if self.p10 is None or self.p90 is None:
            return None
        return round(self.p10 * self.rate, 2), round(self.p90 * self.rate, 2)


def round_hours(hours: float) -> float:
    """Half hours: a change order quotes 6.5 h, not 6.37 h."""
    return max(0.5, round(hours * 2) / 2)


def past_items(projects: Sequence[Any], changes: Sequence[PastChange]) -> list[PastItem]:
    """The pieces of past work: earlier change requests and the phases of closed projects."""
    items: list[PastItem] = []
    for project in projects:
        phases = getattr(project, "phases", None) or {}
        finished = getattr(project, "finished", None)
        order = float(finished.toordinal()) if finished is not None else 0.0
        for phase, hours in phases.items():
            if hours and hours > 0:
                items.append(
                    PastItem(
                        id=f"phase:{project.id}:{phase}",
                        text=f"{phase} {phase} phase of {project.title}: {project.summary}",
                        actual=float(hours),
                        type=str(getattr(project, "type", "") or ""),
                        tags=tuple(getattr(project, "tags", ()) or ()),
                        category=str(phase).lower(),
                        order=order,
                    )
                )
    for change in changes:
        if change.hours and change.hours > 0:
            items.append(
                PastItem(
                    id=f"change:{change.id}",
                    text=" ".join([change.text] * CHANGE_WEIGHT_TEXT),
                    actual=float(change.hours),
                    category="change",
                    order=change.order,
                )
            )
    return items


def _label(item_id: str, titles: dict[str, str], texts: dict[str, str]) -> tuple[str, str | None]:
    kind, _, rest = item_id.partition(":")
    if kind == "change":
        text = texts.get(rest, "")
        short = text if len(text) <= 60 else text[:59] + "…"
        return f"earlier change `{rest}`: “{short}”", None
    project_id, _, phase = rest.rpartition(":")
    return f"{phase} phase of {titles.get(project_id, project_id)}", project_id


def price_extra(
    request: str,
    projects: Sequence[Any],
    changes: Sequence[PastChange],
    *,
    rate: float,
    currency: str,
    guess: float | None = None,
    k: int = 8,
) -> ExtraPrice:
    """The hours band of ``request`` from the studio's past pieces of work, priced at ``rate``.

    With no history at all, a stated ``guess`` is used as is (no band); without either there
    is no figure, and the caller asks for the hours.
    """
    items = past_items(projects, changes)
    if not items:
        if guess is not None and guess > 0:
            hours = round_hours(guess)
            return ExtraPrice(
                None, hours, None, rate, currency, "guess", guess=guess,
                basis="your own figure: there is no history of phases or changes to check it "
                "against yet",
            )
        return ExtraPrice(None, None, None, rate, currency, "none", basis="no history yet")
    engine = Engine(History(items), Knobs(k=k, min_similarity=MIN_SIMILARITY))
    estimate = engine.estimate(Query(text=request, guess=guess))
    titles = {str(p.id): str(p.title) for p in projects}
    texts = {c.id: c.text for c in changes}
    actual = {item.id: item.actual for item in items}
    analogues = []
    for item_id, similarity in estimate.analogues[:5]:
        label, project_id = _label(item_id, titles, texts)
        analogues.append(Analogue(label, actual[item_id], float(similarity), project_id))
    p10, p50, p90 = (round_hours(v) for v in (estimate.p10, estimate.p50, estimate.p90))
    p10, p90 = min(p10, p50), max(p90, p50)
    basis = (
        f"{estimate.n_analogues} similar piece{'s' if estimate.n_analogues != 1 else ''} of "
        f"past work out of {len(items)} (phases of closed projects and earlier changes), "
        f"confidence {estimate.confidence}"
    )
    if guess is not None:
        basis += f"; your figure of {guess:g} h was weighed against them"
    return ExtraPrice(
        p10,
        p50,
        p90,
        rate,
        currency,
        str(estimate.confidence),
        tuple(analogues),
        len(items),
        guess,
        basis,
    )


def delivery_impact(
    hours: float | None, capacity_per_week: float, due: dt.date | None
) -> tuple[float | None, dt.date | None]:
    """(weeks of work at the studio's capacity, the new due date when there is one)."""
    if hours is None or hours <= 0 or capacity_per_week <= 0:
        return None, None
    weeks = hours / capacity_per_week
    if due is None:
        return round(weeks, 1), None
    return round(weeks, 1), due + dt.timedelta(days=math.ceil(weeks * 7))


__all__ = [
    "Analogue",
    "ExtraPrice",
    "PastChange",
    "delivery_impact",
    "past_items",
    "price_extra",
    "round_hours",
]

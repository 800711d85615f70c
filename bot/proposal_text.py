"""A client proposal written from facts: pure, deterministic, no data of other projects.

:func:`build_proposal` turns :class:`ProposalFacts` (the saved estimate's band, the phase
shares of its analogues, the questions the brief leaves open, the studio's settings) into a
:class:`Proposal`: the structured document and its client text. Only shares and this
estimate's own figures come in, never an analogue's title, client or hours, so nothing of
another project can be written; the skill still runs the leak rules over the result.

Pricing, in the studio's choice of two forms:

- **fixed**: the P50 or P80 of the calibrated band, rounded up. The band is read from past
  projects' *actual* hours, so it already holds how such work overruns: no overrun is added.
  When the studio gives its own estimate (``guess_hours``), the price stands on that instead,
  times the studio's overrun on similar work (actual/estimate, when above 1), because an
  estimate is exactly what the overrun was measured against;
- **tm** (time and materials): the P10–P90 band, priced at the rate, billed for hours worked.

The hourly rate itself is never written (the rate rule of the leak filter applies here too).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from bot.money import format_money

Pricing = Literal["fixed", "tm"]
Confidence = Literal["p50", "p80"]
PRICINGS: tuple[str, ...] = ("fixed", "tm")
CONFIDENCES: tuple[str, ...] = ("p50", "p80")
TONES: tuple[str, ...] = ("friendly", "formal", "brief")
# z-scores of the normal quantiles: P80 read off a log-normal through P50 and P90.
_Z80, _Z90 = 0.8416, 1.2816
GOAL_CHARS = 240

# What a brief that leaves a topic open means for the proposal: an assumption we state, and
# what is not included unless agreed. Topics come from bot.scoping.questions.
_ASSUME: dict[str, str] = {
    "deadline": "The timeline starts when the proposal is accepted and the first payment is made.",
    "content": "You provide the final copy, images and product data before the build phase.",
    "copy": "You provide the final copy before the build phase.",
    "photos": "You provide the photos and images, ready to use, before the build phase.",
    "translations": "The work is in one language; translations are supplied by you.",
    "design": "Design follows your existing brand; the design phase covers the pages listed.",
    "existing brand": "Your existing logo and brand colours are used as they are.",
    "approvals": "Each phase is reviewed and approved by one person on your side within "
    "five working days.",
    "access": "You give us access to the accounts and systems needed in the first week.",
    "integrations": "Only the integrations named in the brief are part of this work.",
    "payments": "The payment provider account is yours and is set up by you.",
    "hosting": "Hosting and domains are in your name; we set them up with you.",
    "acceptance": "The work is accepted when the agreed deliverables are in place and "
    "reviewed, within ten working days of delivery.",
    "testing": "Testing covers the current versions of the main browsers and devices.",
    "moving spec": "The scope is the one in this proposal; changes follow the change process.",
    "scope creep": "The scope is the one in this proposal; changes follow the change process.",
    "existing data": "Existing data is supplied in one clean export.",
    "third parties": "Third-party services work as documented; delays on their side move "
    "the timeline.",
}
_EXCLUDE: dict[str, str] = {
    "content": "Writing copy, product photography and data entry.",
    "copy": "Copywriting.",
    "photos": "Photography and image retouching.",
    "translations": "Translations.",
    "hosting": "Hosting, domain and licence fees (billed by the providers).",
    "maintenance": "Maintenance and support after launch (we can quote a care plan).",
    "integrations": "Integrations not named in this proposal.",
    "print": "Printing and print production costs.",
    "stores": "App store fees and developer accounts.",
    "payments": "Payment provider fees.",
    "third parties": "Fees of third-party services.",
}
_ALWAYS_EXCLUDED = "Anything not listed under deliverables; we price such changes separately."


@dataclass(frozen=True)
class PhaseShare:
    name: str
    share: float  # 0..1 of the effort


@dataclass(frozen=True)
class OpenPoint:
    topic: str
    question: str


@dataclass(frozen=True)
class ProposalFacts:
    """Everything a proposal may say; none of it is another project's."""

    estimate_id: str
    brief: str
    p10_hours: float
    p50_hours: float
    p90_hours: float
    rate: float
    currency: str
    phases: tuple[PhaseShare, ...]
    open_points: tuple[OpenPoint, ...]
    overrun: float | None  # actual/estimate on similar work; applied to an own estimate if > 1
    pricing: Pricing
    confidence: Confidence
    capacity_hours_per_week: float
    payment_terms: str
    validity_days: int
    today: dt.date
    tone: str = "formal"
    client: str | None = None
    title: str | None = None
    due_date: dt.date | None = None
    guess_hours: float | None = None  # the studio's own estimate: a fixed price's base if set


@dataclass(frozen=True)
class PhaseLine:
    name: str
    hours: int


@dataclass(frozen=True)
class Price:
    form: Pricing
    currency: str
    amount: float | None = None  # fixed
    low: float | None = None  # tm
    high: float | None = None  # tm
    confidence: Confidence | None = None  # fixed
    hours: float = 0.0  # the hours the price stands for
    overrun: float | None = None  # the overrun factor a fixed price carries (own estimate only)
    base: Literal["band", "guess"] = "band"  # what a fixed price stands on
    guess_hours: float | None = None  # the own estimate it stood on (base "guess")


@dataclass(frozen=True)
class Timeline:
    start: dt.date
    weeks: int
    end: dt.date
    due: dt.date | None
    fits: bool | None  # None without a due date


@dataclass(frozen=True)
class Proposal:
    """The structured document and the client text written from it."""

    estimate_id: str
    title: str
    client: str | None
    goal: str
    phases: tuple[PhaseLine, ...]
    total_hours: int
    price: Price
    timeline: Timeline
    assumptions: tuple[str, ...]
    exclusions: tuple[str, ...]
    open_points: tuple[str, ...]
    payment_terms: str
    valid_until: dt.date
    tone: str
    created: dt.date
    client_text: str = field(default="", compare=False)

    def to_dict(self) -> dict[str, Any]:
        """JSON-serialisable: kept with the draft's version (exports, starting the project)."""
        data = asdict(self)
        return _json_dates(data)


def _json_dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _json_dates(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_dates(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


# --- figures --------------------------------------------------------------------------------


def p80(p50: float, p90: float) -> float:
    """The band's P80, on a log-normal through its P50 and P90."""
    if p50 <= 0 or p90 <= p50:
        return max(p50, p90)
    return p50 * (p90 / p50) ** (_Z80 / _Z90)


def round_price(amount: float, up: bool = True) -> float:
    """To a figure a client reads as considered: 50s below 10k, 100s above."""
    step = 100 if amount >= 10_000 else 50
    return float((math.ceil if up else math.floor)(amount / step) * step) if amount > 0 else 0.0


def money(amount: float, currency: str) -> str:
    """ "€12,400", "CHF 12,400": whole units, thousands separated."""
    return format_money(amount, currency, cents=False)


def price_of(facts: ProposalFacts) -> Price:
    if facts.pricing == "tm":
        low = round_price(facts.p10_hours * facts.rate, up=False)
        high = round_price(facts.p90_hours * facts.rate)
        return Price("tm", facts.currency, low=low, high=high, hours=facts.p50_hours)
    if facts.guess_hours is not None and facts.guess_hours > 0:
        # An estimate runs over the way the studio's estimates do: the overrun corrects it.
        factor = facts.overrun if facts.overrun is not None and facts.overrun > 1 else None
        hours = facts.guess_hours * (factor or 1.0)
        return Price(
            "fixed",
            facts.currency,
            amount=round_price(hours * facts.rate),
            confidence=None,
            hours=hours,
            overrun=factor,
            base="guess",
            guess_hours=facts.guess_hours,
        )
    # The band's quantiles are of actual hours: the overrun is in them already.
    hours = facts.p50_hours if facts.confidence == "p50" else p80(facts.p50_hours, facts.p90_hours)
    return Price(
        "fixed",
        facts.currency,
        amount=round_price(hours * facts.rate),
        confidence=facts.confidence,
        hours=hours,
    )


def phase_lines(phases: Sequence[PhaseShare], hours: float) -> tuple[PhaseLine, ...]:
    """Whole hours per phase that add up to the rounded total (largest remainders first)."""
    total = max(1, round(hours))
    usable = [p for p in phases if p.share > 0]
    if not usable:
        return (PhaseLine("Delivery", total),)
    weight = sum(p.share for p in usable)
    raw = [p.share / weight * total for p in usable]
    whole = [math.floor(x) for x in raw]
    order = sorted(range(len(raw)), key=lambda i: -(raw[i] - whole[i]))
    for i in order[: total - sum(whole)]:
        whole[i] += 1
    return tuple(
        PhaseLine(_phase_title(p.name), h) for p, h in zip(usable, whole, strict=True) if h > 0
    )


# Phase names are stored lower-case ("qa", "ux design"); these words stay upper-case in titles.
ACRONYMS = frozenset({"qa", "ux", "ui", "seo", "api", "cms", "crm", "erp", "sso"})
_WORD = re.compile(r"[A-Za-z]+")


def _phase_title(name: str) -> str:
    """ "qa" -> "QA", "ui/ux design" -> "UI/UX design", "build" -> "Build"."""
    name = " ".join(name.split()) or "Delivery"
    name = _WORD.sub(lambda m: m[0].upper() if m[0].lower() in ACRONYMS else m[0], name)
    return name[:1].upper() + name[1:]


def next_monday(day: dt.date) -> dt.date:
    return day + dt.timedelta(days=(7 - day.weekday()) % 7 or 7)


def timeline_of(hours: float, facts: ProposalFacts) -> Timeline:
    start = next_monday(facts.today)
    weeks = max(1, math.ceil(hours / facts.capacity_hours_per_week))
    end = start + dt.timedelta(days=7 * weeks - 3)  # the Friday of the last week
    fits = None if facts.due_date is None else end <= facts.due_date
    return Timeline(start, weeks, end, facts.due_date, fits)


def goal_sentence(brief: str) -> str:
    """The client's goal in one sentence, from the brief."""
    text = " ".join(brief.split())
    first = re.split(r"(?<=[.!?])\s+", text, maxsplit=1)[0].rstrip(".!? ")
    if len(first) > GOAL_CHARS:
        first = first[: GOAL_CHARS - 1].rsplit(" ", 1)[0] + "…"
    if not first:
        return ""
    return first[:1].upper() + first[1:] + ("" if first.endswith("…") else ".")


def _title(facts: ProposalFacts, goal: str) -> str:
    if facts.title:
        return " ".join(facts.title.split())[:80]
    words = goal.rstrip(".…").split()
    return " ".join(words[:8]) + ("…" if len(words) > 8 else "")


def _lists(points: Sequence[OpenPoint]) -> tuple[list[str], list[str], list[str]]:
    assumptions: list[str] = []
    exclusions: list[str] = []
    for point in points:
        for table, out in ((_ASSUME, assumptions), (_EXCLUDE, exclusions)):
            line = table.get(point.topic)
            if line and line not in out:
                out.append(line)
    exclusions.append(_ALWAYS_EXCLUDED)
    questions = list(dict.fromkeys(p.question for p in points if p.question))
    return assumptions, exclusions, questions


def build_proposal(facts: ProposalFacts) -> Proposal:
    goal = goal_sentence(facts.brief)
    price = price_of(facts)
    phases = phase_lines(facts.phases, price.hours)
    total = sum(p.hours for p in phases)
    assumptions, exclusions, questions = _lists(facts.open_points)
    proposal = Proposal(
        estimate_id=facts.estimate_id,
        title=_title(facts, goal),
        client=facts.client,
        goal=goal,
        phases=phases,
        total_hours=total,
        price=price,
        timeline=timeline_of(total, facts),
        assumptions=tuple(assumptions),
        exclusions=tuple(exclusions),
        open_points=tuple(questions),
        payment_terms=" ".join(facts.payment_terms.split()),
        valid_until=facts.today + dt.timedelta(days=facts.validity_days),
        tone=facts.tone if facts.tone in TONES else "formal",
        created=facts.today,
    )
    return Proposal(**{**proposal.__dict__, "client_text": proposal_markdown(proposal)})


# --- the client text -----------------------------------------------------------------------


def day(value: dt.date) -> str:
    return f"{value.day} {value:%B %Y}"


_OPENING = {
    "friendly": "Thanks for telling us about your project! Here is how we would do it, what "
    "it costs and when it would be ready.",
    "formal": "Thank you for your enquiry. This proposal sets out the work, the price and the "
    "schedule we propose.",
    "brief": "The work, price and schedule we propose:",
}
_CLOSING = {
    "friendly": "If this looks right, reply to accept it and we will book the start date. "
    "Happy to talk anything through.",
    "formal": "To accept this proposal, please confirm in writing; we will then confirm the "
    "start date.",
    "brief": "Reply to accept; we then confirm the start date.",
}


def _price_lines(price: Price) -> list[str]:
    if price.form == "tm":
        assert price.low is not None and price.high is not None
        return [
            f"Time and materials: **{money(price.low, price.currency)}–"
            f"{money(price.high, price.currency)}**, invoiced monthly for the hours worked.",
            "Four projects in five like this one land inside this range; we tell you early if "
            "the work heads past the upper figure.",
        ]
    assert price.amount is not None
    if price.base == "guess":  # no stated confidence: the figure is ours, not the band's
        return [
            f"Fixed price: **{money(price.amount, price.currency)}** for the deliverables above.",
            "It allows for how work like this usually runs; the risk of going over is ours.",
        ]
    chance = "four times out of five" if price.confidence == "p80" else "half of the time"
    return [
        f"Fixed price: **{money(price.amount, price.currency)}** for the deliverables above.",
        f"Confidence: {'80' if price.confidence == 'p80' else '50'}% — work like this comes in "
        f"within this price {chance}; the risk of going over is ours.",
    ]


def _timeline_lines(timeline: Timeline) -> list[str]:
    weeks = f"{timeline.weeks} week{'s' if timeline.weeks != 1 else ''}"
    lines = [
        f"Start: {day(timeline.start)}; about {weeks} of work; delivery by "
        f"{day(timeline.end)}."
    ]
    if timeline.due is not None:
        if timeline.fits:
            lines.append(f"This meets the date you asked for ({day(timeline.due)}).")
        else:
            lines.append(
                f"The date you asked for ({day(timeline.due)}) is earlier than this plan "
                "allows; we can agree a smaller first release by then, or a later date."
            )
    return lines


def proposal_markdown(proposal: Proposal) -> str:
    """The client text: Markdown of the small subset every adapter renders (bold section lines,
    ``- `` lists), so the same text is the draft, the post and the export."""
    tone = proposal.tone
    out: list[str] = []
    lead = f"Proposal for {proposal.client}" if proposal.client else "Proposal"
    out += [f"**{lead}: {proposal.title}**", f"{day(proposal.created)} · valid until "
            f"{day(proposal.valid_until)}", "", _OPENING[tone], ""]
    if proposal.goal:
        out += ["**Your goal**", proposal.goal, ""]
    out.append("**Deliverables**")
    out += [f"- {phase.name}: {phase.hours} h" for phase in proposal.phases]
    out += [f"Total: {proposal.total_hours} h", "", "**Price**", *_price_lines(proposal.price)]
    out += ["", "**Timeline**", *_timeline_lines(proposal.timeline)]
    if proposal.assumptions:
        out += ["", "**Assumptions**", *(f"- {line}" for line in proposal.assumptions)]
    out += ["", "**Not included**", *(f"- {line}" for line in proposal.exclusions)]
    if proposal.open_points and tone != "brief":
        out += ["", "**To confirm before we start**", *(f"- {q}" for q in proposal.open_points)]
    out += ["", "**Payment terms**", proposal.payment_terms]
    out += ["", "**Validity**", f"This proposal is valid until {day(proposal.valid_until)}."]
    out += ["", _CLOSING[tone]]
    return "\n".join(out)


def next_tone(tone: str) -> str:
    return TONES[(TONES.index(tone) + 1) % len(TONES)] if tone in TONES else "formal"


__all__ = [
    "CONFIDENCES",
    "PRICINGS",
    "TONES",
    "OpenPoint",
    "PhaseLine",
    "PhaseShare",
    "Price",
    "Proposal",
    "ProposalFacts",
    "Timeline",
    "build_proposal",
    "goal_sentence",
    "money",
    "next_tone",
    "p80",
    "phase_lines",
    "price_of",
    "proposal_markdown",
    "round_price",
]

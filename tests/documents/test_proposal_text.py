"""The proposal composer on its own: figures, pricing forms, and the PDF read back as text."""

from __future__ import annotations

import dataclasses
import datetime as dt
import io

import pypdf

from bot.leaks import LeakFilter
from bot.proposal_pdf import text_pdf
from bot.proposal_text import OpenPoint, PhaseShare, ProposalFacts, build_proposal, p80

FACTS = ProposalFacts(
    estimate_id="est-1",
    brief="Shopify store with a custom theme and Stripe checkout. Then a blog.",
    p10_hours=60,
    p50_hours=90,
    p90_hours=140,
    rate=95,
    currency="EUR",
    phases=(PhaseShare("design", 0.3), PhaseShare("build", 0.5), PhaseShare("launch", 0.2)),
    open_points=(OpenPoint("content", "Who provides the content?"),),
    overrun=1.15,
    pricing="fixed",
    confidence="p80",
    capacity_hours_per_week=25,
    payment_terms="50% on signature, 50% on delivery.",
    validity_days=30,
    today=dt.date(2026, 12, 1),
    due_date=dt.date(2027, 1, 5),
)


def test_fixed_price_is_the_p80_of_the_actual_hours_band_without_the_overrun() -> None:
    proposal = build_proposal(FACTS)
    # The band is read from actual hours: the overrun (1.15) is in it already, never on top.
    hours = p80(90, 140)
    assert proposal.price.amount is not None
    assert proposal.price.base == "band" and proposal.price.overrun is None
    assert hours * 95 <= proposal.price.amount < hours * 95 + 100  # rounded up to 100s
    assert sum(p.hours for p in proposal.phases) == proposal.total_hours == round(hours)
    assert proposal.goal == "Shopify store with a custom theme and Stripe checkout."
    assert "€" in proposal.client_text and "/h" not in proposal.client_text
    assert proposal.timeline.fits is False and "earlier than this plan" in proposal.client_text
    assert proposal.valid_until == dt.date(2026, 12, 31)
    assert LeakFilter().leaks(proposal.client_text) == []  # the rate rule finds nothing


def test_time_and_materials_is_the_band_and_p50_pricing_is_lower() -> None:
    tm = build_proposal(dataclasses.replace(FACTS, pricing="tm"))
    assert (tm.price.low, tm.price.high) == (5700, 13300)
    assert "Time and materials: **€5,700–€13,300**" in tm.client_text
    p50 = build_proposal(dataclasses.replace(FACTS, confidence="p50"))
    assert p50.price.amount is not None and p50.price.amount < build_proposal(FACTS).price.amount  # type: ignore[operator]


def test_the_pdf_holds_the_client_text_and_survives_any_character() -> None:
    proposal = build_proposal(dataclasses.replace(FACTS, brief="Café shop 🚀 for Zürich"))
    text = "\n".join(
        page.extract_text() for page in pypdf.PdfReader(io.BytesIO(text_pdf(
            proposal.client_text, title=proposal.title
        ))).pages
    )
    for expected in ("Deliverables", "Fixed price:", "Zürich", "Payment terms", "31 December"):
        assert expected in text
    assert "**" not in text


def test_an_own_estimate_is_the_base_and_carries_the_overrun() -> None:
    guessed = build_proposal(dataclasses.replace(FACTS, guess_hours=80))
    price = guessed.price
    assert price.base == "guess" and price.guess_hours == 80 and price.overrun == 1.15
    assert price.hours == 80 * 1.15 and price.amount == 8750  # 92 h × €95, rounded up to 50s
    assert sum(p.hours for p in guessed.phases) == guessed.total_hours == 92
    assert "Fixed price: **€8,750**" in guessed.client_text
    assert "80%" not in guessed.client_text  # no band confidence is claimed for it
    # Work that came in under its estimates adds nothing to an own estimate.
    under = build_proposal(dataclasses.replace(FACTS, guess_hours=80, overrun=0.9)).price
    assert under.hours == 80 and under.overrun is None


def test_phase_titles_keep_acronyms_upper_case() -> None:
    phases = tuple(
        PhaseShare(name, 0.2) for name in ("qa", "ux design", "ui/ux", "seo and api", "build")
    )
    proposal = build_proposal(dataclasses.replace(FACTS, phases=phases))
    names = {phase.name for phase in proposal.phases}
    assert names == {"QA", "UX design", "UI/UX", "SEO and API", "Build"}
    assert "- QA: " in proposal.client_text and "Qa" not in proposal.client_text

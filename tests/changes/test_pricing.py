"""Pricing an extra from the studio's history: the /scope engine over past pieces of work."""

from __future__ import annotations

import datetime as dt

from bot.changes.pricing import PastChange, delivery_impact, past_items, price_extra
from knowledge.models import PastProject


def project(pid: str, title: str, summary: str, phases: dict[str, float]) -> PastProject:
    return PastProject(
        id=pid, title=title, summary=summary, actual_hours=sum(phases.values()), phases=phases
    )


HISTORY = [
    project("p1", "Bakery shop", "Shopify shop with a recipe blog", {"design": 20, "build": 60}),
    project("p2", "Law firm site", "Brochure site with a news blog", {"design": 12, "build": 30}),
    project("p3", "Loyalty app", "Mobile loyalty points app", {"design": 30, "build": 110}),
]
CHANGES = [
    PastChange("cr1", "add a blog section with categories", 10),
    PastChange("cr2", "a blog section for company news", 8),
    PastChange("cr3", "blog archive page and categories", 12),
]


def test_the_pieces_of_past_work_are_phases_and_earlier_changes() -> None:
    items = past_items(HISTORY, CHANGES)
    assert {i.id for i in items} >= {"phase:p1:design", "phase:p3:build", "change:cr2"}
    assert len(items) == 6 + 3


def test_an_extra_like_earlier_changes_is_priced_from_them_with_a_band() -> None:
    price = price_extra("a blog section", HISTORY, CHANGES, rate=90, currency="EUR")
    assert price.priced and price.p10 is not None and price.p90 is not None
    assert price.p10 <= price.hours <= price.p90  # type: ignore[operator]
    assert 8 <= price.hours <= 12  # type: ignore[operator]  # the earlier blog changes
    assert price.price == price.hours * 90  # type: ignore[operator]
    assert price.analogues[0].label.startswith("earlier change")
    assert "similar piece" in price.basis


def test_without_the_changes_the_phases_decide_and_the_band_widens() -> None:
    with_changes = price_extra("a blog section", HISTORY, CHANGES, rate=90, currency="EUR")
    phases_only = price_extra("a blog section", HISTORY, [], rate=90, currency="EUR")
    assert phases_only.hours != with_changes.hours
    assert phases_only.p90 - phases_only.p10 > with_changes.p90 - with_changes.p10  # type: ignore[operator]
    assert all("phase of" in a.label for a in phases_only.analogues)


def test_no_history_uses_a_stated_figure_or_gives_none() -> None:
    guessed = price_extra("a blog", [], [], rate=100, currency="USD", guess=6.2)
    assert guessed.hours == 6.0 and guessed.p10 is None and guessed.confidence == "guess"
    nothing = price_extra("a blog", [], [], rate=100, currency="USD")
    assert not nothing.priced and nothing.price is None


def test_the_delivery_impact_comes_from_capacity() -> None:
    weeks, due = delivery_impact(20, 25, dt.date(2027, 1, 15))
    assert weeks == 0.8 and due == dt.date(2027, 1, 21)
    assert delivery_impact(20, 25, None) == (0.8, None)
    assert delivery_impact(None, 25, dt.date(2027, 1, 15)) == (None, None)

"""The change-order text: what, why it is extra (from the scope line), hours, price, new date,
and a request to confirm before work starts; nothing the studio keeps to itself."""

from __future__ import annotations

import datetime as dt

from bot.changes.order import (
    OrderFigures,
    build_order,
    client_reason,
    client_request,
    export_markdown,
)

FIGURES = OrderFigures(
    project="Acme coffee shop",
    client="Acme Corp",
    request="one more revision round on the homepage",
    reason="Extra: “one more revision round” goes beyond what the agreed scope sets in “Two "
    "design revision rounds” (brief).",
    hours=6,
    price=540,
    currency="EUR",
    due_date=dt.date(2027, 1, 15),
    new_due_date=dt.date(2027, 1, 17),
    weeks=0.2,
    change_id="cr1a2b3c",
)


def test_the_order_states_what_why_hours_price_date_and_asks_to_confirm() -> None:
    text, document = build_order(FIGURES)
    assert text.startswith("Hi Acme Corp,")
    assert "- What: one more revision round on the homepage" in text
    assert "It goes beyond what we agreed: “Two design revision rounds”." in text
    assert "- Effort: 6 h" in text and "- Price: €540" in text
    assert "from 15 Jan 2027 to 17 Jan 2027" in text
    assert "confirm" in text and "won't start this work until you do" in text
    assert "(brief)" not in text and "Extra:" not in text
    assert document["hours"] == 6 and document["new_due_date"] == "2027-01-17"


def test_the_client_reads_the_scope_line_not_the_studios_labels() -> None:
    excluded = "Extra: the agreed scope excludes it: “Multi-language support” (proposal p1)."
    assert client_reason(excluded) == (
        "The scope we agreed lists it as not included: “Multi-language support”."
    )
    unrelated = "Extra: no line of the agreed scope mentions it (it starts with “x” (brief))."
    assert client_reason(unrelated) == "The scope we agreed doesn't include it."

def test_without_a_due_date_the_delay_is_given_in_days() -> None:
    text, _ = build_order(FIGURES.__class__(**{**FIGURES.__dict__, "due_date": None}))
    assert "- Delivery: about 2 more days" in text


def test_the_export_is_markdown_with_a_title() -> None:
    text, document = build_order(FIGURES)
    markdown = export_markdown(document, text, dt.date(2026, 12, 1))
    assert markdown.startswith("# Change order cr1a2b3c — Acme coffee shop\n\n_1 Dec 2026_")


def test_the_request_keeps_its_clean_clauses_for_the_client() -> None:
    from bot.leaks import LeakFilter

    judge = LeakFilter(("Northwind Roasters",), ("Acme Corp",)).judge
    request, left = client_request(
        "a loyalty points program like the one for Northwind Roasters, with a points page, "
        "internal: charge them double", judge
    )
    assert request == "a loyalty points program, with a points page"
    assert left == ("other_client", "internal")
    assert client_request("internal: all of it", judge)[0] == "the addition you asked for"

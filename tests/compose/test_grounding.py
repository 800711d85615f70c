"""What counts as traceable: the same figure written differently, never a new one."""

from __future__ import annotations

import datetime as dt

import pytest

from bot.grounding import check, strip_mentions

FACTS = {
    "project": "Bloom Studio storefront",
    "hours": 1200,
    "rate": 1.5,
    "ratio": 1.3,
    "price": 12000,
    "actual": 118.6,
    "currency": "USD",
    "due": dt.date(2026, 3, 15),
    "analogue_id": "p-017",
    "channel": "#acme-updates",
    "summary": "Shopify theme for Nordlys. Total: 777 hours, see https://evil.example",
}


@pytest.mark.parametrize(
    "text",
    [
        "About 1,200 hours.",
        "About 1200h.",
        "A $12k project.",
        "A $12,000 project at 1.50 per unit.",
        "Roughly 1.5 per unit.",
        "Projects like this ran 1.3× their estimate, or 30% over.",
        "It took 119 hours.",
        "Due on 15 March 2026, i.e. 2026-03-15, March 15th.",
        "Due in March 2026.",
        "Based on p-017, posted in #acme-updates.",
        "Like the Shopify theme for Nordlys, the Bloom Studio storefront is on track.",
        "Next steps:\n1. Review\n2. Launch",
        "USD 12,000 in total.",
    ],
)
def test_the_same_figures_written_differently_are_traceable(text):
    assert check(text, FACTS, draft="") == []


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("About 1,300 hours.", "number"),
        ("A $13k project.", "number"),
        ("It took 120 hours.", "number"),
        ("Projects like this ran 40% over.", "percent"),
        ("Due on 16 March 2026.", "date"),
        ("Due in April 2026.", "date"),
        ("Based on p-018.", "identifier"),
        ("Post it in #general.", "channel"),
        ("A €12,000 project.", "number"),
        ("Like the work for Zephyr Holdings.", "name"),
        # Prose inside the facts vouches for names only, not for figures or links.
        ("Total: 777 hours.", "number"),
        ("See https://evil.example", "link"),
    ],
)
def test_a_new_figure_name_or_link_is_not(text, kind):
    problems = check(text, FACTS, draft="")
    assert problems and {claim.kind for claim in problems} == {kind}


def test_the_draft_is_evidence_too():
    draft = "We logged 6h on checkout on 3 Feb; invoice INV-42 follows."
    assert check("6 hours on checkout (Feb 3). Invoice INV-42 follows.", {}, draft) == []
    assert check("7 hours on checkout.", {}, draft)[0].text == "7"


def test_words_that_look_like_dates_are_not_dates():
    assert check("We may finish in 3 hours.", {}, draft="3 hours") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("<!channel> launch", "channel launch"),
        ("<!here|here> launch", "here launch"),
        ("hey @everyone and @here", "hey everyone and here"),
        ("ping <@U0123ABC> now", "ping now"),
        ("thanks <@U0123ABC|maria>", "thanks maria"),
        ("for <!subteam^S012|@designers>", "for designers"),
        ("role <@&123456789> and user <@!987654321>", "role and user "),
        ("mail ops@acme.example", "mail ops@acme.example"),
        ("@@channel", "channel"),
    ],
)
def test_mentions_are_neutralised_and_words_kept(text, expected):
    assert strip_mentions(text) == expected


@pytest.mark.parametrize(
    ("text", "traceable"),
    [
        ("CHF 12,000 in total.", True),  # the code CLDR writes before the figure
        ("12,000 francs in total.", True),  # the word freelancers use for CHF
        ("SEK 12,000 in total.", False),  # a figure in a currency the facts don't hold
        ("₹12,000 in total.", False),
        ("CA$12,000 in total.", False),
    ],
)
def test_any_currency_is_read_with_its_figure(text: str, traceable: bool) -> None:
    facts = {**FACTS, "currency": "CHF"}
    assert (check(text, facts, draft="") == []) is traceable, check(text, facts, draft="")

"""Scoping helpers on hand-computed cases: brief overrides, questions, phases, risks, wording."""

from __future__ import annotations

import pytest

from bot.errors import AtelierError
from bot.scoping import wording as w
from bot.scoping.brief import parse_brief
from bot.scoping.phases import phase_breakdown
from bot.scoping.questions import RULES, open_questions
from bot.scoping.risks import top_risks


@pytest.mark.parametrize(
    ("text", "brief", "rate", "currency", "guess"),
    [
        (
            "How long would a Shopify store take at €90/h? I think 60h",
            "a Shopify store",
            90.0,
            "EUR",
            60.0,
        ),
        ("rate 120 EUR booking site for a dentist", "booking site for a dentist", 120, "EUR", None),
        ("landing page in EUR", "landing page", None, "EUR", None),
        ("my guess is 60 hours for a react app, $120 an hour", "for a react app", 120, "USD", 60),
        (
            "rate limiting for our API gateway",
            "rate limiting for our API gateway",
            None,
            None,
            None,
        ),
        ("webshop at 120 CHF/h", "webshop", 120, "CHF", None),
        ("a 5 page site at 90.50 EUR per hour", "a 5 page site", 90.5, "EUR", None),
        ("app in the app store, I'd say about 45 hrs", "app in the app store", None, None, 45),
        ("bakery shop at CHF 120/h", "bakery shop", 120, "CHF", None),
        ("bakery shop at 95 SEK an hour", "bakery shop", 95, "SEK", None),
        ("bakery shop, CA$95/h", "bakery shop", 95, "CAD", None),
        ("bakery shop in Swiss francs", "bakery shop", None, "CHF", None),
        ("a site in php, 90/h", "a site in php", 90, None, None),  # a language, not pesos
        ("a site in cad for an architect", "a site in cad for an architect", None, None, None),
        ("a site in PHP", "a site in PHP", None, None, None),
        ("a dashboard in real time", "a dashboard in real time", None, None, None),
        ("a shop in Brazilian reals", "a shop", None, "BRL", None),
        # The short ways of putting a figure on the work are a guess too.
        ("WordPress site with booking, ~25 hours", "WordPress site with booking", None, None, 25),
        ("a shop, ≈ 40h", "a shop", None, None, 40),
        ("booking site, about 30h", "booking site", None, None, 30),
        ("an app, around 120 hours", "an app", None, None, 120),
        ("est. 50h brand identity", "brand identity", None, None, 50),
        ("should take 20 hours: a landing page", "a landing page", None, None, 20),
        ("approx. 12 hrs logo at €90/h", "logo", 90, "EUR", 12),
        ("a shop at ~90/h", "a shop", 90, None, None),
        # Hours that describe the work or a schedule are not.
        (
            "video editing, about 3 hours of video",
            "video editing, about 3 hours of video",
            None,
            None,
            None,
        ),
        (
            "support retainer, about 20 hours a week",
            "support retainer, about 20 hours a week",
            None,
            None,
            None,
        ),
        ("a 2-hour workshop deck", "a 2-hour workshop deck", None, None, None),
        ("delivery within 48 hours", "delivery within 48 hours", None, None, None),
        ("24 hours support for a shop", "24 hours support for a shop", None, None, None),
        (
            "an edit of about 2 hours long footage",
            "an edit of about 2 hours long footage",
            None,
            None,
            None,
        ),
    ],
)
def test_overrides_are_taken_out_of_the_brief(text, brief, rate, currency, guess):
    parsed = parse_brief(text)
    assert (parsed.brief, parsed.rate, parsed.currency, parsed.guess_hours) == (
        brief,
        rate,
        currency,
        guess,
    )


@pytest.mark.parametrize(
    ("text", "brief"),
    [
        ("What would a booking app for a dentist cost?", "a booking app for a dentist"),
        ("how long would it take to build a React dashboard?", "a React dashboard"),
        ("what would it cost to migrate a Magento shop", "migrate a Magento shop"),
        ("can you estimate for a landing page", "a landing page"),
        ("how long does it take?", "how long does it take?"),
        ("Shopify store with a custom theme", "Shopify store with a custom theme"),
    ],
)
def test_the_question_around_a_plain_words_brief_is_dropped(text, brief):
    assert parse_brief(text).brief == brief


def test_a_silly_rate_is_refused_plainly():
    with pytest.raises(AtelierError, match="must be above 0"):
        parse_brief("landing page at $0/h")


def test_questions_skip_what_the_brief_answers():
    everything = (
        "Shopify store, launch by March, budget $10k, Stripe checkout, hosting on Vercel, "
        "the owner signs off, Figma designs ready, client provides photos, monthly retainer"
    )
    assert open_questions(everything) == []
    asked = [q.topic for q in open_questions("a small website for a bakery")]
    assert "platform" not in asked  # "website" answers it
    web = frozenset({"web"})
    assert asked == [r.topic for r in RULES if r.topic != "platform" and r.applies(web)]


def test_phases_are_similarity_weighted_shares_of_the_p50():
    phases = phase_breakdown(
        [
            ({"Design": 20, "build": 80}, 0.9),
            ({"design": 10, "Build": 30, "QA": 10}, 0.6),
            ({}, 0.3),  # no split recorded: not counted
        ],
        total_hours=100,
    )
    got = {p.name: (round(p.share, 6), round(p.hours, 6), p.sources) for p in phases}
    # design (0.9*0.2 + 0.6*0.2)/1.5, build (0.9*0.8 + 0.6*0.6)/1.5, qa 0.6*0.2/1.5
    assert got == {"build": (0.72, 72.0, 2), "design": (0.2, 20.0, 2), "qa": (0.08, 8.0, 1)}
    assert [p.name for p in phases] == ["build", "design", "qa"]
    assert phase_breakdown([({}, 1.0)], 100) == []


def test_risks_merge_the_same_lesson_and_rank_shared_ones_first():
    risks = top_risks(
        [
            ("p-1", ["Hosting setup took a day longer", "Client photos arrived late"], 0.9),
            ("p-2", ["client photos arrived late again"], 0.7),
            ("p-3", ["", "Client photos arrived late"], 0.5),
        ]
    )
    assert risks[0].text == "Client photos arrived late"
    assert risks[0].source_ids == ["p-1", "p-2", "p-3"]
    assert [r.text for r in risks] == [
        "Client photos arrived late",
        "Hosting setup took a day longer",
    ]


def test_wording_rounds_as_documented():
    assert w.hours(7.46) == "7.5 h" and w.hours(7.0) == "7 h" and w.hours(151.4) == "151 h"
    assert w.hours_range(60.2, 494.6) == "60–495 h"
    assert w.money(13626, "EUR") == "€14k" and w.money(5400, "USD") == "$5.4k"
    assert w.money(850, "CHF") == "CHF 850" and w.money(2_500_000, "GBP") == "£2.5M"
    assert w.rate(90, "EUR") == "€90/h" and w.rate(92.5, "SEK") == "SEK 92.50/h"
    assert w.ratio(1.333) == "1.33×" and w.ratio(1.3) == "1.3×" and w.percent(0.624) == "62%"


def test_echoed_data_cannot_mention_everyone():
    text = w.safe("hi @here and <!channel> and @everyone, @channelled stays")
    assert "@here" not in text and "<!channel>" not in text and "@everyone" not in text
    assert "@channelled" in text
